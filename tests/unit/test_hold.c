/*
 * hold: one file per component in a temporary hold_dir.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hold.h"
#include "rl_test.h"
#include "util.h"

static char dir[64];
static struct rl_err err;

static void setup(void)
{
	rl_test_tmpdir(dir, sizeof(dir), "hold");
	memset(&err, 0, sizeof(err));
}

static void teardown(void)
{
	rl_test_rmtree(dir);
	rl_test_fini();
}

TestSuite(hold, .init = setup, .fini = teardown);

static char *in_dir(const char *name)
{
	static char p[256];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return p;
}

static void write_file(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f, "%s", path);
	cr_assert_eq(fwrite(text, 1, len, f), len);
	cr_assert_eq(fclose(f), 0);
}

/* The names in DIR, sorted, joined by ' '. */
static char *listing(const char *d)
{
	static char out[1024];
	struct dirent **ents;
	int n = scandir(d, &ents, NULL, alphasort);

	cr_assert_geq(n, 0, "%s", d);
	out[0] = '\0';
	for (int i = 0; i < n; i++) {
		/* .lock serialises set and clear: not a hold */
		if (strcmp(ents[i]->d_name, ".") &&
		    strcmp(ents[i]->d_name, "..") &&
		    strcmp(ents[i]->d_name, ".lock")) {
			if (out[0])
				strcat(out, " ");
			strncat(out, ents[i]->d_name,
				sizeof(out) - strlen(out) - 2);
		}
		free(ents[i]);
	}
	free(ents);
	return out;
}

Test(hold, set_get_round_trip)
{
	struct rl_hold h;
	time_t before = time(NULL);

	cr_assert_eq(rl_hold_set(dir, "fx/pricer", RL_HOLD_MANUAL, "bob",
				 "mon-1", "maintenance until 14:00", &err),
		     0, "%s", err.msg);
	cr_assert_str_eq(listing(dir), "fx%2Fpricer.hold", "no temporary left");
	memset(&h, 0x5a, sizeof(h));
	cr_assert_eq(rl_hold_get(dir, "fx/pricer", &h, &err), 0, "%s", err.msg);
	cr_assert(h.set);
	cr_assert_eq(h.kind, RL_HOLD_MANUAL);
	cr_assert_str_eq(h.author, "bob");
	cr_assert_str_eq(h.node, "mon-1");
	cr_assert_str_eq(h.reason, "maintenance until 14:00");
	cr_assert_geq(h.since, (int64_t)before);
	cr_assert_leq(h.since, (int64_t)time(NULL));
	/* the file is what hold.h says, one key=value a line */
	char want[256];
	snprintf(want, sizeof(want),
		 "kind=manual\nauthor=bob\nnode=mon-1\nsince=%lld\n"
		 "reason=maintenance until 14:00\n",
		 (long long)h.since);
	cr_assert_str_eq(rl_test_read_file(in_dir("fx%2Fpricer.hold")), want);

	/* another component has no hold */
	cr_assert_eq(rl_hold_get(dir, "fx/gateway", &h, &err), 0, "%s",
		     err.msg);
	cr_assert_not(h.set);
}

Test(hold, set_replaces_and_kinds)
{
	struct rl_hold h;

	cr_assert_str_eq(rl_hold_kind_name(RL_HOLD_ACK), "ack");
	cr_assert_str_eq(rl_hold_kind_name(RL_HOLD_MANUAL), "manual");
	cr_assert_eq(rl_hold_set(dir, "fx/a", RL_HOLD_MANUAL, "bob", NULL,
				 "first", &err),
		     0, "%s", err.msg);
	cr_assert_eq(rl_hold_set(dir, "fx/a", RL_HOLD_ACK, "alice", "mon-2",
				 "second", &err),
		     0, "%s", err.msg);
	cr_assert_eq(rl_hold_get(dir, "fx/a", &h, &err), 0, "%s", err.msg);
	cr_assert(h.set);
	cr_assert_eq(h.kind, RL_HOLD_ACK);
	cr_assert_str_eq(h.author, "alice");
	cr_assert_str_eq(h.reason, "second");

	/* NULL author, node and reason are empty values */
	cr_assert_eq(
	    rl_hold_set(dir, "fx/b", RL_HOLD_ACK, NULL, NULL, NULL, &err), 0,
	    "%s", err.msg);
	cr_assert_eq(rl_hold_get(dir, "fx/b", &h, &err), 0, "%s", err.msg);
	cr_assert(h.set);
	cr_assert_eq(h.kind, RL_HOLD_ACK);
	cr_assert_str_eq(h.author, "");
	cr_assert_str_eq(h.node, "");
	cr_assert_str_eq(h.reason, "");
}

Test(hold, clear_only_ack_leaves_a_manual_hold)
{
	struct rl_hold h, old;
	bool removed = true;

	cr_assert_eq(rl_hold_set(dir, "fx/pricer", RL_HOLD_MANUAL, "bob", "n",
				 "maintenance", &err),
		     0, "%s", err.msg);
	memset(&old, 0x5a, sizeof(old));
	cr_assert_eq(rl_hold_clear(dir, "fx/pricer", false, RL_HOLD_ACK,
				   &removed, &old, &err),
		     0, "%s", err.msg);
	cr_assert_not(removed);
	cr_assert_not(old.set, "*old says nothing was removed");
	cr_assert_eq(rl_hold_get(dir, "fx/pricer", &h, &err), 0, "%s", err.msg);
	cr_assert(h.set);
	cr_assert_eq(h.kind, RL_HOLD_MANUAL);

	/* only=manual removes it, and *old says what it was */
	cr_assert_eq(rl_hold_clear(dir, "fx/pricer", false, RL_HOLD_MANUAL,
				   &removed, &old, &err),
		     0, "%s", err.msg);
	cr_assert(removed);
	cr_assert(old.set);
	cr_assert_eq(old.kind, RL_HOLD_MANUAL);
	cr_assert_str_eq(old.author, "bob");
	cr_assert_str_eq(old.reason, "maintenance");
	cr_assert_eq(rl_hold_get(dir, "fx/pricer", &h, &err), 0);
	cr_assert_not(h.set);
	cr_assert_str_eq(listing(dir), "");

	/* an ack hold is cleared by only=ack */
	cr_assert_eq(rl_hold_set(dir, "fx/pricer", RL_HOLD_ACK, "alice", "n",
				 "disk", &err),
		     0);
	cr_assert_eq(rl_hold_clear(dir, "fx/pricer", false, RL_HOLD_MANUAL,
				   &removed, NULL, &err),
		     0, "%s", err.msg);
	cr_assert_not(removed);
	cr_assert_eq(rl_hold_clear(dir, "fx/pricer", false, RL_HOLD_ACK,
				   &removed, NULL, &err),
		     0, "%s", err.msg);
	cr_assert(removed);
	cr_assert_str_eq(listing(dir), "");
}

/*
 * The recovery clears an acknowledgement hold while an engineer sets a
 * manual one: the clear read "ack", then the manual hold replaced it
 * before the clear removed anything. It must stay.
 */
Test(hold, clear_never_removes_a_hold_set_after_it_read)
{
	struct rl_hold h;
	bool removed = true;
	int go[2];
	char c;
	pid_t pid;
	int st;

	cr_assert_eq(rl_hold_set(dir, "fx/pricer", RL_HOLD_ACK, "alice", "n",
				 "disk", &err),
		     0, "%s", err.msg);
	cr_assert_eq(pipe(go), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		/* a "relancectl hold" in the middle of its set */
		int fd = open(in_dir(".lock"), O_RDONLY);
		char tmp[256];
		FILE *f;

		if (fd < 0 || flock(fd, LOCK_EX) < 0)
			_exit(1);
		if (write(go[1], "x", 1) != 1)
			_exit(1);
		usleep(300000); /* the clear reads "ack", then waits */
		snprintf(tmp, sizeof(tmp), "%s", in_dir("new"));
		f = fopen(tmp, "w");
		if (f == NULL)
			_exit(1);
		fprintf(f, "kind=manual\nauthor=bob\nsince=1\nreason=r\n");
		if (fclose(f) != 0 ||
		    rename(tmp, in_dir("fx%2Fpricer.hold")) < 0)
			_exit(1);
		_exit(0);
	}
	close(go[1]);
	cr_assert_eq(read(go[0], &c, 1), 1, "the child took the lock");
	close(go[0]);
	cr_assert_eq(rl_hold_clear(dir, "fx/pricer", false, RL_HOLD_ACK,
				   &removed, NULL, &err),
		     0, "%s", err.msg);
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	cr_assert_not(removed, "the manual hold set meanwhile was removed");
	cr_assert_eq(rl_hold_get(dir, "fx/pricer", &h, &err), 0, "%s", err.msg);
	cr_assert(h.set);
	cr_assert_eq(h.kind, RL_HOLD_MANUAL);
	cr_assert_str_eq(h.author, "bob");
}

Test(hold, clear_any_clears_both_kinds)
{
	bool removed = false;
	struct rl_hold old;

	cr_assert_eq(
	    rl_hold_set(dir, "fx/a", RL_HOLD_ACK, "alice", NULL, NULL, &err),
	    0);
	cr_assert_eq(
	    rl_hold_set(dir, "fx/b", RL_HOLD_MANUAL, "bob", NULL, NULL, &err),
	    0);
	cr_assert_eq(rl_hold_clear(dir, "fx/a", true, RL_HOLD_MANUAL, &removed,
				   &old, &err),
		     0, "%s", err.msg);
	cr_assert(removed);
	cr_assert_eq(old.kind, RL_HOLD_ACK);
	cr_assert_eq(
	    rl_hold_clear(dir, "fx/b", true, RL_HOLD_ACK, &removed, &old, &err),
	    0, "%s", err.msg);
	cr_assert(removed);
	cr_assert_eq(old.kind, RL_HOLD_MANUAL);
	cr_assert_str_eq(listing(dir), "");
	/* no hold: not an error, nothing removed */
	removed = true;
	cr_assert_eq(
	    rl_hold_clear(dir, "fx/a", true, RL_HOLD_ACK, &removed, NULL, &err),
	    0, "%s", err.msg);
	cr_assert_not(removed);
}

Test(hold, missing_file_or_dir_is_no_hold)
{
	struct rl_hold h;
	bool removed = true;
	char *missing = in_dir("not/there");

	memset(&h, 0x5a, sizeof(h));
	cr_assert_eq(rl_hold_get(dir, "fx/pricer", &h, &err), 0, "%s", err.msg);
	cr_assert_not(h.set);
	cr_assert_eq(rl_hold_get(missing, "fx/pricer", &h, &err), 0, "%s",
		     err.msg);
	cr_assert_not(h.set);
	cr_assert_eq(rl_hold_clear(missing, "fx/pricer", true, RL_HOLD_ACK,
				   &removed, NULL, &err),
		     0, "%s", err.msg);
	cr_assert_not(removed);
}

Test(hold, dir_created_when_missing)
{
	char d[128];
	struct rl_hold h;
	struct stat st;

	snprintf(d, sizeof(d), "%s/var/lib/relance/holds", dir);
	cr_assert_eq(
	    rl_hold_set(d, "fx/pricer", RL_HOLD_MANUAL, "bob", NULL, "x", &err),
	    0, "%s", err.msg);
	cr_assert_eq(stat(d, &st), 0);
	cr_assert(S_ISDIR(st.st_mode));
	cr_assert_eq(rl_hold_get(d, "fx/pricer", &h, &err), 0, "%s", err.msg);
	cr_assert(h.set);

	/* a directory that cannot be made is an error naming it */
	write_file(in_dir("file"), "x", 1);
	snprintf(d, sizeof(d), "%s/file/holds", dir);
	cr_assert_eq(
	    rl_hold_set(d, "fx/pricer", RL_HOLD_MANUAL, "bob", NULL, "x", &err),
	    -1);
	cr_assert(strstr(err.msg, d) != NULL, "%s", err.msg);
}

/* What a reader must refuse, naming the file. */
static void assert_not_a_hold(const char *text, size_t len)
{
	struct rl_hold h;
	bool removed = true;
	char *path = in_dir("fx%2Fpricer.hold");
	char want[300];

	write_file(path, text, len);
	memset(&h, 0x5a, sizeof(h));
	cr_assert_eq(rl_hold_get(dir, "fx/pricer", &h, &err), -1,
		     "accepted: '%.*s'", (int)len, text);
	snprintf(want, sizeof(want), "'%s': not a hold file", path);
	cr_assert_str_eq(err.msg, want);
	cr_assert_not(h.set);
	/* clear refuses it too, and leaves the file for a human */
	cr_assert_eq(rl_hold_clear(dir, "fx/pricer", true, RL_HOLD_ACK,
				   &removed, NULL, &err),
		     -1);
	cr_assert_not(removed);
	cr_assert_eq(access(path, F_OK), 0);
}

Test(hold, corrupt_truncated_foreign_files_are_errors)
{
	static const char *const texts[] = {
	    "",						    /* empty */
	    "kind=manual\nauthor=bob\nnode=n\nsince=17000", /* torn */
	    "kind=manual\nauthor=bob\n",	/* truncated: no since */
	    "author=bob\nsince=1700000000\n",	/* no kind */
	    "kind=forever\nsince=1700000000\n", /* unknown kind */
	    "kind=ack\nsince=17000x\n",		/* bad number */
	    "kind=ack\nsince=\n",
	    "kind=ack\nsince=99999999999999999999999\n",
	    "#!/bin/sh\nrm -rf /\n", /* foreign */
	    "hello\n",
	    "{\"kind\":\"ack\"}\n",
	};

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		assert_not_a_hold(texts[i], strlen(texts[i]));
	/* a NUL inside */
	assert_not_a_hold("kind=ack\nsince=1\0\n", 18);
	/* too big to be a hold */
	char big[5000];
	memset(big, 'x', sizeof(big));
	memcpy(big, "kind=ack\nsince=1\nreason=", 24);
	big[sizeof(big) - 1] = '\n';
	assert_not_a_hold(big, sizeof(big));
}

Test(hold, later_keys_are_ignored)
{
	struct rl_hold h;

	const char *text =
	    "kind=ack\nsince=1700000000\nexpires=never\nauthor=a\n";

	write_file(in_dir("fx%2Fpricer.hold"), text, strlen(text));
	cr_assert_eq(rl_hold_get(dir, "fx/pricer", &h, &err), 0, "%s", err.msg);
	cr_assert(h.set);
	cr_assert_eq(h.since, 1700000000);
	cr_assert_str_eq(h.author, "a");
}

Test(hold, unreadable_file_is_an_error_naming_it)
{
	struct rl_hold h;
	char *path = in_dir("fx%2Fpricer.hold");

	cr_assert_eq(mkdir(path, 0700), 0); /* opens, cannot be read */
	cr_assert_eq(rl_hold_get(dir, "fx/pricer", &h, &err), -1);
	cr_assert(strstr(err.msg, path) != NULL, "%s", err.msg);
	cr_assert_not(h.set);
}

Test(hold, values_stay_on_one_line)
{
	struct rl_hold h;
	char *text;
	int lines = 0;

	cr_assert_eq(rl_hold_set(dir, "fx/pricer", RL_HOLD_MANUAL,
				 "bob\nkind=ack", "mon\r\n1",
				 "disk\nfull\x01\x1b[31m\x7f!\tend\nsince=0",
				 &err),
		     0, "%s", err.msg);
	text = rl_test_read_file(in_dir("fx%2Fpricer.hold"));
	for (char *p = text; *p; p++) {
		lines += *p == '\n';
		cr_assert(*p == '\n' ||
			      ((unsigned char)*p >= 0x20 && *p != 0x7f),
			  "control character 0x%02x in the file", *p);
	}
	cr_assert_eq(lines, 5, "%s", text);
	cr_assert_eq(rl_hold_get(dir, "fx/pricer", &h, &err), 0, "%s", err.msg);
	cr_assert_eq(h.kind, RL_HOLD_MANUAL);
	cr_assert_str_eq(h.author, "bob kind=ack");
	cr_assert_str_eq(h.node, "mon  1");
	cr_assert_str_eq(h.reason, "disk full  [31m ! end since=0");
	cr_assert_neq(h.since, 0);
}

Test(hold, long_values_are_cut_to_fit)
{
	char reason[2000], author[300];
	struct rl_hold h;

	memset(reason, 'r', sizeof(reason) - 1);
	reason[sizeof(reason) - 1] = '\0';
	memset(author, 'a', sizeof(author) - 1);
	author[sizeof(author) - 1] = '\0';
	cr_assert_eq(rl_hold_set(dir, "fx/pricer", RL_HOLD_ACK, author, "n",
				 reason, &err),
		     0, "%s", err.msg);
	cr_assert_eq(rl_hold_get(dir, "fx/pricer", &h, &err), 0, "%s", err.msg);
	cr_assert_eq(strlen(h.reason), sizeof(h.reason) - 1);
	cr_assert_eq(strlen(h.author), sizeof(h.author) - 1);
}

Test(hold, names_stay_inside_the_dir)
{
	char d[128];
	struct rl_hold h;
	bool removed;

	snprintf(d, sizeof(d), "%s/holds", dir);
	cr_assert_eq(rl_hold_set(d, "../../escape", RL_HOLD_MANUAL, "m", NULL,
				 NULL, &err),
		     0, "%s", err.msg);
	cr_assert_eq(
	    rl_hold_set(d, "..", RL_HOLD_MANUAL, "m", NULL, NULL, &err), 0,
	    "%s", err.msg);
	cr_assert_eq(
	    rl_hold_set(d, "a b/c\nd", RL_HOLD_ACK, "m", NULL, NULL, &err), 0,
	    "%s", err.msg);
	cr_assert_str_eq(listing(d), "..%2F..%2Fescape.hold ...hold "
				     "a%20b%2Fc%0Ad.hold");
	cr_assert_str_eq(listing(dir), "holds", "nothing outside the dir");
	cr_assert_eq(rl_hold_get(d, "../../escape", &h, &err), 0, "%s",
		     err.msg);
	cr_assert(h.set);
	cr_assert_eq(rl_hold_get(d, "a b/c\nd", &h, &err), 0, "%s", err.msg);
	cr_assert_eq(h.kind, RL_HOLD_ACK);
	/* fx/pricer and fx%2Fpricer do not collide */
	cr_assert_eq(rl_hold_get(d, "fx%2Fpricer", &h, &err), 0);
	cr_assert_not(h.set);
	cr_assert_eq(
	    rl_hold_set(d, "fx/pricer", RL_HOLD_ACK, "m", NULL, NULL, &err), 0);
	cr_assert_eq(rl_hold_get(d, "fx%2Fpricer", &h, &err), 0);
	cr_assert_not(h.set);
	cr_assert_eq(rl_hold_clear(d, "../../escape", true, RL_HOLD_ACK,
				   &removed, NULL, &err),
		     0, "%s", err.msg);
	cr_assert(removed);
}

Test(hold, describe)
{
	struct rl_hold h = {.set = true,
			    .kind = RL_HOLD_ACK,
			    .since = 1795489925}; /* 2026-11-24 03:12:05Z */
	char buf[700];

	setenv("TZ", "UTC", 1);
	tzset();
	snprintf(h.author, sizeof(h.author), "alice");
	snprintf(h.reason, sizeof(h.reason), "disk full on fx-app-01");
	rl_hold_describe(&h, buf, sizeof(buf));
	cr_assert_str_eq(buf, "acknowledged by alice: disk full on fx-app-01");

	h.kind = RL_HOLD_MANUAL;
	snprintf(h.author, sizeof(h.author), "bob");
	snprintf(h.reason, sizeof(h.reason), "maintenance");
	rl_hold_describe(&h, buf, sizeof(buf));
	cr_assert_str_eq(buf,
			 "held by bob since 2026-11-24 03:12: maintenance");

	/* no author, no reason */
	h.author[0] = h.reason[0] = '\0';
	rl_hold_describe(&h, buf, sizeof(buf));
	cr_assert_str_eq(buf, "held by someone since 2026-11-24 03:12");
	h.kind = RL_HOLD_ACK;
	rl_hold_describe(&h, buf, sizeof(buf));
	cr_assert_str_eq(buf, "acknowledged by someone");

	/* cut to the buffer */
	char small[10];
	rl_hold_describe(&h, small, sizeof(small));
	cr_assert_str_eq(small, "acknowled");
}

/*
 * Issue 12 item 1: a symlink planted at the temporary path the hold used
 * to write (NAME.tmp.PID, predictable) made root overwrite its target.
 * The victim stays untouched and the hold is a file of its own.
 */
Test(hold, planted_link_at_temp_path_is_not_followed)
{
	char victim[128], tmp[128];
	struct rl_hold h;
	struct stat st;

	snprintf(victim, sizeof(victim), "%s/victim", dir);
	write_file(victim, "precious\n", 9);
	snprintf(tmp, sizeof(tmp), "%s/fx%%2Fa.tmp.%ld", dir, (long)getpid());
	cr_assert_eq(symlink(victim, tmp), 0);
	cr_assert_eq(
	    rl_hold_set(dir, "fx/a", RL_HOLD_MANUAL, "bob", NULL, "x", &err), 0,
	    "%s", err.msg);
	cr_assert_str_eq(rl_test_read_file(victim), "precious\n");
	cr_assert_eq(lstat(in_dir("fx%2Fa.hold"), &st), 0);
	cr_assert(S_ISREG(st.st_mode), "the hold is a regular file");
	cr_assert_eq(rl_hold_get(dir, "fx/a", &h, &err), 0, "%s", err.msg);
	cr_assert(h.set);
	cr_assert_str_eq(h.reason, "x");
	/* and the link itself was left alone, not written through */
	cr_assert_eq(lstat(tmp, &st), 0);
	cr_assert(S_ISLNK(st.st_mode));
}

/* A link as the hold file itself: replaced, never written through; a
 * hold read through a link is refused, naming it. */
Test(hold, link_as_hold_file)
{
	char victim[128];
	struct rl_hold h;

	snprintf(victim, sizeof(victim), "%s/victim", dir);
	write_file(victim, "kind=manual\nsince=1\n", 20);
	cr_assert_eq(symlink(victim, in_dir("fx%2Fa.hold")), 0);
	cr_assert_eq(rl_hold_get(dir, "fx/a", &h, &err), -1);
	cr_assert(strstr(err.msg, "cannot read hold: "), "%s", err.msg);
	cr_assert(strstr(err.msg, "fx%2Fa.hold: is a symbolic link"), "%s",
		  err.msg);
	cr_assert_eq(
	    rl_hold_set(dir, "fx/a", RL_HOLD_ACK, "al", NULL, NULL, &err), 0,
	    "%s", err.msg);
	cr_assert_str_eq(rl_test_read_file(victim), "kind=manual\nsince=1\n");
	cr_assert_eq(rl_hold_get(dir, "fx/a", &h, &err), 0, "%s", err.msg);
	cr_assert_eq(h.kind, RL_HOLD_ACK);
}

/* Issue 12 item 2: a FIFO as the hold file made rl_hold_get block. */
Test(hold, fifo_as_hold_file_does_not_block, .timeout = 20)
{
	struct rl_hold h;

	cr_assert_eq(mkfifo(in_dir("fx%2Fa.hold"), 0644), 0);
	cr_assert_eq(rl_hold_get(dir, "fx/a", &h, &err), -1);
	cr_assert(strstr(err.msg, "is a FIFO"), "%s", err.msg);
	cr_assert_not(h.set);
}

/* A hold directory anybody may write (no sticky bit) is refused. */
Test(hold, world_writable_dir_refused)
{
	struct rl_hold h;

	cr_assert_eq(chmod(dir, 0777), 0);
	cr_assert_eq(
	    rl_hold_set(dir, "fx/a", RL_HOLD_MANUAL, "bob", NULL, "x", &err),
	    -1);
	cr_assert(strstr(err.msg, "cannot write hold: "), "%s", err.msg);
	cr_assert(strstr(err.msg, "writable by group or others"), "%s",
		  err.msg);
	cr_assert_str_eq(listing(dir), "", "nothing written");
	cr_assert_eq(rl_hold_get(dir, "fx/a", &h, &err), -1);
	cr_assert_eq(chmod(dir, 01777), 0);
	cr_assert_eq(
	    rl_hold_set(dir, "fx/a", RL_HOLD_MANUAL, "bob", NULL, "x", &err), 0,
	    "%s", err.msg);
}
