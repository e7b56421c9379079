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

#include "hold.h"
#include "journal.h"
#include "safefile.h"
#include "util.h"

#define HOLD_FILE_MAX 4096
#define HOLD_LOCK_WAIT_MS 5000

/*
 * Setting and clearing a hold are serialised by an flock on DIR/.lock, so
 * that a clear that read an acknowledgement hold never removes a manual
 * hold set in the meantime. Readers need no lock: a hold file is replaced
 * whole, by rename. Waits up to HOLD_LOCK_WAIT_MS (the holder only writes
 * a small file). Returns the locked fd, or -1 with err set.
 */
static int hold_dir_lock(const char *dir, struct rl_err *err)
{
	struct rl_file_dir d = RL_FILE_DIR_INIT;
	struct rl_buf path = RL_BUF_INIT;
	int64_t until = rl_now_ms() + HOLD_LOCK_WAIT_MS;
	int fd = -1;

	rl_buf_printf(&path, "%s/.lock", dir);
	if (path.oom) {
		rl_err_set(err, "out of memory");
		return -1;
	}
	/* no link followed, a FIFO planted here does not block; made by
	 * root, it is the directory owner's (lib/safefile.h) */
	if (rl_file_dir_open(&d, dir, RL_FILE_DIR_STATE, err) == 0)
		fd =
		    rl_file_open(&d, ".lock", O_RDONLY | O_CREAT, 0644, 0, err);
	rl_file_dir_close(&d);
	if (fd < 0) {
		rl_err_prefix(err, "cannot lock the holds");
		rl_buf_free(&path);
		return -1;
	}
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			rl_err_set(err, "cannot lock '%s': %s",
				   rl_buf_str(&path), strerror(errno));
			close(fd);
			fd = -1;
			break;
		}
		if (rl_now_ms() >= until) {
			rl_err_set(err,
				   "'%s': still locked after %d ms by "
				   "another hold or release",
				   rl_buf_str(&path), HOLD_LOCK_WAIT_MS);
			close(fd);
			fd = -1;
			break;
		}
		usleep(2000);
	}
	rl_buf_free(&path);
	return fd;
}

const char *rl_hold_kind_name(enum rl_hold_kind k)
{
	return k == RL_HOLD_MANUAL ? "manual" : "ack";
}

/* key=VALUE\n with VALUE on one line, cut to fit what a reader keeps. */
static void put_field(struct rl_buf *b, const char *key, const char *v,
		      size_t max)
{
	rl_buf_printf(b, "%s=", key);
	rl_buf_oneline(b, v, max, ' ', 0);
	rl_buf_puts(b, "\n");
}

/* The hold file's name in DIR, from its path: "fx%2Fpricer.hold". */
static const char *hold_name(const struct rl_buf *path, const char *dir)
{
	return rl_buf_str(path) + strlen(dir) + 1;
}

int rl_hold_set(const char *dir, const char *component, enum rl_hold_kind kind,
		const char *author, const char *node, const char *reason,
		struct rl_err *err)
{
	struct rl_buf path = RL_BUF_INIT, text = RL_BUF_INIT;
	struct rl_file_dir d = RL_FILE_DIR_INIT;
	struct rl_hold h;
	int lock = -1, ret = -1;

	if (rl_file_mkdir_p(dir, "hold directory", err) < 0)
		return -1;
	/* root writes here too: no link followed, nobody else's temp file */
	if (rl_file_dir_open(&d, dir, RL_FILE_DIR_STATE, err) < 0) {
		rl_err_prefix(err, "cannot write hold");
		return -1;
	}
	lock = hold_dir_lock(dir, err);
	if (lock < 0)
		goto out;
	rl_buf_name_path(&path, dir, component, ".hold");
	rl_buf_printf(&text, "kind=%s\n", rl_hold_kind_name(kind));
	put_field(&text, "author", author, sizeof(h.author) - 1);
	put_field(&text, "node", node, sizeof(h.node) - 1);
	rl_buf_printf(&text, "since=%lld\n", (long long)time(NULL));
	put_field(&text, "reason", reason, sizeof(h.reason) - 1);
	if (path.oom || text.oom) {
		rl_err_set(err, "out of memory");
		goto out;
	}
	if (rl_file_write_atomic(&d, hold_name(&path, dir), text.data, text.len,
				 0644, err) < 0) {
		rl_err_prefix(err, "cannot write hold");
		goto out;
	}
	ret = 0;
out:
	if (lock >= 0)
		close(lock);
	rl_file_dir_close(&d);
	rl_buf_free(&path);
	rl_buf_free(&text);
	return ret;
}

static void copy_value(char *dst, size_t len, const char *v)
{
	snprintf(dst, len, "%s", v);
}

/* Parses TEXT (modified) into *h; -1 if it is not a hold. */
static int parse_hold(char *text, struct rl_hold *h)
{
	char *line = text, *nl, *eq;
	bool have_kind = false, have_since = false;

	memset(h, 0, sizeof(*h));
	while (*line != '\0') {
		nl = strchr(line, '\n');
		if (nl == NULL)
			return -1; /* a hold is written whole */
		*nl = '\0';
		eq = strchr(line, '=');
		if (eq == NULL)
			return -1;
		*eq++ = '\0';
		if (!strcmp(line, "kind")) {
			if (!strcmp(eq, "ack"))
				h->kind = RL_HOLD_ACK;
			else if (!strcmp(eq, "manual"))
				h->kind = RL_HOLD_MANUAL;
			else
				return -1;
			have_kind = true;
		} else if (!strcmp(line, "since")) {
			char *end;

			errno = 0;
			h->since = strtoll(eq, &end, 10);
			if (errno || end == eq || *end != '\0')
				return -1;
			have_since = true;
		} else if (!strcmp(line, "author")) {
			copy_value(h->author, sizeof(h->author), eq);
		} else if (!strcmp(line, "node")) {
			copy_value(h->node, sizeof(h->node), eq);
		} else if (!strcmp(line, "reason")) {
			copy_value(h->reason, sizeof(h->reason), eq);
		}
		/* other keys: written by a later relance, ignored */
		line = nl + 1;
	}
	if (!have_kind || !have_since)
		return -1;
	h->set = true;
	return 0;
}

int rl_hold_get(const char *dir, const char *component, struct rl_hold *out,
		struct rl_err *err)
{
	struct rl_buf path = RL_BUF_INIT;
	struct rl_file_dir d = RL_FILE_DIR_INIT;
	char text[HOLD_FILE_MAX + 1];
	ssize_t n;
	size_t len = 0;
	int fd, ret = -1;

	memset(out, 0, sizeof(*out));
	rl_buf_name_path(&path, dir, component, ".hold");
	if (path.oom) {
		rl_err_set(err, "out of memory");
		goto out;
	}
	/* no link followed, and a FIFO planted as a hold must not block */
	if (rl_file_dir_open(&d, dir, RL_FILE_DIR_STATE, err) < 0 ||
	    (fd = rl_file_open_read(&d, hold_name(&path, dir), err)) < 0) {
		if (errno == ENOENT) {
			rl_err_clear(err);
			ret = 0;
			goto out;
		}
		rl_err_prefix(err, "cannot read hold");
		goto out;
	}
	while (len < HOLD_FILE_MAX &&
	       (n = read(fd, text + len, HOLD_FILE_MAX - len)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rl_err_set(err, "cannot read hold '%s': %s",
				   rl_buf_str(&path), strerror(errno));
			close(fd);
			goto out;
		}
		len += (size_t)n;
	}
	close(fd);
	text[len] = '\0';
	if (len == HOLD_FILE_MAX || strlen(text) != len ||
	    parse_hold(text, out) < 0) {
		memset(out, 0, sizeof(*out));
		rl_err_set(err, "'%s': not a hold file", rl_buf_str(&path));
		goto out;
	}
	ret = 0;
out:
	rl_file_dir_close(&d);
	rl_buf_free(&path);
	return ret;
}

int rl_hold_clear(const char *dir, const char *component, bool any,
		  enum rl_hold_kind only, bool *removed, struct rl_hold *old,
		  struct rl_err *err)
{
	struct rl_buf path = RL_BUF_INIT;
	struct rl_hold h;
	int lock, ret = -1;

	*removed = false;
	if (old != NULL)
		memset(old, 0, sizeof(*old));
	if (rl_hold_get(dir, component, &h, err) < 0)
		return -1;
	if (!h.set)
		return 0;
	lock = hold_dir_lock(dir, err);
	if (lock < 0)
		return -1;
	/* again, under the lock: what is removed is what was read */
	if (rl_hold_get(dir, component, &h, err) < 0)
		goto out;
	if (!h.set || (!any && h.kind != only)) {
		ret = 0;
		goto out;
	}
	rl_buf_name_path(&path, dir, component, ".hold");
	if (path.oom) {
		rl_err_set(err, "out of memory");
		goto out;
	}
	if (unlink(rl_buf_str(&path)) < 0 && errno != ENOENT) {
		rl_err_set(err, "cannot remove hold '%s': %s",
			   rl_buf_str(&path), strerror(errno));
		goto out;
	}
	*removed = true;
	if (old != NULL)
		*old = h;
	ret = 0;
out:
	close(lock);
	rl_buf_free(&path);
	return ret;
}

void rl_hold_journal_rec(struct rl_journal_rec *r, const struct rl_hold *h,
			 const char *result)
{
	r->event = "hold";
	r->result = result;
	r->action = rl_hold_kind_name(h->kind);
	r->author = h->author[0] != '\0' ? h->author : NULL;
	r->reason = h->reason[0] != '\0' ? h->reason : NULL;
}

void rl_hold_describe(const struct rl_hold *h, char *buf, size_t len)
{
	const char *who = h->author[0] != '\0' ? h->author : "someone";
	const char *sep = h->reason[0] != '\0' ? ": " : "";
	time_t t = (time_t)h->since;
	char since[32] = "?";
	struct tm tm;

	if (localtime_r(&t, &tm) != NULL)
		strftime(since, sizeof(since), "%Y-%m-%d %H:%M", &tm);
	if (h->kind == RL_HOLD_ACK)
		snprintf(buf, len, "acknowledged by %s%s%s", who, sep,
			 h->reason);
	else
		snprintf(buf, len, "held by %s since %s%s%s", who, since, sep,
			 h->reason);
}
