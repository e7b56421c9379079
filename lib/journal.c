#include "build.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "confstore.h"
#include "journal.h"
#include "model.h"
#include "safefile.h"
#include "util.h"

struct rl_journal {
	int fd;
	char *path;
	struct rl_file_dir dir; /* the journal's directory, opened once */
	const char *name;	/* the journal's name in dir (in path) */
	int64_t max_size;	/* rotate beyond this size; 0: never */
	int keep;		/* rotated files kept */
	char *config;		/* the config hash every record carries */
	char *bundle;		/* that config, kept once (confstore) */
	size_t bundle_len;
	int config_keep;
	/* records written but not yet synced (rl_journal_append_unsynced):
	 * the next sync covers them */
	bool dirty;
};

#define MAX_ROTATED 10000 /* rotated files a reader looks for */

/* The fields in the order they are written; the offsets say where. */
enum field_type { F_STR, F_INT };

static const struct field {
	const char *name;
	enum field_type type;
	size_t off;
} fields[] = {
    {"ts", F_INT, offsetof(struct rl_journal_rec, ts_ms)},
    {"node", F_STR, offsetof(struct rl_journal_rec, node)},
    {"user", F_STR, offsetof(struct rl_journal_rec, user)},
    {"pid", F_INT, offsetof(struct rl_journal_rec, pid)},
    {"run", F_STR, offsetof(struct rl_journal_rec, run)},
    {"event", F_STR, offsetof(struct rl_journal_rec, event)},
    {"phase", F_STR, offsetof(struct rl_journal_rec, phase)},
    {"action", F_STR, offsetof(struct rl_journal_rec, action)},
    {"component", F_STR, offsetof(struct rl_journal_rec, component)},
    {"host", F_STR, offsetof(struct rl_journal_rec, host)},
    {"command", F_STR, offsetof(struct rl_journal_rec, command)},
    {"exit", F_INT, offsetof(struct rl_journal_rec, exit_code)},
    {"signal", F_INT, offsetof(struct rl_journal_rec, signal)},
    {"duration_ms", F_INT, offsetof(struct rl_journal_rec, duration_ms)},
    {"result", F_STR, offsetof(struct rl_journal_rec, result)},
    {"message", F_STR, offsetof(struct rl_journal_rec, message)},
    {"reason", F_STR, offsetof(struct rl_journal_rec, reason)},
    {"author", F_STR, offsetof(struct rl_journal_rec, author)},
    {"config", F_STR, offsetof(struct rl_journal_rec, config)},
};
#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

static const char **str_field(struct rl_journal_rec *r, const struct field *f)
{
	return (const char **)(void *)((char *)r + f->off);
}

static int64_t *int_field(struct rl_journal_rec *r, const struct field *f)
{
	return (int64_t *)(void *)((char *)r + f->off);
}

void rl_journal_rec_init(struct rl_journal_rec *r)
{
	size_t i;

	for (i = 0; i < NFIELDS; i++) {
		if (fields[i].type == F_STR)
			*str_field(r, &fields[i]) = NULL;
		else
			*int_field(r, &fields[i]) = -1;
	}
	r->ts_ms = 0;
	r->pid = 0;
}

static void put_time(struct rl_buf *b, int64_t ts_ms)
{
	time_t secs = (time_t)(ts_ms / 1000);
	int ms = (int)(ts_ms % 1000);
	struct tm tm;
	char tmp[64];

	if (ms < 0) {
		ms += 1000;
		secs--;
	}
	if (gmtime_r(&secs, &tm) == NULL ||
	    strftime(tmp, sizeof(tmp), "%Y-%m-%dT%H:%M:%S", &tm) == 0) {
		b->oom = true; /* cannot happen for a sane clock */
		return;
	}
	rl_buf_printf(b, "\"time\":\"%s.%03dZ\",", tmp, ms);
}

/* The length of the well-formed UTF-8 sequence at P (RFC 3629: no
 * overlong form, no surrogate, nothing above U+10FFFF, none cut short),
 * or 0. */
static size_t utf8_seq(const unsigned char *p)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4;
	else
		return 0; /* a continuation byte, C0, C1 or F5..FF */
	if (p[0] == 0xe0)
		lo = 0xa0; /* overlong below U+0800 */
	else if (p[0] == 0xed)
		hi = 0x9f; /* surrogates U+D800..U+DFFF */
	else if (p[0] == 0xf0)
		lo = 0x90; /* overlong below U+10000 */
	else if (p[0] == 0xf4)
		hi = 0x8f; /* above U+10FFFF */
	if (p[1] < lo || p[1] > hi)
		return 0; /* the NUL of a cut sequence stops here too */
	for (i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

/*
 * Appends S as a JSON string. Text from outside (the core's macros, a
 * command's output) may hold bytes that are not UTF-8, and a line with
 * them is not JSON: each byte that does not begin a well-formed sequence
 * becomes U+FFFD, one per byte (a Latin-1 'é' is one U+FFFD; an overlong
 * C0 80 is two), so every record is valid UTF-8 JSON.
 */
static void put_json_str(struct rl_buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	struct rl_buf clean = RL_BUF_INIT;
	size_t n;

	while (*p != '\0') {
		n = utf8_seq(p);
		if (n > 0)
			rl_buf_append(&clean, (const char *)p, n);
		else
			rl_buf_puts(&clean, "\xef\xbf\xbd"); /* U+FFFD */
		p += n > 0 ? n : 1;
	}
	rl_buf_json_str(b, rl_buf_str(&clean));
	if (clean.oom)
		b->oom = true;
	rl_buf_free(&clean);
}

char *rl_journal_format(const struct rl_journal_rec *r)
{
	struct rl_buf b = RL_BUF_INIT;
	struct rl_journal_rec rec = *r;
	const char *sep = "";
	size_t i;

	if (rec.ts_ms == 0)
		rec.ts_ms = rl_wall_ms();
	if (rec.pid == 0)
		rec.pid = getpid();
	rl_buf_puts(&b, "{");
	if (rec.ts_ms >= 0)
		put_time(&b, rec.ts_ms);
	for (i = 0; i < NFIELDS; i++) {
		const struct field *f = &fields[i];

		if (f->type == F_STR) {
			const char *s = *str_field(&rec, f);

			if (s == NULL)
				continue;
			rl_buf_printf(&b, "%s\"%s\":", sep, f->name);
			put_json_str(&b, s);
		} else {
			int64_t v = *int_field(&rec, f);

			if (v == -1 ||
			    (f->off == offsetof(struct rl_journal_rec, ts_ms) &&
			     v < 0))
				continue;
			rl_buf_printf(&b, "%s\"%s\":%lld", sep, f->name,
				      (long long)v);
		}
		sep = ",";
	}
	rl_buf_puts(&b, "}\n");
	return rl_buf_detach(&b);
}

/* What failed opening PATH, as "cannot VERB journal 'PATH': ..."; errno
 * tells (a refusal keeps the safefile text, which says where). */
static void open_failed(const char *path, const char *verb, int e,
			struct rl_err *err)
{
	if (e == ELOOP || e == EINVAL || e == EPERM || e == ENOTDIR)
		rl_err_prefix(err, "cannot %s journal '%s'", verb, path);
	else
		rl_err_set(err, "cannot %s journal '%s': %s", verb, path,
			   strerror(e));
}

/*
 * Opens NAME in the journal's directory D the safe way (lib/safefile.h):
 * no link followed, nothing that could block (a FIFO), only a regular
 * file with one link; a character device (/dev/null, /dev/full) when
 * ACCEPT has RL_FILE_CHARDEV. HOW: the open(2) access flags. PATH names
 * the file in messages. Returns the fd or -1, errno kept.
 */
static int open_in(const struct rl_file_dir *d, const char *name,
		   const char *path, int how, unsigned accept, const char *verb,
		   struct rl_err *err)
{
	int fd, e;

	fd = rl_file_open(d, name, how, 0640, accept, err);
	e = errno;
	if (fd < 0)
		open_failed(path, verb, e, err);
	errno = e;
	return fd;
}

/* Opens the directory of PATH as a state directory (RL_FILE_DIR_STATE)
 * into D and points *NAME at the file's name; errors as open_in's. */
static int open_dir(struct rl_file_dir *d, const char *path, const char **name,
		    const char *verb, struct rl_err *err)
{
	int e;

	if (rl_file_dir_open_parent(d, path, RL_FILE_DIR_STATE, name, err) == 0)
		return 0;
	e = errno;
	open_failed(path, verb, e, err);
	errno = e;
	return -1;
}

struct rl_journal *rl_journal_open(const char *path, struct rl_err *err)
{
	struct rl_journal *j;

	j = calloc(1, sizeof(*j));
	if (j == NULL)
		goto oom;
	j->fd = -1;
	j->dir = (struct rl_file_dir)RL_FILE_DIR_INIT;
	j->keep = RL_JOURNAL_KEEP;
	j->path = strdup(path);
	if (j->path == NULL)
		goto oom;
	if (open_dir(&j->dir, j->path, &j->name, "open", err) < 0)
		goto fail;
	/* read access too: to find and cut a torn tail (see below); a
	 * device is written as it is (/dev/null: no journal) */
	j->fd = open_in(&j->dir, j->name, path, O_RDWR | O_APPEND | O_CREAT,
			RL_FILE_CHARDEV, "open", err);
	if (j->fd < 0)
		goto fail;
	return j;
oom:
	rl_err_set(err, "cannot open journal '%s': out of memory", path);
fail:
	rl_journal_close(j);
	return NULL;
}

void rl_journal_set_rotation(struct rl_journal *j, int64_t max_size, int keep)
{
	j->max_size = max_size > 0 ? max_size : 0;
	j->keep = keep < 1 ? 1 : keep > MAX_ROTATED ? MAX_ROTATED : keep;
}

int rl_journal_set_config(struct rl_journal *j, const char *hash,
			  const char *bundle, size_t len, int keep,
			  struct rl_err *err)
{
	free(j->config);
	free(j->bundle);
	j->config = j->bundle = NULL;
	if (hash == NULL || *hash == '\0')
		return 0;
	j->config = strdup(hash);
	if (bundle != NULL && keep > 0) {
		j->bundle = malloc(len + 1);
		if (j->bundle != NULL) {
			memcpy(j->bundle, bundle, len);
			j->bundle[len] = '\0';
		}
	}
	j->bundle_len = len;
	j->config_keep = keep;
	if (j->config == NULL || (bundle != NULL && keep > 0 && !j->bundle))
		return rl_err_set(err, "out of memory");
	return 0;
}

struct rl_journal *rl_journal_open_site(const struct rl_model *m,
					struct rl_err *err)
{
	struct rl_journal *j = rl_journal_open(m->site.journal, err);

	if (j == NULL)
		return NULL;
	rl_journal_set_rotation(j, m->site.journal_max_size,
				m->site.journal_keep);
	if (rl_journal_set_config(j, m->config_hash, m->config_bundle,
				  m->config_bundle_len, m->site.config_keep,
				  err) < 0) {
		rl_err_prefix(err, "cannot open journal '%s'", m->site.journal);
		rl_journal_close(j);
		return NULL;
	}
	return j;
}

static int sync_fd(struct rl_journal *j, struct rl_err *err);

void rl_journal_close(struct rl_journal *j)
{
	if (j == NULL)
		return;
	/* unsynced records are synced: an error here has no one to tell
	 * (the writers sync at their end, rl_journal_sync) */
	if (j->fd >= 0 && j->dirty)
		(void)sync_fd(j, NULL);
	if (j->fd >= 0)
		close(j->fd);
	rl_file_dir_close(&j->dir);
	free(j->config);
	free(j->bundle);
	free(j->path);
	free(j);
}

const char *rl_journal_path(const struct rl_journal *j)
{
	return j->path;
}

/*
 * A writer that died in the middle of a record (power loss before the
 * data reached the disk) leaves a line without its newline. Appending
 * after it would glue our record onto that fragment and turn a torn last
 * line, which readers skip, into a bad line in the middle, which they
 * refuse. So, holding the lock, cut the file back to its last newline.
 * Called with the flock held; size is the file's size.
 */
static int cut_torn_tail(int fd, off_t size)
{
	char chunk[4096];
	off_t pos = size;
	ssize_t n, i;

	if (size == 0)
		return 0;
	if (pread(fd, chunk, 1, size - 1) != 1)
		return -1;
	if (chunk[0] == '\n')
		return 0;
	while (pos > 0) {
		size_t want =
		    pos > (off_t)sizeof(chunk) ? sizeof(chunk) : (size_t)pos;

		n = pread(fd, chunk, want, pos - (off_t)want);
		if (n != (ssize_t)want)
			return -1;
		for (i = n - 1; i >= 0; i--)
			if (chunk[i] == '\n')
				return ftruncate(fd, pos - (off_t)want + i + 1);
		pos -= (off_t)want;
	}
	return ftruncate(fd, 0);
}

/*
 * Is j->fd still the file named j->name? Not after another process
 * rotated it (renamed it to NAME.1) or removed it: 0 then, 1 if it is,
 * -1 with errno on a system error. Called with the flock held, so the
 * answer holds until it is released: a rotation renames the journal
 * only while holding the flock of the file it renames.
 */
static int still_named(struct rl_journal *j)
{
	struct stat fst, nst;

	if (fstat(j->fd, &fst) < 0)
		return -1;
	if (fstatat(j->dir.fd, j->name, &nst, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -1;
	return fst.st_dev == nst.st_dev && fst.st_ino == nst.st_ino;
}

/*
 * Opens the file named j->name again after a rotation. The rotating
 * writer creates it again with the old file's owner and mode a moment
 * after the rename (recreate): a journal found missing is waited for a
 * little (up to ~20 ms) before it is created here, so that it keeps its
 * owner (the core's account, say) rather than ours (root). Returns the
 * fd or -1 with err set.
 */
static int reopen(struct rl_journal *j, struct rl_err *err)
{
	const struct timespec ms = {0, 1000 * 1000};
	int fd = -1, i;

	for (i = 0; i < 20 && fd < 0; i++) {
		fd = open_in(&j->dir, j->name, j->path, O_RDWR | O_APPEND,
			     RL_FILE_CHARDEV, "open", err);
		if (fd < 0 && errno != ENOENT)
			return -1;
		if (fd < 0)
			nanosleep(&ms, NULL);
	}
	if (fd < 0) {
		rl_err_clear(err);
		fd = open_in(&j->dir, j->name, j->path,
			     O_RDWR | O_APPEND | O_CREAT, RL_FILE_CHARDEV,
			     "open", err);
	}
	return fd;
}

/*
 * Takes the flock of the file named j->name, reopening it by name as
 * long as the file whose lock we got is no longer the journal (rotated
 * under us): every record goes to the file named j->name at the moment
 * it is written, never into a rotated one. Returns 0 with the lock
 * held, or -1 with err set.
 */
/* fdatasync of the journal's file; a character device (/dev/null) has
 * nothing to sync. Clears dirty. */
static int sync_fd(struct rl_journal *j, struct rl_err *err)
{
	struct stat st;
	int e;

	if (fdatasync(j->fd) < 0) {
		e = errno;
		if (!(e == EINVAL && fstat(j->fd, &st) == 0 &&
		      !S_ISREG(st.st_mode)))
			return rl_err_set(err, "cannot sync journal '%s': %s",
					  j->path, strerror(e));
	}
	j->dirty = false;
	return 0;
}

int rl_journal_sync(struct rl_journal *j, struct rl_err *err)
{
	if (j == NULL || !j->dirty)
		return 0;
	return sync_fd(j, err);
}

static int lock_current(struct rl_journal *j, struct rl_err *err)
{
	int tries, named, fd, e;

	for (tries = 0;; tries++) {
		while (flock(j->fd, LOCK_EX) < 0)
			if (errno != EINTR)
				return rl_err_set(
				    err, "cannot lock journal '%s': %s",
				    j->path, strerror(errno));
		named = still_named(j);
		if (named == 1)
			return 0;
		e = errno;
		flock(j->fd, LOCK_UN);
		if (named < 0)
			return rl_err_set(err, "cannot stat journal '%s': %s",
					  j->path, strerror(e));
		/* rotated by another process: each rotation needs a
		 * record written first, so this ends unless the journal
		 * is rotated thousands of times while we wait */
		if (tries == 1000)
			return rl_err_set(err,
					  "cannot lock journal '%s': it keeps "
					  "being replaced",
					  j->path);
		/* what we wrote unsynced went into the file now rotated */
		if (j->dirty && sync_fd(j, err) < 0)
			return -1;
		fd = reopen(j, err);
		if (fd < 0)
			return -1;
		close(j->fd);
		j->fd = fd;
	}
}

/*
 * Creates the journal again right after a rotation, with the owner, group
 * and mode of the file rotated (ST), so that root rotating the journal of
 * the core's account (or the other way round) leaves a journal that both
 * can still append to. A writer that created the missing journal itself
 * in between wins: its file is left as it is.
 */
static void recreate(struct rl_journal *j, const struct stat *st)
{
	int fd;

	fd = rl_file_open(&j->dir, j->name, O_RDWR | O_CREAT | O_EXCL,
			  st->st_mode & 07777, 0, NULL);
	if (fd < 0)
		return;
	/* errors ignored: the file is there, as its creator may have it */
	if (geteuid() == 0)
		(void)!fchown(fd, st->st_uid, st->st_gid);
	else
		(void)!fchown(fd, (uid_t)-1, st->st_gid);
	(void)!fchmod(fd, st->st_mode & 07777);
	close(fd);
}

/*
 * Rotates the journal (rl_journal_set_rotation): NAME.KEEP and beyond go,
 * NAME.K becomes NAME.K+1 from the oldest down, then NAME becomes NAME.1,
 * and NAME is created again (recreate). Called with the flock of the file
 * named NAME held, after a record was written whole and synced: a
 * rotated file always ends with a whole record, and as every writer
 * rotates or appends only under that flock (lock_current), no record is
 * lost or lands in a rotated file. A failure leaves the journal as it
 * is (appended to, and rotated by the next record); readers tolerate a
 * missing NAME.K between others (a crash in the middle).
 */
static void rotate(struct rl_journal *j)
{
	struct rl_buf from = RL_BUF_INIT, to = RL_BUF_INIT;
	struct stat st;
	int i, top = 0, missing = 0;

	/* the oldest rotated file there is (one gap tolerated, as readers
	 * do): a rotation costs the files there are, not KEEP renames */
	for (i = 1; i <= MAX_ROTATED && missing < 2; i++) {
		rl_buf_reset(&from);
		rl_buf_printf(&from, "%s.%d", j->name, i);
		if (from.oom)
			goto out;
		if (fstatat(j->dir.fd, rl_buf_str(&from), &st,
			    AT_SYMLINK_NOFOLLOW) == 0) {
			top = i;
			missing = 0;
		} else {
			missing++;
		}
	}
	for (i = top; i >= j->keep; i--) {
		rl_buf_reset(&from);
		rl_buf_printf(&from, "%s.%d", j->name, i);
		if (from.oom)
			goto out;
		unlinkat(j->dir.fd, rl_buf_str(&from), 0);
	}
	if (fstat(j->fd, &st) < 0)
		goto out;
	for (i = top < j->keep - 1 ? top : j->keep - 1; i >= 0; i--) {
		rl_buf_reset(&from);
		rl_buf_reset(&to);
		if (i == 0)
			rl_buf_puts(&from, j->name);
		else
			rl_buf_printf(&from, "%s.%d", j->name, i);
		rl_buf_printf(&to, "%s.%d", j->name, i + 1);
		if (from.oom || to.oom)
			goto out;
		if (renameat(j->dir.fd, rl_buf_str(&from), j->dir.fd,
			     rl_buf_str(&to)) < 0 &&
		    (errno != ENOENT || i == 0))
			goto out;
	}
	recreate(j, &st);
	fsync(j->dir.fd);
out:
	rl_buf_free(&from);
	rl_buf_free(&to);
}

static int append(struct rl_journal *j, const struct rl_journal_rec *r,
		  bool sync, struct rl_err *err);

int rl_journal_append(struct rl_journal *j, const struct rl_journal_rec *r,
		      struct rl_err *err)
{
	return append(j, r, true, err);
}

int rl_journal_append_unsynced(struct rl_journal *j,
			       const struct rl_journal_rec *r,
			       struct rl_err *err)
{
	return append(j, r, false, err);
}

/* One record, whole; synced (with every unsynced one before it) when SYNC
 * or when the journal is due for rotation (a rotated file is synced). */
static int append(struct rl_journal *j, const struct rl_journal_rec *r,
		  bool sync, struct rl_err *err)
{
	struct rl_journal_rec rec = *r;
	char *line = NULL;
	size_t len;
	ssize_t n;
	struct stat st;
	int locked = 0, ret = -1;
	bool rotating;

	/* the one place every record passes: each carries the config */
	if (rec.config == NULL)
		rec.config = j->config;
	line = rl_journal_format(&rec);
	if (line == NULL) {
		rl_err_set(err, "cannot write journal '%s': out of memory",
			   j->path);
		goto out;
	}
	len = strlen(line);
	if (lock_current(j, err) < 0)
		goto out;
	locked = 1;
	if (fstat(j->fd, &st) < 0) {
		rl_err_set(err, "cannot stat journal '%s': %s", j->path,
			   strerror(errno));
		goto out;
	}
	/* linked to since it was opened: its other name is not ours to cut */
	if (S_ISREG(st.st_mode) && st.st_nlink != 1) {
		rl_err_set(err,
			   "cannot write journal '%s': it has %lu hard links "
			   "(a journal has one)",
			   j->path, (unsigned long)st.st_nlink);
		goto out;
	}
	if (S_ISREG(st.st_mode) && cut_torn_tail(j->fd, st.st_size) < 0) {
		rl_err_set(err, "cannot repair torn end of journal '%s': %s",
			   j->path, strerror(errno));
		goto out;
	}
	if (S_ISREG(st.st_mode) && fstat(j->fd, &st) < 0) {
		rl_err_set(err, "cannot stat journal '%s': %s", j->path,
			   strerror(errno));
		goto out;
	}
	do
		n = write(j->fd, line, len);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)len) {
		if (n < 0)
			rl_err_set(err, "cannot write journal '%s': %s",
				   j->path, strerror(errno));
		else
			rl_err_set(err,
				   "cannot write journal '%s': short write "
				   "(%zd of %zu bytes)",
				   j->path, n, len);
		/* take the fragment back so the next record starts clean */
		if (n > 0 && S_ISREG(st.st_mode) &&
		    ftruncate(j->fd, st.st_size) < 0)
			rl_err_prefix(err,
				      "journal '%s' left with a torn "
				      "last line",
				      j->path);
		goto out;
	}
	j->dirty = true;
	rotating = S_ISREG(st.st_mode) && j->max_size > 0 &&
		   st.st_size + (off_t)len >= j->max_size;
	if ((sync || rotating) && sync_fd(j, err) < 0)
		goto out;
	if (rotating)
		rotate(j);
	ret = 0;
out:
	if (locked)
		flock(j->fd, LOCK_UN);
	/* the copy of the config this record names, once per process; a
	 * copy that cannot be kept costs `config diff` only, not the
	 * action: it is tried again with the next record */
	if (ret == 0 && S_ISREG(st.st_mode) && j->bundle != NULL &&
	    rl_confstore_save(j->path, j->config, j->bundle, j->bundle_len,
			      j->config_keep, NULL) == 0) {
		free(j->bundle);
		j->bundle = NULL;
	}
	free(line);
	return ret;
}

/* --- reading ------------------------------------------------------------ */

struct parser {
	char *p; /* read position, in the caller's store */
};

static void skip_ws(struct parser *ps)
{
	while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' ||
	       *ps->p == '\r')
		ps->p++;
}

static int hex4(const char *s, unsigned *out)
{
	unsigned v = 0;
	int i;

	for (i = 0; i < 4; i++) {
		char c = s[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

static char *put_utf8(char *w, unsigned cp)
{
	if (cp < 0x80) {
		*w++ = (char)cp;
	} else if (cp < 0x800) {
		*w++ = (char)(0xc0 | (cp >> 6));
		*w++ = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		*w++ = (char)(0xe0 | (cp >> 12));
		*w++ = (char)(0x80 | ((cp >> 6) & 0x3f));
		*w++ = (char)(0x80 | (cp & 0x3f));
	} else {
		*w++ = (char)(0xf0 | (cp >> 18));
		*w++ = (char)(0x80 | ((cp >> 12) & 0x3f));
		*w++ = (char)(0x80 | ((cp >> 6) & 0x3f));
		*w++ = (char)(0x80 | (cp & 0x3f));
	}
	return w;
}

/*
 * Decodes a JSON string in place: the decoded text is never longer than
 * its escaped form, so it is written over it, NUL-terminated. Returns the
 * start of the text, or NULL if the string is malformed.
 */
static char *parse_string(struct parser *ps)
{
	char *start, *w, *r = ps->p;
	unsigned cp, lo;

	if (*r != '"')
		return NULL;
	start = w = ++r;
	for (;;) {
		unsigned char c = (unsigned char)*r;

		if (c == '"')
			break;
		if (c < 0x20) /* NUL (end of line) or a raw control char */
			return NULL;
		if (c != '\\') {
			*w++ = *r++;
			continue;
		}
		r++;
		switch (*r++) {
		case '"':
			*w++ = '"';
			break;
		case '\\':
			*w++ = '\\';
			break;
		case '/':
			*w++ = '/';
			break;
		case 'b':
			*w++ = '\b';
			break;
		case 'f':
			*w++ = '\f';
			break;
		case 'n':
			*w++ = '\n';
			break;
		case 'r':
			*w++ = '\r';
			break;
		case 't':
			*w++ = '\t';
			break;
		case 'u':
			if (hex4(r, &cp) < 0)
				return NULL;
			r += 4;
			if (cp >= 0xdc00 && cp <= 0xdfff)
				return NULL;
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (r[0] != '\\' || r[1] != 'u' ||
				    hex4(r + 2, &lo) < 0 || lo < 0xdc00 ||
				    lo > 0xdfff)
					return NULL;
				r += 6;
				cp = 0x10000 + ((cp - 0xd800) << 10) +
				     (lo - 0xdc00);
			}
			if (cp == 0) /* a C string cannot hold it */
				return NULL;
			w = put_utf8(w, cp);
			break;
		default:
			return NULL;
		}
	}
	ps->p = r + 1;
	*w = '\0';
	return start;
}

static int parse_int(struct parser *ps, int64_t *out)
{
	char *p = ps->p;
	bool neg = false;
	uint64_t v = 0, limit;

	if (*p == '-') {
		neg = true;
		p++;
	}
	if (*p < '0' || *p > '9')
		return -1;
	if (*p == '0' && p[1] >= '0' && p[1] <= '9')
		return -1;
	limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; *p >= '0' && *p <= '9'; p++) {
		unsigned d = (unsigned)(*p - '0');

		if (v > (limit - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	if (*p == '.' || *p == 'e' || *p == 'E')
		return -1;
	if (neg)
		*out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
	else
		*out = (int64_t)v;
	ps->p = p;
	return 0;
}

/* One "key": value pair into r; unknown keys are skipped (a newer
 * relance may add fields) but must still hold a string or an integer. */
static int parse_member(struct parser *ps, struct rl_journal_rec *r)
{
	const struct field *f = NULL;
	const char *key, *s;
	int64_t v;
	size_t i;

	key = parse_string(ps);
	if (key == NULL)
		return -1;
	skip_ws(ps);
	if (*ps->p++ != ':')
		return -1;
	skip_ws(ps);
	for (i = 0; i < NFIELDS; i++)
		if (strcmp(key, fields[i].name) == 0)
			f = &fields[i];
	if (*ps->p == '"') {
		s = parse_string(ps);
		if (s == NULL)
			return -1;
		if (f != NULL && f->type != F_STR)
			return -1;
		if (f != NULL)
			*str_field(r, f) = s;
	} else {
		if (parse_int(ps, &v) < 0)
			return -1;
		if (f != NULL && f->type != F_INT)
			return -1;
		if (f != NULL)
			*int_field(r, f) = v;
	}
	return 0;
}

int rl_journal_parse_line(const char *line, struct rl_journal_rec *r,
			  char **store)
{
	struct rl_journal_rec rec;
	struct parser ps;
	char *copy;

	*store = NULL;
	copy = strdup(line);
	if (copy == NULL)
		return -1;
	rl_journal_rec_init(&rec);
	/* a record read back has no "now" to fill: absent stays absent */
	rec.ts_ms = -1;
	rec.pid = -1;
	ps.p = copy;
	skip_ws(&ps);
	if (*ps.p++ != '{')
		goto bad;
	skip_ws(&ps);
	if (*ps.p == '}') {
		ps.p++;
	} else {
		for (;;) {
			if (parse_member(&ps, &rec) < 0)
				goto bad;
			skip_ws(&ps);
			if (*ps.p == '}') {
				ps.p++;
				break;
			}
			if (*ps.p++ != ',')
				goto bad;
			skip_ws(&ps);
		}
	}
	skip_ws(&ps);
	if (*ps.p != '\0')
		goto bad;
	*r = rec;
	*store = copy;
	return 0;
bad:
	free(copy);
	return -1;
}

/* The ts of the first whole line at or after byte OFF of F (OFF > 0: the
 * line OFF falls in is skipped), or -1 if there is none that parses. */
static int64_t first_ts_after(FILE *f, long off, char **line, size_t *cap)
{
	struct rl_journal_rec rec;
	char *store = NULL;
	ssize_t n;
	int64_t ts = -1;

	if (fseek(f, off, SEEK_SET) < 0)
		return -1;
	if (off > 0 && getline(line, cap, f) < 0)
		return -1;
	while ((n = getline(line, cap, f)) >= 0) {
		if (strlen(*line) == (size_t)n &&
		    rl_journal_parse_line(*line, &rec, &store) == 0) {
			ts = rec.ts_ms;
			free(store);
			break;
		}
	}
	return ts;
}

/*
 * Where to start reading for the records of SINCE_MS and later: going
 * back from the end in growing steps until a record older than SINCE_MS
 * minus a minute (writers stamp a record before they take the file's
 * lock, so neighbours may be out of order by the time one write takes).
 */
static long start_for(FILE *f, int64_t since_ms, char **line, size_t *cap)
{
	long size, off, step = 64 * 1024;
	struct stat st;
	int64_t ts;

	/* only a regular file has an end to start from: a directory may
	 * seek to a huge "end" and then fail every read */
	if (since_ms <= 0 || fstat(fileno(f), &st) < 0 ||
	    !S_ISREG(st.st_mode) || fseek(f, 0, SEEK_END) < 0 ||
	    (size = ftell(f)) <= 0)
		return 0;
	off = size;
	while (off > 0) {
		off = off > step ? off - step : 0;
		ts = first_ts_after(f, off, line, cap);
		if (ferror(f))
			return 0; /* the read from the start says why */
		if (ts >= 0 && ts < since_ms - 60 * 1000)
			break;
		if (step < (1L << 30))
			step *= 2;
	}
	return off;
}

/* Reads the records of one file F (named PATH in messages), from
 * SINCE_MS on, into CB. */
static int read_file(FILE *f, const char *path, int64_t since_ms,
		     rl_journal_cb cb, void *ctx, struct rl_err *err)
{
	char *line = NULL, *store = NULL;
	size_t cap = 0;
	ssize_t n;
	long lineno = 0, bad_line = 0, off;
	struct rl_journal_rec rec;
	int ret = 0;

	off = start_for(f, since_ms, &line, &cap);
	if (fseek(f, off, SEEK_SET) < 0) {
		ret = rl_err_set(err, "cannot read journal '%s': %s", path,
				 strerror(errno));
		goto out;
	}
	/* from the middle: the line OFF falls in is someone's tail */
	if (off > 0 && getline(&line, &cap, f) < 0)
		goto out;
	errno = 0;
	while ((n = getline(&line, &cap, f)) >= 0) {
		lineno++;
		if (bad_line != 0) {
			/* something follows the bad line: it was not torn */
			if (off == 0)
				ret = rl_err_set(err,
						 "%s:%ld: not a journal record",
						 path, bad_line);
			else
				ret = rl_err_set(err,
						 "%s: not a journal record "
						 "(line %ld after byte %ld)",
						 path, bad_line, off);
			goto out;
		}
		/* a NUL inside the line (a torn block of zeros) is bad too */
		if (strlen(line) != (size_t)n ||
		    rl_journal_parse_line(line, &rec, &store) < 0) {
			bad_line = lineno;
			continue;
		}
		ret =
		    since_ms <= 0 || rec.ts_ms >= since_ms ? cb(&rec, ctx) : 0;
		free(store);
		store = NULL;
		if (ret != 0)
			goto out;
		errno = 0;
	}
	if (ferror(f))
		ret = rl_err_set(err, "cannot read journal '%s': %s", path,
				 strerror(errno ? errno : EIO));
	/* a bad last line is a record being written, or torn: skipped */
out:
	free(line);
	return ret;
}

/* One file of a journal and its rotated files, open for reading. */
struct jfile {
	FILE *f;
	char *path; /* for messages */
	dev_t dev;
	ino_t ino;
};

struct jset {
	struct jfile *v; /* [0]: the journal, then NAME.1, NAME.2... */
	size_t n, cap;
};

static void jset_free(struct jset *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		fclose(s->v[i].f);
		free(s->v[i].path);
	}
	free(s->v);
}

/*
 * Opens NAME (PATH in messages) into S unless it is a file S already
 * has (a rotation between two opens renamed it: it is read once).
 * Returns 1 if opened, 0 if missing or already there, -1 with err set.
 */
static int jset_add(struct jset *s, const struct rl_file_dir *d,
		    const char *name, const char *path, struct rl_err *err)
{
	struct jfile *x;
	struct stat st;
	size_t i;
	int fd;

	fd = open_in(d, name, path, O_RDONLY, 0, "read", err);
	if (fd < 0) {
		if (errno != ENOENT)
			return -1;
		rl_err_clear(err);
		return 0;
	}
	if (fstat(fd, &st) < 0)
		goto sys;
	for (i = 0; i < s->n; i++)
		if (s->v[i].dev == st.st_dev && s->v[i].ino == st.st_ino) {
			close(fd);
			return 0;
		}
	if (rl_grow(&s->v, &s->cap, s->n + 1, sizeof(*s->v)) < 0)
		goto oom;
	x = &s->v[s->n];
	x->path = strdup(path);
	if (x->path == NULL)
		goto oom;
	x->f = fdopen(fd, "r");
	if (x->f == NULL) {
		free(x->path);
		goto sys;
	}
	x->dev = st.st_dev;
	x->ino = st.st_ino;
	s->n++;
	return 1;
oom:
	errno = ENOMEM;
sys:
	rl_err_set(err, "cannot read journal '%s': %s", path, strerror(errno));
	close(fd);
	return -1;
}

/* Does F begin with a record older than SINCE_MS minus a minute (so
 * older files need not be read)? */
static bool begins_before(FILE *f, int64_t since_ms)
{
	char *line = NULL;
	size_t cap = 0;
	int64_t ts = first_ts_after(f, 0, &line, &cap);

	free(line);
	clearerr(f);
	return ts >= 0 && ts < since_ms - 60 * 1000;
}

/*
 * Opens the journal PATH and its rotated files PATH.1, PATH.2... (up to
 * two missing in a row: a crash in the middle of a rotation leaves one
 * gap) into S, newest first. The journal is opened first and the
 * rotated files in ascending order: a rotation that happens meanwhile
 * shifts files towards the names still to open, so a file is seen twice
 * (and read once) rather than missed. With SINCE_MS, stops at the first
 * file that begins well before it.
 */
static int open_set(struct jset *s, const char *path, int64_t since_ms,
		    struct rl_err *err)
{
	struct rl_file_dir d = RL_FILE_DIR_INIT;
	struct rl_buf name = RL_BUF_INIT, full = RL_BUF_INIT;
	const char *base;
	int i, r, missing = 0, ret = -1;

	if (open_dir(&d, path, &base, "read", err) < 0) {
		if (errno != ENOENT)
			return -1;
		rl_err_clear(err); /* no directory, no journal */
		return 0;
	}
	r = jset_add(s, &d, base, path, err);
	if (r < 0)
		goto out;
	for (i = 1; i <= MAX_ROTATED && missing < 2; i++) {
		if (s->n > 0 && since_ms > 0 &&
		    begins_before(s->v[s->n - 1].f, since_ms))
			break;
		rl_buf_reset(&name);
		rl_buf_reset(&full);
		rl_buf_printf(&name, "%s.%d", base, i);
		rl_buf_printf(&full, "%s.%d", path, i);
		if (name.oom || full.oom) {
			rl_err_set(err,
				   "cannot read journal '%s': out of memory",
				   path);
			goto out;
		}
		r = jset_add(s, &d, rl_buf_str(&name), rl_buf_str(&full), err);
		if (r < 0)
			goto out;
		missing = r == 0 ? missing + 1 : 0;
	}
	ret = 0;
out:
	rl_buf_free(&name);
	rl_buf_free(&full);
	rl_file_dir_close(&d);
	return ret;
}

static int read_journal(const char *path, int64_t since_ms, rl_journal_cb cb,
			void *ctx, struct rl_err *err)
{
	struct jset s = {NULL, 0, 0};
	size_t i;
	int ret;

	ret = open_set(&s, path, since_ms, err);
	/* the oldest file first: records in the order they were written */
	for (i = s.n; ret == 0 && i > 0; i--)
		ret = read_file(s.v[i - 1].f, s.v[i - 1].path, since_ms, cb,
				ctx, err);
	jset_free(&s);
	return ret;
}

int rl_journal_read(const char *path, rl_journal_cb cb, void *ctx,
		    struct rl_err *err)
{
	return read_journal(path, 0, cb, ctx, err);
}

int rl_journal_read_since(const char *path, int64_t since_ms, rl_journal_cb cb,
			  void *ctx, struct rl_err *err)
{
	return read_journal(path, since_ms, cb, ctx, err);
}
