/* Unit tests for transport: the event loop, the local backend (real
 * processes) and rl_command_split (checked against /bin/sh itself). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "transport.h"
#include "transport_impl.h"
#include "util.h"

static struct rl_host local_host;

static void setup_host(void)
{
	memset(&local_host, 0, sizeof(local_host));
	local_host.name = (char *)"monitor";
	local_host.transport = RL_TRANSPORT_LOCAL;
}

static void cmd_init(struct rl_cmd *c, const char *command, int64_t timeout_ms)
{
	memset(c, 0, sizeof(*c));
	c->host = &local_host;
	c->command = command;
	c->timeout_ms = timeout_ms;
}

/* Runs the batch with a deadline BUDGET_MS from now; returns the elapsed
 * milliseconds. */
static int64_t run_batch(struct rl_cmd *cmds, size_t n, int64_t budget_ms)
{
	struct rl_err err = {{0}};
	struct rl_transport *t = rl_transport_new(NULL, &err);
	int64_t t0, t1;
	int r;

	cr_assert_not_null(t, "%s", err.msg);
	t0 = rl_now_ms();
	r = rl_transport_run(t, cmds, n, t0 + budget_ms, &err);
	t1 = rl_now_ms();
	cr_assert_eq(r, 0, "rl_transport_run: %s", err.msg);
	rl_transport_free(t);
	return t1 - t0;
}

static void run_one(struct rl_cmd *c, const char *command, int64_t timeout_ms)
{
	cmd_init(c, command, timeout_ms);
	run_batch(c, 1, 10000);
}

/* How late a busy machine (other builds and tests on every core) may make
 * a batch. Upper bounds on time are the expected time plus this: they only
 * show that nothing waited for a 30 s sleep or a 10 s deadline, which
 * stays true under load; speed itself is measured in bench/. */
#define LATE_MS 3000

/* A process is gone when /proc has no entry or only a zombie left. Waits
 * TRIES times 5 ms for it. */
static bool proc_gone_within(pid_t pid, int tries)
{
	for (int i = 0; i < tries; i++) {
		char path[64], buf[512];
		FILE *f;
		char *p;

		snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
		f = fopen(path, "r");
		if (f == NULL)
			return true;
		p = fgets(buf, sizeof(buf), f);
		fclose(f);
		if (p == NULL)
			return true;
		p = strrchr(buf, ')');
		if (p != NULL && p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X'))
			return true;
		if (i + 1 < tries)
			usleep(5000);
	}
	return false;
}

static bool proc_gone(pid_t pid)
{
	return proc_gone_within(pid, LATE_MS / 5);
}

/* ---------------------------------------------------------------------- */
/* rl_command_split */

static void assert_split(const char *command, const char *const *want)
{
	char **argv = NULL;
	size_t i;
	int r = rl_command_split(command, &argv);

	cr_assert_eq(r, 1, "split(%s) = %d, want 1", command, r);
	for (i = 0; want[i] != NULL; i++) {
		cr_assert_not_null(argv[i], "split(%s): argv[%zu] missing",
				   command, i);
		cr_assert_str_eq(argv[i], want[i], "split(%s): argv[%zu]",
				 command, i);
	}
	cr_assert_null(argv[i], "split(%s): extra argv[%zu] '%s'", command, i,
		       argv[i]);
	rl_argv_free(argv);
}

static void assert_shell(const char *command)
{
	char **argv = (char **)1;
	int r = rl_command_split(command, &argv);

	cr_assert_eq(r, 0, "split(%s) = %d, want 0 (shell)", command, r);
	cr_assert_null(argv);
}

Test(split, plain_words)
{
	assert_split("systemctl is-active --quiet pricer",
		     (const char *[]){"systemctl", "is-active", "--quiet",
				      "pricer", NULL});
	assert_split("  /usr/bin/env   a\tb  ",
		     (const char *[]){"/usr/bin/env", "a", "b", NULL});
	assert_split(
	    "cmd -x=1 a:b,c+d@e%f^g ./x_y.z",
	    (const char *[]){"cmd", "-x=1", "a:b,c+d@e%f^g", "./x_y.z", NULL});
	assert_split("x", (const char *[]){"x", NULL});
}

Test(split, quotes)
{
	assert_split("grep -q 'a b' \"c d\"",
		     (const char *[]){"grep", "-q", "a b", "c d", NULL});
	assert_split("grep 'a$b`c\\d*;|&' f",
		     (const char *[]){"grep", "a$b`c\\d*;|&", "f", NULL});
	assert_split("ls a'b c'd\"e f\"g",
		     (const char *[]){"ls", "ab cde fg", NULL});
	assert_split("ls '' \"\" x''",
		     (const char *[]){"ls", "", "", "x", NULL});
	assert_split("grep \"it's\" 'say \"hi\"'",
		     (const char *[]){"grep", "it's", "say \"hi\"", NULL});
	assert_split("grep 'line1\nline2' f",
		     (const char *[]){"grep", "line1\nline2", "f", NULL});
	assert_split(
	    "grep \"a*b?[c]{d}~#<>|&;()\" f",
	    (const char *[]){"grep", "a*b?[c]{d}~#<>|&;()", "f", NULL});
}

Test(split, needs_a_shell)
{
	static const char *const cases[] = {
	    "",
	    "   ",
	    "\t",
	    /* expansions and substitutions */
	    "echo $HOME",
	    "ls $(pwd)",
	    "ls `pwd`",
	    "ls ${x}",
	    "ls \"$x\"",
	    "ls \"`pwd`\"",
	    "ls \"a\\b\"",
	    "ls a\\ b",
	    "ls \\$x",
	    /* operators */
	    "a | b",
	    "a|b",
	    "a && b",
	    "a & ",
	    "a; b",
	    "a;b",
	    "a > f",
	    "a < f",
	    "a >> f",
	    "a 2>&1",
	    "(a)",
	    "a )",
	    "a\nb",
	    "a\rb",
	    /* globs and braces */
	    "ls *",
	    "ls ?",
	    "ls [ab]",
	    "ls a]",
	    "ls {a,b}",
	    "ls }",
	    /* tilde, comments, history */
	    "ls ~",
	    "ls ~/x",
	    "ls a~",
	    "ls #x",
	    "ls a#b",
	    "!ls",
	    "ls !x",
	    "ls \"a!b\"",
	    /* unbalanced quotes */
	    "ls 'a",
	    "ls \"a",
	    "ls a'",
	    "ls 'a'\"",
	    /* assignments, or what might be one */
	    "A=b cmd",
	    "A=b",
	    "PATH=/tmp ls",
	    "'A=b' cmd",
	    "a=b",
	    /* builtins and reserved words in command position */
	    "exit 3",
	    "cd /tmp",
	    "echo hi",
	    "true",
	    "false",
	    "test -f x",
	    "'exit' 3",
	    "\"cd\" /",
	    "kill 1",
	    "printf x",
	    "exec ls",
	    "eval ls",
	    "set -e",
	    ". file",
	    ": x",
	    "if",
	    "while x",
	    "for x",
	    "case x",
	    "{",
	    "time ls",
	    "source f",
	    "ulimit -n",
	    "umask 0",
	    "wait",
	    "read x",
	    "pwd",
	    "export A",
	    "trap x",
	    /* anything not plain ASCII, control characters */
	    "caf\xc3\xa9",
	    "ls \x01",
	    "ls \x7f",
	    "ls a\vb",
	    "ls a\fb",
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_shell(cases[i]);
}

Test(split, builtins_only_in_command_position)
{
	assert_split(
	    "systemctl restart echo exit",
	    (const char *[]){"systemctl", "restart", "echo", "exit", NULL});
	assert_split("/bin/echo hi", (const char *[]){"/bin/echo", "hi", NULL});
	assert_split("env a=b", (const char *[]){"env", "a=b", NULL});
}

/* What /bin/sh makes of WORDS as the arguments of printf '[%s]'. */
static char *sh_words(const char *words)
{
	struct rl_buf cmd = RL_BUF_INIT, out = RL_BUF_INIT;
	char buf[4096];
	size_t n;
	FILE *p;

	/* END: printf with no argument would still print "[]" */
	rl_buf_printf(&cmd, "printf '[%%s]' %s END", words);
	cr_assert(!cmd.oom);
	p = popen(rl_buf_str(&cmd), "r");
	cr_assert_not_null(p);
	while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
		rl_buf_append(&out, buf, n);
	cr_assert_eq(pclose(p), 0, "sh failed on: %s", rl_buf_str(&cmd));
	rl_buf_free(&cmd);
	return rl_buf_detach(&out);
}

/* Every command that split accepts gives the words sh would give. */
static void assert_same_as_sh(const char *command)
{
	struct rl_buf mine = RL_BUF_INIT;
	char **argv = NULL;
	char *theirs;
	const char *rest;
	int r = rl_command_split(command, &argv);

	cr_assert_geq(r, 0);
	if (r == 0)
		return;
	/* sh sees the same text after the command word */
	rest = command;
	while (*rest == ' ' || *rest == '\t')
		rest++;
	/* the first word is plain "cmd" in the generated inputs */
	rest += 3;
	for (size_t i = 1; argv[i] != NULL; i++)
		rl_buf_printf(&mine, "[%s]", argv[i]);
	rl_buf_puts(&mine, "[END]");
	cr_assert_str_eq(argv[0], "cmd");
	theirs = sh_words(rest);
	cr_assert_str_eq(rl_buf_str(&mine), theirs,
			 "split and sh differ on: %s", command);
	free(theirs);
	rl_argv_free(argv);
	rl_buf_free(&mine);
}

Test(split, agrees_with_sh, .timeout = 60)
{
	static const char alphabet[] =
	    "ab=-_./:,+@%^ \t'\"'\"$`\\*?[]{}~#!;&|<>()\n";
	static const char *const fixed[] = {
	    "cmd 'a b' \"c d\" e",  "cmd a'b'c\"d\"e", "cmd '' \"\"",
	    "cmd \"'\" '\"'",	    "cmd x=y -a=b",    "cmd 'a\nb'",
	    "cmd \"a b\"'c d'e f ", "cmd ^a %b @c",
	};
	unsigned seed = 20240611;
	int accepted = 0;

	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		assert_same_as_sh(fixed[i]);
	/* random texts over a hostile alphabet: whatever split accepts must
	 * mean to sh exactly what split says */
	for (int round = 0; round < 3000; round++) {
		char text[32] = "cmd ";
		size_t len = 4 + (size_t)(rand_r(&seed) % 12);
		char **argv = NULL;

		for (size_t k = 4; k < len; k++)
			text[k] =
			    alphabet[rand_r(&seed) % (sizeof(alphabet) - 1)];
		text[len] = '\0';
		if (rl_command_split(text, &argv) == 1) {
			rl_argv_free(argv);
			assert_same_as_sh(text);
			accepted++;
		}
	}
	cr_assert_gt(accepted, 50, "too few random texts accepted (%d)",
		     accepted);
}

/* ---------------------------------------------------------------------- */
/* helpers: describe, stage names, output */

Test(cmd, describe, .init = setup_host)
{
	struct rl_cmd c;
	char buf[256];

	cmd_init(&c, "x", 0);
	rl_cmd_describe(&c, buf, sizeof(buf));
	cr_assert_str_eq(buf, "not run");
	c.status = RL_CMD_EXITED;
	rl_cmd_describe(&c, buf, sizeof(buf));
	cr_assert_str_eq(buf, "exit 0");
	c.exit_code = 3;
	rl_cmd_describe(&c, buf, sizeof(buf));
	cr_assert_str_eq(buf, "exit 3");
	c.status = RL_CMD_SIGNALED;
	c.signal = SIGKILL;
	rl_cmd_describe(&c, buf, sizeof(buf));
	cr_assert_str_eq(buf, "killed by signal 9 (SIGKILL)");
	c.signal = SIGTERM;
	rl_cmd_describe(&c, buf, sizeof(buf));
	cr_assert_str_eq(buf, "killed by signal 15 (SIGTERM)");

	rl_cmd_timeout(&c, RL_STAGE_COMMAND, 2000000);
	cr_assert_eq(c.status, RL_CMD_TIMEOUT);
	rl_cmd_describe(&c, buf, sizeof(buf));
	cr_assert_str_eq(buf, "timed out after 2.0s while running the command");
	cr_assert_str_eq(c.error, "host 'monitor': timed out after 2.0s while "
				  "running the command");
	rl_cmd_timeout(&c, RL_STAGE_CONNECT, 5049999);
	rl_cmd_describe(&c, buf, sizeof(buf));
	cr_assert_str_eq(buf, "timed out after 5.0s while connecting");

	rl_cmd_fail(&c, RL_STAGE_CONNECT, "connect to %s: %s", "10.0.0.1:22",
		    "Connection refused");
	cr_assert_eq(c.status, RL_CMD_FAILED);
	cr_assert_eq(c.stage, RL_STAGE_CONNECT);
	cr_assert_str_eq(c.error,
			 "host 'monitor': connect to 10.0.0.1:22: Connection "
			 "refused");
	rl_cmd_describe(&c, buf, sizeof(buf));
	cr_assert_str_eq(buf, "failed at connect: connect to 10.0.0.1:22: "
			      "Connection refused");
	/* a short buffer is cut, never overflowed */
	rl_cmd_describe(&c, buf, 8);
	cr_assert_str_eq(buf, "failed ");
	rl_cmd_clear(&c);
	cr_assert_eq(c.status, RL_CMD_PENDING);
	cr_assert_str_eq(c.error, "");
}

Test(cmd, stage_names)
{
	cr_assert_str_eq(rl_cmd_stage_name(RL_STAGE_RESOLVE), "resolve");
	cr_assert_str_eq(rl_cmd_stage_name(RL_STAGE_CONNECT), "connect");
	cr_assert_str_eq(rl_cmd_stage_name(RL_STAGE_HANDSHAKE), "handshake");
	cr_assert_str_eq(rl_cmd_stage_name(RL_STAGE_HOSTKEY), "hostkey");
	cr_assert_str_eq(rl_cmd_stage_name(RL_STAGE_AUTH), "auth");
	cr_assert_str_eq(rl_cmd_stage_name(RL_STAGE_EXEC), "exec");
	cr_assert_str_eq(rl_cmd_stage_name(RL_STAGE_COMMAND), "command");
	cr_assert_str_eq(rl_cmd_stage_name((enum rl_cmd_stage)99), "unknown");
}

Test(cmd, take_output_bounded)
{
	struct rl_cmd c;
	static char chunk[10000];

	memset(&c, 0, sizeof(c));
	memset(chunk, 'x', sizeof(chunk));
	rl_cmd_take_output(&c, 1, "ab", 2);
	rl_cmd_take_output(&c, 2, "err", 3);
	cr_assert_str_eq(c.out, "ab");
	cr_assert_str_eq(c.err, "err");
	for (int i = 0; i < 6; i++)
		rl_cmd_take_output(&c, 1, chunk, sizeof(chunk));
	cr_assert_eq(c.out_len, 60002);
	cr_assert_not(c.out_cut);
	rl_cmd_take_output(&c, 1, chunk, sizeof(chunk));
	cr_assert_eq(c.out_len, RL_CMD_OUTPUT_MAX);
	cr_assert(c.out_cut);
	cr_assert_eq(c.out[RL_CMD_OUTPUT_MAX], '\0');
	cr_assert_eq(strlen(c.out), RL_CMD_OUTPUT_MAX);
	rl_cmd_take_output(&c, 1, chunk, sizeof(chunk));
	cr_assert_eq(c.out_len, RL_CMD_OUTPUT_MAX);
	cr_assert_eq(c.err_len, 3);
	cr_assert_not(c.err_cut);
	rl_cmd_clear(&c);
	cr_assert_null(c.out);
	cr_assert_eq(c.out_len, 0);
	cr_assert_not(c.out_cut);
}

Test(cmd, take_output_exactly_max)
{
	struct rl_cmd c;
	char *big = malloc(RL_CMD_OUTPUT_MAX);

	cr_assert_not_null(big);
	memset(&c, 0, sizeof(c));
	memset(big, 'y', RL_CMD_OUTPUT_MAX);
	rl_cmd_take_output(&c, 2, big, RL_CMD_OUTPUT_MAX);
	cr_assert_eq(c.err_len, RL_CMD_OUTPUT_MAX);
	cr_assert_not(c.err_cut);
	rl_cmd_take_output(&c, 2, "z", 1);
	cr_assert(c.err_cut);
	rl_cmd_clear(&c);
	free(big);
}

Test(pollset, grows)
{
	struct rl_pollset ps = {NULL, 0, 0};

	for (int i = 0; i < 100; i++)
		cr_assert_eq(rl_pollset_add(&ps, i, POLLIN), i);
	cr_assert_eq(ps.n, 100);
	cr_assert_eq(ps.fds[42].fd, 42);
	cr_assert_eq(ps.fds[42].events, POLLIN);
	free(ps.fds);
}

/* ---------------------------------------------------------------------- */
/* the local backend: real processes */

TestSuite(local, .init = setup_host, .timeout = 30);

Test(local, exit_codes)
{
	struct rl_cmd c[5];
	char buf[128];

	cmd_init(&c[0], "true", 0);
	cmd_init(&c[1], "false", 0);
	cmd_init(&c[2], "exit 3", 0);
	cmd_init(&c[3], "sh -c 'exit 3'", 0); /* no shell of ours */
	cmd_init(&c[4], "/bin/sh -c 'exit 0'", 0);
	run_batch(c, 5, 10000);
	for (int i = 0; i < 5; i++) {
		cr_assert_eq(c[i].status, RL_CMD_EXITED, "cmd %d: %s", i,
			     c[i].error);
		cr_assert_eq(c[i].stage, RL_STAGE_COMMAND);
		cr_assert_geq(c[i].duration_us, 1);
	}
	cr_assert_eq(c[0].exit_code, 0);
	cr_assert_eq(c[1].exit_code, 1);
	cr_assert_eq(c[2].exit_code, 3);
	cr_assert_eq(c[3].exit_code, 3);
	cr_assert_eq(c[4].exit_code, 0);
	rl_cmd_describe(&c[2], buf, sizeof(buf));
	cr_assert_str_eq(buf, "exit 3");
	for (int i = 0; i < 5; i++)
		rl_cmd_clear(&c[i]);
}

Test(local, output_and_stderr)
{
	struct rl_cmd c[3];

	cmd_init(&c[0], "printf 'hello\\nworld'", 0);
	cmd_init(&c[1], "echo oops >&2; echo fine", 0);
	cmd_init(&c[2], "cat", 0); /* stdin is /dev/null: no hang */
	run_batch(c, 3, 10000);
	cr_assert_eq(c[0].status, RL_CMD_EXITED);
	cr_assert_str_eq(c[0].out, "hello\nworld");
	cr_assert_eq(c[0].out_len, 11);
	cr_assert_str_eq(c[0].err, "");
	cr_assert_str_eq(c[1].out, "fine\n");
	cr_assert_str_eq(c[1].err, "oops\n");
	cr_assert_eq(c[2].status, RL_CMD_EXITED);
	cr_assert_eq(c[2].exit_code, 0);
	cr_assert_str_eq(c[2].out, "");
	for (int i = 0; i < 3; i++)
		rl_cmd_clear(&c[i]);
}

Test(local, output_truncated_no_hang)
{
	struct rl_cmd c[3];
	int64_t ms;

	cmd_init(&c[0], "head -c 1048576 /dev/zero", 0);
	cmd_init(&c[1], "head -c 1048576 /dev/zero >&2; echo done", 0);
	cmd_init(&c[2], "head -c 65536 /dev/zero", 0);
	ms = run_batch(c, 3, 10000);
	cr_assert_lt(ms, 5000);
	/* exit 0: the writer was never cut off, every byte was read */
	cr_assert_eq(c[0].status, RL_CMD_EXITED);
	cr_assert_eq(c[0].exit_code, 0);
	cr_assert_eq(c[0].out_len, RL_CMD_OUTPUT_MAX);
	cr_assert(c[0].out_cut);
	cr_assert_not(c[0].err_cut);
	cr_assert_eq(c[1].exit_code, 0);
	cr_assert_eq(c[1].err_len, RL_CMD_OUTPUT_MAX);
	cr_assert(c[1].err_cut);
	cr_assert_str_eq(c[1].out, "done\n");
	cr_assert_not(c[1].out_cut);
	cr_assert_eq(c[2].out_len, RL_CMD_OUTPUT_MAX);
	cr_assert_not(c[2].out_cut);
	for (int i = 0; i < 3; i++)
		rl_cmd_clear(&c[i]);
}

Test(local, killed_by_signal)
{
	struct rl_cmd c;
	char buf[128];

	run_one(&c, "kill -9 $$", 0);
	cr_assert_eq(c.status, RL_CMD_SIGNALED);
	cr_assert_eq(c.signal, 9);
	rl_cmd_describe(&c, buf, sizeof(buf));
	cr_assert_str_eq(buf, "killed by signal 9 (SIGKILL)");
	rl_cmd_clear(&c);
}

Test(local, timeout_kills_the_group)
{
	struct rl_cmd c;
	char buf[128];
	int64_t ms;
	int sh_pid = 0, sleep_pid = 0;

	cmd_init(&c, "sleep 30 & echo $$ $!; wait", 300);
	ms = run_batch(&c, 1, 10000);
	cr_assert_eq(c.status, RL_CMD_TIMEOUT, "status %d", c.status);
	cr_assert_eq(c.stage, RL_STAGE_COMMAND);
	cr_assert_geq(ms, 290);
	cr_assert_lt(ms, 300 + LATE_MS, "took %lld ms", (long long)ms);
	cr_assert_geq(c.duration_us, 290000);
	rl_cmd_describe(&c, buf, sizeof(buf));
	cr_assert_str_eq(buf, "timed out after 0.3s while running the command");
	cr_assert_str_eq(c.error, "host 'monitor': timed out after 0.3s while "
				  "running the command");
	/* output before the timeout is kept */
	cr_assert_eq(sscanf(c.out, "%d %d", &sh_pid, &sleep_pid), 2,
		     "output '%s'", c.out);
	/* the shell was ours, and reaped; the sleep in its group is dead */
	cr_assert_eq(kill(sh_pid, 0), -1);
	cr_assert_eq(errno, ESRCH);
	cr_assert(proc_gone(sleep_pid), "sleep %d survived", sleep_pid);
	rl_cmd_clear(&c);
}

Test(local, timeout_sigterm_ignored)
{
	struct rl_cmd c;
	int64_t ms;
	int sh_pid = 0, sleep_pid = 0;

	/* ignored SIGTERM is inherited by the sleep too: only SIGKILL,
	 * 200 ms after SIGTERM, ends them */
	cmd_init(&c, "trap '' TERM; sleep 30 & echo $$ $!; wait", 200);
	ms = run_batch(&c, 1, 10000);
	cr_assert_eq(c.status, RL_CMD_TIMEOUT);
	cr_assert_geq(ms, 390);
	cr_assert_lt(ms, 400 + LATE_MS, "took %lld ms", (long long)ms);
	cr_assert_eq(sscanf(c.out, "%d %d", &sh_pid, &sleep_pid), 2);
	cr_assert_eq(kill(sh_pid, 0), -1);
	cr_assert(proc_gone(sleep_pid), "sleep %d survived", sleep_pid);
	rl_cmd_clear(&c);
}

Test(local, batch_deadline_and_own_timeouts)
{
	struct rl_cmd c[4];
	int64_t ms;

	cmd_init(&c[0], "sleep 30", 200);   /* own timeout first */
	cmd_init(&c[1], "sleep 30", 0);	    /* only the batch's */
	cmd_init(&c[2], "sleep 30", 10000); /* the batch's is earlier */
	cmd_init(&c[3], "sleep 0.1", 0);    /* finishes in time */
	ms = run_batch(c, 4, 600);
	cr_assert_geq(ms, 595);
	cr_assert_lt(ms, 600 + LATE_MS, "deadline overrun: %lld ms",
		     (long long)ms);
	cr_assert_eq(c[0].status, RL_CMD_TIMEOUT);
	cr_assert_geq(c[0].duration_us, 195000);
	/* its own timeout ended it, before the batch's deadline */
	cr_assert_lt(c[0].duration_us, c[1].duration_us, "%lld us, %lld us",
		     (long long)c[0].duration_us, (long long)c[1].duration_us);
	/* the batch's deadline ended the other two: a duration counts from
	 * the command's own start, which a loaded machine (fork under ASan)
	 * puts tens of ms after the batch's, so the bound is an order fact
	 * (well past c[0]'s own 200 ms), not the deadline to the ms */
	cr_assert_eq(c[1].status, RL_CMD_TIMEOUT);
	cr_assert_geq(c[1].duration_us, 300000);
	cr_assert_eq(c[2].status, RL_CMD_TIMEOUT);
	cr_assert_geq(c[2].duration_us, 300000);
	cr_assert_lt(c[0].duration_us, c[2].duration_us, "%lld us, %lld us",
		     (long long)c[0].duration_us, (long long)c[2].duration_us);
	cr_assert_eq(c[3].status, RL_CMD_EXITED);
	cr_assert_eq(c[3].exit_code, 0);
	for (int i = 0; i < 4; i++)
		rl_cmd_clear(&c[i]);
}

Test(local, deadline_kills_at_once)
{
	struct rl_cmd c;
	int64_t ms;
	int sh_pid = 0, sleep_pid = 0;

	cmd_init(&c, "trap '' TERM; sleep 30 & echo $$ $!; wait", 0);
	ms = run_batch(&c, 1, 250);
	cr_assert_eq(c.status, RL_CMD_TIMEOUT);
	cr_assert_lt(ms, 250 + LATE_MS, "deadline overrun: %lld ms",
		     (long long)ms);
	cr_assert_eq(sscanf(c.out, "%d %d", &sh_pid, &sleep_pid), 2);
	cr_assert(proc_gone(sh_pid));
	cr_assert(proc_gone(sleep_pid));
	rl_cmd_clear(&c);
}

Test(local, deadline_already_past)
{
	struct rl_cmd c;
	int64_t ms;

	cmd_init(&c, "sleep 30", 0);
	ms = run_batch(&c, 1, -5);
	cr_assert_lt(ms, LATE_MS);
	cr_assert_eq(c.status, RL_CMD_TIMEOUT);
	rl_cmd_clear(&c);
}

Test(local, fifty_at_once)
{
	struct rl_cmd c[50];
	int64_t ms;

	for (int i = 0; i < 50; i++)
		cmd_init(&c[i], "sleep 0.5", 0);
	ms = run_batch(c, 50, 20000);
	/* one after another would take 25 s */
	cr_assert_lt(ms, 500 + 2 * LATE_MS, "took %lld ms", (long long)ms);
	for (int i = 0; i < 50; i++) {
		cr_assert_eq(c[i].status, RL_CMD_EXITED, "cmd %d: %s", i,
			     c[i].error);
		cr_assert_eq(c[i].exit_code, 0);
		cr_assert_geq(c[i].duration_us, 490000);
		rl_cmd_clear(&c[i]);
	}
}

Test(local, exec_failure)
{
	struct rl_cmd c[3];
	char buf[256], path[] = "/tmp/relance-test-XXXXXX", want[512];
	int fd = mkstemp(path);

	/* a file without execute permission, even for root */
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, "#!/bin/sh\n", 10), 10);
	close(fd);
	cr_assert_eq(chmod(path, 0644), 0);
	cmd_init(&c[0], "no-such-command-relance-test --flag", 0);
	cmd_init(&c[1], "/nonexistent/relance/prog", 0);
	cmd_init(&c[2], path, 0);
	run_batch(c, 3, 10000);
	unlink(path);
	cr_assert_eq(c[0].status, RL_CMD_FAILED);
	cr_assert_eq(c[0].stage, RL_STAGE_EXEC);
	cr_assert_str_eq(c[0].error,
			 "host 'monitor': cannot run "
			 "'no-such-command-relance-test': No such file or "
			 "directory");
	rl_cmd_describe(&c[0], buf, sizeof(buf));
	cr_assert_str_eq(buf, "failed at exec: cannot run "
			      "'no-such-command-relance-test': No such file "
			      "or directory");
	cr_assert_eq(c[1].status, RL_CMD_FAILED);
	cr_assert_str_eq(c[1].error,
			 "host 'monitor': cannot run "
			 "'/nonexistent/relance/prog': No such file or "
			 "directory");
	cr_assert_eq(c[2].status, RL_CMD_FAILED);
	snprintf(want, sizeof(want),
		 "host 'monitor': cannot run '%s': Permission denied", path);
	cr_assert_str_eq(c[2].error, want);
	for (int i = 0; i < 3; i++)
		rl_cmd_clear(&c[i]);
}

Test(local, daemon_trap)
{
	struct rl_cmd c;
	int64_t ms;
	int pid = 0;

	/* the background sleep keeps our stdout and stderr open */
	cmd_init(&c, "sleep 30 & echo $!", 0);
	ms = run_batch(&c, 1, 10000);
	cr_assert_eq(c.status, RL_CMD_EXITED);
	cr_assert_eq(c.exit_code, 0);
	cr_assert_lt(ms, LATE_MS, "took %lld ms", (long long)ms);
	cr_assert_eq(sscanf(c.out, "%d", &pid), 1, "output '%s'", c.out);
	cr_assert_gt(pid, 1);
	/* a daemon a start command leaves is not ours to kill... */
	cr_assert_not(proc_gone_within(pid, 1), "the daemon %d died", pid);
	/* ...but this test started it: end it */
	cr_assert_eq(kill(pid, SIGKILL), 0);
	cr_assert(proc_gone(pid));
	rl_cmd_clear(&c);
}

static bool has_line(const char *text, const char *line)
{
	size_t len = strlen(line);

	for (const char *p = text; p != NULL && *p != '\0';) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);

		if (n == len && strncmp(p, line, len) == 0)
			return true;
		p = nl ? nl + 1 : NULL;
	}
	return false;
}

static size_t count_lines(const char *text)
{
	size_t n = 0;

	for (const char *p = text; *p != '\0'; p++)
		if (*p == '\n')
			n++;
	return n;
}

Test(local, minimal_environment)
{
	struct rl_cmd c[2];
	size_t want = 2; /* PATH LANG */

	setenv("RELANCE_LEAK_TEST", "1", 1);
	setenv("LD_PRELOAD_NOT", "x", 1);
	cmd_init(&c[0], "env", 0);
	c[0].component = "fx/pricer";
	cmd_init(&c[1], "env", 0);
	run_batch(c, 2, 10000);
	cr_assert_eq(c[0].exit_code, 0);
	cr_assert(has_line(c[0].out, "PATH=/usr/local/sbin:/usr/local/bin:"
				     "/usr/sbin:/usr/bin:/sbin:/bin"),
		  "%s", c[0].out);
	cr_assert(has_line(c[0].out, "LANG=C"));
	cr_assert(has_line(c[0].out, "RELANCE_COMPONENT=fx/pricer"));
	cr_assert_null(strstr(c[1].out, "RELANCE_COMPONENT"));
	cr_assert_null(strstr(c[0].out, "RELANCE_LEAK_TEST"));
	cr_assert_null(strstr(c[0].out, "LD_PRELOAD_NOT"));
	if (strstr(c[0].out, "\nHOME=") || strncmp(c[0].out, "HOME=", 5) == 0)
		want++;
	if (strstr(c[0].out, "USER=")) {
		cr_assert(strstr(c[0].out, "LOGNAME=") != NULL);
		want += 2;
	}
	cr_assert_eq(want, 5, "HOME, USER, LOGNAME expected:\n%s", c[0].out);
	/* nothing else */
	cr_assert_eq(count_lines(c[0].out), want + 1, "%s", c[0].out);
	cr_assert_eq(count_lines(c[1].out), want, "%s", c[1].out);
	for (int i = 0; i < 2; i++)
		rl_cmd_clear(&c[i]);
}

Test(local, other_fds_closed)
{
	struct rl_cmd c[2];
	int p[2];
	int fd = open("/dev/null", O_RDONLY); /* no O_CLOEXEC on purpose */

	cr_assert_geq(fd, 0);
	cr_assert_eq(pipe(p), 0);
	cmd_init(&c[0], "ls /proc/self/fd; :", 0); /* through sh */
	cmd_init(&c[1], "ls /proc/self/fd", 0);	   /* exec'd directly */
	run_batch(c, 2, 10000);
	/* 0, 1, 2 and the directory ls itself is reading */
	cr_assert_str_eq(c[0].out, "0\n1\n2\n3\n");
	cr_assert_str_eq(c[1].out, "0\n1\n2\n3\n");
	close(fd);
	close(p[0]);
	close(p[1]);
	for (int i = 0; i < 2; i++)
		rl_cmd_clear(&c[i]);
}

Test(local, own_group_signals_reset)
{
	struct rl_cmd c[2];
	sigset_t set;
	int pid = -1, pgid = -2;

	/* what a monitoring core may hand us: SIGPIPE ignored, a signal
	 * blocked; the child must not inherit either */
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	cmd_init(&c[0], "echo $$; cut -d' ' -f5 /proc/$$/stat", 0);
	cmd_init(&c[1], "grep -E '^Sig(Ign|Blk)' /proc/self/status", 0);
	run_batch(c, 2, 10000);
	cr_assert_eq(sscanf(c[0].out, "%d %d", &pid, &pgid), 2);
	cr_assert_eq(pid, pgid, "not its own group: %s", c[0].out);
	cr_assert_str_eq(c[1].out, "SigBlk:\t0000000000000000\n"
				   "SigIgn:\t0000000000000000\n");
	for (int i = 0; i < 2; i++)
		rl_cmd_clear(&c[i]);
}

static void on_alarm(int sig)
{
	(void)sig;
}

Test(local, eintr_safe)
{
	struct sigaction sa;
	struct itimerval it = {{0, 3000}, {0, 3000}};
	struct itimerval off = {{0, 0}, {0, 0}};
	struct rl_cmd c[3];
	int64_t ms;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm; /* no SA_RESTART: poll gets EINTR */
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
	cmd_init(&c[0], "sleep 0.2", 0);
	cmd_init(&c[1], "head -c 300000 /dev/zero", 0);
	cmd_init(&c[2], "sleep 30", 300);
	ms = run_batch(c, 3, 10000);
	setitimer(ITIMER_REAL, &off, NULL);
	cr_assert_eq(c[0].status, RL_CMD_EXITED);
	cr_assert_eq(c[0].exit_code, 0);
	cr_assert_eq(c[1].exit_code, 0);
	cr_assert(c[1].out_cut);
	cr_assert_eq(c[2].status, RL_CMD_TIMEOUT);
	cr_assert_lt(ms, 300 + LATE_MS);
	for (int i = 0; i < 3; i++)
		rl_cmd_clear(&c[i]);
}

#ifdef SYS_pidfd_open
/* A kernel without pidfd_open: make it fail with ENOSYS in this test's
 * process only (Criterion runs each test in its own process). */
static void deny_pidfd_open(void)
{
	struct sock_filter f[] = {
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		     offsetof(struct seccomp_data, nr)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_pidfd_open, 0, 1),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {sizeof(f) / sizeof(f[0]), f};

	cr_assert_eq(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), 0);
	cr_assert_eq(prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog), 0,
		     "seccomp: %s", strerror(errno));
	cr_assert_eq(syscall(SYS_pidfd_open, getpid(), 0), -1);
	cr_assert_eq(errno, ENOSYS);
}

Test(local, without_pidfd)
{
	struct rl_cmd c[4];
	int64_t ms;
	int pid = 0;

	deny_pidfd_open();
	cmd_init(&c[0], "exit 3", 0);
	cmd_init(&c[1], "sleep 0.2", 0);
	cmd_init(&c[2], "sleep 30", 300);
	cmd_init(&c[3], "sleep 30 & echo $!", 0);
	ms = run_batch(c, 4, 10000);
	cr_assert_eq(c[0].exit_code, 3);
	cr_assert_eq(c[1].status, RL_CMD_EXITED);
	cr_assert_geq(c[1].duration_us, 195000);
	cr_assert_lt(c[1].duration_us, (200 + LATE_MS) * 1000);
	cr_assert_eq(c[2].status, RL_CMD_TIMEOUT);
	cr_assert_lt(ms, 300 + LATE_MS);
	cr_assert_eq(c[3].status, RL_CMD_EXITED);
	/* no pipe EOF tells of this exit (the sleep holds the pipe until the
	 * 10 s deadline): only the periodic waitpid does */
	cr_assert_lt(c[3].duration_us, LATE_MS * 1000, "%lld us",
		     (long long)c[3].duration_us);
	cr_assert_eq(sscanf(c[3].out, "%d", &pid), 1);
	cr_assert_eq(kill(pid, SIGKILL), 0);
	for (int i = 0; i < 4; i++)
		rl_cmd_clear(&c[i]);
}
#endif

/* ---------------------------------------------------------------------- */
/* the loop */

Test(loop, empty_and_reuse, .init = setup_host, .timeout = 30)
{
	struct rl_err err = {{0}};
	struct rl_transport *t = rl_transport_new(NULL, &err);
	struct rl_cmd c[2];

	cr_assert_not_null(t);
	rl_transport_free(NULL);
	cr_assert_eq(rl_transport_run(t, NULL, 0, rl_now_ms() + 1000, &err), 0);
	cmd_init(&c[0], "echo one", 0);
	cmd_init(&c[1], "sh -c 'echo two >&2; exit 4'", 0);
	for (int round = 0; round < 3; round++) {
		/* outputs of the last round are cleared, not leaked */
		cr_assert_eq(
		    rl_transport_run(t, c, 2, rl_now_ms() + 5000, &err), 0,
		    "%s", err.msg);
		cr_assert_str_eq(c[0].out, "one\n");
		cr_assert_str_eq(c[1].err, "two\n");
		cr_assert_str_eq(c[1].out, "");
		cr_assert_eq(c[1].exit_code, 4);
	}
	rl_cmd_clear(&c[0]);
	rl_cmd_clear(&c[1]);
	rl_transport_free(t);
}

Test(loop, missing_host, .init = setup_host)
{
	struct rl_cmd c[2];

	cmd_init(&c[0], "true", 0);
	c[0].host = NULL;
	cmd_init(&c[1], "true", 0);
	run_batch(c, 2, 5000);
	cr_assert_eq(c[0].status, RL_CMD_FAILED);
	cr_assert_eq(c[0].stage, RL_STAGE_RESOLVE);
	cr_assert_eq(c[1].status, RL_CMD_EXITED);
	rl_cmd_clear(&c[0]);
	rl_cmd_clear(&c[1]);
}

Test(loop, ssh_host_beside_local, .init = setup_host, .timeout = 30)
{
	struct rl_host ssh_host;
	struct rl_cmd c[2];
	int64_t ms;

	memset(&ssh_host, 0, sizeof(ssh_host));
	ssh_host.name = (char *)"far";
	ssh_host.transport = RL_TRANSPORT_SSH;
	ssh_host.address = (char *)"127.0.0.1";
	ssh_host.port = 1; /* nothing listens there */
	cmd_init(&c[0], "true", 0);
	c[0].host = &ssh_host;
	cmd_init(&c[1], "echo local", 0);
	ms = run_batch(c, 2, 2000);
	/* whichever ssh backend is linked, this host cannot be reached */
	cr_assert(c[0].status == RL_CMD_FAILED ||
		  c[0].status == RL_CMD_TIMEOUT);
	cr_assert_neq(c[0].error[0], '\0');
	cr_assert_eq(c[1].status, RL_CMD_EXITED);
	cr_assert_str_eq(c[1].out, "local\n");
	cr_assert_lt(ms, 2000 + LATE_MS);
	rl_cmd_clear(&c[0]);
	rl_cmd_clear(&c[1]);
}

/* ---------------------------------------------------------------------- */
/* cancellation (rl_transport_set_cancel): a signal's pipe becomes readable */

/* An fd that becomes readable AFTER_MS from now (0: at once). */
static int cancel_after(int64_t after_ms)
{
	struct itimerspec its;
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);

	cr_assert_geq(fd, 0);
	memset(&its, 0, sizeof(its));
	its.it_value.tv_sec = after_ms / 1000;
	its.it_value.tv_nsec = (after_ms % 1000) * 1000000 + 1;
	cr_assert_eq(timerfd_settime(fd, 0, &its, NULL), 0);
	return fd;
}

Test(local, cancel_kills_the_group)
{
	struct rl_err err = {{0}};
	struct rl_transport *t = rl_transport_new(NULL, &err);
	struct rl_cmd c;
	long child = 0, shell = 0;
	int fd = cancel_after(300);
	int64_t t0;
	int r;

	cr_assert_not_null(t);
	cr_assert_eq(rl_transport_set_cancel(t, fd), -1);
	cmd_init(&c, "sleep 30 & echo $!; echo $$; wait", 0);
	t0 = rl_now_ms();
	r = rl_transport_run(t, &c, 1, t0 + 20000, &err);
	cr_assert_eq(r, RL_TRANSPORT_INTERRUPTED, "%d %s", r, err.msg);
	cr_assert_lt(rl_now_ms() - t0, 10000, "not cut by the cancel fd");
	cr_assert_eq(c.status, RL_CMD_FAILED);
	cr_assert(strstr(c.error, "interrupted") != NULL, "%s", c.error);
	cr_assert_eq(sscanf(c.out, "%ld %ld", &child, &shell), 2, "%s", c.out);
	cr_assert(proc_gone((pid_t)shell), "the command survived");
	cr_assert(proc_gone((pid_t)child), "what it started survived");
	cr_assert(rl_transport_interrupted(t));
	cr_assert(rl_transport_sleep(t, rl_now_ms() + 20000));
	/* without it, the same transport runs again */
	cr_assert_eq(rl_transport_set_cancel(t, -1), fd);
	cr_assert(!rl_transport_interrupted(t));
	cmd_init(&c, "true", 0);
	cr_assert_eq(rl_transport_run(t, &c, 1, rl_now_ms() + 10000, &err), 0);
	cr_assert_eq(c.status, RL_CMD_EXITED);
	rl_cmd_clear(&c);
	rl_transport_free(t);
	close(fd);
}

Test(local, cancelled_before_start_runs_nothing)
{
	struct rl_err err = {{0}};
	struct rl_transport *t = rl_transport_new(NULL, &err);
	char dir[] = "/tmp/rl-cancel.XXXXXX", cmd[128], path[96];
	struct rl_cmd c;
	int fd = cancel_after(0);

	cr_assert_not_null(t);
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/ran", dir);
	snprintf(cmd, sizeof(cmd), "touch %s", path);
	/* wait until the timer fired */
	cr_assert(!rl_transport_sleep(t, rl_now_ms() + 5));
	rl_transport_set_cancel(t, fd);
	cr_assert(rl_transport_interrupted(t));
	cmd_init(&c, cmd, 0);
	cr_assert_eq(rl_transport_run(t, &c, 1, rl_now_ms() + 10000, &err),
		     RL_TRANSPORT_INTERRUPTED);
	cr_assert_eq(c.status, RL_CMD_FAILED);
	cr_assert(strstr(c.error, "interrupted") != NULL, "%s", c.error);
	cr_assert_eq(access(path, F_OK), -1, "the command ran");
	rl_cmd_clear(&c);
	rl_transport_free(t);
	close(fd);
	rmdir(dir);
}

/* --- a local host's user (issue 13) -------------------------------------- */

/* as root: the child becomes the host's user, its groups, its HOME */
Test(local, user_switched_by_root)
{
	struct rl_cmd c;

	if (geteuid() != 0)
		cr_skip_test("needs root to switch");
	local_host.user = (char *)"nobody";
	run_one(&c,
		"id -un; id -u; id -g; id -G; echo \"$USER $LOGNAME $HOME\"; "
		"pwd",
		5000);
	cr_assert_eq(c.status, RL_CMD_EXITED, "%s", c.error);
	cr_assert_eq(c.exit_code, 0, "%s", c.err);
	/* nobody's home does not exist: the child works in / */
	cr_assert_str_eq(c.out, "nobody\n65534\n65534\n65534\n"
				"nobody nobody /nonexistent\n/\n");
	rl_cmd_clear(&c);
	/* root's own user: as it is */
	local_host.user = (char *)"root";
	run_one(&c, "id -u", 5000);
	cr_assert_str_eq(c.out, "0\n");
	rl_cmd_clear(&c);
	/* a component's own user wins over the host's */
	cmd_init(&c, "id -un", 5000);
	c.user = "nobody";
	run_batch(&c, 1, 5000);
	cr_assert_str_eq(c.out, "nobody\n", "%s", c.error);
	rl_cmd_clear(&c);
	cr_assert_eq(rl_transport_check_user(&local_host, "nobody", NULL), 0);
}

/* anyone else: refused, with who must run it and who we are */
Test(local, user_refused_when_not_root)
{
	int status;
	pid_t pid;

	if (geteuid() != 0)
		cr_skip_test("needs root to become another user");
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		struct rl_err e = {""};
		struct rl_cmd c;

		if (setgid(65534) < 0 || setuid(65534) < 0)
			_exit(2);
		local_host.user = (char *)"root";
		if (rl_transport_check_user(&local_host, NULL, &e) == 0 ||
		    strcmp(e.msg, "host 'monitor': commands run as 'root', "
				  "relance runs as 'nobody' and cannot switch "
				  "(run as root, or use transport = ssh)") != 0)
			_exit(3);
		/* the backend refuses each command the same way */
		memset(&c, 0, sizeof(c));
		c.host = &local_host;
		c.command = "true";
		{
			struct rl_transport *t = rl_transport_new(NULL, &e);

			if (t == NULL ||
			    rl_transport_run(t, &c, 1, rl_now_ms() + 5000,
					     &e) != 0)
				_exit(4);
			rl_transport_free(t);
		}
		if (c.status != RL_CMD_FAILED ||
		    strstr(c.error, "commands run as 'root'") == NULL)
			_exit(5);
		rl_cmd_clear(&c);
		/* its own user: as it is */
		local_host.user = (char *)"nobody";
		_exit(rl_transport_check_user(&local_host, NULL, &e) == 0 ? 0
									  : 6);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		  "child: status %d", status);
}

Test(local, user_unknown)
{
	struct rl_err e = {""};

	local_host.user = (char *)"no-such-user-rl";
	cr_assert_eq(rl_transport_check_user(&local_host, NULL, &e), -1);
	cr_assert_str_eq(e.msg, "host 'monitor': no user 'no-such-user-rl' "
				"on this machine");
}
