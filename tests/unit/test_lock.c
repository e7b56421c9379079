#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lock.h"
#include "rl_test.h"

TestSuite(lock, .fini = rl_test_fini);

static char dir[64];

static void make_dir(void)
{
	rl_test_tmpdir(dir, sizeof(dir), "lock");
}

static void remove_dir(void)
{
	rl_test_rmtree(dir);
	rl_test_fini();
}

static const char *in_dir(const char *name)
{
	static char p[4][256];
	static int k;

	k = (k + 1) % 4;
	snprintf(p[k], sizeof(p[k]), "%s/%s", dir, name);
	return p[k];
}

static bool exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

static struct rl_lock *take(const char *const *names, size_t n,
			    const char *what)
{
	struct rl_err err = {""};
	struct rl_lock *l = NULL;

	cr_assert_eq(rl_lock_acquire(dir, names, n, what, &l, &err), 0,
		     "acquire: %s", err.msg);
	cr_assert_not_null(l);
	return l;
}

/*
 * Tries NAMES in a child process (another holder, as the kernel sees
 * it) and returns its error message, "" if it got them.
 */
static char *try_in_child(const char *const *names, size_t n)
{
	static char msg[RL_ERR_MAX];
	int fds[2], status;
	ssize_t got;
	pid_t pid;

	cr_assert_eq(pipe(fds), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		struct rl_err err = {""};
		struct rl_lock *l = NULL;
		int rc;

		close(fds[0]);
		rc = rl_lock_acquire(dir, names, n, "child", &l, &err);
		if (rc == 0 && l == NULL)
			_exit(3);
		if (write(fds[1], err.msg, strlen(err.msg)) < 0)
			_exit(4);
		rl_lock_release(l);
		_exit(rc == 0 ? 0 : 1);
	}
	close(fds[1]);
	got = read(fds[0], msg, sizeof(msg) - 1);
	close(fds[0]);
	msg[got > 0 ? got : 0] = '\0';
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status), "child status %d", status);
	cr_assert_eq(WEXITSTATUS(status) == 0, msg[0] == '\0',
		     "exit %d but message '%s'", WEXITSTATUS(status), msg);
	return msg;
}

/* Whether someone holds the flock of lock file NAME (taken directly). */
static bool held(const char *file)
{
	int fd = open(in_dir(file), O_RDWR);
	bool h;

	if (fd < 0)
		return false;
	h = flock(fd, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK;
	close(fd);
	return h;
}

Test(lock, file_names_are_escaped, .init = make_dir, .fini = remove_dir)
{
	const char *names[] = {"fx/pricer", "../up", " a b%", "ok.name_1-x",
			       "\xc3\xa9\n"};
	struct rl_lock *l = take(names, 5, "test");

	cr_assert(exists(in_dir("fx%2Fpricer.lock")));
	cr_assert(exists(in_dir("..%2Fup.lock")));
	cr_assert(!exists(in_dir("../up.lock")));
	cr_assert(exists(in_dir("%20a%20b%25.lock")));
	cr_assert(exists(in_dir("ok.name_1-x.lock")));
	cr_assert(exists(in_dir("%C3%A9%0A.lock")));
	cr_assert(held("fx%2Fpricer.lock"));
	rl_lock_release(l);
	cr_assert(!held("fx%2Fpricer.lock"));
}

Test(lock, owner_written_then_cleared, .init = make_dir, .fini = remove_dir)
{
	const char *names[] = {"fx/pricer"};
	struct rl_lock *l;
	struct utsname un;
	char want[256];
	char *text;

	l = take(names, 1, "relancectl restart fx/pricer\nby alice");
	text = rl_test_read_file(in_dir("fx%2Fpricer.lock"));
	snprintf(want, sizeof(want), "pid=%ld\n", (long)getpid());
	cr_assert_eq(strncmp(text, want, strlen(want)), 0, "%s", text);
	cr_assert_eq(uname(&un), 0);
	snprintf(want, sizeof(want), "\nnode=%s\n", un.nodename);
	cr_assert_neq(strstr(text, want), NULL, "%s", text);
	cr_assert_neq(strstr(text, "\nsince=20"), NULL, "%s", text);
	cr_assert_neq(strstr(text, "\nuser="), NULL, "%s", text);
	/* a newline in what would cut the record: it becomes a space */
	cr_assert_neq(strstr(text, "\nwhat=relancectl restart fx/pricer by "
				   "alice\n"),
		      NULL, "%s", text);
	rl_lock_release(l);
	cr_assert_str_eq(rl_test_read_file(in_dir("fx%2Fpricer.lock")), "");
}

Test(lock, second_comer_refused_with_holder, .init = make_dir,
     .fini = remove_dir)
{
	const char *names[] = {"fx/pricer"};
	struct rl_lock *l;
	struct utsname un;
	char want[512];
	char *msg;

	cr_assert_eq(uname(&un), 0);
	l = take(names, 1, "relancectl restart fx/pricer by alice");
	msg = try_in_child(names, 1);
	snprintf(want, sizeof(want),
		 "fx/pricer: another action is in progress: relancectl "
		 "restart fx/pricer by alice (pid %ld on %s) since 20",
		 (long)getpid(), un.nodename);
	cr_assert_eq(strncmp(msg, want, strlen(want)), 0,
		     "got '%s'\nwant '%s...'", msg, want);
	/* "since YYYY-MM-DD HH:MM:SS" and nothing after */
	cr_assert_eq(strlen(msg), strlen(want) - 2 + 19, "%s", msg);
	rl_lock_release(l);
	cr_assert_str_eq(try_in_child(names, 1), "");
}

Test(lock, same_process_twice_refused, .init = make_dir, .fini = remove_dir)
{
	const char *names[] = {"a"};
	struct rl_err err = {""};
	struct rl_lock *l = take(names, 1, "first"), *l2 = NULL;

	cr_assert_eq(rl_lock_acquire(dir, names, 1, "second", &l2, &err),
		     RL_LOCK_HELD);
	cr_assert_null(l2);
	cr_assert_neq(strstr(err.msg, "a: another action is in progress: "
				      "first (pid "),
		      NULL, "%s", err.msg);
	rl_lock_release(l);
}

Test(lock, different_components_do_not_conflict, .init = make_dir,
     .fini = remove_dir)
{
	const char *a[] = {"fx/a"}, *b[] = {"fx/b"}, *ab[] = {"fx/a", "fx/b"};
	struct rl_lock *l = take(a, 1, "holder");

	cr_assert_str_eq(try_in_child(b, 1), "");
	cr_assert_neq(strstr(try_in_child(ab, 2), "fx/a: another action"),
		      NULL);
	rl_lock_release(l);
}

Test(lock, dead_holder_releases, .init = make_dir, .fini = remove_dir)
{
	const char *names[] = {"fx/pricer"};
	int ready[2], status;
	char c, want[128];
	struct rl_err err = {""};
	struct rl_lock *l = NULL;
	pid_t pid;

	cr_assert_eq(pipe(ready), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		struct rl_lock *mine = NULL;

		close(ready[0]);
		if (rl_lock_acquire(dir, names, 1, "doomed", &mine, &err) < 0)
			_exit(1);
		if (write(ready[1], "x", 1) != 1)
			_exit(2);
		for (;;)
			pause();
	}
	close(ready[1]);
	cr_assert_eq(read(ready[0], &c, 1), 1, "holder did not start");
	close(ready[0]);

	cr_assert_lt(rl_lock_acquire(dir, names, 1, "me", &l, &err), 0);
	snprintf(want, sizeof(want), "doomed (pid %ld on ", (long)pid);
	cr_assert_neq(strstr(err.msg, want), NULL, "%s", err.msg);

	cr_assert_eq(kill(pid, SIGKILL), 0);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFSIGNALED(status));
	l = take(names, 1, "me");
	rl_lock_release(l);
}

Test(lock, overlapping_sets_release_partial, .init = make_dir,
     .fini = remove_dir)
{
	const char *bd[] = {"d", "b"}, *cab[] = {"c", "a", "b"},
		   *ac[] = {"a", "c"};
	struct rl_err err = {""};
	struct rl_lock *l = take(bd, 2, "holder"), *l2 = NULL;

	/* sorted: takes a, is refused on b, never reaches c */
	cr_assert_lt(rl_lock_acquire(dir, cab, 3, "second", &l2, &err), 0);
	cr_assert_null(l2);
	cr_assert_eq(strncmp(err.msg,
			     "b: another action is in progress: "
			     "holder (pid ",
			     34),
		     0, "%s", err.msg);
	cr_assert(exists(in_dir("a.lock")));
	cr_assert(!exists(in_dir("c.lock")), "c was tried before b");
	cr_assert(!held("a.lock"), "a was not released");
	cr_assert(held("b.lock") && held("d.lock"));
	/* the refused attempt left the holder's own record alone */
	cr_assert_neq(
	    strstr(rl_test_read_file(in_dir("b.lock")), "what=holder\n"), NULL);
	cr_assert_str_eq(try_in_child(ac, 2), "");
	rl_lock_release(l);
	cr_assert_str_eq(try_in_child(cab, 3), "");
}

Test(lock, release_then_reacquire, .init = make_dir, .fini = remove_dir)
{
	const char *names[] = {"x/1", "x/2", "x/1"};
	struct rl_lock *l;
	int i;

	rl_lock_release(NULL);
	for (i = 0; i < 3; i++) {
		/* a name given twice is taken once */
		l = take(names, 3, "loop");
		cr_assert(held("x%2F1.lock") && held("x%2F2.lock"));
		cr_assert_eq(
		    strncmp(try_in_child(names, 2), "x/1: another", 12), 0);
		rl_lock_release(l);
		cr_assert(!held("x%2F1.lock") && !held("x%2F2.lock"));
	}
	/* an empty set is a valid, empty hold */
	l = take(names, 0, "nothing");
	rl_lock_release(l);
}

Test(lock, lock_dir_created, .init = make_dir, .fini = remove_dir)
{
	const char *names[] = {"a"};
	struct rl_err err = {""};
	struct rl_lock *l = NULL;
	struct stat st;
	char sub[256];
	mode_t old = umask(022);

	snprintf(sub, sizeof(sub), "%s/run/relance", dir);
	cr_assert_eq(rl_lock_acquire(sub, names, 1, "t", &l, &err), 0, "%s",
		     err.msg);
	umask(old);
	cr_assert_eq(stat(sub, &st), 0);
	cr_assert(S_ISDIR(st.st_mode));
	cr_assert_eq(st.st_mode & 0777, 0755, "%o", st.st_mode & 0777);
	cr_assert_eq(stat(in_dir("run/relance/a.lock"), &st), 0);
	rl_lock_release(l);
	/* with a trailing slash, and existing */
	snprintf(sub, sizeof(sub), "%s/run/relance/", dir);
	cr_assert_eq(rl_lock_acquire(sub, names, 1, "t", &l, &err), 0, "%s",
		     err.msg);
	rl_lock_release(l);
}

Test(lock, lock_dir_errors, .init = make_dir, .fini = remove_dir)
{
	const char *names[] = {"a"};
	struct rl_err err = {""};
	struct rl_lock *l = NULL;
	char sub[256], want[512];
	int fd;

	fd = open(in_dir("file"), O_CREAT | O_WRONLY, 0644);
	cr_assert_geq(fd, 0);
	close(fd);
	snprintf(sub, sizeof(sub), "%s/file", dir);
	/* a failure, not "held": never "in progress" */
	cr_assert_eq(rl_lock_acquire(sub, names, 1, "t", &l, &err),
		     RL_LOCK_FAILED);
	snprintf(want, sizeof(want),
		 "cannot create lock directory '%s': not a directory", sub);
	cr_assert_str_eq(err.msg, want);
	cr_assert_null(l);

	snprintf(sub, sizeof(sub), "%s/file/below", dir);
	cr_assert_lt(rl_lock_acquire(sub, names, 1, "t", &l, &err), 0);
	snprintf(want, sizeof(want), "cannot create lock directory '%s': %s",
		 sub, strerror(ENOTDIR));
	cr_assert_str_eq(err.msg, want);
	cr_assert_null(l);
}

/* --- nothing followed, nothing truncated but a lock file (issue 12) ---- */

/* Taking "fx/a" in LOCK_DIR fails with a message holding WANT. */
static void refused_in(const char *lock_dir, const char *want)
{
	const char *names[] = {"fx/a"};
	struct rl_err err = {""};
	struct rl_lock *l = NULL;

	cr_assert_lt(rl_lock_acquire(lock_dir, names, 1, "t", &l, &err), 0);
	cr_assert_null(l);
	cr_assert_neq(strstr(err.msg, want), NULL, "'%s' lacks '%s'", err.msg,
		      want);
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	fputs(text, f);
	cr_assert_eq(fclose(f), 0);
}

static void same(const char *path, const char *text)
{
	char got[256] = "";
	FILE *f = fopen(path, "r");
	size_t n;

	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	n = fread(got, 1, sizeof(got) - 1, f);
	fclose(f);
	got[n] = '\0';
	cr_assert_str_eq(got, text);
}

Test(lock, hard_linked_lock_file_not_truncated, .init = make_dir,
     .fini = remove_dir)
{
	put(in_dir("precious"), "keep\n");
	cr_assert_eq(link(in_dir("precious"), in_dir("fx%2Fa.lock")), 0);
	refused_in(dir, "fx/a: cannot open lock file: ");
	refused_in(dir, "fx%2Fa.lock: has 2 hard links");
	same(in_dir("precious"), "keep\n");
}

Test(lock, symlinked_lock_file_not_followed, .init = make_dir,
     .fini = remove_dir)
{
	put(in_dir("precious"), "keep\n");
	cr_assert_eq(symlink(in_dir("precious"), in_dir("fx%2Fa.lock")), 0);
	refused_in(dir, "fx%2Fa.lock: is a symbolic link");
	same(in_dir("precious"), "keep\n");
}

Test(lock, fifo_lock_file_refused_at_once, .init = make_dir, .fini = remove_dir,
     .timeout = 20)
{
	cr_assert_eq(mkfifo(in_dir("fx%2Fa.lock"), 0644), 0);
	refused_in(dir, "fx%2Fa.lock: is a FIFO");
}

Test(lock, symlinked_lock_dir_refused, .init = make_dir, .fini = remove_dir)
{
	char link_path[256];

	cr_assert_eq(mkdir(in_dir("real"), 0755), 0);
	snprintf(link_path, sizeof(link_path), "%s", in_dir("locks"));
	cr_assert_eq(symlink(in_dir("real"), link_path), 0);
	refused_in(link_path, "is a symbolic link, not a directory");
	cr_assert(!exists(in_dir("real/fx%2Fa.lock")));
}

Test(lock, lock_dir_others_may_write_refused, .init = make_dir,
     .fini = remove_dir)
{
	const char *names[] = {"fx/a"};
	struct rl_err err = {""};
	struct rl_lock *l = NULL;

	cr_assert_eq(chmod(dir, 0777), 0);
	refused_in(dir, "writable by group or others (mode 0777)");
	cr_assert(!exists(in_dir("fx%2Fa.lock")));
	cr_assert_eq(chmod(dir, 01777), 0);
	cr_assert_eq(rl_lock_acquire(dir, names, 1, "t", &l, &err), 0, "%s",
		     err.msg);
	rl_lock_release(l);
}

Test(lock, empty_name_refused, .init = make_dir, .fini = remove_dir)
{
	const char *names[] = {"a", ""};
	struct rl_err err = {""};
	struct rl_lock *l = NULL;

	cr_assert_lt(rl_lock_acquire(dir, names, 2, "t", &l, &err), 0);
	cr_assert_neq(strstr(err.msg, "empty component name"), NULL, "%s",
		      err.msg);
	cr_assert(!exists(in_dir("a.lock")));
}

/* A holder that has the flock but has not written who it is yet. */
Test(lock, holder_unknown, .init = make_dir, .fini = remove_dir)
{
	const char *names[] = {"silent"};
	int fd = open(in_dir("silent.lock"), O_RDWR | O_CREAT, 0644);
	char *msg;

	cr_assert_geq(fd, 0);
	cr_assert_eq(flock(fd, LOCK_EX), 0);
	msg = try_in_child(names, 1);
	cr_assert_str_eq(msg, "silent: another action is in progress "
			      "(holder unknown)");
	close(fd);
}

/* A lock file that cannot be opened is a failure, not "held": the callers
 * exit with another code and the path and the system error, never "in
 * progress". Root is not stopped by modes: a lock file that is a
 * directory no one can open. */
Test(lock, failure_is_not_held, .init = make_dir, .fini = remove_dir)
{
	const char *names[] = {"fx/a"};
	struct rl_err err = {""};
	struct rl_lock *l = NULL;
	char want[512];

	cr_assert_eq(mkdir(in_dir("fx%2Fa.lock"), 0755), 0);
	cr_assert_eq(rl_lock_acquire(dir, names, 1, "t", &l, &err),
		     RL_LOCK_FAILED, "%s", err.msg);
	cr_assert_null(l);
	snprintf(want, sizeof(want),
		 "fx/a: cannot open lock file: %s: open: %s",
		 in_dir("fx%2Fa.lock"), strerror(EISDIR));
	cr_assert_str_eq(err.msg, want);

	/* an empty name is the caller's mistake, not a lock held */
	names[0] = "";
	cr_assert_eq(rl_lock_acquire(dir, names, 1, "t", &l, &err),
		     RL_LOCK_FAILED, "%s", err.msg);
}
