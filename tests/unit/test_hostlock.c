/*
 * The host lock, run for real through the local transport (the same POSIX
 * shell commands an SSH host would run) in a temporary lock directory.
 */
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
	static const char ini[] =
		"[host \"here\"]\ntransport = local\n"
		"[component \"fx/pricer\"]\nhost = here\n"
		"check = true\nstart = true\nstop = true\n";

	rl_test_tmpdir(dir, sizeof(dir), "hostlock");
	cr_assert_eq(rl_config_load_string(ini, "t.ini", RL_CONFIG_NO_PERMS, &m, &err), 0,
		     "%s", err.msg);
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

static struct rl_hostlock_result take(const char *owner, int64_t ttl)
{
	struct rl_hostlock_result r;

	cr_assert_eq(rl_hostlock_acquire(t, c, dir, owner, ttl, rl_now_ms() + 5000, &r, &err),
		     0, "%s", err.msg);
	return r;
}

Test(hostlock, second_comer_is_told_who_holds_it)
{
	struct rl_hostlock_result r = take("node mon-1 pid 42 restart fx/pricer", 60);
	cr_assert(r.acquired);
	r = take("node mon-2 pid 7 restart fx/pricer", 60);
	cr_assert_not(r.acquired);
	cr_assert_str_eq(r.holder, "node mon-1 pid 42 restart fx/pricer");
}

Test(hostlock, only_the_owner_releases)
{
	struct stat st;
	char path[160];

	cr_assert(take("mon-1", 60).acquired);
	snprintf(path, sizeof(path), "%s/fx%%2Fpricer.lock", dir);
	cr_assert_eq(rl_hostlock_release(t, c, dir, "mon-2", rl_now_ms() + 5000, &err), 0, "%s", err.msg);
	cr_assert_eq(stat(path, &st), 0, "another owner's release left the lock alone");
	cr_assert_eq(rl_hostlock_release(t, c, dir, "mon-1", rl_now_ms() + 5000, &err), 0, "%s", err.msg);
	cr_assert_neq(stat(path, &st), 0, "the owner's release removed it");
	cr_assert(take("mon-2", 60).acquired);
}

Test(hostlock, expired_lock_is_taken_over)
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

Test(hostlock, lock_being_taken_is_held)
{
	char path[160];

	snprintf(path, sizeof(path), "%s/fx%%2Fpricer.lock", dir);
	cr_assert_eq(mkdir(path, 0700), 0);	/* mkdir done, owner not yet written */
	struct rl_hostlock_result r = take("mon-2", 60);
	cr_assert_not(r.acquired);
	cr_assert_str_eq(r.holder, "(being taken)");
}

Test(hostlock, owner_text_cannot_reach_the_shell)
{
	char marker[160];
	struct stat st;

	snprintf(marker, sizeof(marker), "%s/pwned", dir);
	char owner[600];
	snprintf(owner, sizeof(owner), "x'; touch %s; echo '$(touch %s)`touch %s`", marker, marker, marker);
	struct rl_hostlock_result r = take(owner, 60);
	cr_assert(r.acquired);
	cr_assert_neq(stat(marker, &st), 0, "nothing ran");
	r = take("other", 60);
	cr_assert_null(strchr(r.holder, '\''));
	cr_assert_null(strchr(r.holder, '$'));
	cr_assert_null(strchr(r.holder, '`'));
}

/* Ten processes, each with its own transport, at the same moment: exactly
 * one gets the lock. */
Test(hostlock, ten_at_once_one_wins)
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
			    rl_hostlock_acquire(mine, c, dir, owner, 60, rl_now_ms() + 10000, &r, NULL) < 0)
				_exit(3);
			_exit(r.acquired ? 0 : 1);
		}
	}
	close(go[0]);
	close(go[1]);	/* EOF releases them all at once */
	for (int i = 0; i < 10; i++) {
		int st;
		cr_assert_eq(waitpid(pids[i], &st, 0), pids[i]);
		cr_assert(WIFEXITED(st));
		cr_assert_neq(WEXITSTATUS(st), 3, "racer %d could not run the lock", i);
		wins += WEXITSTATUS(st) == 0;
		held += WEXITSTATUS(st) == 1;
	}
	cr_assert_eq(wins, 1);
	cr_assert_eq(held, 9);
}

Test(hostlock, refused_shells_and_directories)
{
	struct rl_buf b = RL_BUF_INIT;

	cr_assert_eq(rl_hostlock_acquire_command(RL_SHELL_CMD, NULL, "fx/a", "o", 60, &b, &err), -1);
	cr_assert_str_eq(err.msg, "host lock not available for shell 'cmd' yet");
	cr_assert_eq(rl_hostlock_acquire_command(RL_SHELL_POSIX, "/tmp/a b", "fx/a", "o", 60, &b, &err), -1);
	cr_assert(strstr(err.msg, "use letters, digits") != NULL, "%s", err.msg);
	cr_assert_eq(rl_hostlock_acquire_command(RL_SHELL_POSIX, "rel/dir", "fx/a", "o", 60, &b, &err), -1);
	cr_assert(strstr(err.msg, "is not absolute") != NULL, "%s", err.msg);
	cr_assert_eq(rl_hostlock_acquire_command(RL_SHELL_POSIX, NULL, "fx/a;b", "o", 60, &b, &err), -1);
	cr_assert_eq(rl_hostlock_acquire_command(RL_SHELL_POSIX, NULL, "fx/a", "o", 0, &b, &err), -1);
	cr_assert_eq(rl_hostlock_acquire_command(RL_SHELL_POSIX, NULL, "fx/a", "o", 60, &b, &err), 0);
	cr_assert(strstr(rl_buf_str(&b), "${HOME:-/tmp}/.relance/locks") != NULL);
	rl_buf_free(&b);
}
