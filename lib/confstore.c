#include "build.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "confstore.h"
#include "safefile.h"

void rl_confstore_bundle_add(struct rl_buf *b, struct rl_buf *hashed,
			     const char *path, const char *text, size_t len)
{
	rl_buf_printf(b, "### relance config: %s (%zu bytes)\n", path, len);
	rl_buf_append(b, text, len);
	rl_buf_puts(b, "\n");
	rl_buf_printf(hashed, "%zu\n", len);
	rl_buf_append(hashed, text, len);
}

int rl_confstore_hash(const void *data, size_t len,
		      char out[RL_CONFSTORE_HASH_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;

	if (EVP_Digest(data, len, md, &n, EVP_sha256(), NULL) != 1 ||
	    n * 2 != RL_CONFSTORE_HASH_LEN)
		return -1;
	for (i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	out[RL_CONFSTORE_HASH_LEN] = '\0';
	return 0;
}

char *rl_confstore_dir(const char *journal)
{
	const char *slash = strrchr(journal, '/');
	struct rl_buf b = RL_BUF_INIT;

	if (slash == NULL)
		rl_buf_puts(&b, "configs");
	else
		rl_buf_printf(&b, "%.*s/configs", (int)(slash - journal),
			      journal);
	return rl_buf_detach(&b);
}

static bool is_hex(const char *s, size_t min, size_t max)
{
	size_t n = strspn(s, "0123456789abcdef");

	return s[n] == '\0' && n >= min && n <= max;
}

/* One copy in the store. */
struct copy {
	char name[RL_CONFSTORE_HASH_LEN + 1];
	struct timespec mtime;
};

static int newest_first(const void *a, const void *b)
{
	const struct copy *x = a, *y = b;

	if (x->mtime.tv_sec != y->mtime.tv_sec)
		return x->mtime.tv_sec < y->mtime.tv_sec ? 1 : -1;
	if (x->mtime.tv_nsec != y->mtime.tv_nsec)
		return x->mtime.tv_nsec < y->mtime.tv_nsec ? 1 : -1;
	return strcmp(x->name, y->name);
}

/* The copies in D (regular files named by a full hash), newest first,
 * into *OUT (the caller frees) and *N. */
static int list_copies(const struct rl_file_dir *d, struct copy **out,
		       size_t *n, struct rl_err *err)
{
	struct copy *v = NULL;
	size_t cap = 0, k = 0;
	struct dirent *e;
	struct stat st;
	DIR *dir;
	int fd;

	fd = dup(d->fd);
	dir = fd < 0 ? NULL : fdopendir(fd);
	if (dir == NULL) {
		if (fd >= 0)
			close(fd);
		return rl_err_set(err, "cannot list '%s': %s", d->path,
				  strerror(errno));
	}
	while ((e = readdir(dir)) != NULL) {
		if (!is_hex(e->d_name, RL_CONFSTORE_HASH_LEN,
			    RL_CONFSTORE_HASH_LEN) ||
		    fstatat(d->fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		if (rl_grow(&v, &cap, k + 1, sizeof(*v)) < 0) {
			closedir(dir);
			free(v);
			return rl_err_set(
			    err, "cannot list '%s': out of memory", d->path);
		}
		memcpy(v[k].name, e->d_name, sizeof(v[k].name));
		v[k++].mtime = st.st_mtim;
	}
	closedir(dir);
	if (k > 0)
		qsort(v, k, sizeof(*v), newest_first);
	*out = v;
	*n = k;
	return 0;
}

/*
 * Creates the store beside JOURNAL unless it is there: with the journal
 * directory's mode (its setgid bit too, without write for others) and,
 * when root makes it, its owner and group, so that root and the core's
 * account, who share that directory, share the store.
 */
static int make_store(const char *journal, struct rl_err *err)
{
	struct rl_file_dir jd = RL_FILE_DIR_INIT;
	const char *name;
	struct stat st;
	int r = -1;

	if (rl_file_dir_open_parent(&jd, journal, RL_FILE_DIR_STATE, &name,
				    err) < 0)
		return -1;
	if (fstat(jd.fd, &st) < 0) {
		rl_err_set(err, "cannot stat '%s': %s", jd.path,
			   strerror(errno));
		goto out;
	}
	if (mkdirat(jd.fd, "configs", st.st_mode & 02775) < 0) {
		if (errno == EEXIST)
			r = 0;
		else
			rl_err_set(err, "cannot create '%s/configs': %s",
				   jd.path, strerror(errno));
		goto out;
	}
	/* mkdir's mode went through the umask: the directory's own */
	if (geteuid() == 0)
		(void)!fchownat(jd.fd, "configs", st.st_uid, st.st_gid,
				AT_SYMLINK_NOFOLLOW);
	(void)!fchmodat(jd.fd, "configs", st.st_mode & 02775, 0);
	r = 0;
out:
	rl_file_dir_close(&jd);
	return r;
}

int rl_confstore_save(const char *journal, const char *hash, const char *bundle,
		      size_t len, int keep, struct rl_err *err)
{
	struct rl_file_dir d = RL_FILE_DIR_INIT;
	struct copy *v = NULL;
	size_t n = 0, i;
	char *dir;
	int r = -1;

	if (!is_hex(hash, RL_CONFSTORE_HASH_LEN, RL_CONFSTORE_HASH_LEN))
		return rl_err_set(err,
				  "cannot keep config copy: '%.80s' is not a "
				  "SHA-256 in hex",
				  hash);
	dir = rl_confstore_dir(journal);
	if (dir == NULL)
		return rl_err_set(err,
				  "cannot keep config copy: out of memory");
	if (make_store(journal, err) < 0 ||
	    rl_file_dir_open(&d, dir, RL_FILE_DIR_STATE, err) < 0)
		goto out;
	/* content-addressed: the same name holds the same bytes, and its
	 * time says it was loaded again (the store keeps the newest) */
	if (utimensat(d.fd, hash, NULL, AT_SYMLINK_NOFOLLOW) < 0 &&
	    rl_file_write_atomic(&d, hash, bundle, len, 0640, err) < 0) {
		rl_err_prefix(err, "cannot keep config copy");
		goto out;
	}
	if (list_copies(&d, &v, &n, err) < 0)
		goto out;
	for (i = keep < 1 ? 1 : (size_t)keep; i < n; i++)
		if (strcmp(v[i].name, hash) != 0)
			unlinkat(d.fd, v[i].name, 0);
	r = 0;
out:
	free(v);
	rl_file_dir_close(&d);
	free(dir);
	return r;
}

/* Opens the store of JOURNAL into D; a missing store is empty (1). */
static int open_store(const char *journal, struct rl_file_dir *d,
		      struct rl_err *err)
{
	char *dir = rl_confstore_dir(journal);
	int r;

	if (dir == NULL)
		return rl_err_set(err, "out of memory");
	r = rl_file_dir_open(d, dir, RL_FILE_DIR_STATE, err);
	if (r < 0 && errno == ENOENT) {
		rl_err_clear(err);
		r = 1;
	}
	free(dir);
	return r;
}

int rl_confstore_newest(const char *journal, const char *except,
			char full[RL_CONFSTORE_HASH_LEN + 1],
			struct rl_err *err)
{
	struct rl_file_dir d = RL_FILE_DIR_INIT;
	struct copy *v = NULL;
	size_t n = 0, i;
	int r;

	r = open_store(journal, &d, err);
	if (r != 0)
		return r;
	r = list_copies(&d, &v, &n, err);
	if (r == 0) {
		r = 1;
		for (i = 0; i < n && r == 1; i++)
			if (except == NULL || strcmp(v[i].name, except) != 0) {
				memcpy(full, v[i].name,
				       RL_CONFSTORE_HASH_LEN + 1);
				r = 0;
			}
	}
	free(v);
	rl_file_dir_close(&d);
	return r;
}

static int read_all(int fd, char **out, size_t *len)
{
	struct rl_buf b = RL_BUF_INIT;
	char chunk[8192];
	ssize_t got;

	while ((got = read(fd, chunk, sizeof(chunk))) != 0) {
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			rl_buf_free(&b);
			return -1;
		}
		rl_buf_append(&b, chunk, (size_t)got);
	}
	if (b.oom) {
		rl_buf_free(&b);
		errno = ENOMEM;
		return -1;
	}
	*len = b.len;
	*out = b.data != NULL ? rl_buf_detach(&b) : strdup("");
	return *out == NULL ? -1 : 0;
}

int rl_confstore_load(const char *journal, const char *prefix, char **bundle,
		      size_t *len, char full[RL_CONFSTORE_HASH_LEN + 1],
		      struct rl_err *err)
{
	struct rl_file_dir d = RL_FILE_DIR_INIT;
	struct copy *v = NULL;
	size_t n = 0, i, found = 0, pl = strlen(prefix);
	int fd, r;

	if (!is_hex(prefix, 4, RL_CONFSTORE_HASH_LEN)) {
		rl_err_set(err,
			   "'%.80s' is not a config hash (4 to 64 lowercase "
			   "hex digits)",
			   prefix);
		return -2;
	}
	r = open_store(journal, &d, err);
	if (r < 0)
		return -1;
	if (r == 0 && list_copies(&d, &v, &n, err) < 0) {
		r = -1;
		goto out;
	}
	for (i = 0; i < n; i++)
		if (strncmp(v[i].name, prefix, pl) == 0) {
			if (found++ == 0)
				memcpy(full, v[i].name,
				       RL_CONFSTORE_HASH_LEN + 1);
		}
	if (found != 1) {
		char *dir = rl_confstore_dir(journal);

		rl_err_set(err,
			   found
			       ? "config hash prefix '%s' is ambiguous in '%s'"
			       : "no config copy '%s' in '%s'",
			   prefix, dir ? dir : "configs");
		free(dir);
		r = -2;
		goto out;
	}
	fd = rl_file_open_read(&d, full, err);
	if (fd < 0 || read_all(fd, bundle, len) < 0) {
		if (fd >= 0)
			rl_err_set(err, "cannot read '%s/%s': %s", d.path, full,
				   strerror(errno));
		r = -1;
	} else {
		r = 0;
	}
	if (fd >= 0)
		close(fd);
out:
	free(v);
	rl_file_dir_close(&d);
	return r;
}
