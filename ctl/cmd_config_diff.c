/*
 * `relancectl config diff [HASH1 [HASH2]]`: what changed between two
 * configurations relance loaded (issue 18), from the copies kept beside
 * the journal (lib/confstore.h). No hash: the newest other copy against
 * the configuration loaded now; one: that copy against the one loaded
 * now; two: the two copies. The unified diff is diff(1)'s (/usr/bin/diff
 * -u on two temporary files, run without a shell): diffutils is essential
 * on Debian, and its output is the one every reader knows.
 */
#include "build.h"

#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "confstore.h"
#include "ctl.h"

extern char **environ;

#define DIFF "/usr/bin/diff" /* diffutils, essential on Debian */

/* One side of the diff: a copy in the store or the config loaded now. */
struct side {
	char hash[RL_CONFSTORE_HASH_LEN + 1];
	char *text; /* owned */
	size_t len;
	char label[128];
	char tmp[64];
};

/* Returns 0, -2 (no such copy) or -1 with err set. */
static int load_side(struct ctl *ctl, const char *prefix, struct side *s,
		     struct rl_err *err)
{
	const struct rl_model *m = ctl->model;
	int r;

	if (prefix == NULL) {
		memcpy(s->hash, m->config_hash, sizeof(s->hash));
		s->text = malloc(m->config_bundle_len + 1);
		if (s->text == NULL)
			return rl_err_set(err, "out of memory");
		memcpy(s->text, m->config_bundle, m->config_bundle_len);
		s->len = m->config_bundle_len;
		snprintf(s->label, sizeof(s->label), "config %.*s (loaded now)",
			 RL_CONFSTORE_SHORT, s->hash);
		return 0;
	}
	r = rl_confstore_load(m->site.journal, prefix, &s->text, &s->len,
			      s->hash, err);
	if (r < 0)
		return r;
	snprintf(s->label, sizeof(s->label), "config %.*s", RL_CONFSTORE_SHORT,
		 s->hash);
	return 0;
}

static int write_tmp(struct side *s, struct rl_err *err)
{
	const char *dir = getenv("TMPDIR");
	size_t off = 0;
	ssize_t n;
	int fd;

	snprintf(s->tmp, sizeof(s->tmp), "%s/relance-diff-XXXXXX",
		 dir && *dir && strlen(dir) < 40 ? dir : "/tmp");
	fd = mkstemp(s->tmp);
	if (fd < 0) {
		s->tmp[0] = '\0';
		return rl_err_set(err, "cannot create a temporary file: %s",
				  strerror(errno));
	}
	while (off < s->len) {
		n = write(fd, s->text + off, s->len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(fd);
			return rl_err_set(err, "cannot write '%s': %s", s->tmp,
					  strerror(n < 0 ? errno : EIO));
		}
		off += (size_t)n;
	}
	return close(fd) < 0 ? rl_err_set(err, "cannot write '%s': %s", s->tmp,
					  strerror(errno))
			     : 0;
}

/* Runs diff -u on the two sides; its output goes to our stdout. Returns
 * its exit status (0 same, 1 different), or -1 with err set. */
static int run_diff(struct side *a, struct side *b, struct rl_err *err)
{
	static char diff[] = "diff", u[] = "-u", label[] = "--label";
	char *argv[] = {diff,	  u,	  label,  a->label, label,
			b->label, a->tmp, b->tmp, NULL};
	int status, e;
	pid_t pid;

	fflush(stdout);
	/* an absolute path: relancectl often runs as root */
	e = posix_spawn(&pid, DIFF, NULL, NULL, argv, environ);
	if (e != 0)
		return rl_err_set(err, "cannot run %s: %s", DIFF, strerror(e));
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return rl_err_set(err, "cannot wait for diff: %s",
					  strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status) > 1)
		return rl_err_set(err, "diff failed (status %d)", status);
	return WEXITSTATUS(status);
}

int ctl_config_diff(struct ctl *ctl, int argc, char **argv)
{
	struct rl_err err = {""};
	struct side a, b;
	char other[RL_CONFSTORE_HASH_LEN + 1];
	const char *from = argc > 0 ? argv[0] : NULL;
	int r, code = EXIT_INTERNAL;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	if (argc > 2)
		return usage_error("config diff: too many arguments "
				   "(HASH1 [HASH2])");
	if (from == NULL) {
		r = rl_confstore_newest(ctl->model->site.journal,
					ctl->model->config_hash, other, &err);
		if (r != 0) {
			if (r > 0)
				fprintf(stderr,
					"relancectl: no other config kept "
					"beside '%s' to compare with\n",
					ctl->model->site.journal);
			return r > 0 ? EXIT_FAILED : fail(code, err.msg);
		}
		from = other;
	}
	r = load_side(ctl, from, &a, &err);
	if (r == 0)
		r = load_side(ctl, argc > 1 ? argv[1] : NULL, &b, &err);
	if (r < 0) {
		code = r == -2 ? EXIT_USAGE : EXIT_INTERNAL;
		goto out;
	}
	if (write_tmp(&a, &err) < 0 || write_tmp(&b, &err) < 0)
		goto out;
	r = run_diff(&a, &b, &err);
	if (r < 0)
		goto out;
	if (r == 0)
		printf("config %.*s and %.*s are the same\n",
		       RL_CONFSTORE_SHORT, a.hash, RL_CONFSTORE_SHORT, b.hash);
	code = EXIT_OK;
out:
	if (code != EXIT_OK)
		fail(code, err.msg);
	if (a.tmp[0])
		unlink(a.tmp);
	if (b.tmp[0])
		unlink(b.tmp);
	free(a.text);
	free(b.text);
	return code;
}
