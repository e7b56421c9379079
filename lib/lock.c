#include "build.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "lock.h"
#include "safefile.h"
#include "util.h"

struct rl_lock {
	size_t n;
	int *fds;
};

/* How long a refused comer waits for the holder to finish writing who it
 * is (it takes the lock first, then writes). */
#define OWNER_WAIT_TRIES 20
#define OWNER_WAIT_NS (10 * 1000 * 1000)

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void owner_text(struct rl_buf *b, const char *what)
{
	struct passwd pw, *pwp = NULL;
	struct utsname un;
	char pwbuf[1024], since[64];
	time_t now = time(NULL);
	struct tm tm;
	const char *p;

	rl_buf_printf(b, "pid=%ld\n", (long)getpid());
	if (getpwuid_r(geteuid(), &pw, pwbuf, sizeof(pwbuf), &pwp) == 0 &&
	    pwp != NULL)
		rl_buf_printf(b, "user=%s\n", pw.pw_name);
	else
		rl_buf_printf(b, "user=%ld\n", (long)geteuid());
	rl_buf_printf(b, "node=%s\n", uname(&un) == 0 ? un.nodename : "?");
	if (localtime_r(&now, &tm) != NULL &&
	    strftime(since, sizeof(since), "%Y-%m-%d %H:%M:%S", &tm) > 0)
		rl_buf_printf(b, "since=%s\n", since);
	/* last, so that a reader sees a whole record when it sees "what" */
	rl_buf_puts(b, "what=");
	for (p = what != NULL ? what : "?"; *p != '\0'; p++)
		rl_buf_append(b, *p == '\n' || *p == '\r' ? " " : p, 1);
	rl_buf_puts(b, "\n");
}

struct owner {
	const char *pid, *node, *since, *what;
};

/* Splits the owner text (in place) into its fields. */
static void owner_parse(char *text, struct owner *o)
{
	char *line = text, *nl;

	memset(o, 0, sizeof(*o));
	while (line != NULL && *line != '\0') {
		nl = strchr(line, '\n');
		if (nl != NULL)
			*nl++ = '\0';
		if (strncmp(line, "pid=", 4) == 0)
			o->pid = line + 4;
		else if (strncmp(line, "node=", 5) == 0)
			o->node = line + 5;
		else if (strncmp(line, "since=", 6) == 0)
			o->since = line + 6;
		else if (strncmp(line, "what=", 5) == 0)
			o->what = line + 5;
		line = nl;
	}
}

/* Reads who holds FD's lock; the holder may still be writing it. */
static int refuse(int fd, const char *name, struct rl_err *err)
{
	char text[2048];
	const struct timespec pause = {0, OWNER_WAIT_NS};
	struct owner o;
	ssize_t n = 0;
	int i;

	for (i = 0; i < OWNER_WAIT_TRIES; i++) {
		n = pread(fd, text, sizeof(text) - 1, 0);
		text[n > 0 ? n : 0] = '\0';
		if (n > 0 && text[n - 1] == '\n' && strstr(text, "what="))
			break;
		nanosleep(&pause, NULL);
	}
	owner_parse(text, &o);
	if (o.what == NULL || o.pid == NULL)
		return rl_err_set(
		    err, "%s: another action is in progress (holder unknown)",
		    name);
	return rl_err_set(
	    err,
	    "%s: another action is in progress: %.200s (pid %.20s on "
	    "%.64s) since %.32s",
	    name, o.what, o.pid, o.node ? o.node : "?",
	    o.since ? o.since : "?");
}

void rl_lock_release(struct rl_lock *l)
{
	size_t i;

	if (l == NULL)
		return;
	for (i = l->n; i > 0; i--) {
		/* forget the owner before letting go; ignore failure, the
		 * next holder rewrites it anyway */
		if (ftruncate(l->fds[i - 1], 0) < 0) {
			/* nothing to do */
		}
		close(l->fds[i - 1]);
	}
	free(l->fds);
	free(l);
}

void rl_lock_drop(struct rl_lock *l)
{
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++)
		close(l->fds[i]);
	free(l->fds);
	free(l);
}

int rl_lock_acquire(const char *lock_dir, const char *const *names, size_t n,
		    const char *what, struct rl_lock **out, struct rl_err *err)
{
	struct rl_buf path = RL_BUF_INIT, owner = RL_BUF_INIT;
	struct rl_file_dir dir = RL_FILE_DIR_INIT;
	const char **sorted = NULL;
	struct rl_lock *l = NULL;
	size_t i;
	ssize_t w;
	int fd, ret = RL_LOCK_FAILED;

	for (i = 0; i < n; i++)
		if (names[i] == NULL || names[i][0] == '\0') {
			rl_err_set(err, "cannot lock an empty component name");
			goto fail;
		}
	if (rl_file_mkdir_p(lock_dir, "lock directory", err) < 0)
		goto fail;
	/* a symlinked lock_dir is not followed; each file opened in it */
	if (rl_file_dir_open(&dir, lock_dir, RL_FILE_DIR_STATE, err) < 0) {
		rl_err_prefix(err, "cannot use lock directory");
		goto fail;
	}
	l = calloc(1, sizeof(*l));
	if (l == NULL)
		goto oom;
	sorted = calloc(n + 1, sizeof(*sorted));
	l->fds = calloc(n + 1, sizeof(*l->fds));
	if (sorted == NULL || l->fds == NULL)
		goto oom;
	memcpy(sorted, names, n * sizeof(*sorted));
	/* one order for everyone, so two overlapping sets cannot each hold
	 * what the other waits for */
	qsort(sorted, n, sizeof(*sorted), cmp_names);
	owner_text(&owner, what);
	if (owner.oom)
		goto oom;
	for (i = 0; i < n; i++) {
		/* the same name twice would be refused by our own lock */
		if (i > 0 && strcmp(sorted[i], sorted[i - 1]) == 0)
			continue;
		rl_buf_reset(&path);
		rl_buf_name_path(&path, lock_dir, sorted[i], ".lock");
		if (path.oom)
			goto oom;
		/* no link, FIFO or hard link: the holder truncates it */
		fd =
		    rl_file_open(&dir, rl_buf_str(&path) + strlen(lock_dir) + 1,
				 O_RDWR | O_CREAT, 0644, 0, err);
		if (fd < 0) {
			rl_err_prefix(err, "%s: cannot open lock file",
				      sorted[i]);
			goto fail;
		}
		if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
			if (errno == EWOULDBLOCK) {
				refuse(fd, sorted[i], err);
				ret = RL_LOCK_HELD;
			} else
				rl_err_set(err, "%s: cannot lock '%s': %s",
					   sorted[i], path.data,
					   strerror(errno));
			close(fd);
			goto fail;
		}
		l->fds[l->n++] = fd;
		errno = 0;
		if (ftruncate(fd, 0) < 0 ||
		    (w = pwrite(fd, owner.data, owner.len, 0)) < 0 ||
		    (size_t)w != owner.len) {
			rl_err_set(err, "%s: cannot write lock file '%s': %s",
				   sorted[i], path.data,
				   errno ? strerror(errno) : "short write");
			goto fail;
		}
	}
	rl_file_dir_close(&dir);
	rl_buf_free(&path);
	rl_buf_free(&owner);
	free(sorted);
	*out = l;
	return 0;
oom:
	rl_err_set(err, "cannot take locks: out of memory");
fail:
	rl_lock_release(l);
	rl_file_dir_close(&dir);
	rl_buf_free(&path);
	rl_buf_free(&owner);
	free(sorted);
	return ret;
}
