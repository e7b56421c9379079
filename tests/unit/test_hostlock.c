/*
 * The host lock, run for real in a temporary lock directory: on a host of
 * transport local, in process (suite hostlock), and through the local
 * transport's shell (suite hostlock_shell: the same POSIX commands an SSH
 * host runs). The protocol tests run both ways (BOTH); the cross tests
 * set the two against each other on the same directory.
 */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "hostlock.h"
#include "rl_test.h"

static char dir[64];
static struct rl_model *m;
static struct rl_transport *t;
static const struct rl_component *c;
static struct rl_err err;

static void setup(void)
{
	static const char ini[] = "[host \"here\"]\ntransport = local\n"
				  "[component \"fx/pricer\"]\nhost = here\n"
				  "check = true\nstart = true\nstop = true\n";

	rl_test_tmpdir(dir, sizeof(dir), "hostlock");
	cr_assert_eq(
	    rl_config_load_string(ini, "t.ini", RL_CONFIG_NO_PERMS, &m, &err),
	    0, "%s", err.msg);
	c = rl_model_component(m, "fx/pricer");
	t = rl_transport_new(m, &err);
	cr_assert_not_null(t, "%s", err.msg);
}

static void teardown(void)
{
	rl_transport_free(t);
	rl_model_free(m);
	rl_test_rmtree(dir);
	rl_test_fini();
}

TestSuite(hostlock, .init = setup, .fini = teardown, .timeout = 30);
TestSuite(hostlock_shell, .init = setup, .fini = teardown, .timeout = 30);

/* Whether this test's locks go through the shell commands. */
static bool via_shell;

/* A test of the protocol, run in process and through the commands. */
#define BOTH(name)                                                             \
	static void name##_body(void);                                         \
	Test(hostlock, name)                                                   \
	{                                                                      \
		via_shell = false;                                             \
		name##_body();                                                 \
	}                                                                      \
	Test(hostlock_shell, name)                                             \
	{                                                                      \
		via_shell = true;                                              \
		name##_body();                                                 \
	}                                                                      \
	static void name##_body(void)

/* Takes the lock for OWNER in process (SHELL false) or by command. */
static struct rl_hostlock_result take_as(bool shell, const char *owner,
					 int64_t ttl)
{
	struct rl_hostlock_result r;
	int rc =
	    shell ? rl_hostlock_acquire_by_command(t, c, dir, owner, ttl,
						   rl_now_ms() + 5000, &r, &err)
		  : rl_hostlock_acquire(t, c, dir, owner, ttl,
					rl_now_ms() + 5000, &r, &err);

	cr_assert_eq(rc, 0, "%s", err.msg);
	return r;
}

static struct rl_hostlock_result take(const char *owner, int64_t ttl)
{
	return take_as(via_shell, owner, ttl);
}

static int release_as(bool shell, const char *owner)
{
	return shell ? rl_hostlock_release_by_command(t, c, dir, owner,
						      rl_now_ms() + 5000, &err)
		     : rl_hostlock_release(t, c, dir, owner, rl_now_ms() + 5000,
					   &err);
}

static int release(const char *owner)
{
	return release_as(via_shell, owner);
}

BOTH(second_comer_is_told_who_holds_it)
{
	struct rl_hostlock_result r =
	    take("node mon-1 pid 42 restart fx/pricer", 60);
	cr_assert(r.acquired);
	r = take("node mon-2 pid 7 restart fx/pricer", 60);
	cr_assert_not(r.acquired);
	cr_assert_str_eq(r.holder, "node mon-1 pid 42 restart fx/pricer");
}

BOTH(only_the_owner_releases)
{
	struct stat st;
	char path[160];

	cr_assert(take("mon-1", 60).acquired);
	snprintf(path, sizeof(path), "%s/fx%%2Fpricer.lock", dir);
	cr_assert_eq(release("mon-2"), 0, "%s", err.msg);
	cr_assert_eq(stat(path, &st), 0,
		     "another owner's release left the lock alone");
	cr_assert_eq(release("mon-1"), 0, "%s", err.msg);
	cr_assert_neq(stat(path, &st), 0, "the owner's release removed it");
	cr_assert(take("mon-2", 60).acquired);
}

BOTH(expired_lock_is_taken_over)
{
	char path[160];
	FILE *f;

	cr_assert(take("mon-1 crashed", 60).acquired);
	/* make it expired, as if mon-1 died an hour ago */
	snprintf(path, sizeof(path), "%s/fx%%2Fpricer.lock/owner", dir);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fprintf(f, "mon-1 crashed\n%lld\n", (long long)(time(NULL) - 3600));
	fclose(f);
	cr_assert(take("mon-2", 60).acquired);
	cr_assert_not(take("mon-3", 60).acquired);
}

BOTH(lock_being_taken_is_held)
{
	char path[160];

	snprintf(path, sizeof(path), "%s/fx%%2Fpricer.lock", dir);
	cr_assert_eq(mkdir(path, 0700),
		     0); /* mkdir done, owner not yet written */
	struct rl_hostlock_result r = take("mon-2", 60);
	cr_assert_not(r.acquired);
	cr_assert_str_eq(r.holder, "(being taken)");
}

BOTH(owner_text_cannot_reach_the_shell)
{
	char marker[160];
	struct stat st;

	snprintf(marker, sizeof(marker), "%s/pwned", dir);
	char owner[600];
	snprintf(owner, sizeof(owner),
		 "x'; touch %s; echo '$(touch %s)`touch %s`", marker, marker,
		 marker);
	struct rl_hostlock_result r = take(owner, 60);
	cr_assert(r.acquired);
	cr_assert_neq(stat(marker, &st), 0, "nothing ran");
	r = take("other", 60);
	cr_assert_null(strchr(r.holder, '\''));
	cr_assert_null(strchr(r.holder, '$'));
	cr_assert_null(strchr(r.holder, '`'));
}

/* --- a dead owner of this node: judged here, taken over at once -------- */

/* This process's owner line on NODE, for WHAT. */
static char *owner_of_me(const char *node, const char *what)
{
	struct rl_buf b = RL_BUF_INIT;

	cr_assert_eq(rl_hostlock_owner(node, what, &b, &err), 0, "%s", err.msg);
	return rl_buf_detach(&b);
}

/* The owner line a child process made for itself on NODE; the child is
 * reaped before this returns: its pid is dead. */
static char *owner_of_dead_child(const char *node)
{
	char line[512];
	int fd[2], st;
	ssize_t n;
	pid_t pid;

	cr_assert_eq(pipe(fd), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		struct rl_buf b = RL_BUF_INIT;

		close(fd[0]);
		if (rl_hostlock_owner(node,
				      "handle_component restart fx/pricer", &b,
				      NULL) < 0 ||
		    write(fd[1], rl_buf_str(&b), b.len) != (ssize_t)b.len)
			_exit(1);
		_exit(0);
	}
	close(fd[1]);
	n = read(fd[0], line, sizeof(line) - 1);
	close(fd[0]);
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	cr_assert_gt(n, 0);
	line[n] = '\0';
	return strdup(line);
}

Test(hostlock, owner_line_says_node_pid_start_and_boot)
{
	char *o = owner_of_me("mon 1", "restart fx/pricer");
	char node[64], boot[64], rest[64];
	long pid;
	unsigned long long start;

	cr_assert_eq(sscanf(o, "%63s pid %ld start %llu boot %63s %63[^\n]",
			    node, &pid, &start, boot, rest),
		     5, "%s", o);
	cr_assert_str_eq(node, "mon_1", "the node is one word");
	cr_assert_eq(pid, (long)getpid());
	cr_assert_gt(start, 0);
	cr_assert_eq(strlen(boot), 36, "%s", boot);
	cr_assert_str_eq(rest, "restart fx/pricer");
	free(o);
}

/* An owner line of rl_hostlock_owner, in its parts. */
struct parts {
	char node[64], boot[64];
	long pid;
	unsigned long long start;
};

static struct parts parse(const char *line)
{
	struct parts p;

	cr_assert_eq(sscanf(line, "%63s pid %ld start %llu boot %63s", p.node,
			    &p.pid, &p.start, p.boot),
		     4, "%s", line);
	return p;
}

/* HOLDER takes the lock, then COMER tries: what COMER got. */
static struct rl_hostlock_result held_then(const char *holder,
					   const char *comer)
{
	cr_assert(take(holder, 600).acquired);
	return take(comer, 600);
}

/* R is a lock that stood, still HOLDER's. */
static void assert_stands(struct rl_hostlock_result r, const char *holder)
{
	cr_assert_not(r.acquired);
	cr_assert_not(r.taken_over);
	cr_assert_str_eq(r.holder, holder);
}

BOTH(dead_owner_of_this_node_is_taken_over)
{
	char *dead = owner_of_dead_child("mon-1");
	char *me = owner_of_me("mon-1", "handle_component restart fx/pricer");
	struct rl_hostlock_result r;

	r = held_then(dead, me);
	cr_assert(r.acquired, "held by %s", r.holder);
	cr_assert(r.taken_over);
	cr_assert_str_eq(r.previous, dead);
	/* ours now: a third comer is told so, and the release works */
	r = take("node mon-2 pid 7 restart fx/pricer", 600);
	cr_assert_not(r.acquired);
	cr_assert_str_eq(r.holder, me);
	cr_assert_eq(release(me), 0, "%s", err.msg);
	free(dead);
	free(me);
}

BOTH(live_owner_of_this_node_stands)
{
	char *first = owner_of_me("mon-1", "relancectl restart fx/pricer");
	char *second = owner_of_me("mon-1", "handle_component restart x/y");

	assert_stands(held_then(first, second), first);
	free(first);
	free(second);
}

BOTH(dead_owner_of_another_node_stands)
{
	char *dead = owner_of_dead_child("mon-2");
	char *me = owner_of_me("mon-1", "handle_component restart fx/pricer");

	/* another node's pid is not this node's to judge */
	assert_stands(held_then(dead, me), dead);
	free(dead);
	free(me);
}

/* Our own pid with another start time: the pid was reused. */
BOTH(reused_pid_is_taken_over)
{
	char *me = owner_of_me("mon-1", "handle_component restart fx/pricer");
	struct parts p = parse(me);
	char other[512];
	struct rl_hostlock_result r;

	snprintf(other, sizeof(other), "%s pid %ld start %llu boot %s old one",
		 p.node, p.pid, p.start - 1, p.boot);
	r = held_then(other, me);
	cr_assert(r.acquired, "held by %s", r.holder);
	cr_assert(r.taken_over);
	cr_assert_str_eq(r.previous, other);
	free(me);
}

/* Lines rl_hostlock_owner did not make, or of another boot: expiry only. */
BOTH(old_format_and_other_boot_stand)
{
	char *me = owner_of_me("mon-1", "handle_component restart fx/pricer");
	struct parts p = parse(me);
	char line[512];
	pid_t gone;
	int st;

	gone = fork();
	cr_assert_geq(gone, 0);
	if (gone == 0)
		_exit(0);
	cr_assert_eq(waitpid(gone, &st, 0), gone);
	/* an older relance's line, its pid dead */
	snprintf(line, sizeof(line), "%s pid %ld handle_component restart x",
		 p.node, (long)gone);
	assert_stands(held_then(line, me), line);
	cr_assert_eq(release(line), 0);
	/* another boot of this node: that pid is not this boot's */
	snprintf(
	    line, sizeof(line),
	    "%s pid %ld start 1 boot 00000000-0000-0000-0000-000000000000 x",
	    p.node, (long)gone);
	assert_stands(held_then(line, me), line);
	free(me);
}

/* Runs the takeover command of DEAD for "mon-1 me"; its answer. */
static char *run_takeover(const char *dead)
{
	struct rl_buf b = RL_BUF_INIT;
	struct rl_cmd cmd;
	char *out;

	cr_assert_eq(rl_hostlock_takeover_command(RL_SHELL_POSIX, dir,
						  "fx/pricer", "mon-1 me", dead,
						  600, &b, &err),
		     0, "%s", err.msg);
	memset(&cmd, 0, sizeof(cmd));
	cmd.host = c->host;
	cmd.command = rl_buf_str(&b);
	cr_assert_eq(rl_transport_run(t, &cmd, 1, rl_now_ms() + 5000, &err), 0,
		     "%s", err.msg);
	out = strdup(cmd.out != NULL ? cmd.out : "");
	rl_cmd_clear(&cmd);
	rl_buf_free(&b);
	return out;
}

/* Between the held answer and the takeover, someone else took the lock
 * (it expired, say): the takeover command leaves that one alone. */
Test(hostlock, takeover_only_of_that_owner_line)
{
	char *out;

	cr_assert(take("mon-2 new owner", 600).acquired);
	out = run_takeover("mon-1 dead one");
	cr_assert_str_eq(out, "relance-lock: held mon-2 new owner\n");
	free(out);
	out = run_takeover("mon-2 new owner");
	cr_assert_str_eq(out, "relance-lock: acquired\n");
	free(out);
	cr_assert_str_eq(take("mon-3", 600).holder, "mon-1 me");
}

/* Ten processes, each with its own transport, at the same moment: exactly
 * one gets the lock. */
/* Ten racers; racer I by command when SHELL(I). */
static void race(bool (*shell)(int))
{
	int go[2], wins = 0, held = 0;
	pid_t pids[10];

	cr_assert_eq(pipe(go), 0);
	for (int i = 0; i < 10; i++) {
		pids[i] = fork();
		cr_assert_geq(pids[i], 0);
		if (pids[i] == 0) {
			struct rl_transport *mine = rl_transport_new(m, NULL);
			struct rl_hostlock_result r;
			char owner[32], b;

			close(go[1]);
			if (read(go[0], &b, 1) < 0)
				_exit(3);
			snprintf(owner, sizeof(owner), "racer %d", i);
			if (mine == NULL ||
			    (shell(i) ? rl_hostlock_acquire_by_command(
					    mine, c, dir, owner, 60,
					    rl_now_ms() + 10000, &r, NULL)
				      : rl_hostlock_acquire(
					    mine, c, dir, owner, 60,
					    rl_now_ms() + 10000, &r, NULL)) < 0)
				_exit(3);
			_exit(r.acquired ? 0 : 1);
		}
	}
	close(go[0]);
	close(go[1]); /* EOF releases them all at once */
	for (int i = 0; i < 10; i++) {
		int st;
		cr_assert_eq(waitpid(pids[i], &st, 0), pids[i]);
		cr_assert(WIFEXITED(st));
		cr_assert_neq(WEXITSTATUS(st), 3,
			      "racer %d could not run the lock", i);
		wins += WEXITSTATUS(st) == 0;
		held += WEXITSTATUS(st) == 1;
	}
	cr_assert_eq(wins, 1);
	cr_assert_eq(held, 9);
}

static bool this_test(int i)
{
	(void)i;
	return via_shell;
}

static bool odd(int i)
{
	return i % 2 == 1;
}

BOTH(ten_at_once_one_wins)
{
	race(this_test);
}

/* --- in process against the commands, on the same directory ----------- */

/* Five in process, five by command, at once: one wins. */
Test(hostlock, ten_at_once_mixed_one_wins)
{
	race(odd);
}

/* The owner file as it is on disk. */
static char *owner_file(void)
{
	char path[160], buf[600];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/fx%%2Fpricer.lock/owner", dir);
	f = fopen(path, "r");
	cr_assert_not_null(f, "%s", path);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return strdup(buf);
}

/* Each way holds the lock, the other is told by whom, and only the
 * owner's release (either way) frees it. */
Test(hostlock, each_way_excludes_the_other)
{
	for (int first = 0; first < 2; first++) {
		bool a = first == 1, b = !a;
		struct rl_hostlock_result r;

		cr_assert(
		    take_as(a, "mon-1 pid 42 restart fx/pricer", 60).acquired);
		r = take_as(b, "mon-2 pid 7 restart fx/pricer", 60);
		cr_assert_not(r.acquired, "first %s", a ? "shell" : "here");
		cr_assert_str_eq(r.holder, "mon-1 pid 42 restart fx/pricer");
		cr_assert_eq(release_as(b, "mon-2 pid 7 restart fx/pricer"), 0,
			     "%s", err.msg);
		cr_assert_not(take_as(b, "mon-2", 60).acquired,
			      "another's release left it alone");
		cr_assert_eq(release_as(b, "mon-1 pid 42 restart fx/pricer"), 0,
			     "%s", err.msg);
		cr_assert(take_as(a, "mon-3", 60).acquired,
			  "the owner's release freed it");
		cr_assert_eq(release_as(a, "mon-3"), 0, "%s", err.msg);
	}
}

/* The same owner file either way: "OWNER\nEXPIRY\n", the owner reduced
 * to the same safe characters. */
Test(hostlock, same_owner_file_either_way)
{
	const char *owner = "mon-1 pid 42 'quoted' $(x) restart fx/pricer";
	char *here, *shell, *nl1, *nl2;
	long long e1, e2;

	cr_assert(take_as(false, owner, 60).acquired);
	here = owner_file();
	cr_assert_eq(release_as(false, owner), 0, "%s", err.msg);
	cr_assert(take_as(true, owner, 60).acquired);
	shell = owner_file();
	nl1 = strchr(here, '\n');
	nl2 = strchr(shell, '\n');
	cr_assert(nl1 != NULL && nl2 != NULL);
	cr_assert_eq(nl1 - here, nl2 - shell);
	cr_assert_eq(strncmp(here, shell, (size_t)(nl1 - here)), 0,
		     "here: %s shell: %s", here, shell);
	cr_assert_eq(strncmp(here,
			     "mon-1 pid 42 _quoted_ _(x) restart fx/pricer\n",
			     (size_t)(nl1 - here) + 1),
		     0, "%s", here);
	e1 = atoll(nl1 + 1);
	e2 = atoll(nl2 + 1);
	cr_assert(e2 >= e1 && e2 - e1 < 30, "%lld %lld", e1, e2);
	cr_assert_eq(here[strlen(here) - 1], '\n');
	cr_assert_eq(shell[strlen(shell) - 1], '\n');
	free(here);
	free(shell);
}

/* A lock one way left expired is taken over the other way. */
Test(hostlock, expired_either_way_is_taken_over)
{
	char path[160];
	FILE *f;

	snprintf(path, sizeof(path), "%s/fx%%2Fpricer.lock/owner", dir);
	for (int first = 0; first < 2; first++) {
		bool a = first == 1;

		cr_assert(take_as(a, "mon-1 crashed", 60).acquired);
		f = fopen(path, "w");
		cr_assert_not_null(f);
		fprintf(f, "mon-1 crashed\n%lld\n",
			(long long)(time(NULL) - 3600));
		fclose(f);
		cr_assert(take_as(!a, "mon-2", 60).acquired);
		cr_assert_str_eq(take_as(a, "mon-3", 60).holder, "mon-2");
		cr_assert_eq(release_as(!a, "mon-2"), 0, "%s", err.msg);
	}
}

/* A dead owner of this node, its lock made by command, is taken over in
 * process (and the other way round). */
Test(hostlock, dead_owner_either_way_is_taken_over)
{
	char *dead = owner_of_dead_child("mon-1");
	char *me = owner_of_me("mon-1", "handle_component restart fx/pricer");

	for (int first = 0; first < 2; first++) {
		bool a = first == 1;
		struct rl_hostlock_result r;

		cr_assert(take_as(a, dead, 600).acquired);
		r = take_as(!a, me, 600);
		cr_assert(r.acquired, "held by %s", r.holder);
		cr_assert(r.taken_over);
		cr_assert_str_eq(r.previous, dead);
		cr_assert_eq(release_as(a, me), 0, "%s", err.msg);
	}
	free(dead);
	free(me);
}

/* Without a directory, both use ~/.relance/locks of this account as the
 * local transport's commands see it (the password database's home). */
Test(hostlock, default_directory_is_the_commands_one)
{
	static const char ini[] = "[host \"here\"]\ntransport = local\n"
				  "[component \"%s/x\"]\nhost = here\n"
				  "check = true\nstart = true\nstop = true\n";
	char text[256], app[32], path[512];
	const struct rl_component *x;
	struct rl_hostlock_result r;
	struct rl_model *m2;
	struct passwd *pw = getpwuid(getuid());
	struct stat st;

	cr_assert_not_null(pw);
	snprintf(app, sizeof(app), "hltest%ld", (long)getpid());
	snprintf(text, sizeof(text), ini, app);
	cr_assert_eq(
	    rl_config_load_string(text, "t.ini", RL_CONFIG_NO_PERMS, &m2, &err),
	    0, "%s", err.msg);
	snprintf(path, sizeof(path), "%s/x", app);
	x = rl_model_component(m2, path);
	cr_assert_not_null(x);
	cr_assert_eq(rl_hostlock_acquire(t, x, NULL, "mon-1 here", 60,
					 rl_now_ms() + 5000, &r, &err),
		     0, "%s", err.msg);
	cr_assert(r.acquired);
	snprintf(path, sizeof(path), "%s/.relance/locks/%s%%2Fx.lock",
		 pw->pw_dir, app);
	cr_assert_eq(stat(path, &st), 0, "%s", path);
	cr_assert_eq(st.st_mode & 0777, 0700);
	cr_assert_eq(rl_hostlock_acquire_by_command(
			 t, x, NULL, "mon-2", 60, rl_now_ms() + 5000, &r, &err),
		     0, "%s", err.msg);
	cr_assert_not(r.acquired);
	cr_assert_str_eq(r.holder, "mon-1 here");
	cr_assert_eq(rl_hostlock_release_by_command(t, x, NULL, "mon-1 here",
						    rl_now_ms() + 5000, &err),
		     0, "%s", err.msg);
	cr_assert_neq(stat(path, &st), 0, "released by command");
	rl_model_free(m2);
}

/* A lock directory that cannot be made: an error naming it, in process
 * as by command; nothing taken. */
BOTH(unusable_directory_is_an_error)
{
	struct rl_hostlock_result r;
	char file[160], bad[200];
	FILE *f;
	int rc;

	snprintf(file, sizeof(file), "%s/plain", dir);
	f = fopen(file, "w");
	cr_assert_not_null(f);
	fclose(f);
	snprintf(bad, sizeof(bad), "%s/locks", file);
	rc = via_shell
		 ? rl_hostlock_acquire_by_command(t, c, bad, "mon-1", 60,
						  rl_now_ms() + 5000, &r, &err)
		 : rl_hostlock_acquire(t, c, bad, "mon-1", 60,
				       rl_now_ms() + 5000, &r, &err);
	cr_assert_eq(rc, -1);
	cr_assert(strstr(err.msg, "host 'here': lock of 'fx/pricer': ") ==
		      err.msg,
		  "%s", err.msg);
	cr_assert(strstr(err.msg, "Not a directory") != NULL, "%s", err.msg);
}

Test(hostlock, refused_shells_and_directories)
{
	struct rl_buf b = RL_BUF_INIT;

	cr_assert_eq(rl_hostlock_acquire_command(RL_SHELL_POSIX, "/tmp/a b",
						 "fx/a", "o", 60, &b, &err),
		     -1);
	cr_assert(strstr(err.msg, "use letters, digits") != NULL, "%s",
		  err.msg);
	cr_assert_eq(rl_hostlock_acquire_command(RL_SHELL_POSIX, "rel/dir",
						 "fx/a", "o", 60, &b, &err),
		     -1);
	cr_assert(strstr(err.msg, "is not absolute") != NULL, "%s", err.msg);
	cr_assert_eq(rl_hostlock_acquire_command(RL_SHELL_POSIX, NULL, "fx/a;b",
						 "o", 60, &b, &err),
		     -1);
	cr_assert_eq(rl_hostlock_acquire_command(RL_SHELL_POSIX, NULL, "fx/a",
						 "o", 0, &b, &err),
		     -1);
	cr_assert_eq(rl_hostlock_acquire_command(RL_SHELL_POSIX, NULL, "fx/a",
						 "o", 60, &b, &err),
		     0);
	cr_assert(strstr(rl_buf_str(&b), "${HOME:-/tmp}/.relance/locks") !=
		  NULL);
	rl_buf_free(&b);
}

/* --- the commands, as exact strings (no Windows here to run them) ------- */

/* what the POSIX acquire and takeover commands share */
#define POSIX_TAKE                                                             \
	"mkdir -p \"$d\" || exit 3; [ -w \"$d\" ] && [ -x \"$d\" ] || "        \
	"{ echo \"cannot write $d\" >&2; exit 3; }; now=$(date +%s); "         \
	"take() { mkdir \"$l\" 2>/dev/null || return 1; "                      \
	"printf '%s\\n%s\\n' \"$o\" $((now + 90)) >\"$l/owner\"; "             \
	"echo 'relance-lock: acquired'; exit 0; }; take; "                     \
	"h=$(sed -n 1p \"$l/owner\" 2>/dev/null); e=$(sed -n 2p \"$l/owner\" " \
	"2>/dev/null); "                                                       \
	"case $e in ''|*[!0-9]*) e=;; esac; "
#define POSIX_TAIL                                                             \
	"\"$s\"; take; "                                                       \
	"else mv \"$s\" \"$l\" 2>/dev/null; fi; fi; fi; "                      \
	"echo \"relance-lock: held ${h:-(being taken)}\"; exit 1"

static const char posix_acquire[] =
    "umask 077; d=\"${HOME:-/tmp}/.relance/locks\"; l=\"$d/fx%2Fpricer.lock\"; "
    "o='node mon-1 pid 42'; " POSIX_TAKE
    "if [ -n \"$e\" ] && [ \"$e\" -lt \"$now\" ]; then s=\"$l.stale.$$\"; "
    "if mv \"$l\" \"$s\" 2>/dev/null; then "
    "if [ \"$(sed -n 2p \"$s/owner\" 2>/dev/null)\" = \"$e\" ]; then rm "
    "-rf " POSIX_TAIL;

static const char posix_release[] =
    "umask 077; d='/var/tmp/locks'; l=\"$d/fx%2Fpricer.lock\"; o='node mon-1 "
    "pid 42'; "
    "if [ \"$(sed -n 1p \"$l/owner\" 2>/dev/null)\" = \"$o\" ]; then "
    "rm -rf \"$l\"; echo 'relance-lock: released'; else echo 'relance-lock: "
    "not ours'; fi";

#define PS_HEAD                                                                \
	"$ErrorActionPreference = 'Stop'; $ProgressPreference = "              \
	"'SilentlyContinue'; "
#define PS_HOME                                                                \
	"$d = $env:USERPROFILE; if (-not $d) { $d = [IO.Path]::GetTempPath() " \
	"}; "                                                                  \
	"$d = [IO.Path]::Combine($d, '.relance', 'locks'); "

/* what the PowerShell acquire and takeover commands share */
#define PS_TAKE                                                                \
	"try { $null = [IO.Directory]::CreateDirectory($d) } catch { "         \
	"[Console]::Error.WriteLine('cannot create ' + $d + ': ' + "           \
	"$_.Exception.Message); exit 3 }; "                                    \
	"$now = [DateTimeOffset]::UtcNow.ToUnixTimeSeconds(); "                \
	"$take = { try { $f = [IO.File]::Open($l, [IO.FileMode]::CreateNew, "  \
	"[IO.FileAccess]::Write, [IO.FileShare]::None) } catch { return "      \
	"$false }; "                                                           \
	"try { $b = [Text.Encoding]::ASCII.GetBytes($o + \"`n\" + ($now + "    \
	"90) "                                                                 \
	"+ \"`n\"); "                                                          \
	"$f.Write($b, 0, $b.Length) } finally { $f.Close() }; return $true "   \
	"}; "                                                                  \
	"if (& $take) { 'relance-lock: acquired'; exit 0 }; "                  \
	"$x = @(); try { $x = @([IO.File]::ReadAllLines($l)) } catch { }; "    \
	"$h = ''; $e = ''; if ($x.Count -ge 1) { $h = $x[0] }; "               \
	"if ($x.Count -ge 2 -and $x[1] -cmatch '^[0-9]+$') { $e = $x[1] }; "
#define PS_MOVE                                                                \
	"$m = $true; try { [IO.File]::Move($l, $s) } catch { $m = $false }; "  \
	"if ($m) { $y = @(); try { $y = @([IO.File]::ReadAllLines($s)) } "     \
	"catch { }; "
#define PS_TAIL                                                                \
	"if (& $take) { 'relance-lock: acquired'; exit 0 } } "                 \
	"else { try { [IO.File]::Move($s, $l) } catch { } } } }; "             \
	"if ($h -eq '') { $h = '(being taken)' }; 'relance-lock: held ' + "    \
	"$h; "                                                                 \
	"exit 1"

static const char ps_acquire[] = PS_HEAD PS_HOME
    "$l = [IO.Path]::Combine($d, 'fx%2Fpricer.lock'); $o = 'node mon-1 pid "
    "42'; " PS_TAKE "if ($e -ne '' -and [int64]$e -lt $now) { $s = $l + "
    "'.stale.' + $PID; " PS_MOVE
    "if ($y.Count -ge 2 -and $y[1] -ceq $e) { [IO.File]::Delete($s); " PS_TAIL;

static const char ps_release[] =
    PS_HEAD "$d = 'D:/relance/locks'; "
	    "$l = [IO.Path]::Combine($d, 'fx%2Fpricer.lock'); $o = 'node mon-1 "
	    "pid 42'; "
	    "$x = @(); try { $x = @([IO.File]::ReadAllLines($l)) } catch { }; "
	    "if ($x.Count -ge 1 -and $x[0] -ceq $o) { [IO.File]::Delete($l); "
	    "'relance-lock: released' } else { 'relance-lock: not ours' }";

static char *command(enum rl_shell shell, bool acquire, const char *d,
		     const char *comp, const char *owner)
{
	struct rl_buf b = RL_BUF_INIT;
	int r;

	rl_buf_puts(&b, ""); /* appends to what is there */
	r = acquire
		? rl_hostlock_acquire_command(shell, d, comp, owner, 90, &b,
					      &err)
		: rl_hostlock_release_command(shell, d, comp, owner, &b, &err);
	cr_assert_eq(r, 0, "%s", err.msg);
	return rl_buf_detach(&b);
}

Test(hostlock, golden_posix)
{
	char *c1 = command(RL_SHELL_POSIX, true, NULL, "fx/pricer",
			   "node mon-1 pid 42");
	char *c2 = command(RL_SHELL_POSIX, false, "/var/tmp/locks", "fx/pricer",
			   "node mon-1 pid 42");

	cr_assert_str_eq(c1, posix_acquire);
	cr_assert_str_eq(c2, posix_release);
	free(c1);
	free(c2);
}

Test(hostlock, golden_powershell)
{
	char *c1 = command(RL_SHELL_POWERSHELL, true, NULL, "fx/pricer",
			   "node mon-1 pid 42");
	char *c2 = command(RL_SHELL_POWERSHELL, false, "D:/relance/locks",
			   "fx/pricer", "node mon-1 pid 42");

	cr_assert_str_eq(c1, ps_acquire);
	cr_assert_str_eq(c2, ps_release);
	free(c1);
	free(c2);
}

static int b64val(char ch)
{
	const char *a =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p = ch ? strchr(a, ch) : NULL;

	return p ? (int)(p - a) : -1;
}

/* The text of a cmd line's -EncodedCommand (UTF-16LE of ASCII). */
static char *decode_cmd(const char *line)
{
	static const char pre[] =
	    "powershell.exe -NoProfile -NonInteractive -EncodedCommand ";
	const char *p = line + strlen(pre);
	size_t n = strlen(p), i, k = 0;
	unsigned char *raw;
	char *text;

	cr_assert(strncmp(line, pre, strlen(pre)) == 0, "%.80s", line);
	cr_assert_eq(n % 4, 0);
	raw = malloc(n);
	cr_assert_not_null(raw);
	for (i = 0; i < n; i += 4) {
		int v[4];
		for (int j = 0; j < 4; j++) {
			v[j] = p[i + j] == '=' && i + 4 == n && j >= 2
				   ? 0
				   : b64val(p[i + j]);
			cr_assert_geq(v[j], 0, "'%c' is not base64", p[i + j]);
		}
		unsigned long w =
		    (unsigned long)v[0] << 18 | (unsigned long)v[1] << 12 |
		    (unsigned long)v[2] << 6 | (unsigned long)v[3];
		raw[k++] = (unsigned char)(w >> 16);
		if (p[i + 2] != '=')
			raw[k++] = (unsigned char)(w >> 8);
		if (p[i + 3] != '=')
			raw[k++] = (unsigned char)w;
	}
	cr_assert_eq(k % 2, 0);
	text = malloc(k / 2 + 1);
	cr_assert_not_null(text);
	for (i = 0; i < k; i += 2) {
		cr_assert_eq(raw[i + 1], 0, "UTF-16LE of ASCII");
		text[i / 2] = (char)raw[i];
	}
	text[k / 2] = '\0';
	free(raw);
	return text;
}

Test(hostlock, cmd_runs_the_powershell_script_encoded)
{
	char *c1 =
	    command(RL_SHELL_CMD, true, NULL, "fx/pricer", "node mon-1 pid 42");
	char *c2 = command(RL_SHELL_CMD, false, "D:/relance/locks", "fx/pricer",
			   "node mon-1 pid 42");
	char *t1 = decode_cmd(c1), *t2 = decode_cmd(c2);

	cr_assert_str_eq(t1, ps_acquire);
	cr_assert_str_eq(t2, ps_release);
	/* nothing cmd would read: no quote, no %, no & | < > ^ */
	cr_assert_eq(
	    strspn(c1, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		       "0123456789+/=.- "),
	    strlen(c1));
	free(t1);
	free(t2);
	free(c1);
	free(c2);
}

/* The takeover commands: the acquire commands with z (the dead owner's
 * line), a second reason to move the lock aside ($h is exactly $z) and a
 * check of both lines of what was moved. */
static const char posix_takeover[] =
    "umask 077; d='/var/tmp/locks'; l=\"$d/fx%2Fpricer.lock\"; "
    "o='node mon-1 pid 42'; z='mon-1 pid 7 start 9 boot b-1 x'; " POSIX_TAKE
    "if { [ -n \"$e\" ] && [ \"$e\" -lt \"$now\" ]; } || [ \"$h\" = \"$z\" ]; "
    "then s=\"$l.stale.$$\"; "
    "if mv \"$l\" \"$s\" 2>/dev/null; then "
    "if [ \"$(sed -n 1p \"$s/owner\" 2>/dev/null)\" = \"$h\" ] && "
    "[ \"$(sed -n 2p \"$s/owner\" 2>/dev/null)\" = \"$e\" ]; then rm "
    "-rf " POSIX_TAIL;

static const char ps_takeover[] = PS_HEAD PS_HOME
    "$l = [IO.Path]::Combine($d, 'fx%2Fpricer.lock'); $o = 'node mon-1 pid "
    "42'; $z = 'mon-1 pid 7 start 9 boot b-1 x'; " PS_TAKE
    "if (($e -ne '' -and [int64]$e -lt $now) -or $h -ceq $z) { "
    "$s = $l + '.stale.' + $PID; " PS_MOVE
    "if ($y.Count -ge 2 -and $y[0] -ceq $h -and $y[1] -ceq $e) { "
    "[IO.File]::Delete($s); " PS_TAIL;

static char *takeover(enum rl_shell shell, const char *d)
{
	struct rl_buf b = RL_BUF_INIT;

	cr_assert_eq(rl_hostlock_takeover_command(
			 shell, d, "fx/pricer", "node mon-1 pid 42",
			 "mon-1 pid 7 start 9 boot b-1 x", 90, &b, &err),
		     0, "%s", err.msg);
	return rl_buf_detach(&b);
}

Test(hostlock, golden_takeover)
{
	char *c1 = takeover(RL_SHELL_POSIX, "/var/tmp/locks");
	char *c2 = takeover(RL_SHELL_POWERSHELL, NULL);
	char *c3 = takeover(RL_SHELL_CMD, NULL);
	char *t3 = decode_cmd(c3);

	cr_assert_str_eq(c1, posix_takeover);
	cr_assert_str_eq(c2, ps_takeover);
	cr_assert_str_eq(t3, ps_takeover);
	free(c1);
	free(c2);
	free(c3);
	free(t3);
}

/* The value given to the owner variable, between its quotes. */
static char *owner_value(const char *cmd, const char *start, const char *end)
{
	static char v[512];
	const char *p = strstr(cmd, start), *q;

	cr_assert_not_null(p, "%s", cmd);
	p += strlen(start);
	q = strstr(p, end);
	cr_assert_not_null(q);
	cr_assert_lt((size_t)(q - p), sizeof(v));
	memcpy(v, p, (size_t)(q - p));
	v[q - p] = '\0';
	return v;
}

Test(hostlock, no_unsafe_character_reaches_a_command)
{
	char owner[300], *cl, *v;
	const char *bad_names[] = {"fx/a'b",
				   "fx/a;b",
				   "fx/a b",
				   "fx/$x",
				   "fx/a`b",
				   "fx/a\nb",
				   "fx/a%b",
				   "fx/a\"b",
				   "fx/a&b",
				   "fx/a\\b",
				   "fx/a\xe2\x80\x99"
				   "b"};
	enum rl_shell shells[] = {RL_SHELL_POSIX, RL_SHELL_POWERSHELL,
				  RL_SHELL_CMD};

	/* every byte but NUL in the owner */
	for (int i = 1; i < 256; i++)
		owner[i - 1] = (char)i;
	owner[255] = '\0';
	for (int sh = 0; sh < 3; sh++) {
		for (int acq = 0; acq < 2; acq++) {
			cl = command(shells[sh], acq, NULL, "fx/pricer", owner);
			if (shells[sh] == RL_SHELL_CMD) {
				char *tx = decode_cmd(cl);
				free(cl);
				cl = tx;
			}
			for (const char *p = cl; *p; p++)
				cr_assert((*p >= 0x20 && *p < 0x7f),
					  "byte 0x%02x in the command",
					  (unsigned char)*p);
			v = shells[sh] == RL_SHELL_POSIX
				? owner_value(cl, "o='", "'; ")
				: owner_value(cl, "$o = '", "'; ");
			cr_assert_eq(strspn(v, "abcdefghijklmnopqrstuvwxyzABCDE"
					       "FGHIJKLMNOPQRSTUVWXYZ"
					       "0123456789 ._-:/@()=,+"),
				     strlen(v), "owner value %s", v);
			cr_assert_null(strchr(v, '\''));
			free(cl);
		}
		for (size_t i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]);
		     i++) {
			struct rl_buf b = RL_BUF_INIT;

			cr_assert_eq(rl_hostlock_acquire_command(
					 shells[sh], NULL, bad_names[i], "o",
					 60, &b, &err),
				     -1, "%s accepted", bad_names[i]);
			cr_assert(
			    strstr(err.msg, "invalid name for a host lock"),
			    "%s", err.msg);
			cr_assert_eq(
			    rl_hostlock_release_command(
				shells[sh], NULL, bad_names[i], "o", &b, &err),
			    -1);
			cr_assert_eq(b.len, 0, "nothing appended");
			rl_buf_free(&b);
		}
	}
}

Test(hostlock, windows_directories)
{
	const char *good[] = {"C:/relance/locks", "d:\\relance\\locks",
			      "/relance/locks", "\\relance"};
	const char *bad[] = {"relance", "C:relance", "C:/a b", "C:/a'b",
			     "C:/a;b",	"CC:/x",     "C:/a%b", "C:/x$y"};
	struct rl_buf b = RL_BUF_INIT;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		rl_buf_reset(&b);
		cr_assert_eq(rl_hostlock_acquire_command(RL_SHELL_POWERSHELL,
							 good[i], "fx/a", "o",
							 60, &b, &err),
			     0, "%s: %s", good[i], err.msg);
		cr_assert_eq(rl_hostlock_release_command(RL_SHELL_CMD, good[i],
							 "fx/a", "o", &b, &err),
			     0, "%s", err.msg);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(rl_hostlock_acquire_command(RL_SHELL_POWERSHELL,
							 bad[i], "fx/a", "o",
							 60, &b, &err),
			     -1, "%s", bad[i]);
	/* a drive or a backslash is not a POSIX path */
	cr_assert_eq(rl_hostlock_acquire_command(RL_SHELL_POSIX, "C:/x", "fx/a",
						 "o", 60, &b, &err),
		     -1);
	cr_assert_eq(rl_hostlock_acquire_command(RL_SHELL_POSIX, "/a\\b",
						 "fx/a", "o", 60, &b, &err),
		     -1);
	for (int sh = 0; sh < 3; sh++)
		cr_assert_eq(rl_hostlock_acquire_command((enum rl_shell)sh,
							 NULL, "fx/a", "o", 0,
							 &b, &err),
			     -1);
	cr_assert_str_eq(err.msg, "host lock: ttl must be positive");
	rl_buf_free(&b);
}

/* Windows ends the answer with CRLF: the holder has no '\r'. */
BOTH(holder_without_carriage_return)
{
	char path[160];
	FILE *f;

	cr_assert(take("mon-1", 60).acquired);
	snprintf(path, sizeof(path), "%s/fx%%2Fpricer.lock/owner", dir);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fprintf(f, "mon-1 on windows\r\n%lld\r\n",
		(long long)(time(NULL) + 60));
	fclose(f);
	cr_assert_str_eq(take("mon-2", 60).holder, "mon-1 on windows");
}

/* --- for real, where PowerShell is installed (pwsh; skipped without) ---- */

static const char *pwsh_path(void)
{
	static char found[256];
	const char *path = getenv("PATH");
	char copy[4096], *tok, *save = NULL;

	snprintf(copy, sizeof(copy), "%s", path ? path : "/usr/bin:/bin");
	for (tok = strtok_r(copy, ":", &save); tok;
	     tok = strtok_r(NULL, ":", &save)) {
		snprintf(found, sizeof(found), "%s/pwsh", tok);
		if (access(found, X_OK) == 0)
			return found;
	}
	return NULL;
}

/* Runs pwsh with ARGS; the first line of its output into OUT. */
static int pwsh(const char *exe, const char *opt, const char *arg, char *out,
		size_t len)
{
	int fd[2], st;
	pid_t pid;
	ssize_t n;
	size_t got = 0;

	cr_assert_eq(pipe(fd), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		dup2(fd[1], 1);
		close(fd[0]);
		close(fd[1]);
		execl(exe, "pwsh", "-NoProfile", "-NonInteractive", opt, arg,
		      (char *)NULL);
		_exit(127);
	}
	close(fd[1]);
	while (got + 1 < len && (n = read(fd[0], out + got, len - 1 - got)) > 0)
		got += (size_t)n;
	out[got] = '\0';
	out[strcspn(out, "\r\n")] = '\0';
	close(fd[0]);
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

Test(hostlock, powershell_for_real)
{
	const char *exe = pwsh_path();
	char out[512], path[160], *cl;
	FILE *f;

	if (exe == NULL)
		cr_skip_test("pwsh is not installed (no package in Debian 12)");
	cl = command(RL_SHELL_POWERSHELL, true, dir, "fx/pricer", "mon-1");
	cr_assert_eq(pwsh(exe, "-Command", cl, out, sizeof(out)), 0, "%s", out);
	cr_assert_str_eq(out, "relance-lock: acquired");
	free(cl);
	cl = command(RL_SHELL_POWERSHELL, true, dir, "fx/pricer", "mon-2");
	cr_assert_eq(pwsh(exe, "-Command", cl, out, sizeof(out)), 1);
	cr_assert_str_eq(out, "relance-lock: held mon-1");
	free(cl);
	cl = command(RL_SHELL_POWERSHELL, false, dir, "fx/pricer", "mon-2");
	pwsh(exe, "-Command", cl, out, sizeof(out));
	cr_assert_str_eq(out, "relance-lock: not ours");
	free(cl);
	/* expired: taken over; the cmd variant's encoded script */
	snprintf(path, sizeof(path), "%s/fx%%2Fpricer.lock", dir);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fprintf(f, "mon-1\n%lld\n", (long long)(time(NULL) - 3600));
	fclose(f);
	cl = command(RL_SHELL_CMD, true, dir, "fx/pricer", "mon-3");
	cr_assert_eq(pwsh(exe, "-EncodedCommand", strrchr(cl, ' ') + 1, out,
			  sizeof(out)),
		     0);
	cr_assert_str_eq(out, "relance-lock: acquired");
	free(cl);
	cl = command(RL_SHELL_POWERSHELL, false, dir, "fx/pricer", "mon-3");
	pwsh(exe, "-Command", cl, out, sizeof(out));
	cr_assert_str_eq(out, "relance-lock: released");
	cr_assert_neq(access(path, F_OK), 0);
	free(cl);
	/* empty: being taken */
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fclose(f);
	cl = command(RL_SHELL_POWERSHELL, true, dir, "fx/pricer", "mon-4");
	pwsh(exe, "-Command", cl, out, sizeof(out));
	cr_assert_str_eq(out, "relance-lock: held (being taken)");
	free(cl);
}
