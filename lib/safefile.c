#include "build.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#if defined(__GLIBC__) && __GLIBC_PREREQ(2, 25)
#include <sys/random.h>
#endif

#include "safefile.h"
#include "util.h"

/* Sets err (printf-style), then errno to E: formatting may clobber it
 * and callers tell a missing file (ENOENT) from a refused one. */
static int fail(struct rl_err *err, int e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(struct rl_err *err, int e, const char *fmt, ...)
{
	char msg[RL_ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	rl_err_set(err, "%s", msg);
	errno = e;
	return -1;
}

const char *rl_file_kind(mode_t m)
{
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISLNK(m))
		return "a symbolic link";
	if (S_ISSOCK(m))
		return "a socket";
	if (S_ISCHR(m) || S_ISBLK(m))
		return "a device";
	return "not a regular file";
}

/* NAME must be one path component: openat must not climb out of D. */
static int check_name(const struct rl_file_dir *d, const char *name,
		      struct rl_err *err)
{
	if (*name == '\0' || strchr(name, '/') != NULL || !strcmp(name, ".") ||
	    !strcmp(name, ".."))
		return fail(err, EINVAL, "%s: '%.200s' is not a file name",
			    d->path, name);
	return 0;
}

int rl_file_dir_judge(int fd, const char *path, unsigned flags,
		      struct rl_err *err)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return fail(err, errno, "%s: stat: %s", path, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return fail(err, ENOTDIR, "%s: not a directory", path);
	if ((flags & RL_FILE_DIR_MODE) && (st.st_mode & (S_IWGRP | S_IWOTH)) &&
	    !(st.st_mode & S_ISVTX))
		return fail(err, EPERM,
			    "%s: writable by group or others (mode %04o) and "
			    "not sticky",
			    path, (unsigned)(st.st_mode & 07777));
	if (((flags & RL_FILE_DIR_OWNER) ||
	     ((flags & RL_FILE_DIR_SHARED) && geteuid() != 0)) &&
	    st.st_uid != 0 && st.st_uid != geteuid())
		return fail(err, EPERM,
			    "%s: owned by uid %ld, neither root nor us (uid "
			    "%ld)",
			    path, (long)st.st_uid, (long)geteuid());
	return 0;
}

int rl_file_dir_open(struct rl_file_dir *d, const char *path, unsigned flags,
		     struct rl_err *err)
{
	struct stat st;
	int fd, e;

	d->fd = -1;
	d->path = NULL;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		if ((e == ELOOP || e == ENOTDIR) && lstat(path, &st) == 0)
			return fail(err, e,
				    "%s: is %s, not a directory (not followed)",
				    path, rl_file_kind(st.st_mode));
		return fail(err, e, "%s: open: %s", path, strerror(e));
	}
	if (rl_file_dir_judge(fd, path, flags, err) < 0) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	d->path = strdup(path);
	if (d->path == NULL) {
		close(fd);
		return fail(err, ENOMEM, "%s: out of memory", path);
	}
	d->fd = fd;
	return 0;
}

int rl_file_dir_open_parent(struct rl_file_dir *d, const char *path,
			    unsigned flags, const char **name,
			    struct rl_err *err)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int r;

	d->fd = -1;
	d->path = NULL;
	if (slash == NULL) {
		*name = path;
		return rl_file_dir_open(d, ".", flags, err);
	}
	if (slash[1] == '\0')
		return fail(err, EINVAL, "%s: not a file name", path);
	/* "/j" lives in "/" */
	dir = strndup(path, slash == path ? 1 : (size_t)(slash - path));
	if (dir == NULL)
		return fail(err, ENOMEM, "%s: out of memory", path);
	r = rl_file_dir_open(d, dir, flags, err);
	if (r == 0)
		*name = slash + 1;
	free(dir);
	return r;
}

void rl_file_dir_close(struct rl_file_dir *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
	free(d->path);
	d->path = NULL;
}

/* "DIR/NAME", without doubling the slash of "/" */
static const char *sep_of(const struct rl_file_dir *d)
{
	size_t n = strlen(d->path);

	return n > 0 && d->path[n - 1] == '/' ? "" : "/";
}

/*
 * The ownership rule (issue 12): a state file or directory belongs to the
 * owner and group of the directory it is created in, so that whoever runs
 * first (root's relancectl, the core's account running the handler)
 * leaves it usable by the other. Only root can give a file away, and only
 * what root has just created is given: the mode is never changed, so
 * nothing becomes group or world writable. NEW is the fd of the new file
 * or directory, DIRFD that of the directory holding it. Returns 0, or -1
 * with errno set.
 */
static int give_to_dir_owner(int dirfd, int new)
{
	struct stat dst, nst;

	if (geteuid() != 0)
		return 0;
	if (fstat(dirfd, &dst) < 0 || fstat(new, &nst) < 0)
		return -1;
	if (nst.st_uid == dst.st_uid && nst.st_gid == dst.st_gid)
		return 0;
	return fchown(new, dst.st_uid, dst.st_gid);
}

/*
 * openat for rl_file_open: as root with O_CREAT, the file is created
 * O_EXCL so that only a file made here is given to the directory's owner
 * (give_to_dir_owner); one that exists is opened as it is. *CREATED says
 * which. Returns the fd, or -1 with errno set.
 */
static int open_or_create(int dirfd, const char *name, int how, mode_t mode,
			  bool *created)
{
	int fd, i;

	*created = false;
	if (!(how & O_CREAT) || geteuid() != 0) {
		fd = openat(dirfd, name, how, mode);
		*created = fd >= 0 && (how & O_EXCL);
		return fd;
	}
	/* a file removed between the two tries: try again, a few times */
	for (i = 0; i < 8; i++) {
		fd = openat(dirfd, name, how | O_EXCL, mode);
		if (fd >= 0) {
			*created = true;
			return fd;
		}
		if (errno != EEXIST || (how & O_EXCL))
			return -1;
		fd = openat(dirfd, name, how & ~O_CREAT, mode);
		if (fd >= 0 || errno != ENOENT)
			return fd;
	}
	return -1;
}

int rl_file_open(const struct rl_file_dir *d, const char *name, int how,
		 mode_t mode, unsigned accept, struct rl_err *err)
{
	const char *sep = sep_of(d);
	struct stat st;
	bool created;
	int fd, fl, e;

	if (check_name(d, name, err) < 0)
		return -1;
	fd = open_or_create(
	    d->fd, name, how | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY,
	    mode, &created);
	if (fd >= 0 && created && give_to_dir_owner(d->fd, fd) < 0) {
		e = errno;
		close(fd);
		unlinkat(d->fd, name, 0);
		return fail(err, e,
			    "%s%s%s: chown to the directory's owner: %s",
			    d->path, sep, name, strerror(e));
	}
	if (fd < 0) {
		e = errno;
		/* a symlink (ELOOP), or a FIFO without a reader (ENXIO) */
		if ((e == ELOOP || e == ENXIO) &&
		    fstatat(d->fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
			return fail(err, e == ENXIO ? EINVAL : e,
				    "%s%s%s: is %s, not a regular file (not "
				    "followed)",
				    d->path, sep, name,
				    rl_file_kind(st.st_mode));
		return fail(err, e, "%s%s%s: open: %s", d->path, sep, name,
			    strerror(e));
	}
	if (fstat(fd, &st) < 0) {
		e = errno;
		fail(err, e, "%s%s%s: stat: %s", d->path, sep, name,
		     strerror(e));
		goto bad;
	}
	if (S_ISCHR(st.st_mode) && (accept & RL_FILE_CHARDEV)) {
		/* a device node is root's to make: taken as it is */
	} else if (!S_ISREG(st.st_mode)) {
		fail(err, EINVAL, "%s%s%s: is %s, not a regular file", d->path,
		     sep, name, rl_file_kind(st.st_mode));
		goto bad;
	} else if (st.st_nlink != 1) {
		fail(err, EINVAL,
		     "%s%s%s: has %lu hard links (a state file has one)",
		     d->path, sep, name, (unsigned long)st.st_nlink);
		goto bad;
	}
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
		e = errno;
		fail(err, e, "%s%s%s: fcntl: %s", d->path, sep, name,
		     strerror(e));
		goto bad;
	}
	return fd;
bad:
	e = errno;
	close(fd);
	errno = e;
	return -1;
}

int rl_file_open_read(const struct rl_file_dir *d, const char *name,
		      struct rl_err *err)
{
	return rl_file_open(d, name, O_RDONLY, 0, 0, err);
}

int rl_file_open_append(const struct rl_file_dir *d, const char *name,
			mode_t mode, struct rl_err *err)
{
	return rl_file_open(d, name, O_WRONLY | O_APPEND | O_CREAT, mode, 0,
			    err);
}

/* Fills N bytes of OUT with letters and digits nobody can guess:
 * getrandom, else a mix of the clock, the pid, a stack address and SALT
 * (the attempt). */
static void random_chars(char *out, size_t n, unsigned salt)
{
	static const char set[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				  "abcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char r[32];
	uint64_t x;
	size_t i;
	ssize_t got = -1;

	if (n > sizeof(r))
		n = sizeof(r);
#if defined(__GLIBC__) && __GLIBC_PREREQ(2, 25)
	got = getrandom(r, n, GRND_NONBLOCK);
#endif
	if (got != (ssize_t)n) {
		x = (uint64_t)rl_now_us() ^ ((uint64_t)getpid() << 32) ^
		    (uint64_t)(uintptr_t)&x ^ salt;
		for (i = 0; i < n; i++) {
			/* splitmix64 */
			uint64_t z = (x += 0x9E3779B97F4A7C15ULL);

			z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
			z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
			r[i] = (unsigned char)(z ^ (z >> 31));
		}
	}
	for (i = 0; i < n; i++)
		out[i] = set[r[i] % (sizeof(set) - 1)];
}

#define TMP_RANDOM 12
#define TMP_TRIES 100

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/*
 * Creates ".NAME.RANDOM" in D (hidden, and no reader takes it for NAME),
 * given to the directory's owner, mode MODE; its name in *TMP. Returns
 * the fd, or -1 with err set and nothing left behind.
 */
static int make_temp(const struct rl_file_dir *d, const char *name, mode_t mode,
		     struct rl_buf *tmp, struct rl_err *err)
{
	char rnd[TMP_RANDOM];
	int fd = -1, i, e;

	for (i = 0; i < TMP_TRIES; i++) {
		random_chars(rnd, sizeof(rnd), (unsigned)i);
		rl_buf_reset(tmp);
		rl_buf_printf(tmp, ".%s.", name);
		rl_buf_append(tmp, rnd, sizeof(rnd));
		if (tmp->oom)
			return fail(err, ENOMEM, "%s/%s: out of memory",
				    d->path, name);
		fd = openat(
		    d->fd, rl_buf_str(tmp),
		    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0 || errno != EEXIST)
			break;
	}
	if (fd < 0) {
		e = errno;
		return fail(err, e, "%s/%s: create temporary file: %s", d->path,
			    name, strerror(e));
	}
	if (give_to_dir_owner(d->fd, fd) < 0) {
		e = errno;
		fail(err, e, "%s/%s: chown to the directory's owner: %s",
		     d->path, name, strerror(e));
	} else if (fchmod(fd, mode) < 0) {
		e = errno;
		fail(err, e, "%s/%s: write: %s", d->path, name, strerror(e));
	} else {
		return fd;
	}
	close(fd);
	unlinkat(d->fd, rl_buf_str(tmp), 0);
	errno = e;
	return -1;
}

/* Syncs and closes FD, the temporary file of NAME; 0, or -1 with err set
 * (FD closed either way). */
static int sync_close(const struct rl_file_dir *d, const char *name, int fd,
		      struct rl_err *err)
{
	int e = fsync(fd) < 0 ? errno : 0;

	if (close(fd) < 0 && e == 0)
		e = errno;
	if (e != 0)
		return fail(err, e, "%s/%s: write: %s", d->path, name,
			    strerror(e));
	return 0;
}

/* The rename itself is on disk only once the directory is. */
static int sync_dir(const struct rl_file_dir *d, struct rl_err *err)
{
	int e;

	if (fsync(d->fd) < 0 && errno != EINVAL) {
		e = errno;
		return fail(err, e, "%s: fsync: %s", d->path, strerror(e));
	}
	return 0;
}

int rl_file_write_atomic(const struct rl_file_dir *d, const char *name,
			 const void *data, size_t len, mode_t mode,
			 struct rl_err *err)
{
	struct rl_buf tmp = RL_BUF_INIT;
	int fd, e, r = -1;

	if (check_name(d, name, err) < 0)
		return -1;
	fd = make_temp(d, name, mode, &tmp, err);
	if (fd < 0)
		goto out;
	if (write_all(fd, data, len) < 0) {
		e = errno;
		close(fd);
		fail(err, e, "%s/%s: write: %s", d->path, name, strerror(e));
		goto out_unlink;
	}
	if (sync_close(d, name, fd, err) < 0)
		goto out_unlink;
	if (renameat(d->fd, rl_buf_str(&tmp), d->fd, name) < 0) {
		e = errno;
		fail(err, e, "%s/%s: rename: %s", d->path, name, strerror(e));
		goto out_unlink;
	}
	r = sync_dir(d, err);
	goto out;
out_unlink:
	e = errno;
	unlinkat(d->fd, rl_buf_str(&tmp), 0);
	errno = e;
out:
	rl_buf_free(&tmp);
	return r;
}

/* Does FD hold exactly LEN bytes equal to DATA? 1 yes, 0 no or unreadable. */
static int same_bytes(int fd, const char *data, size_t len)
{
	char buf[65536];
	size_t off = 0;
	ssize_t n;

	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return 0;
		if (n == 0)
			return off == len;
		if ((size_t)n > len - off ||
		    memcmp(buf, data + off, (size_t)n) != 0)
			return 0;
		off += (size_t)n;
	}
}

/*
 * Is F->name in D already what rl_file_write_atomic would leave there: a
 * regular file with one link (not a link), mode MODE, owned as a new one
 * would be (root: the directory's owner and group, DST; else ours, the
 * group as the directory's set-group-ID bit says), F's bytes? Anything
 * else, or an error, is "no": the file is then replaced.
 */
static bool already_there(const struct rl_file_dir *d, const struct stat *dst,
			  const struct rl_file_new *f, mode_t mode)
{
	struct stat st;
	uid_t uid = geteuid();
	gid_t gid;
	bool same;
	int fd;

	fd = openat(d->fd, f->name,
		    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return false;
	if (uid == 0) {
		uid = dst->st_uid;
		gid = dst->st_gid;
	} else {
		gid = (dst->st_mode & S_ISGID) ? dst->st_gid : getegid();
	}
	same = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink == 1 &&
	       (st.st_mode & 07777) == mode && st.st_uid == uid &&
	       st.st_gid == gid && (size_t)st.st_size == f->len &&
	       same_bytes(fd, f->data, f->len) == 1;
	close(fd);
	return same;
}

/* Temporary files written before their syncs are waited for: the disk
 * works on them together (and an fd each is held meanwhile). */
#define WRITE_BATCH 64

int rl_file_write_atomic_all(const struct rl_file_dir *d,
			     struct rl_file_new *files, size_t n, mode_t mode,
			     struct rl_err *err)
{
	struct rl_buf *tmp = NULL;
	int fds[WRITE_BATCH];
	size_t i, b, nb = 0, n_made = 0, n_renamed = 0;
	struct stat dst;
	int e, r = -1;

	for (i = 0; i < n; i++)
		if (check_name(d, files[i].name, err) < 0)
			return -1;
	if (fstat(d->fd, &dst) < 0)
		return fail(err, errno, "%s: stat: %s", d->path,
			    strerror(errno));
	tmp = calloc(n ? n : 1, sizeof(*tmp));
	if (tmp == NULL)
		return fail(err, ENOMEM, "%s: out of memory", d->path);
	for (i = 0; i < n; i++)
		files[i].unchanged = already_there(d, &dst, &files[i], mode);
	/* every temporary file written and synced, in batches */
	for (b = 0; b < n; b += WRITE_BATCH) {
		size_t end = b + WRITE_BATCH < n ? b + WRITE_BATCH : n, k;

		for (nb = 0, i = b; i < end; i++) {
			if (files[i].unchanged)
				continue;
			fds[nb] =
			    make_temp(d, files[i].name, mode, &tmp[i], err);
			if (fds[nb] < 0) {
				rl_buf_reset(&tmp[i]); /* nothing made */
				goto fail;
			}
			n_made = i + 1;
			if (write_all(fds[nb++], files[i].data, files[i].len) <
			    0) {
				e = errno;
				fail(err, e, "%s/%s: write: %s", d->path,
				     files[i].name, strerror(e));
				goto fail;
			}
#ifdef SYNC_FILE_RANGE_WRITE
			/* start the write-back now; fsync below waits */
			sync_file_range(fds[nb - 1], 0, 0,
					SYNC_FILE_RANGE_WRITE);
#endif
		}
		for (k = 0, i = b; i < end; i++) {
			if (files[i].unchanged)
				continue;
			e = sync_close(d, files[i].name, fds[k], err);
			fds[k++] = -1;
			if (e < 0)
				goto fail;
		}
		nb = 0;
	}
	/* then each replaces its file, and the directory is synced once */
	for (i = 0; i < n; i++) {
		if (files[i].unchanged)
			continue;
		if (renameat(d->fd, rl_buf_str(&tmp[i]), d->fd, files[i].name) <
		    0) {
			e = errno;
			fail(err, e, "%s/%s: rename: %s", d->path,
			     files[i].name, strerror(e));
			goto fail;
		}
		n_renamed = i + 1;
	}
	r = n_renamed > 0 ? sync_dir(d, err) : 0;
	goto out;
fail:
	e = errno;
	for (i = 0; i < nb; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	for (i = n_renamed; i < n_made; i++)
		if (!files[i].unchanged && tmp[i].len > 0)
			unlinkat(d->fd, rl_buf_str(&tmp[i]), 0);
	errno = e;
out:
	for (i = 0; i < n; i++)
		rl_buf_free(&tmp[i]);
	free(tmp);
	return r;
}

/* ---- secrets ------------------------------------------------------------ */

int rl_file_open_secret(const char *path, struct rl_err *err)
{
	struct stat st;
	uid_t me = geteuid();
	int fd, e;

	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		e = errno;
		return fail(err, e, "%s: %s", path, strerror(e));
	}
	if (fstat(fd, &st) < 0) {
		e = errno;
		close(fd);
		return fail(err, e, "%s: %s", path, strerror(e));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return fail(err, EINVAL, "%s: refused: %s", path,
			    rl_file_kind(st.st_mode));
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		close(fd);
		return fail(err, EPERM,
			    "%s: refused: readable by group or others (mode "
			    "%04o); chmod 600 %s",
			    path, (unsigned)(st.st_mode & 07777), path);
	}
	if (me != 0 && st.st_uid != me) {
		close(fd);
		return fail(err, EPERM,
			    "%s: refused: owned by uid %lu, not by the caller "
			    "(uid %lu)",
			    path, (unsigned long)st.st_uid, (unsigned long)me);
	}
	/* blocking again: a regular file */
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0) {
		e = errno;
		close(fd);
		return fail(err, e, "%s: %s", path, strerror(e));
	}
	return fd;
}

int rl_file_read_secret(const char *path, char **secret, struct rl_err *err)
{
	char buf[RL_FILE_SECRET_MAX + 2];
	size_t n = 0, len;
	ssize_t got;
	char *s;
	int fd = rl_file_open_secret(path, err), r = -1;

	if (fd < 0)
		return -1;
	while (n < sizeof(buf) - 1 &&
	       (got = read(fd, buf + n, sizeof(buf) - 1 - n)) != 0) {
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			rl_err_set(err, "%s: read: %s", path, strerror(errno));
			goto out;
		}
		n += (size_t)got;
	}
	buf[n] = '\0';
	len = strcspn(buf, "\r\n");
	if (len > RL_FILE_SECRET_MAX) {
		rl_err_set(err, "%s: longer than %d bytes", path,
			   RL_FILE_SECRET_MAX);
		goto out;
	}
	if (len == 0) {
		rl_err_set(err, "%s: empty (the secret is its first line)",
			   path);
		goto out;
	}
	s = malloc(len + 1);
	if (s == NULL) {
		rl_err_set(err, "out of memory");
		goto out;
	}
	memcpy(s, buf, len);
	s[len] = '\0';
	*secret = s;
	r = 0;
out:
	explicit_bzero(buf, sizeof(buf));
	close(fd);
	return r;
}

void rl_file_secret_free(char *secret)
{
	if (secret == NULL)
		return;
	explicit_bzero(secret, strlen(secret));
	free(secret);
}

/* Root made directory PATH: gives it to the owner of PARENT, the
 * directory it was made in. Returns 0, or -1 with errno set. */
static int give_dir(const char *parent, const char *path)
{
	int pfd, fd, r = -1, e;

	if (geteuid() != 0)
		return 0;
	pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pfd < 0)
		return -1;
	/* a link put in its place since is not followed */
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0) {
		r = give_to_dir_owner(pfd, fd);
		e = errno;
		close(fd);
		errno = e;
	}
	e = errno;
	close(pfd);
	errno = e;
	return r;
}

int rl_file_mkdir_p(const char *dir, const char *what, struct rl_err *err)
{
	struct rl_buf parent = RL_BUF_INIT;
	struct stat st;
	char *tmp, *p, c;
	int ret = -1;

	if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	tmp = strdup(dir);
	if (tmp == NULL)
		return rl_err_set(err, "cannot create %s '%s': out of memory",
				  what, dir);
	for (p = tmp + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		c = *p;
		*p = '\0';
		if (mkdir(tmp, 0755) == 0) {
			/* its parent: "/" for "/x", "." for "x" */
			const char *slash = strrchr(tmp, '/');

			rl_buf_reset(&parent);
			if (slash == NULL)
				rl_buf_puts(&parent, ".");
			else
				rl_buf_append(
				    &parent, tmp,
				    slash == tmp ? 1 : (size_t)(slash - tmp));
			if (parent.oom) {
				rl_err_set(err,
					   "cannot create %s '%s': out of "
					   "memory",
					   what, dir);
				goto out;
			}
			if (give_dir(rl_buf_str(&parent), tmp) < 0) {
				rl_err_set(err,
					   "cannot create %s '%s': chown to "
					   "the owner of '%s': %s",
					   what, dir, rl_buf_str(&parent),
					   strerror(errno));
				goto out;
			}
		} else if (errno != EEXIST) {
			rl_err_set(err, "cannot create %s '%s': %s", what, dir,
				   strerror(errno));
			goto out;
		}
		*p = c;
		if (c == '\0')
			break;
	}
	if (stat(dir, &st) < 0) {
		rl_err_set(err, "cannot create %s '%s': %s", what, dir,
			   strerror(errno));
		goto out;
	}
	if (!S_ISDIR(st.st_mode)) {
		rl_err_set(err, "cannot create %s '%s': not a directory", what,
			   dir);
		goto out;
	}
	ret = 0;
out:
	rl_buf_free(&parent);
	free(tmp);
	return ret;
}
