#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "monitor.h"
#include "rl_test.h"

static char dir[64];
static char fifo[128];
static struct rl_err err;

static void setup(void)
{
	rl_test_tmpdir(dir, sizeof(dir), "monitor");
	snprintf(fifo, sizeof(fifo), "%s/cmd", dir);
	cr_assert_eq(mkfifo(fifo, 0600), 0);
}

static void teardown(void)
{
	rl_test_rmtree(dir);
	rl_test_fini();
}

TestSuite(monitor, .init = setup, .fini = teardown);

/* A reader like the core's: reads the FIFO to EOF into OUT. */
static pid_t reader(const char *out)
{
	pid_t pid = fork();

	if (pid == 0) {
		char buf[8192];
		int in = open(fifo, O_RDONLY),
		    o = open(out, O_WRONLY | O_CREAT, 0600);
		ssize_t n;
		size_t got = 0;

		/* the parent's probe below opens and closes the FIFO: an EOF
		 * before any data is that probe, not the end */
		while ((n = read(in, buf, sizeof(buf))) > 0 || got == 0) {
			if (n <= 0) {
				usleep(1000);
				continue;
			}
			got += (size_t)n;
			if (write(o, buf, (size_t)n) != n)
				_exit(1);
		}
		_exit(0);
	}
	/* wait until it has the FIFO open, as the core always has (a
	 * readiness wait: the bound is only against a hang) */
	for (int i = 0; i < 12000; i++) {
		int fd = open(fifo, O_WRONLY | O_NONBLOCK);
		if (fd >= 0) {
			close(fd);
			break;
		}
		usleep(5000);
	}
	return pid;
}

Test(monitor, commands_are_formatted_and_delivered)
{
	struct rl_buf b = RL_BUF_INIT;
	char out[160];
	int status;
	pid_t pid;

	cr_assert_eq(rl_monitor_cmd_comment(
			 &b, "fx-app-01", "fx/pricer", "relance",
			 "restarted fx/pricer; took 4.2s\ninjected", &err),
		     0);
	cr_assert_eq(rl_monitor_cmd_result(&b, "fx-app-01", "fx/pricer",
					   RL_STATE_OK,
					   "COMPONENT OK - up | time=1s", &err),
		     0);
	cr_assert_eq(
	    rl_monitor_cmd_forced_check(&b, "fx-app-01", "fx/pricer", &err), 0);
	snprintf(out, sizeof(out), "%s/out", dir);
	pid = reader(out);
	cr_assert_eq(
	    rl_monitor_send(fifo, rl_buf_str(&b), rl_now_ms() + 2000, &err), 0,
	    "%s", err.msg);
	/* our end is closed: the reader sees EOF */
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	const char *got = rl_test_read_file(out);
	cr_assert_str_eq(got, rl_buf_str(&b));
	cr_assert(
	    strstr(got,
		   "] ADD_SVC_COMMENT;fx-app-01;fx/pricer;0;relance;restarted "
		   "fx/pricer; took 4.2s injected\n") != NULL,
	    "%s", got);
	cr_assert(strstr(got, "] "
			      "PROCESS_SERVICE_CHECK_RESULT;fx-app-01;fx/"
			      "pricer;0;COMPONENT OK - up / time=1s\n") != NULL,
		  "%s", got);
	cr_assert(
	    strstr(got, "] SCHEDULE_FORCED_SVC_CHECK;fx-app-01;fx/pricer;") !=
		NULL,
	    "%s", got);
	/* exactly three lines: the newline in the comment started no command */
	int lines = 0;
	for (const char *p = got; *p; p++)
		lines += *p == '\n';
	cr_assert_eq(lines, 3);
	rl_buf_free(&b);
}

Test(monitor, names_that_would_split_fields_are_refused)
{
	struct rl_buf b = RL_BUF_INIT;

	cr_assert_eq(rl_monitor_cmd_comment(&b, "h;SHUTDOWN_PROGRAM", "s", "a",
					    "t", &err),
		     -1);
	cr_assert_str_eq(err.msg, "host 'h;SHUTDOWN_PROGRAM' holds ';' or a "
				  "line break: refused in an external command");
	cr_assert_eq(rl_monitor_cmd_result(&b, "h", "s\n[1] SHUTDOWN_PROGRAM",
					   RL_STATE_OK, "x", &err),
		     -1);
	cr_assert(strstr(err.msg, "service 's") == err.msg, "%s", err.msg);
	cr_assert_eq(rl_monitor_cmd_forced_check(&b, "", "s", &err), -1);
	cr_assert_str_eq(err.msg, "empty host in an external command");
	cr_assert_eq(
	    rl_monitor_cmd_result(&b, "h", "s", (enum rl_state)7, "x", &err),
	    -1);
	cr_assert_eq(b.len, 0, "nothing written for a refused command");
	rl_buf_free(&b);
}

Test(monitor, no_reader_is_an_error_at_once)
{
	int64_t t0 = rl_now_ms();

	cr_assert_eq(rl_monitor_send(fifo, "[1] X\n", rl_now_ms() + 5000, &err),
		     -1);
	cr_assert_lt(rl_now_ms() - t0, 4000); /* not the 5 s deadline */
	cr_assert(strstr(err.msg, "has no reader (is the core running?)") !=
		      NULL,
		  "%s", err.msg);
}

Test(monitor, regular_file_and_missing_path_are_refused)
{
	char path[160];

	snprintf(path, sizeof(path), "%s/plain", dir);
	fclose(fopen(path, "w"));
	cr_assert_eq(rl_monitor_send(path, "[1] X\n", rl_now_ms() + 1000, &err),
		     -1);
	cr_assert(strstr(err.msg, "is not a FIFO") != NULL, "%s", err.msg);
	snprintf(path, sizeof(path), "%s/none", dir);
	cr_assert_eq(rl_monitor_send(path, "[1] X\n", rl_now_ms() + 1000, &err),
		     -1);
	cr_assert(strstr(err.msg, "No such file or directory") != NULL, "%s",
		  err.msg);
}

Test(monitor, full_pipe_waits_only_until_the_deadline)
{
	/* a reader that holds the pipe open but never reads: the core hung */
	int rfd = open(fifo, O_RDONLY | O_NONBLOCK);
	struct rl_buf b = RL_BUF_INIT;
	char line[1001];

	cr_assert_geq(rfd, 0);
	memset(line, 'x', sizeof(line) - 2);
	line[sizeof(line) - 2] = '\n';
	line[sizeof(line) - 1] = '\0';
	for (int i = 0; i < 200; i++) /* 200 KB: more than a pipe holds */
		rl_buf_puts(&b, line);
	int64_t t0 = rl_now_ms();
	cr_assert_eq(
	    rl_monitor_send(fifo, rl_buf_str(&b), rl_now_ms() + 300, &err), -1);
	int64_t took = rl_now_ms() - t0;
	cr_assert_geq(took, 250);
	cr_assert_lt(took, 1000);
	cr_assert(strstr(err.msg, "stayed full until the deadline") != NULL,
		  "%s", err.msg);
	close(rfd);
	rl_buf_free(&b);
}

Test(monitor, reader_gone_is_epipe_not_a_signal)
{
	int rfd = open(fifo, O_RDONLY | O_NONBLOCK);
	int wfd = open(fifo, O_WRONLY | O_NONBLOCK);

	/* the reader goes away between our open and our write: simulate by
	   sending to a pipe whose only reader closes right after we opened */
	cr_assert_geq(rfd, 0);
	close(rfd);
	close(wfd);
	cr_assert_eq(rl_monitor_send(fifo, "[1] X\n", rl_now_ms() + 500, &err),
		     -1);
	cr_assert(strstr(err.msg, "no reader") != NULL, "%s", err.msg);
}

Test(monitor, overlong_line_and_missing_newline_are_refused)
{
	struct rl_buf b = RL_BUF_INIT;
	int rfd = open(fifo, O_RDONLY | O_NONBLOCK);

	for (int i = 0; i < RL_MONITOR_LINE_MAX; i++)
		rl_buf_puts(&b, "y");
	rl_buf_puts(&b, "\n");
	cr_assert_eq(
	    rl_monitor_send(fifo, rl_buf_str(&b), rl_now_ms() + 500, &err), -1);
	cr_assert(strstr(err.msg, "longer than 4096 bytes") != NULL, "%s",
		  err.msg);
	cr_assert_eq(rl_monitor_send(fifo, "[1] X", rl_now_ms() + 500, &err),
		     -1);
	cr_assert(strstr(err.msg, "without a newline") != NULL, "%s", err.msg);
	close(rfd);
	rl_buf_free(&b);
}

/* Writes TEXT as DIR/status.dat into PATH (160 bytes). */
static void write_status(char *path, const char *text)
{
	FILE *f;

	snprintf(path, 160, "%s/status.dat", dir);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
}

Test(monitor, status_dat_acknowledgement_and_downtime)
{
	char path[160];
	struct rl_service_status st;

	write_status(
	    path,
	    "info {\n\tcreated=1700000000\n\tversion=4.4.6\n\t}\n\n"
	    "servicestatus "
	    "{\n\thost_name=fx-app-01\n\tservice_description=fx/cache\n"
	    "\tcurrent_state=0\n\tproblem_has_been_acknowledged="
	    "0\n\tscheduled_downtime_depth=0\n\t}\n\n"
	    "servicestatus "
	    "{\n\thost_name=fx-app-01\n\tservice_description=fx/pricer\n"
	    "\tcurrent_state=2\n\tlast_update=1700000001\n\tproblem_has_been_"
	    "acknowledged=1\n"
	    "\tscheduled_downtime_depth=2\n\t}\n\n"
	    "servicestatus "
	    "{\n\thost_name=fx-app-02\n\tservice_description=fx/pricer\n"
	    "\tcurrent_state=0\n\tproblem_has_been_acknowledged=0\n\t}\n");
	cr_assert_eq(
	    rl_monitor_status_dat(path, "fx-app-01", "fx/pricer", &st, &err), 0,
	    "%s", err.msg);
	cr_assert(st.found);
	cr_assert(st.acknowledged);
	cr_assert_eq(st.downtime_depth, 2);
	cr_assert_eq(st.current_state, 2);
	cr_assert_gt(st.updated, 0);
	cr_assert_eq(
	    rl_monitor_status_dat(path, "fx-app-02", "fx/pricer", &st, &err),
	    0);
	cr_assert(st.found);
	cr_assert_not(st.acknowledged);
	cr_assert_eq(
	    rl_monitor_status_dat(path, "fx-app-01", "fx/gateway", &st, &err),
	    0);
	cr_assert_not(st.found);
	snprintf(path, sizeof(path), "%s/missing.dat", dir);
	cr_assert_eq(rl_monitor_status_dat(path, "h", "s", &st, &err), -1);
	cr_assert(strstr(err.msg, "missing.dat: No such file") != NULL, "%s",
		  err.msg);
}

/* relance's comments on a service, to replace rather than pile up: its
 * own (author relance, a comment), never a human's, an acknowledgement's
 * or another service's. */
Test(monitor, status_dat_comments_of_an_author)
{
	char path[160];
	unsigned long *ids = NULL;
	size_t n = 9;
	struct rl_buf b = RL_BUF_INIT;

	write_status(
	    path,
	    "servicestatus {\n\thost_name=h1\n\tservice_description=fx/a\n"
	    "\t}\n"
	    "servicecomment {\n\thost_name=h1\n\tservice_description=fx/a\n"
	    "\tentry_type=1\n\tcomment_id=5\n\tauthor=relance\n"
	    "\tcomment_data=relance: restarted fx/a\n\t}\n"
	    "servicecomment {\n\thost_name=h1\n\tservice_description=fx/a\n"
	    "\tentry_type=1\n\tcomment_id=6\n\tauthor=alice\n"
	    "\tcomment_data=looking at it\n\t}\n"
	    "servicecomment {\n\thost_name=h1\n\tservice_description=fx/b\n"
	    "\tentry_type=1\n\tcomment_id=7\n\tauthor=relance\n\t}\n"
	    "servicecomment {\n\thost_name=h1\n\tservice_description=fx/a\n"
	    "\tentry_type=4\n\tcomment_id=8\n\tauthor=relance\n\t}\n"
	    "servicecomment {\n\thost_name=h1\n\tservice_description=fx/a\n"
	    "\tentry_type=1\n\tcomment_id=12\n\tauthor=relance\n\t}\n");
	cr_assert_eq(rl_monitor_status_comments(path, "h1", "fx/a", "relance",
						&ids, &n, &err),
		     0, "%s", err.msg);
	cr_assert_eq(n, 2);
	cr_assert_eq(ids[0], 5);
	cr_assert_eq(ids[1], 12);
	free(ids);
	cr_assert_eq(rl_monitor_status_comments(path, "h2", "fx/a", "relance",
						&ids, &n, &err),
		     0);
	cr_assert_eq(n, 0);
	cr_assert_null(ids);
	rl_monitor_cmd_del_comment(&b, 5);
	cr_assert(strstr(rl_buf_str(&b), "] DEL_SVC_COMMENT;5\n"));
	rl_buf_free(&b);
	snprintf(path, sizeof(path), "%s/missing.dat", dir);
	cr_assert_eq(rl_monitor_status_comments(path, "h", "s", "relance", &ids,
						&n, &err),
		     -1);
}
