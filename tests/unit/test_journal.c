#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "journal.h"
#include "rl_test.h"
#include "util.h"

TestSuite(journal, .fini = rl_test_fini);

/* A fresh directory per test, removed at the end. */
static char dir[64];

static void make_dir(void)
{
	rl_test_tmpdir(dir, sizeof(dir), "journal");
}

static void remove_dir(void)
{
	rl_test_rmtree(dir);
	rl_test_fini();
}

static char *path_in_dir(const char *name)
{
	static char p[128];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return p;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f);
	fputs(text, f);
	cr_assert_eq(fclose(f), 0);
}

static char *read_all(const char *path)
{
	struct rl_buf b = RL_BUF_INIT;
	char chunk[4096];
	size_t n;
	FILE *f = fopen(path, "r");

	cr_assert_not_null(f);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		rl_buf_append(&b, chunk, n);
	fclose(f);
	return rl_buf_detach(&b);
}

/* --- format ------------------------------------------------------------- */

Test(journal, rec_init)
{
	struct rl_journal_rec r;

	memset(&r, 0x5a, sizeof(r));
	rl_journal_rec_init(&r);
	cr_assert_eq(r.ts_ms, 0);
	cr_assert_eq(r.pid, 0);
	cr_assert_eq(r.exit_code, -1);
	cr_assert_eq(r.signal, -1);
	cr_assert_eq(r.duration_ms, -1);
	cr_assert_null(r.node);
	cr_assert_null(r.user);
	cr_assert_null(r.run);
	cr_assert_null(r.event);
	cr_assert_null(r.phase);
	cr_assert_null(r.action);
	cr_assert_null(r.component);
	cr_assert_null(r.host);
	cr_assert_null(r.command);
	cr_assert_null(r.result);
	cr_assert_null(r.message);
	cr_assert_null(r.reason);
	cr_assert_null(r.author);
}

Test(journal, format_exact)
{
	struct rl_journal_rec r;
	char *s;

	rl_journal_rec_init(&r);
	r.ts_ms = 1795000325123;
	r.pid = 4242;
	r.node = "mon-1";
	r.user = "alice";
	r.run = "r1";
	r.event = "step";
	r.phase = "end";
	r.action = "restart";
	r.component = "fx/pricer";
	r.host = "fx-app-01";
	r.command = "systemctl restart pricer";
	r.exit_code = 0;
	r.signal = 9;
	r.duration_ms = 1500;
	r.result = "ok";
	r.message = "fine";
	r.reason = "critical hard";
	r.author = "bob";
	s = rl_journal_format(&r);
	cr_assert_not_null(s);
	cr_assert_str_eq(
	    s, "{\"time\":\"2026-11-18T11:12:05.123Z\",\"ts\":1795000325123,"
	       "\"node\":\"mon-1\",\"user\":\"alice\",\"pid\":4242,"
	       "\"run\":\"r1\",\"event\":\"step\",\"phase\":\"end\","
	       "\"action\":\"restart\",\"component\":\"fx/pricer\","
	       "\"host\":\"fx-app-01\",\"command\":\"systemctl restart "
	       "pricer\",\"exit\":0,\"signal\":9,\"duration_ms\":1500,"
	       "\"result\":\"ok\",\"message\":\"fine\",\"reason\":\"critical "
	       "hard\",\"author\":\"bob\"}\n");
	free(s);
}

Test(journal, format_leaves_out_absent)
{
	struct rl_journal_rec r;
	char *s;

	rl_journal_rec_init(&r);
	r.ts_ms = 5;
	r.pid = -1;
	r.event = "hold";
	s = rl_journal_format(&r);
	cr_assert_str_eq(s, "{\"time\":\"1970-01-01T00:00:00.005Z\",\"ts\":5,"
			    "\"event\":\"hold\"}\n");
	free(s);
}

Test(journal, format_fills_now_and_pid)
{
	struct rl_journal_rec r, back;
	int64_t before = rl_wall_ms(), after;
	char *s, *store;

	rl_journal_rec_init(&r);
	r.event = "plan";
	s = rl_journal_format(&r);
	after = rl_wall_ms();
	cr_assert_not_null(s);
	cr_assert_eq(s[strlen(s) - 1], '\n');
	cr_assert_eq(strchr(s, '\n'), s + strlen(s) - 1, "one line: %s", s);
	cr_assert_eq(rl_journal_parse_line(s, &back, &store), 0, "%s", s);
	cr_assert_geq(back.ts_ms, before);
	cr_assert_leq(back.ts_ms, after);
	cr_assert_eq(back.pid, getpid());
	cr_assert_str_eq(back.event, "plan");
	/* "time" is "YYYY-MM-DDTHH:MM:SS.mmmZ" */
	cr_assert_eq(strncmp(s, "{\"time\":\"20", 11), 0, "%s", s);
	cr_assert_eq(s[19], 'T', "%s", s);
	cr_assert_eq(s[28], '.', "%s", s);
	cr_assert_eq(s[32], 'Z', "%s", s);
	free(store);
	free(s);
}

static const char *const nasty[] = {
    "",
    "plain",
    "say \"hi\" \\ back\\slash",
    "two\nlines\r\nand\ttab",
    "ctl \x01\x02\x1f\x7f\b\f end",
    "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xe4\xb8\xad",
    "{\"ts\":1}\n{\"fake\":\"record\"}",
    "\\u0041 is not A",
    "/slashes/ and </script>",
    "trailing backslash \\",
};

Test(journal, round_trip_nasty_strings)
{
	struct rl_journal_rec r, back;
	size_t i, n = sizeof(nasty) / sizeof(nasty[0]);
	char *line, *store;

	for (i = 0; i < n; i++) {
		rl_journal_rec_init(&r);
		r.ts_ms = 1700000000000 + (int64_t)i;
		r.pid = 1;
		r.message = nasty[i];
		r.command = nasty[(i + 1) % n];
		r.author = nasty[(i + 2) % n];
		r.exit_code = (int64_t)i;
		r.signal = -1;
		r.duration_ms = INT64_MAX;
		line = rl_journal_format(&r);
		cr_assert_not_null(line);
		cr_assert_eq(strchr(line, '\n'), line + strlen(line) - 1,
			     "record %zu spans lines: %s", i, line);
		cr_assert_eq(rl_journal_parse_line(line, &back, &store), 0,
			     "record %zu does not parse: %s", i, line);
		cr_assert_str_eq(back.message, r.message);
		cr_assert_str_eq(back.command, r.command);
		cr_assert_str_eq(back.author, r.author);
		cr_assert_eq(back.ts_ms, r.ts_ms);
		cr_assert_eq(back.pid, 1);
		cr_assert_eq(back.exit_code, (int64_t)i);
		cr_assert_eq(back.signal, -1);
		cr_assert_eq(back.duration_ms, INT64_MAX);
		cr_assert_null(back.node);
		cr_assert_null(back.reason);
		free(store);
		free(line);
	}
}

/* Bytes that are not UTF-8 (a Latin-1 author from the core, a command's
 * binary output): each byte that does not begin a well-formed sequence is
 * written as U+FFFD, so the line is UTF-8 JSON and reads back. */
#define FFFD "\xef\xbf\xbd"
static const struct {
	const char *in, *out;
} not_utf8[] = {
    {"caf\xe9 ren\xe9", "caf" FFFD " ren" FFFD}, /* Latin-1 */
    {"\xc0\x80", FFFD FFFD},			 /* overlong NUL */
    {"\xc1\xbf", FFFD FFFD},			 /* overlong 0x7f */
    {"\xe0\x80\xaf", FFFD FFFD FFFD},		 /* overlong '/' */
    {"\xf0\x8f\xbf\xbf", FFFD FFFD FFFD FFFD},	 /* overlong U+FFFF */
    {"\xed\xa0\x80 \xed\xbf\xbf", FFFD FFFD FFFD " " FFFD FFFD FFFD},
    {"\xf4\x90\x80\x80", FFFD FFFD FFFD FFFD}, /* above U+10FFFF */
    {"\xf5\x80\x80\x80", FFFD FFFD FFFD FFFD}, /* F5 never starts */
    {"end \xe2\x82", "end " FFFD FFFD},	       /* cut at the end */
    {"\xe2\x82 mid", FFFD FFFD " mid"},	       /* cut in the middle */
    {"\xf0\x9f\x98", FFFD FFFD FFFD},	       /* 4-byte cut short */
    {"\x80\xbf lone", FFFD FFFD " lone"},      /* continuations */
    {"\xfe\xff", FFFD FFFD},
    /* well-formed text stays as it is, the edges included */
    {"\xc2\x80 \xdf\xbf \xe0\xa0\x80 \xed\x9f\xbf \xee\x80\x80 "
     "\xf0\x90\x80\x80 \xf4\x8f\xbf\xbf",
     "\xc2\x80 \xdf\xbf \xe0\xa0\x80 \xed\x9f\xbf \xee\x80\x80 "
     "\xf0\x90\x80\x80 \xf4\x8f\xbf\xbf"},
    {"caf\xc3\xa9 \xe9", "caf\xc3\xa9 " FFFD},
};

Test(journal, bytes_not_utf8_become_u_fffd)
{
	struct rl_journal_rec r, back;
	char want[256], *line, *store;
	size_t i;

	for (i = 0; i < sizeof(not_utf8) / sizeof(not_utf8[0]); i++) {
		rl_journal_rec_init(&r);
		r.ts_ms = -1; /* no time: the line is the fields alone */
		r.pid = 7;
		r.author = not_utf8[i].in;
		r.message = not_utf8[i].in;
		line = rl_journal_format(&r);
		cr_assert_not_null(line);
		snprintf(want, sizeof(want),
			 "{\"pid\":7,\"message\":\"%s\",\"author\":\"%s\"}\n",
			 not_utf8[i].out, not_utf8[i].out);
		cr_assert_str_eq(line, want, "case %zu", i);
		cr_assert_eq(rl_journal_parse_line(line, &back, &store), 0,
			     "case %zu: %s", i, line);
		cr_assert_str_eq(back.author, not_utf8[i].out, "case %zu", i);
		free(store);
		free(line);
	}
}

/* --- parse -------------------------------------------------------------- */

Test(journal, parse_escapes)
{
	struct rl_journal_rec r;
	char *store;

	cr_assert_eq(
	    rl_journal_parse_line(
		"  { \"message\" : \"a\\u00e9\\u20ac\\ud83d\\ude00\\/\\b\\f\\n"
		"\\r\\t\\\"\\\\\\u0001z\" , \"exit\" : -3 ,\"ts\":0}  \r\n",
		&r, &store),
	    0);
	cr_assert_str_eq(r.message, "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80/"
				    "\b\f\n\r\t\"\\\x01z");
	cr_assert_eq(r.exit_code, -3);
	cr_assert_eq(r.ts_ms, 0);
	cr_assert_eq(r.pid, -1, "an absent pid reads as -1");
	free(store);
}

Test(journal, parse_skips_unknown_fields)
{
	struct rl_journal_rec r;
	char *store;

	cr_assert_eq(rl_journal_parse_line(
			 "{\"future\":\"x\",\"event\":\"step\",\"count\":12}",
			 &r, &store),
		     0);
	cr_assert_str_eq(r.event, "step");
	free(store);
	cr_assert_eq(rl_journal_parse_line("{}", &r, &store), 0);
	cr_assert_null(r.event);
	free(store);
}

Test(journal, parse_int_limits)
{
	struct rl_journal_rec r;
	char *store;

	cr_assert_eq(
	    rl_journal_parse_line(
		"{\"ts\":9223372036854775807,\"exit\":-9223372036854775808}",
		&r, &store),
	    0);
	cr_assert_eq(r.ts_ms, INT64_MAX);
	cr_assert_eq(r.exit_code, INT64_MIN);
	free(store);
}

Test(journal, parse_refuses)
{
	static const char *const bad[] = {
	    "",
	    "\n",
	    "hello",
	    "[1,2]",
	    "{",
	    "{\"event\":\"step\"",
	    "{\"event\":\"step\"}}",
	    "{\"event\":\"step\"} x",
	    "{\"event\":\"step\",}",
	    "{,}",
	    "{\"event\" \"step\"}",
	    "{event:\"step\"}",
	    "{\"event\":\"unterminated}",
	    "{\"event\":\"bad \\x escape\"}",
	    "{\"event\":\"raw\ttab\"}",
	    "{\"event\":\"raw\nnewline\"}",
	    "{\"event\":\"\\u12\"}",
	    "{\"event\":\"\\u00zz\"}",
	    "{\"event\":\"\\u0000\"}",
	    "{\"event\":\"\\ud83d alone\"}",
	    "{\"event\":\"\\ude00 alone\"}",
	    "{\"event\":\"\\ud83d\\u0041\"}",
	    "{\"event\":1}",
	    "{\"exit\":\"1\"}",
	    "{\"exit\":1.5}",
	    "{\"exit\":1e3}",
	    "{\"exit\":01}",
	    "{\"exit\":-}",
	    "{\"exit\":+1}",
	    "{\"exit\":9223372036854775808}",
	    "{\"exit\":-9223372036854775809}",
	    "{\"exit\":true}",
	    "{\"event\":null}",
	    "{\"x\":{}}",
	    "{\"x\":[]}",
	    "{\"x\":1.0}",
	};
	struct rl_journal_rec r;
	char *store = (char *)"sentinel";
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_lt(rl_journal_parse_line(bad[i], &r, &store), 0,
			     "accepted: %s", bad[i]);
		cr_assert_null(store);
	}
}

/* --- open and append errors --------------------------------------------- */

static void append_one(const char *path, struct rl_err *err, int *open_rc,
		       int *append_rc)
{
	struct rl_journal_rec r;
	struct rl_journal *j;

	*open_rc = *append_rc = 0;
	j = rl_journal_open(path, err);
	if (j == NULL) {
		*open_rc = -1;
		return;
	}
	rl_journal_rec_init(&r);
	r.event = "test";
	*append_rc = rl_journal_append(j, &r, err);
	rl_journal_close(j);
}

static void expect_error(const char *path, const char *errtext)
{
	struct rl_err err = {""};
	int o, a;
	char want[512];

	append_one(path, &err, &o, &a);
	cr_assert(o < 0 || a < 0, "'%s' written without an error", path);
	snprintf(want, sizeof(want), "'%s': %s", path, errtext);
	cr_assert_neq(strstr(err.msg, want), NULL, "error '%s' lacks '%s'",
		      err.msg, want);
}

Test(journal, unwritable_directory, .init = make_dir, .fini = remove_dir)
{
	expect_error(dir, strerror(EISDIR));
}

Test(journal, unwritable_missing_dir, .init = make_dir, .fini = remove_dir)
{
	expect_error(path_in_dir("no/such/journal.jsonl"), strerror(ENOENT));
}

Test(journal, unwritable_dev_full)
{
	expect_error("/dev/full", strerror(ENOSPC));
}

/* A read-only file: root writes anyway, so the child drops to nobody. */
Test(journal, unwritable_read_only_file, .init = make_dir, .fini = remove_dir)
{
	char *path = path_in_dir("ro.jsonl");
	struct passwd *pw;
	int pipefd[2], status;
	struct rl_err err = {""};
	char msg[RL_ERR_MAX] = "", want[512];
	ssize_t n;
	pid_t pid;

	write_file(path, "");
	cr_assert_eq(chmod(path, 0444), 0);
	cr_assert_eq(chmod(dir, 0755), 0);
	pw = getpwnam("nobody");
	if (geteuid() == 0)
		cr_assert_not_null(pw, "no user 'nobody' to drop to");
	cr_assert_eq(pipe(pipefd), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		int o, a;

		close(pipefd[0]);
		if (geteuid() == 0 &&
		    (setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0))
			_exit(2);
		append_one(path, &err, &o, &a);
		if (write(pipefd[1], err.msg, strlen(err.msg)) < 0)
			_exit(3);
		_exit(o < 0 || a < 0 ? 0 : 1);
	}
	close(pipefd[1]);
	n = read(pipefd[0], msg, sizeof(msg) - 1);
	close(pipefd[0]);
	msg[n > 0 ? n : 0] = '\0';
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		  "child status %d, message '%s'", status, msg);
	snprintf(want, sizeof(want), "cannot open journal '%s': %s", path,
		 strerror(EACCES));
	cr_assert_str_eq(msg, want);
}

/* --- nothing followed, nothing waited for (issue 12) --------------------- */

/* Opening PATH for appending fails with a message holding WANT. */
static void refused_open(const char *path, const char *want)
{
	struct rl_err err = {""};
	int o, a;

	append_one(path, &err, &o, &a);
	cr_assert(o < 0, "'%s' opened", path);
	cr_assert_neq(strstr(err.msg, want), NULL, "'%s' lacks '%s'", err.msg,
		      want);
}

Test(journal, symlink_refused_target_untouched, .init = make_dir,
     .fini = remove_dir)
{
	char victim[128];
	char *text;

	snprintf(victim, sizeof(victim), "%s", path_in_dir("victim"));
	/* a torn last line the repair would cut, were the link followed */
	write_file(victim, "line\ntorn");
	cr_assert_eq(symlink(victim, path_in_dir("j.jsonl")), 0);
	refused_open(path_in_dir("j.jsonl"),
		     "j.jsonl: is a symbolic link, not a regular file");
	text = read_all(victim);
	cr_assert_str_eq(text, "line\ntorn");
	free(text);
}

/* a blocking open would hang: SIGALRM then ends the test as a crash (a
 * second .timeout in this suite makes Criterion's runner leak) */
Test(journal, fifo_refused_at_once, .init = make_dir, .fini = remove_dir)
{
	struct rl_err err = {""};
	int c = 0;

	alarm(20);

	cr_assert_eq(mkfifo(path_in_dir("j.jsonl"), 0600), 0);
	refused_open(path_in_dir("j.jsonl"), "j.jsonl: is a FIFO");
	/* history and restart_limit's count read it: no hang either */
	cr_assert_eq(rl_journal_read(path_in_dir("j.jsonl"), NULL, &c, &err),
		     -1);
	cr_assert_neq(strstr(err.msg, "is a FIFO"), NULL, "%s", err.msg);
	cr_assert_eq(
	    rl_journal_read_since(path_in_dir("j.jsonl"), 1, NULL, &c, &err),
	    -1);
	alarm(0);
}

Test(journal, hard_link_refused, .init = make_dir, .fini = remove_dir)
{
	char other[128];
	char *text;

	snprintf(other, sizeof(other), "%s", path_in_dir("other"));
	write_file(other, "other\ntorn");
	cr_assert_eq(link(other, path_in_dir("j.jsonl")), 0);
	refused_open(path_in_dir("j.jsonl"), "j.jsonl: has 2 hard links");
	text = read_all(other);
	cr_assert_str_eq(text, "other\ntorn");
	free(text);
}

/* linked after it was opened: the torn tail is not cut, nothing written */
Test(journal, hard_link_made_after_open, .init = make_dir, .fini = remove_dir)
{
	struct rl_err err = {""};
	struct rl_journal_rec r;
	struct rl_journal *j;
	char jpath[128], *text;

	snprintf(jpath, sizeof(jpath), "%s", path_in_dir("j.jsonl"));
	write_file(jpath, "line\ntorn");
	j = rl_journal_open(jpath, &err);
	cr_assert_not_null(j, "%s", err.msg);
	cr_assert_eq(link(jpath, path_in_dir("other")), 0);
	rl_journal_rec_init(&r);
	r.event = "test";
	cr_assert_eq(rl_journal_append(j, &r, &err), -1);
	cr_assert_neq(strstr(err.msg, "2 hard links"), NULL, "%s", err.msg);
	rl_journal_close(j);
	text = read_all(path_in_dir("other"));
	cr_assert_str_eq(text, "line\ntorn");
	free(text);
}

Test(journal, directory_others_may_write, .init = make_dir, .fini = remove_dir)
{
	struct rl_err err = {""};
	int o, a;

	cr_assert_eq(chmod(dir, 0777), 0);
	refused_open(path_in_dir("j.jsonl"),
		     "writable by group or others (mode 0777) and not sticky");
	cr_assert_eq(access(path_in_dir("j.jsonl"), F_OK), -1);
	/* sticky, as /tmp: others cannot replace what is not theirs */
	cr_assert_eq(chmod(dir, 01777), 0);
	append_one(path_in_dir("j.jsonl"), &err, &o, &a);
	cr_assert(o == 0 && a == 0, "%s", err.msg);
}

/* the journal's directory itself a symlink: not followed either */
Test(journal, directory_symlink_refused, .init = make_dir, .fini = remove_dir)
{
	char real[128], link_path[128];

	snprintf(real, sizeof(real), "%s", path_in_dir("real"));
	snprintf(link_path, sizeof(link_path), "%s", path_in_dir("state"));
	cr_assert_eq(mkdir(real, 0755), 0);
	cr_assert_eq(symlink(real, link_path), 0);
	refused_open(path_in_dir("state/j.jsonl"),
		     "state: is a symbolic link, not a directory");
	cr_assert_eq(access(path_in_dir("real/j.jsonl"), F_OK), -1);
}

/* a device is written as it is: /dev/null is "no journal" */
Test(journal, dev_null_taken)
{
	struct rl_err err = {""};
	int o, a;

	append_one("/dev/null", &err, &o, &a);
	cr_assert(o == 0 && a == 0, "%s", err.msg);
}

/* group commit: records written unsynced are in the file at once, whole
 * and in order; a sync (or the next synced append, or close) covers them;
 * a device takes them too */
Test(journal, unsynced_records_are_written_whole_and_synced_later,
     .init = make_dir, .fini = remove_dir)
{
	struct rl_err err = {""};
	struct rl_journal_rec r;
	struct rl_journal *j;
	const char *p = path_in_dir("j.jsonl");
	const char *events[] = {"a", "b", "c"};
	char *text;
	size_t i;

	j = rl_journal_open(p, &err);
	cr_assert_not_null(j, "%s", err.msg);
	cr_assert_eq(rl_journal_sync(j, &err), 0, "nothing to sync: %s",
		     err.msg);
	for (i = 0; i < 3; i++) {
		rl_journal_rec_init(&r);
		r.event = events[i];
		cr_assert_eq(rl_journal_append_unsynced(j, &r, &err), 0, "%s",
			     err.msg);
	}
	text = read_all(p);
	cr_assert(strstr(text, "\"event\":\"a\"") <
			  strstr(text, "\"event\":\"b\"") &&
		      strstr(text, "\"event\":\"b\"") <
			  strstr(text, "\"event\":\"c\"") &&
		      strstr(text, "\"event\":\"a\"") != NULL,
		  "three records in order before any sync: %s", text);
	free(text);
	cr_assert_eq(rl_journal_sync(j, &err), 0, "%s", err.msg);
	cr_assert_eq(rl_journal_sync(j, &err), 0, "%s", err.msg);
	rl_journal_rec_init(&r);
	r.event = "d";
	cr_assert_eq(rl_journal_append_unsynced(j, &r, &err), 0, "%s", err.msg);
	rl_journal_close(j);
	text = read_all(p);
	cr_assert(strstr(text, "\"event\":\"d\"") != NULL, "%s", text);
	free(text);
	cr_assert_eq(rl_journal_sync(NULL, &err), 0);

	j = rl_journal_open("/dev/null", &err);
	cr_assert_not_null(j, "%s", err.msg);
	rl_journal_rec_init(&r);
	r.event = "e";
	cr_assert_eq(rl_journal_append_unsynced(j, &r, &err), 0, "%s", err.msg);
	cr_assert_eq(rl_journal_sync(j, &err), 0, "/dev/null: %s", err.msg);
	rl_journal_close(j);

	/* a write that fails is an error at once, synced or not */
	j = rl_journal_open("/dev/full", &err);
	cr_assert_not_null(j, "%s", err.msg);
	cr_assert_eq(rl_journal_append_unsynced(j, &r, &err), -1);
	cr_assert(strstr(err.msg, strerror(ENOSPC)) != NULL, "%s", err.msg);
	rl_journal_close(j);
}

/* --- read --------------------------------------------------------------- */

struct collected {
	int n;
	char events[16][32];
	int stop_at;
};

static int collect(const struct rl_journal_rec *r, void *ctx)
{
	struct collected *c = ctx;

	if (c->n < 16)
		snprintf(c->events[c->n], sizeof(c->events[0]), "%s",
			 r->event ? r->event : "(null)");
	c->n++;
	return c->n == c->stop_at ? 7 : 0;
}

Test(journal, read_missing_is_empty, .init = make_dir, .fini = remove_dir)
{
	struct collected c = {0};
	struct rl_err err = {""};

	cr_assert_eq(
	    rl_journal_read(path_in_dir("none.jsonl"), collect, &c, &err), 0,
	    "%s", err.msg);
	cr_assert_eq(c.n, 0);
}

Test(journal, read_unreadable_is_an_error, .init = make_dir, .fini = remove_dir)
{
	struct collected c = {0};
	struct rl_err err = {""};

	/* a directory opens but cannot be read */
	cr_assert_lt(rl_journal_read(dir, collect, &c, &err), 0);
	cr_assert_neq(strstr(err.msg, dir), NULL, "%s", err.msg);
	cr_assert_eq(c.n, 0);
}

Test(journal, read_skips_torn_last_line, .init = make_dir, .fini = remove_dir)
{
	char *path = path_in_dir("j.jsonl");
	struct collected c = {0};
	struct rl_err err = {""};

	write_file(path,
		   "{\"event\":\"a\"}\n{\"event\":\"b\"}\n{\"event\":\"c");
	cr_assert_eq(rl_journal_read(path, collect, &c, &err), 0, "%s",
		     err.msg);
	cr_assert_eq(c.n, 2);
	cr_assert_str_eq(c.events[0], "a");
	cr_assert_str_eq(c.events[1], "b");

	/* a whole last record without its newline still counts */
	memset(&c, 0, sizeof(c));
	write_file(path, "{\"event\":\"a\"}\n{\"event\":\"b\"}");
	cr_assert_eq(rl_journal_read(path, collect, &c, &err), 0, "%s",
		     err.msg);
	cr_assert_eq(c.n, 2);
}

Test(journal, read_bad_middle_line, .init = make_dir, .fini = remove_dir)
{
	char *path = path_in_dir("j.jsonl");
	char want[256];
	struct collected c = {0};
	struct rl_err err = {""};

	write_file(path, "{\"event\":\"a\"}\n{\"event\":\"b\"}\ngarbage\n"
			 "{\"event\":\"d\"}\n");
	cr_assert_lt(rl_journal_read(path, collect, &c, &err), 0);
	snprintf(want, sizeof(want), "%s:3: not a journal record", path);
	cr_assert_str_eq(err.msg, want);
	cr_assert_eq(c.n, 2);

	/* an empty line is not a record either */
	memset(&c, 0, sizeof(c));
	write_file(path, "{\"event\":\"a\"}\n\n{\"event\":\"c\"}\n");
	cr_assert_lt(rl_journal_read(path, collect, &c, &err), 0);
	snprintf(want, sizeof(want), "%s:2: not a journal record", path);
	cr_assert_str_eq(err.msg, want);

	/* nor is a line with a NUL in it */
	memset(&c, 0, sizeof(c));
	{
		FILE *f = fopen(path, "w");

		cr_assert_not_null(f);
		fwrite("{\"event\":\"a\"}\0\n{\"event\":\"b\"}\n", 1, 30, f);
		fclose(f);
	}
	cr_assert_lt(rl_journal_read(path, collect, &c, &err), 0);
	snprintf(want, sizeof(want), "%s:1: not a journal record", path);
	cr_assert_str_eq(err.msg, want);
}

Test(journal, read_callback_stops, .init = make_dir, .fini = remove_dir)
{
	char *path = path_in_dir("j.jsonl");
	struct collected c = {0};
	struct rl_err err = {""};

	write_file(path,
		   "{\"event\":\"a\"}\n{\"event\":\"b\"}\n{\"event\":\"c\"}\n");
	c.stop_at = 2;
	cr_assert_eq(rl_journal_read(path, collect, &c, &err), 7);
	cr_assert_eq(c.n, 2);
}

/* --- append ------------------------------------------------------------- */

struct check_back {
	int n;
	struct rl_journal_rec first;
	char msg[64], component[64];
};

static int keep_first(const struct rl_journal_rec *r, void *ctx)
{
	struct check_back *c = ctx;

	if (c->n++ == 0) {
		c->first = *r;
		snprintf(c->msg, sizeof(c->msg), "%s", r->message);
		snprintf(c->component, sizeof(c->component), "%s",
			 r->component);
	}
	return 0;
}

Test(journal, append_and_read_back, .init = make_dir, .fini = remove_dir)
{
	char *path = path_in_dir("j.jsonl");
	struct rl_journal_rec r;
	struct rl_journal *j;
	struct rl_err err = {""};
	struct check_back c = {0};
	struct stat st;
	mode_t old = umask(022);
	char *text, *p;
	int lines = 0;

	j = rl_journal_open(path, &err);
	umask(old);
	cr_assert_not_null(j, "%s", err.msg);
	cr_assert_str_eq(rl_journal_path(j), path);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0640, "mode %o", st.st_mode & 0777);
	rl_journal_rec_init(&r);
	r.event = "step";
	r.component = "fx/pricer";
	r.message = "line\none";
	r.exit_code = 3;
	cr_assert_eq(rl_journal_append(j, &r, &err), 0, "%s", err.msg);
	r.message = "two";
	cr_assert_eq(rl_journal_append(j, &r, &err), 0, "%s", err.msg);
	rl_journal_close(j);

	text = read_all(path);
	for (p = text; *p != '\0'; p++)
		lines += *p == '\n';
	cr_assert_eq(lines, 2, "%s", text);
	cr_assert_eq(p[-1], '\n');
	free(text);
	cr_assert_eq(rl_journal_read(path, keep_first, &c, &err), 0, "%s",
		     err.msg);
	cr_assert_eq(c.n, 2);
	cr_assert_str_eq(c.msg, "line\none");
	cr_assert_str_eq(c.component, "fx/pricer");
	cr_assert_eq(c.first.exit_code, 3);
	cr_assert_eq(c.first.pid, getpid());
	cr_assert_eq(c.first.signal, -1);
}

/* A writer that died mid-record leaves a fragment: the next append must
 * not glue its record onto it. */
Test(journal, append_after_torn_tail, .init = make_dir, .fini = remove_dir)
{
	char *path = path_in_dir("j.jsonl");
	struct rl_journal_rec r;
	struct rl_journal *j;
	struct rl_err err = {""};
	struct collected c = {0};
	char *text;

	write_file(path, "{\"event\":\"a\"}\n{\"event\":\"torn, with a long"
			 " tail that goes on");
	j = rl_journal_open(path, &err);
	cr_assert_not_null(j, "%s", err.msg);
	rl_journal_rec_init(&r);
	r.event = "b";
	cr_assert_eq(rl_journal_append(j, &r, &err), 0, "%s", err.msg);
	rl_journal_close(j);
	cr_assert_eq(rl_journal_read(path, collect, &c, &err), 0, "%s",
		     err.msg);
	cr_assert_eq(c.n, 2);
	cr_assert_str_eq(c.events[0], "a");
	cr_assert_str_eq(c.events[1], "b");
	text = read_all(path);
	cr_assert_null(strstr(text, "torn"));
	free(text);

	/* a file that is one fragment, no newline at all */
	write_file(path, "{\"ev");
	j = rl_journal_open(path, &err);
	cr_assert_not_null(j);
	cr_assert_eq(rl_journal_append(j, &r, &err), 0, "%s", err.msg);
	rl_journal_close(j);
	text = read_all(path);
	cr_assert_eq(strncmp(text, "{\"time\"", 7), 0, "%s", text);
	free(text);
}

/* --- many writers at once ----------------------------------------------- */

#define WRITERS 8
#define RECORDS 500

/* Deterministic length per record; every 7th is well past a page. */
static size_t msg_len(int w, int i)
{
	if (i % 7 == 3)
		return 4096 + (size_t)((w * 131 + i * 17) % 6000);
	return 1 + (size_t)((w * 31 + i * 13) % 300);
}

static void fill_msg(char *buf, int w, int i)
{
	size_t n = msg_len(w, i), k;

	for (k = 0; k < n; k++)
		buf[k] = "abcdefghij\"\\\n\t"[(k + (size_t)w) % 15];
	buf[n] = '\0';
}

/* MAX_SIZE > 0: the writer rotates the journal beyond it (and keeps
 * every rotated file, so that none of the records goes). */
static void writer(const char *path, int w, int start_fd, int64_t max_size,
		   uid_t uid)
{
	struct rl_journal_rec r;
	struct rl_journal *j;
	struct rl_err err;
	char node[16], run[32];
	static char msg[16384];
	char go;
	int i;

	/* wait until every writer is ready, then all go at once */
	if (read(start_fd, &go, 1) < 0)
		_exit(10);
	if (uid != 0 && (setgid(uid) < 0 || setuid(uid) < 0))
		_exit(13);
	j = rl_journal_open(path, &err);
	if (j == NULL)
		_exit(11);
	if (max_size > 0)
		rl_journal_set_rotation(j, max_size, 10000);
	snprintf(node, sizeof(node), "w%d", w);
	for (i = 0; i < RECORDS; i++) {
		rl_journal_rec_init(&r);
		snprintf(run, sizeof(run), "w%d-%d", w, i);
		fill_msg(msg, w, i);
		r.node = node;
		r.run = run;
		r.exit_code = i;
		r.message = msg;
		if (rl_journal_append(j, &r, &err) < 0)
			_exit(12);
	}
	rl_journal_close(j);
	_exit(0);
}

struct tally {
	int total;
	int next[WRITERS];
	char problem[256];
};

static int count(const struct rl_journal_rec *r, void *ctx)
{
	struct tally *t = ctx;
	static char want[16384];
	char run[32];
	int w;

	t->total++;
	if (r->node == NULL || sscanf(r->node, "w%d", &w) != 1 || w < 0 ||
	    w >= WRITERS) {
		snprintf(t->problem, sizeof(t->problem), "record %d: node",
			 t->total);
		return 1;
	}
	if (r->exit_code != t->next[w]) {
		snprintf(t->problem, sizeof(t->problem),
			 "writer %d: record %lld after %d", w,
			 (long long)r->exit_code, t->next[w] - 1);
		return 1;
	}
	snprintf(run, sizeof(run), "w%d-%d", w, t->next[w]);
	fill_msg(want, w, t->next[w]);
	if (r->run == NULL || strcmp(r->run, run) != 0 || r->message == NULL ||
	    strcmp(r->message, want) != 0) {
		snprintf(t->problem, sizeof(t->problem),
			 "writer %d record %d: content differs", w, t->next[w]);
		return 1;
	}
	t->next[w]++;
	return 0;
}

Test(journal, concurrent_writers, .init = make_dir, .fini = remove_dir,
     .timeout = 120)
{
	char *path = path_in_dir("j.jsonl");
	pid_t pids[WRITERS];
	int start[2], w, status, lines = 0, ret;
	struct tally t;
	struct rl_err err = {""};
	char *text, *p;

	cr_assert_eq(pipe(start), 0);
	for (w = 0; w < WRITERS; w++) {
		pids[w] = fork();
		cr_assert_geq(pids[w], 0);
		if (pids[w] == 0) {
			close(start[1]);
			writer(path, w, start[0], 0, 0);
		}
	}
	close(start[0]);
	/* closing the write end wakes every writer at once (read -> 0) */
	close(start[1]);
	for (w = 0; w < WRITERS; w++) {
		cr_assert_eq(waitpid(pids[w], &status, 0), pids[w]);
		cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
			  "writer %d: status %d", w, status);
	}

	/* every line is one record: count the newlines ourselves */
	text = read_all(path);
	for (p = text; *p != '\0'; p++)
		lines += *p == '\n';
	cr_assert_eq(p[-1], '\n');
	free(text);
	cr_assert_eq(lines, WRITERS * RECORDS);

	memset(&t, 0, sizeof(t));
	ret = rl_journal_read(path, count, &t, &err);
	cr_assert_eq(ret, 0, "read: %d %s %s", ret, err.msg, t.problem);
	cr_assert_eq(t.total, WRITERS * RECORDS);
	for (w = 0; w < WRITERS; w++)
		cr_assert_eq(t.next[w], RECORDS, "writer %d: %d records", w,
			     t.next[w]);
}

/* --- read_since --------------------------------------------------------- */

/* What a read saw: each record's ts and message, in order. */
struct seen {
	int64_t *ts;
	char **msg;
	size_t n, cap;
	int64_t keep_since; /* for the full read: keep ts >= this only */
};

static int see(const struct rl_journal_rec *r, void *ctx)
{
	struct seen *s = ctx;

	if (r->ts_ms < s->keep_since)
		return 0;
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 64;
		s->ts = realloc(s->ts, s->cap * sizeof(*s->ts));
		s->msg = realloc(s->msg, s->cap * sizeof(*s->msg));
		if (s->ts == NULL || s->msg == NULL)
			return -2;
	}
	s->ts[s->n] = r->ts_ms;
	s->msg[s->n] = strdup(r->message ? r->message : "(null)");
	if (s->msg[s->n] == NULL)
		return -2;
	s->n++;
	return 0;
}

static void seen_free(struct seen *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->msg[i]);
	free(s->ts);
	free(s->msg);
	memset(s, 0, sizeof(*s));
}

static void assert_same(const struct seen *a, const struct seen *b)
{
	cr_assert_eq(a->n, b->n, "%zu records, expected %zu", a->n, b->n);
	for (size_t i = 0; i < a->n; i++) {
		cr_assert_eq(a->ts[i], b->ts[i], "record %zu", i);
		cr_assert_str_eq(a->msg[i], b->msg[i], "record %zu", i);
	}
}

/* One formatted record stamped TS into F. */
static void put_rec(FILE *f, int64_t ts, const char *event, const char *msg)
{
	struct rl_journal_rec r;
	char *line;

	rl_journal_rec_init(&r);
	r.ts_ms = ts;
	r.pid = 4242;
	r.node = "mon-1";
	r.event = event;
	r.component = "fx/pricer";
	r.message = msg;
	line = rl_journal_format(&r);
	cr_assert_not_null(line);
	cr_assert_geq(fputs(line, f), 0);
	free(line);
}

/* The full read, filtered: what read_since must give. */
static void full_read_since(const char *path, int64_t since, struct seen *out)
{
	struct rl_err err = {""};

	memset(out, 0, sizeof(*out));
	out->keep_since = since;
	cr_assert_eq(rl_journal_read(path, see, out, &err), 0, "%s", err.msg);
	out->keep_since = INT64_MIN;
}

static void read_since(const char *path, int64_t since, struct seen *out)
{
	struct rl_err err = {""};
	int r;

	memset(out, 0, sizeof(*out));
	out->keep_since = INT64_MIN;
	r = rl_journal_read_since(path, since, see, out, &err);
	cr_assert_eq(r, 0, "read_since: %d %s", r, err.msg);
}

Test(journal, read_since_at_or_after, .init = make_dir, .fini = remove_dir)
{
	char *path = path_in_dir("j.jsonl");
	int64_t since = 1795489925000;
	struct seen got, want;
	struct rl_journal *j;
	struct rl_journal_rec r;
	struct rl_err err = {""};
	const int64_t stamps[] = {since - 3600000, since - 2, since - 1,
				  since,	   since + 1, since + 60000};

	j = rl_journal_open(path, &err);
	cr_assert_not_null(j, "%s", err.msg);
	for (size_t i = 0; i < sizeof(stamps) / sizeof(stamps[0]); i++) {
		rl_journal_rec_init(&r);
		r.ts_ms = stamps[i];
		r.event = "decision";
		r.message = "m";
		cr_assert_eq(rl_journal_append(j, &r, &err), 0, "%s", err.msg);
	}
	rl_journal_close(j);
	read_since(path, since, &got);
	cr_assert_eq(got.n, 3);
	cr_assert_eq(got.ts[0], since);
	cr_assert_eq(got.ts[1], since + 1);
	cr_assert_eq(got.ts[2], since + 60000);
	full_read_since(path, since, &want);
	assert_same(&got, &want);
	seen_free(&got);
	seen_free(&want);
	/* since 0: everything */
	read_since(path, 0, &got);
	cr_assert_eq(got.n, 6);
	seen_free(&got);
	/* since after the last: nothing */
	read_since(path, since + 60001, &got);
	cr_assert_eq(got.n, 0);
	seen_free(&got);
	/* a missing journal is empty */
	read_since(path_in_dir("none.jsonl"), since, &got);
	cr_assert_eq(got.n, 0);
}

/*
 * 200,000 records, one every 100 ms (five and a half hours): reading the
 * last minute gives what the full read filtered gives, and reads only the
 * tail: a bad line near the start, which makes the full read fail, is
 * never met.
 */
Test(journal, read_since_reads_the_tail, .init = make_dir, .fini = remove_dir)
{
	char *path = path_in_dir("big.jsonl");
	const int64_t t0 = 1795489925000;
	const int n = 200000;
	int64_t last = t0 + (int64_t)(n - 1) * 100, since = last - 60000;
	struct seen got, want;
	struct rl_err err = {""};
	char msg[64];
	int64_t us;
	FILE *f;

	f = fopen(path, "w");
	cr_assert_not_null(f);
	for (int i = 0; i < n; i++) {
		snprintf(msg, sizeof(msg), "record %d", i);
		put_rec(f, t0 + (int64_t)i * 100, i % 3 ? "step" : "decision",
			msg);
	}
	cr_assert_eq(fclose(f), 0);

	us = rl_now_us();
	full_read_since(path, since, &want);
	cr_log_info("full read of %d records: %lld us", n,
		    (long long)(rl_now_us() - us));
	us = rl_now_us();
	read_since(path, since, &got);
	cr_log_info("read_since of the last minute: %lld us",
		    (long long)(rl_now_us() - us));
	cr_assert_eq(want.n, 601, "the last minute holds 601 records");
	assert_same(&got, &want);
	cr_assert_str_eq(got.msg[0], "record 199399");
	cr_assert_str_eq(got.msg[600], "record 199999");
	seen_free(&got);

	/* a bad line at record 1000: read_since never goes there */
	{
		char *text = read_all(path), *p = text;
		for (int i = 0; i < 1000; i++)
			p = strchr(p, '\n') + 1;
		p[0] = 'X'; /* "{" -> "X": not a record */
		write_file(path, text);
		free(text);
	}
	seen_free(&want);
	memset(&want, 0, sizeof(want));
	cr_assert_eq(rl_journal_read(path, see, &want, &err), -1);
	cr_assert(strstr(err.msg, ":1001: not a journal record") != NULL, "%s",
		  err.msg);
	seen_free(&want);
	read_since(path, since, &got);
	cr_assert_eq(got.n, 601);
	seen_free(&got);
	/* an hour back still does not reach it (record 1000 is 5h old) */
	read_since(path, last - 3600000, &got);
	cr_assert_eq(got.n, 36001);
	seen_free(&got);
	/* everything since the start does, and says where */
	memset(&got, 0, sizeof(got));
	cr_assert_eq(rl_journal_read_since(path, t0 + 1, see, &got, &err), -1);
	cr_assert(strstr(err.msg, "not a journal record") != NULL, "%s",
		  err.msg);
	seen_free(&got);
}

Test(journal, read_since_skips_a_torn_last_line, .init = make_dir,
     .fini = remove_dir)
{
	char *path = path_in_dir("j.jsonl");
	const int64_t t0 = 1795489925000;
	struct seen got;
	FILE *f;

	f = fopen(path, "w");
	cr_assert_not_null(f);
	for (int i = 0; i < 5000; i++) /* ~ 1 MB: read_since seeks */
		put_rec(f, t0 + (int64_t)i * 1000, "step", "old enough");
	put_rec(f, t0 + 5000000, "decision", "last whole");
	fputs("{\"ts\":1795494925000,\"event\":\"decis", f);
	cr_assert_eq(fclose(f), 0);
	read_since(path, t0 + 4999000, &got);
	cr_assert_eq(got.n, 2);
	cr_assert_str_eq(got.msg[0], "old enough");
	cr_assert_str_eq(got.msg[1], "last whole");
	seen_free(&got);
}

/*
 * Writers stamp before they take the lock: neighbours may be out of order
 * by up to a minute. A tail of ~150 KiB whose stamps go from a minute and
 * a half before SINCE to a minute after, each jittered by up to 20 s
 * either way; wherever the 64 KiB steps of the backward search fall in it
 * (the messages' length moves them), every record at or after SINCE is
 * found, in file order.
 */
Test(journal, read_since_stamps_out_of_order, .init = make_dir,
     .fini = remove_dir)
{
	char *path = path_in_dir("j.jsonl");
	const int64_t since = 1795489925000;
	const int tail = 1000;
	struct seen got, want;
	char msg[256];
	size_t before = 0;
	FILE *f;

	for (int shift = 0; shift < 40; shift++) {
		f = fopen(path, "w");
		cr_assert_not_null(f);
		for (int i = 0; i < 2000; i++)
			put_rec(f, since - 7200000 + i * 1000, "step",
				"old enough");
		for (int i = 0; i < tail; i++) {
			int64_t base =
			    since - 90000 + (int64_t)i * 150000 / tail;
			int64_t jitter = (int64_t)((i * 7919) % 40001) - 20000;

			snprintf(msg, sizeof(msg), "tail %d %.*s", i,
				 (shift * 13 + i) % 40,
				 "pppppppppppppppppppp"
				 "pppppppppppppppppppp");
			put_rec(f,
				since + (i % 2 ? jitter : -jitter) + base -
				    since,
				"decision", msg);
		}
		cr_assert_eq(fclose(f), 0);
		read_since(path, since, &got);
		full_read_since(path, since, &want);
		cr_assert_gt(want.n, 300);
		cr_assert_lt(want.n, 700);
		if (before)
			cr_assert_eq(want.n, before);
		before = want.n;
		assert_same(&got, &want);
		seen_free(&got);
		seen_free(&want);
	}
}

Test(journal, read_since_directory_is_an_error, .init = make_dir,
     .fini = remove_dir)
{
	struct seen got = {0};
	struct rl_err err = {""};

	/* it used to walk back from a directory's huge "end" for ever */
	cr_assert_eq(rl_journal_read_since(dir, 1795489925000, see, &got, &err),
		     -1);
	cr_assert(strstr(err.msg, dir) != NULL, "%s", err.msg);
	cr_assert_eq(got.n, 0);
}

/* --- rotation (issue 13) ------------------------------------------------ */

/* Appends records numbered FROM..TO-1 (exit_code) through J. */
static void append_numbered(struct rl_journal *j, int from, int to)
{
	struct rl_journal_rec r;
	struct rl_err err = {""};
	int i;

	for (i = from; i < to; i++) {
		rl_journal_rec_init(&r);
		r.event = "step";
		r.message =
		    "a message long enough to fill a small journal fast";
		r.exit_code = i;
		cr_assert_eq(rl_journal_append(j, &r, &err), 0, "%s", err.msg);
	}
}

/* The exit codes of the records read, in order. */
struct numbers {
	int64_t v[4096];
	size_t n;
};

static int numbered(const struct rl_journal_rec *r, void *ctx)
{
	struct numbers *x = ctx;

	cr_assert_lt(x->n, sizeof(x->v) / sizeof(x->v[0]));
	x->v[x->n++] = r->exit_code;
	return 0;
}

static bool exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

Test(journal, rotation_keeps_n_files_and_reads_across_them, .init = make_dir,
     .fini = remove_dir)
{
	char path[128], name[160];
	struct rl_journal *j;
	struct rl_err err = {""};
	struct numbers x;
	struct stat st;
	char *text;
	size_t i;
	int k;

	snprintf(path, sizeof(path), "%s", path_in_dir("j.jsonl"));
	j = rl_journal_open(path, &err);
	cr_assert_not_null(j, "%s", err.msg);
	rl_journal_set_rotation(j, 1024, 3);
	append_numbered(j, 0, 200);
	rl_journal_close(j);

	/* j.jsonl.1 .. .3, no .4: the oldest went */
	for (k = 1; k <= 4; k++) {
		snprintf(name, sizeof(name), "%s.%d", path, k);
		cr_assert_eq(exists(name), k <= 3, "%s", name);
		if (k > 3)
			continue;
		/* each rotated file just past the size, and whole */
		cr_assert_eq(stat(name, &st), 0);
		cr_assert_geq(st.st_size, 1024, "%s: %lld", name,
			      (long long)st.st_size);
		cr_assert_lt(st.st_size, 2048, "%s", name);
		text = read_all(name);
		cr_assert_eq(text[strlen(text) - 1], '\n', "%s", name);
		free(text);
	}
	/* the reader: the newest records, oldest first, none twice */
	memset(&x, 0, sizeof(x));
	cr_assert_eq(rl_journal_read(path, numbered, &x, &err), 0, "%s",
		     err.msg);
	cr_assert_gt(x.n, 10);
	cr_assert_lt(x.n, 200);
	for (i = 0; i < x.n; i++)
		cr_assert_eq(x.v[i], 200 - (int64_t)x.n + (int64_t)i,
			     "record %zu is %lld", i, (long long)x.v[i]);
}

/* The journal at PATH and its rotated files hold the records numbered 0,
 * 1, 2, in that order. */
static void reads_0_1_2(const char *path)
{
	struct rl_err err = {""};
	struct numbers x;

	memset(&x, 0, sizeof(x));
	cr_assert_eq(rl_journal_read(path, numbered, &x, &err), 0, "%s",
		     err.msg);
	cr_assert_eq(x.n, 3);
	cr_assert_eq(x.v[0] + x.v[1] * 10 + x.v[2] * 100, 210);
}

Test(journal, writer_opened_before_a_rotation_writes_to_the_new_file,
     .init = make_dir, .fini = remove_dir)
{
	char path[128], one[160];
	struct rl_journal *early, *rotator;
	struct rl_err err = {""};
	char *text;

	snprintf(path, sizeof(path), "%s", path_in_dir("j.jsonl"));
	snprintf(one, sizeof(one), "%s.1", path);
	early = rl_journal_open(path, &err);
	cr_assert_not_null(early, "%s", err.msg);
	append_numbered(early, 0, 1);
	/* another process rotates the file "early" holds open */
	rotator = rl_journal_open(path, &err);
	cr_assert_not_null(rotator, "%s", err.msg);
	rl_journal_set_rotation(rotator, 1, 5);
	append_numbered(rotator, 1, 2);
	cr_assert(exists(one));
	text = read_all(path);
	cr_assert_str_eq(text, "", "rotated: a new, empty journal");
	free(text);
	append_numbered(early, 2, 3);
	/* the record went to the journal's name, not to the rotated file */
	text = read_all(path);
	cr_assert_not_null(strstr(text, "\"exit\":2"), "%s", text);
	free(text);
	text = read_all(one);
	cr_assert_null(strstr(text, "\"exit\":2"), "%s", text);
	free(text);
	reads_0_1_2(path);
	rl_journal_close(early);
	rl_journal_close(rotator);
}

Test(journal, rotated_file_with_a_torn_tail, .init = make_dir,
     .fini = remove_dir)
{
	char path[128], name[160];
	struct rl_err err = {""};
	struct numbers x;

	snprintf(path, sizeof(path), "%s", path_in_dir("j.jsonl"));
	snprintf(name, sizeof(name), "%s.2", path);
	write_file(name, "{\"exit\":1}\n{\"exit\":2}\n{\"exi");
	snprintf(name, sizeof(name), "%s.1", path);
	write_file(name, "{\"exit\":3}\n");
	write_file(path, "{\"exit\":4}\n{\"ex");
	memset(&x, 0, sizeof(x));
	cr_assert_eq(rl_journal_read(path, numbered, &x, &err), 0, "%s",
		     err.msg);
	cr_assert_eq(x.n, 4);
	cr_assert_eq(x.v[0] * 1000 + x.v[1] * 100 + x.v[2] * 10 + x.v[3], 1234);
	/* a bad line in the middle of a rotated file is named with it */
	write_file(name, "{\"exit\":3}\nnot json\n{\"exit\":5}\n");
	memset(&x, 0, sizeof(x));
	cr_assert_eq(rl_journal_read(path, numbered, &x, &err), -1);
	cr_assert_not_null(strstr(err.msg, "j.jsonl.1:2: not a journal record"),
			   "%s", err.msg);
}

Test(journal, reader_steps_over_one_missing_rotated_file, .init = make_dir,
     .fini = remove_dir)
{
	char path[128], name[160];
	struct rl_err err = {""};
	struct numbers x;

	snprintf(path, sizeof(path), "%s", path_in_dir("j.jsonl"));
	/* a rotation stopped half-way: .2 renamed to .3, .1 not yet to .2 */
	snprintf(name, sizeof(name), "%s.3", path);
	write_file(name, "{\"exit\":1}\n");
	snprintf(name, sizeof(name), "%s.1", path);
	write_file(name, "{\"exit\":2}\n");
	memset(&x, 0, sizeof(x));
	cr_assert_eq(rl_journal_read(path, numbered, &x, &err), 0, "%s",
		     err.msg);
	cr_assert_eq(x.n, 2, "the journal itself may be missing too");
	cr_assert_eq(x.v[0] * 10 + x.v[1], 12);
}

Test(journal, read_since_reaches_into_rotated_files, .init = make_dir,
     .fini = remove_dir)
{
	char path[128], name[160];
	struct rl_err err = {""};
	struct seen got;
	FILE *f;

	snprintf(path, sizeof(path), "%s", path_in_dir("j.jsonl"));
	snprintf(name, sizeof(name), "%s.2", path);
	f = fopen(name, "w");
	cr_assert_not_null(f);
	put_rec(f, 1000000, "old", "too old");
	fclose(f);
	snprintf(name, sizeof(name), "%s.1", path);
	f = fopen(name, "w");
	cr_assert_not_null(f);
	put_rec(f, 5000000, "a", "in .1");
	fclose(f);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	put_rec(f, 6000000, "b", "in the journal");
	fclose(f);
	memset(&got, 0, sizeof(got));
	cr_assert_eq(rl_journal_read_since(path, 4000000, see, &got, &err), 0,
		     "%s", err.msg);
	cr_assert_eq(got.n, 2);
	cr_assert_str_eq(got.msg[0], "in .1");
	cr_assert_str_eq(got.msg[1], "in the journal");
	seen_free(&got);
}

/* The writers of concurrent_writers_during_rotation: root, or half of
 * them the account UID (the core's, say), in a directory UID owns. */
static void rotate_with_writers(uid_t uid)
{
	char *path = path_in_dir("j.jsonl"), name[160];
	pid_t pids[WRITERS];
	int start[2], w, status, ret, files = 0, k;
	struct tally t;
	struct rl_err err = {""};
	struct stat st;
	char *text;

	if (uid != 0) {
		/* the journal the core's account made, in its directory */
		cr_assert_eq(chown(dir, uid, uid), 0);
		cr_assert_eq(chmod(dir, 0755), 0);
		write_file(path, "");
		cr_assert_eq(chown(path, uid, uid), 0);
		cr_assert_eq(chmod(path, 0640), 0);
	}
	cr_assert_eq(pipe(start), 0);
	for (w = 0; w < WRITERS; w++) {
		pids[w] = fork();
		cr_assert_geq(pids[w], 0);
		if (pids[w] == 0) {
			close(start[1]);
			writer(path, w, start[0], 16 * 1024, w % 2 ? uid : 0);
		}
	}
	close(start[0]);
	close(start[1]);
	for (w = 0; w < WRITERS; w++) {
		cr_assert_eq(waitpid(pids[w], &status, 0), pids[w]);
		cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
			  "writer %d: status %d", w, status);
	}
	/* many rotations happened, each rotated file whole */
	for (k = 1; k < 10000; k++) {
		snprintf(name, sizeof(name), "%s.%d", path, k);
		if (!exists(name))
			break;
		files++;
		text = read_all(name);
		cr_assert_eq(text[strlen(text) - 1], '\n', "%s", name);
		free(text);
	}
	cr_assert_gt(files, 10, "%d rotated files", files);
	/* the journal kept its owner and mode, whoever rotated it */
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_uid, uid);
	cr_assert_eq(st.st_mode & 07777, 0640);
	/* every record of every writer, once, in each writer's order */
	memset(&t, 0, sizeof(t));
	ret = rl_journal_read(path, count, &t, &err);
	cr_assert_eq(ret, 0, "read: %d %s %s", ret, err.msg, t.problem);
	cr_assert_eq(t.total, WRITERS * RECORDS);
	for (w = 0; w < WRITERS; w++)
		cr_assert_eq(t.next[w], RECORDS, "writer %d: %d records", w,
			     t.next[w]);
}

Test(journal, concurrent_writers_during_rotation, .init = make_dir,
     .fini = remove_dir, .timeout = 240)
{
	rotate_with_writers(0);
}

/* root and the core's account (here: nobody, 65534) append at once and
 * rotate each other's files: the journal stays the account's, and
 * nothing is lost */
Test(journal, root_and_another_account_rotating_at_once, .init = make_dir,
     .fini = remove_dir, .timeout = 240)
{
	if (geteuid() != 0)
		cr_skip_test("needs root to be two users");
	rotate_with_writers(65534);
}

/* --- the config of every record (issue 18) ------------------------------ */

Test(journal, every_record_carries_the_config, .init = make_dir,
     .fini = remove_dir)
{
	static const char hash[] =
	    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	static const char bundle[] =
	    "### relance config: x.ini (3 bytes)\nab\n\n";
	char path[128], copy[256];
	struct rl_journal *j;
	struct rl_journal_rec r;
	struct rl_err err = {""};
	char *text;

	snprintf(path, sizeof(path), "%s", path_in_dir("j.jsonl"));
	j = rl_journal_open(path, &err);
	cr_assert_not_null(j, "%s", err.msg);
	cr_assert_eq(
	    rl_journal_set_config(j, hash, bundle, strlen(bundle), 4, &err), 0,
	    "%s", err.msg);
	rl_journal_rec_init(&r);
	r.event = "hold";
	cr_assert_eq(rl_journal_append(j, &r, &err), 0, "%s", err.msg);
	r.config = "feedbeef"; /* a record that names its own keeps it */
	cr_assert_eq(rl_journal_append(j, &r, &err), 0, "%s", err.msg);
	rl_journal_close(j);
	text = read_all(path);
	cr_assert_not_null(strstr(text, "\"event\":\"hold\",\"config\":\"0123"),
			   "%s", text);
	cr_assert_not_null(strstr(text, "\"config\":\"feedbeef\"}"), "%s",
			   text);
	free(text);
	/* the copy of the config, beside the journal */
	snprintf(copy, sizeof(copy), "%s/configs/%s", dir, hash);
	text = read_all(copy);
	cr_assert_str_eq(text, bundle);
	free(text);
}

/* unsynced records of a writer whose file another process rotates: the
 * rotator syncs the file first, the writer's record stays whole in the
 * rotated file, its next one goes to the new file, and its sync is that
 * file's (issue 17) */
Test(journal, unsynced_across_a_rotation, .init = make_dir, .fini = remove_dir)
{
	char path[128], one[160];
	struct rl_journal *early, *rotator;
	struct rl_journal_rec r;
	struct rl_err err = {""};
	char *text;
	int i;

	snprintf(path, sizeof(path), "%s", path_in_dir("j.jsonl"));
	snprintf(one, sizeof(one), "%s.1", path);
	early = rl_journal_open(path, &err);
	cr_assert_not_null(early, "%s", err.msg);
	rotator = rl_journal_open(path, &err);
	cr_assert_not_null(rotator, "%s", err.msg);
	rl_journal_set_rotation(rotator, 1, 5);
	for (i = 0; i < 3; i++) {
		rl_journal_rec_init(&r);
		r.event = "step";
		r.exit_code = i;
		/* 0 by early, 1 by the rotator (which rotates), 2 by early */
		cr_assert_eq(rl_journal_append_unsynced(
				 i == 1 ? rotator : early, &r, &err),
			     0, "%s", err.msg);
		if (i == 1)
			cr_assert(exists(one), "rotated");
	}
	cr_assert_eq(rl_journal_sync(early, &err), 0, "%s", err.msg);
	text = read_all(one);
	cr_assert_not_null(strstr(text, "\"exit\":0"), "%s", text);
	cr_assert_eq(text[strlen(text) - 1], '\n', "%s", text);
	free(text);
	text = read_all(path);
	cr_assert_not_null(strstr(text, "\"exit\":2"), "%s", text);
	free(text);
	reads_0_1_2(path);
	rl_journal_close(early);
	rl_journal_close(rotator);
}
