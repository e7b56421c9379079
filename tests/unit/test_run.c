/*
 * run: plans executed for real, with the local transport, on components
 * that are small sh scripts in a temporary directory. A started component
 * is a `sleep 300` whose pid is in NAME.pid; the tests end those processes
 * (and only those) by pid at teardown.
 */
#include "build.h"

#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "rl_model.h"
#include "rl_test.h"
#include "run.h"
#include "util.h"
#include "xpath.h"

static char dir[64];

/*
 * ctl ACTION NAME. Behaviour is set per component by files next to it:
 *   NAME.failstart   start exits 1 ("cannot bind port")
 *   NAME.nostart     start exits 0 but starts nothing
 *   NAME.startsleep  start sleeps that long first (while NAME is in active/)
 *   NAME.warn        check says WARNING (exit 1) while it runs
 *   NAME.hang        check never answers (a host that is gone)
 * Each start appends the journal's line count at that moment to
 * NAME.jlines and the number of starts running at once to NAME.together.
 */
static const char ctl_script[] =
    "#!/bin/sh\n"
    "PATH=/usr/bin:/bin; export PATH\n"
    "d=$(dirname \"$0\"); n=$2; p=$d/$n.pid\n"
    "alive() {\n"
    "  [ -f \"$p\" ] || return 1\n"
    "  read -r pid < \"$p\" || return 1\n"
    "  kill -0 \"$pid\" 2>/dev/null || return 1\n"
    "  read -r st < /proc/$pid/stat || return 1\n"
    "  case $st in *') Z '*) return 1;; esac\n"
    "}\n"
    "case $1 in\n"
    "check)\n"
    "  [ -f \"$d/$n.hang\" ] && exec sleep 30\n"
    "  alive || { echo \"$n down\"; exit 2; }\n"
    "  [ -f \"$d/$n.warn\" ] && { echo \"$n slow\"; exit 1; }\n"
    "  echo \"$n up\"; exit 0;;\n"
    "start)\n"
    "  wc -l < \"$d/journal.jsonl\" >> \"$d/$n.jlines\"\n"
    "  [ -f \"$d/$n.failstart\" ] && { echo 'cannot bind port' >&2; exit 1; }\n"
    "  : > \"$d/active/$n\"\n"
    "  [ -f \"$d/$n.startsleep\" ] && sleep \"$(cat \"$d/$n.startsleep\")\"\n"
    "  ls \"$d/active\" | wc -l >> \"$d/$n.together\"\n"
    "  rm -f \"$d/active/$n\"\n"
    "  [ -f \"$d/$n.nostart\" ] && exit 0\n"
    "  alive && exit 0\n"
    "  sleep 300 </dev/null >/dev/null 2>&1 &\n"
    "  echo $! > \"$p\"; exit 0;;\n"
    "stop)\n"
    "  alive && kill \"$pid\"\n"
    "  rm -f \"$p\"; exit 0;;\n"
    "restart) /bin/sh \"$0\" stop \"$n\"; exec /bin/sh \"$0\" start \"$n\";;\n"
    "esac\n"
    "exit 3\n";

static void write_file(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	fputs(text, f);
	cr_assert_eq(fclose(f), 0);
}

static bool file_exists(const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return access(path, F_OK) == 0;
}

/* The pid in NAME.pid, or 0. */
static long pid_of(const char *comp)
{
	char path[256];
	long pid = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.pid", dir, comp);
	f = fopen(path, "r");
	if (f == NULL)
		return 0;
	if (fscanf(f, "%ld", &pid) != 1)
		pid = 0;
	fclose(f);
	return pid;
}

/* Whether PID runs (a zombie left to a lazy init does not count). */
static bool alive(long pid)
{
	char path[64], buf[256], *p;
	FILE *f;
	bool up = false;

	if (pid <= 1 || kill((pid_t)pid, 0) != 0)
		return false;
	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	f = fopen(path, "r");
	if (f == NULL)
		return false;
	if (fgets(buf, sizeof(buf), f) != NULL) {
		p = strrchr(buf, ')');
		up = p != NULL && p[1] == ' ' && p[2] != 'Z';
	}
	fclose(f);
	return up;
}

/* Every number in a file of numbers, at most MAX. */
static int read_numbers(const char *name, long *v, int max)
{
	char path[256];
	int n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (f == NULL)
		return 0;
	while (n < max && fscanf(f, "%ld", &v[n]) == 1)
		n++;
	fclose(f);
	return n;
}

static int rm_entry(const char *path, const struct stat *sb, int flag,
		    struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void setup(void)
{
	char path[256];

	snprintf(dir, sizeof(dir), "/tmp/relance-run-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	write_file("ctl", ctl_script);
	write_file("journal.jsonl", "");
	snprintf(path, sizeof(path), "%s/active", dir);
	cr_assert_eq(mkdir(path, 0700), 0);
}

/* Ends the sleeps the components started (by their pid files), cleans up. */
static void teardown(void)
{
	static const char *names[] = {
	    "marketdata", "cache", "pricer", "gateway", "reports",
	    "a",	  "b",	   "c",	     "d",	"broken"};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		long pid = pid_of(names[i]);

		if (pid > 1)
			kill((pid_t)pid, SIGTERM);
	}
	if (dir[0] != '\0')
		nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	rl_test_fini();
}

TestSuite(run, .init = setup, .fini = teardown, .timeout = 60);

/* A component of the builder's whose commands drive DIR/ctl. */
static struct rl_component *add_comp(struct rl_model *m, const char *name,
				     const char *requires)
{
	const char *shortname = strchr(name, '/') + 1;
	struct rl_component *c;
	char buf[512];

	c = rl_test_comp(m, name, "localhost", requires, RL_TEST_NOWHERE);
	snprintf(buf, sizeof(buf), "/bin/sh %s/ctl check %s", dir, shortname);
	rl_test_set_cmd(&c->check, buf);
	snprintf(buf, sizeof(buf), "/bin/sh %s/ctl start %s", dir, shortname);
	rl_test_set_cmd(&c->start, buf);
	snprintf(buf, sizeof(buf), "/bin/sh %s/ctl stop %s", dir, shortname);
	rl_test_set_cmd(&c->stop, buf);
	c->check_timeout_ms = 5000;
	c->start_timeout_ms = 10000;
	c->stop_timeout_ms = 10000;
	return c;
}

static struct rl_model *new_model(void)
{
	struct rl_model *m = rl_model_new();

	cr_assert_not_null(m);
	rl_test_host(m, "localhost", RL_TEST_NOWHERE)->transport =
	    RL_TRANSPORT_LOCAL;
	m->site.check_interval_ms = 50;
	return m;
}

static struct rl_model *demo(void)
{
	struct rl_model *m = new_model();

	add_comp(m, "demo/marketdata", NULL);
	add_comp(m, "demo/cache", "marketdata");
	add_comp(m, "demo/pricer", "marketdata cache");
	add_comp(m, "demo/gateway", "pricer");
	add_comp(m, "demo/reports", "cache");
	rl_test_resolve(m);
	return m;
}

/* A transport, a journal in the test directory, options around them. */
struct env {
	struct rl_transport *t;
	struct rl_journal *j;
	struct rl_run_opts opts;
	struct rl_plan *plan; /* of the last run: its report borrows it */
};

static void env_open(struct env *e, const struct rl_model *m,
		     const char *journal)
{
	struct rl_err err = {""};
	char path[256];

	memset(e, 0, sizeof(*e));
	e->t = rl_transport_new(m, &err);
	cr_assert_not_null(e->t, "%s", err.msg);
	if (journal == NULL) {
		snprintf(path, sizeof(path), "%s/journal.jsonl", dir);
		journal = path;
	}
	e->j = rl_journal_open(journal, &err);
	cr_assert_not_null(e->j, "%s", err.msg);
	e->opts.journal = e->j;
	e->opts.user = "tester";
	e->opts.node = "node1";
	e->opts.origin = "test_run";
}

static void env_close(struct env *e)
{
	rl_plan_free(e->plan);
	rl_journal_close(e->j);
	rl_transport_free(e->t);
}

static struct rl_run_report *run(struct env *e, const struct rl_model *m,
				 enum rl_action a, const char *target,
				 int want_ret)
{
	struct rl_err err = {""};
	struct rl_plan *p = NULL;
	struct rl_run_report *rep = NULL;
	int ret;

	cr_assert_eq(rl_plan_build(m, a, target, &p, &err), 0, "%s", err.msg);
	rl_plan_free(e->plan);
	e->plan = p;
	ret = rl_run_plan(e->t, m, p, &e->opts, &rep, &err);
	cr_assert_eq(ret, want_ret, "run %s %s returned %d: %s",
		     rl_action_name(a), target, ret, err.msg);
	cr_assert_not_null(rep);
	cr_assert_eq(rep->n_steps, p->n_steps);
	return rep;
}

Test(run, checks_exit_plugin_and_timeout)
{
	struct rl_model *m = new_model();
	struct rl_component *c[5];
	struct rl_check_result *r = NULL;
	struct env e;
	struct rl_err err = {""};

	c[0] = add_comp(m, "chk/exitok", NULL);
	c[1] = add_comp(m, "chk/exitbad", NULL);
	c[2] = add_comp(m, "chk/plugin", NULL);
	c[3] = add_comp(m, "chk/weird", NULL);
	c[4] = add_comp(m, "chk/slow", NULL);
	free(c[0]->check);
	c[0]->check = strdup("/bin/echo running");
	free(c[1]->check);
	c[1]->check = strdup("echo inactive; echo more; exit 3");
	free(c[2]->check);
	c[2]->check =
	    strdup("printf 'DISK WARNING - 91%%\\nline 2\\nline 3\\n'; "
		   "exit 1");
	c[2]->check_mode = RL_CHECK_PLUGIN;
	free(c[3]->check);
	c[3]->check = strdup("echo strange >&2; exit 7");
	c[3]->check_mode = RL_CHECK_PLUGIN;
	free(c[4]->check);
	c[4]->check = strdup("/bin/sleep 5");
	c[4]->check_timeout_ms = 300;
	rl_test_resolve(m);
	env_open(&e, m, NULL);

	int64_t t0 = rl_now_ms();
	cr_assert_eq(rl_run_checks(e.t, (const struct rl_component *const *)c,
				   5, rl_now_ms() + 10000, &r, &err),
		     0, "%s", err.msg);
	cr_expect_lt(rl_now_ms() - t0, 3000, "the checks did not run at once");
	cr_assert_eq(r[0].comp, c[0]);
	cr_expect_eq(r[0].state, RL_STATE_OK);
	cr_expect_str_eq(r[0].output, "exit 0: running");
	cr_expect_eq(r[1].state, RL_STATE_CRITICAL);
	cr_expect_str_eq(r[1].output, "exit 3: inactive");
	cr_expect_null(r[1].long_output);
	cr_expect_eq(r[2].state, RL_STATE_WARNING);
	cr_expect_str_eq(r[2].output, "DISK WARNING - 91%");
	cr_expect_str_eq(r[2].long_output, "line 2\nline 3\n");
	cr_expect_eq(r[3].state, RL_STATE_UNKNOWN);
	cr_expect_str_eq(r[3].output, "strange");
	cr_expect_not(r[3].transport_failed);
	cr_expect_eq(r[4].state, RL_STATE_UNKNOWN);
	cr_expect(r[4].transport_failed);
	cr_expect(r[4].timed_out);
	cr_expect(strstr(r[4].output, "time") != NULL, "%s", r[4].output);
	rl_check_results_free(r, 5);
	env_close(&e);
	rl_model_free(m);
}

static void expect_all(const struct rl_run_report *r, enum rl_step_outcome want)
{
	size_t i;

	for (i = 0; i < r->n_steps; i++)
		cr_expect_eq(r->steps[i].outcome, want, "step %zu: %d %s",
			     i + 1, r->steps[i].outcome, r->steps[i].message);
}

Test(run, restart_middle_component_keeps_the_others)
{
	struct rl_model *m = demo();
	struct rl_run_report *r;
	struct env e;
	long md, cache, pricer, gw, rep;

	env_open(&e, m, NULL);
	r = run(&e, m, RL_ACTION_START, "demo", 0);
	cr_assert(r->ok);
	expect_all(r, RL_OUTCOME_DONE);
	cr_expect_eq(r->n_down, 0);
	rl_run_report_free(r);
	md = pid_of("marketdata");
	cache = pid_of("cache");
	pricer = pid_of("pricer");
	gw = pid_of("gateway");
	rep = pid_of("reports");
	cr_assert(alive(md) && alive(cache) && alive(pricer) && alive(gw) &&
		  alive(rep));

	/* already up: every step skipped, nothing restarted */
	r = run(&e, m, RL_ACTION_START, "demo", 0);
	cr_assert(r->ok);
	expect_all(r, RL_OUTCOME_SKIPPED);
	cr_expect_str_eq(r->steps[0].message, "already up");
	rl_run_report_free(r);
	cr_assert_eq(pid_of("pricer"), pricer);

	r = run(&e, m, RL_ACTION_RESTART, "demo/pricer", 0);
	cr_assert(r->ok);
	cr_assert_eq(r->n_steps, 4);
	expect_all(r, RL_OUTCOME_DONE);
	cr_expect(strstr(r->steps[3].message, "started and verified in") ==
		      r->steps[3].message,
		  "%s", r->steps[3].message);
	rl_run_report_free(r);
	cr_expect_eq(pid_of("marketdata"), md);
	cr_expect_eq(pid_of("cache"), cache);
	cr_expect_eq(pid_of("reports"), rep);
	cr_expect_neq(pid_of("pricer"), pricer);
	cr_expect_neq(pid_of("gateway"), gw);
	cr_expect_neq(pid_of("pricer"), 0);
	cr_expect_neq(pid_of("gateway"), 0);
	/* the old processes are gone */
	cr_expect_not(alive(pricer));
	cr_expect_not(alive(gw));
	cr_expect(alive(md));
	cr_expect(alive(pid_of("pricer")));

	/* stop the whole application: nothing left, all of it down */
	r = run(&e, m, RL_ACTION_STOP, "demo", 0);
	cr_assert(r->ok);
	expect_all(r, RL_OUTCOME_DONE);
	cr_expect_eq(r->n_down, 5);
	rl_run_report_free(r);
	cr_expect_eq(pid_of("marketdata"), 0);
	r = run(&e, m, RL_ACTION_STOP, "demo/cache", 0);
	expect_all(r, RL_OUTCOME_SKIPPED);
	cr_expect_str_eq(r->steps[0].message, "already down");
	rl_run_report_free(r);
	env_close(&e);
	rl_model_free(m);
}

Test(run, start_failing_half_way_says_what_is_down)
{
	struct rl_model *m = demo();
	struct rl_run_report *r;
	struct env e;
	size_t i;

	write_file("cache.failstart", "");
	env_open(&e, m, NULL);
	r = run(&e, m, RL_ACTION_START, "demo", 0);
	cr_assert_not(r->ok);
	cr_assert_eq(r->n_steps, 5);
	/* marketdata | cache | pricer+reports | gateway */
	cr_expect_eq(r->steps[0].outcome, RL_OUTCOME_DONE, "%s",
		     r->steps[0].message);
	cr_expect_eq(r->steps[1].outcome, RL_OUTCOME_FAILED);
	cr_expect_str_eq(r->steps[1].message,
			 "start exited 1: cannot bind port");
	for (i = 2; i < 5; i++) {
		cr_expect_eq(r->steps[i].outcome, RL_OUTCOME_NOT_RUN);
		cr_expect_str_eq(r->steps[i].message,
				 "not run: an earlier step failed");
	}
	cr_assert_eq(r->n_down, 4);
	cr_expect_str_eq(r->down[0]->name, "demo/cache");
	cr_expect_str_eq(r->down[1]->name, "demo/pricer");
	cr_expect_str_eq(r->down[2]->name, "demo/reports");
	cr_expect_str_eq(r->down[3]->name, "demo/gateway");
	rl_run_report_free(r);
	cr_expect_neq(pid_of("marketdata"), 0);
	cr_expect(!file_exists("pricer.jlines"), "pricer's start ran");
	cr_expect(!file_exists("gateway.jlines"), "gateway's start ran");
	env_close(&e);
	rl_model_free(m);
}

Test(run, start_never_verified_fails_at_its_timeout)
{
	struct rl_model *m = new_model();
	struct rl_component *c;
	struct rl_run_report *r;
	struct env e;

	c = add_comp(m, "x/broken", NULL);
	c->start_timeout_ms = 1000;
	rl_test_resolve(m);
	write_file("broken.nostart", "");
	env_open(&e, m, NULL);
	r = run(&e, m, RL_ACTION_START, "x/broken", 0);
	cr_assert_not(r->ok);
	cr_expect_eq(r->steps[0].outcome, RL_OUTCOME_FAILED);
	cr_expect(strstr(r->steps[0].message, "still down after") ==
		      r->steps[0].message,
		  "%s", r->steps[0].message);
	cr_expect(strstr(r->steps[0].message, "CRITICAL exit 2: broken down") !=
		      NULL,
		  "%s", r->steps[0].message);
	cr_expect_geq(r->steps[0].duration_ms, 850);
	cr_expect_leq(r->steps[0].duration_ms, 1300);
	cr_assert_eq(r->n_down, 1);
	cr_expect_str_eq(r->down[0]->name, "x/broken");
	rl_run_report_free(r);
	env_close(&e);
	rl_model_free(m);
}

/*
 * Four independent components whose start takes 0.5 s, PAR at once: one
 * after the other would take 2 s; the bounds leave room for a loaded
 * machine, the count of starts seen together is exact.
 */
static void parallel_level(int par, int64_t min_ms, int64_t max_ms)
{
	static const char *names[] = {"a", "b", "c", "d"};
	struct rl_model *m = new_model();
	struct rl_run_report *r;
	struct env e;
	char name[32];
	long together[4];
	int i, n, most = 0;

	m->site.parallel = par;
	for (i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "p/%s", names[i]);
		add_comp(m, name, NULL);
		snprintf(name, sizeof(name), "%s.startsleep", names[i]);
		write_file(name, "0.5\n");
	}
	rl_test_resolve(m);
	env_open(&e, m, NULL);
	r = run(&e, m, RL_ACTION_START, "p", 0);
	cr_assert(r->ok);
	expect_all(r, RL_OUTCOME_DONE);
	cr_log_info("4 starts of 0.5s, %d at once: %lld ms", par,
		    (long long)r->duration_ms);
	cr_expect_geq(r->duration_ms, min_ms);
	cr_expect_leq(r->duration_ms, max_ms);
	for (i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "%s.together", names[i]);
		n = read_numbers(name, together, 4);
		cr_assert_eq(n, 1);
		if (together[0] > most)
			most = (int)together[0];
	}
	cr_expect_eq(most, par, "at most %d starts ran together", most);
	rl_run_report_free(r);
	env_close(&e);
	rl_model_free(m);
}

Test(run, steps_of_a_level_run_together)
{
	parallel_level(4, 450, 1400);
}

Test(run, at_most_parallel_steps_at_once)
{
	parallel_level(2, 950, 1900);
}

struct jlog {
	int n;
	char kind[64][16]; /* "plan/begin", "step/end" */
	char comp[64][64];
	char result[64][16];
	char run[64][40];
};

static int collect(const struct rl_journal_rec *r, void *ctx)
{
	struct jlog *l = ctx;

	cr_assert_lt(l->n, 64);
	snprintf(l->kind[l->n], sizeof(l->kind[0]), "%s/%s",
		 r->event ? r->event : "", r->phase ? r->phase : "");
	snprintf(l->comp[l->n], sizeof(l->comp[0]), "%s",
		 r->component ? r->component : "");
	snprintf(l->result[l->n], sizeof(l->result[0]), "%s",
		 r->result ? r->result : "");
	snprintf(l->run[l->n], sizeof(l->run[0]), "%s", r->run ? r->run : "");
	l->n++;
	return 0;
}

Test(run, journal_frames_every_step_before_it_runs)
{
	static const char *want[][2] = {
	    {"plan/begin", "demo/pricer"}, {"step/begin", "demo/gateway"},
	    {"step/end", "demo/gateway"},  {"step/begin", "demo/pricer"},
	    {"step/end", "demo/pricer"},   {"step/begin", "demo/pricer"},
	    {"step/end", "demo/pricer"},   {"step/begin", "demo/gateway"},
	    {"step/end", "demo/gateway"},  {"plan/end", "demo/pricer"},
	};
	struct rl_model *m = demo();
	struct rl_run_report *r;
	struct rl_err err = {""};
	struct env e;
	struct jlog *l = calloc(1, sizeof(*l));
	char path[256];
	long lines[4];
	int i, base;

	cr_assert_not_null(l);
	env_open(&e, m, NULL);
	r = run(&e, m, RL_ACTION_START, "demo", 0);
	cr_assert(r->ok);
	rl_run_report_free(r);
	/* forget the first run's starts */
	snprintf(path, sizeof(path), "%s/pricer.jlines", dir);
	cr_assert_eq(unlink(path), 0);
	snprintf(path, sizeof(path), "%s/gateway.jlines", dir);
	cr_assert_eq(unlink(path), 0);

	snprintf(path, sizeof(path), "%s/journal.jsonl", dir);
	cr_assert_eq(rl_journal_read(path, collect, l, &err), 0, "%s", err.msg);
	base = l->n;
	r = run(&e, m, RL_ACTION_RESTART, "demo/pricer", 0);
	cr_assert(r->ok);
	l->n = 0;
	cr_assert_eq(rl_journal_read(path, collect, l, &err), 0, "%s", err.msg);
	cr_assert_eq(l->n - base, 10);
	for (i = 0; i < 10; i++) {
		cr_expect_str_eq(l->kind[base + i], want[i][0], "record %d", i);
		cr_expect_str_eq(l->comp[base + i], want[i][1], "record %d", i);
		cr_expect_str_eq(l->run[base + i], r->run_id);
	}
	cr_expect_str_eq(l->result[base + 2], "ok");
	cr_expect_str_eq(l->result[base + 9], "ok");
	cr_expect_str_neq(l->run[0], r->run_id, "run ids repeat");
	/* each start ran after its begin record and before its end record:
	   the journal had exactly the lines up to its begin */
	cr_assert_eq(read_numbers("pricer.jlines", lines, 4), 1);
	cr_expect_eq(lines[0], base + 6);
	cr_assert_eq(read_numbers("gateway.jlines", lines, 4), 1);
	cr_expect_eq(lines[0], base + 8);
	rl_run_report_free(r);
	free(l);
	env_close(&e);
	rl_model_free(m);
}

Test(run, unwritable_journal_stops_before_any_command)
{
	struct rl_model *m = demo();
	struct rl_err err = {""};
	struct rl_plan *p = NULL;
	struct rl_run_report *r = NULL;
	struct env e;
	size_t i;

	env_open(&e, m, "/dev/full");
	cr_assert_eq(rl_plan_build(m, RL_ACTION_START, "demo", &p, &err), 0);
	cr_assert_eq(rl_run_plan(e.t, m, p, &e.opts, &r, &err), -1);
	cr_expect_neq(err.msg[0], '\0');
	cr_log_info("journal error: %s", err.msg);
	cr_assert_not_null(r);
	cr_expect_not(r->ok);
	for (i = 0; i < r->n_steps; i++)
		cr_expect_eq(r->steps[i].outcome, RL_OUTCOME_NOT_RUN);
	cr_expect_eq(r->n_down, 0);
	cr_expect_not(r->acted);
	cr_expect(r->journal_failed);
	cr_expect(!file_exists("marketdata.jlines"), "a start ran");
	cr_expect_eq(pid_of("marketdata"), 0);
	rl_run_report_free(r);
	rl_plan_free(p);
	env_close(&e);
	rl_model_free(m);
}

Test(run, own_restart_command_is_one_verified_step)
{
	struct rl_model *m = new_model();
	struct rl_component *c;
	struct rl_run_report *r;
	struct env e;
	char buf[256];
	long before;

	c = add_comp(m, "x/a", NULL);
	snprintf(buf, sizeof(buf), "/bin/sh %s/ctl restart a", dir);
	c->restart = strdup(buf);
	cr_assert_not_null(c->restart);
	rl_test_resolve(m);
	env_open(&e, m, NULL);
	r = run(&e, m, RL_ACTION_START, "x/a", 0);
	cr_assert(r->ok);
	rl_run_report_free(r);
	before = pid_of("a");
	cr_assert(alive(before));

	r = run(&e, m, RL_ACTION_RESTART, "x/a", 0);
	cr_assert(r->ok);
	cr_assert_eq(r->n_steps, 1);
	cr_expect_eq(e.plan->levels[0].steps[0].kind, RL_STEP_RESTART);
	cr_expect_eq(r->steps[0].outcome, RL_OUTCOME_DONE);
	cr_expect(strstr(r->steps[0].message, "restarted and verified in") ==
		      r->steps[0].message,
		  "%s", r->steps[0].message);
	rl_run_report_free(r);
	cr_expect_not(alive(before));
	cr_expect(alive(pid_of("a")));
	env_close(&e);
	rl_model_free(m);
}

/* Resolves M, opens E and starts its x/a: the pid of the running a. */
static long start_a(struct env *e, struct rl_model *m)
{
	struct rl_run_report *r;
	long pid;

	rl_test_resolve(m);
	env_open(e, m, NULL);
	r = run(e, m, RL_ACTION_START, "x/a", 0);
	cr_assert(r->ok);
	rl_run_report_free(r);
	pid = pid_of("a");
	cr_assert(alive(pid));
	return pid;
}

Test(run, plugin_warning_is_up_for_a_stop)
{
	struct rl_model *m = new_model();
	struct rl_component *c;
	struct rl_run_report *r;
	struct env e;

	c = add_comp(m, "x/a", NULL);
	c->check_mode = RL_CHECK_PLUGIN;
	c->start_timeout_ms = 500; /* a WARNING never verifies a start */
	start_a(&e, m);
	write_file("a.warn", "");

	/* WARNING: not OK, so a start would not skip it... */
	r = run(&e, m, RL_ACTION_START, "x/a", 0);
	cr_expect_neq(r->steps[0].outcome, RL_OUTCOME_SKIPPED);
	rl_run_report_free(r);
	/* ...but it answers, so a stop stops it */
	r = run(&e, m, RL_ACTION_STOP, "x/a", 0);
	cr_assert(r->ok);
	cr_expect_eq(r->steps[0].outcome, RL_OUTCOME_DONE, "%s",
		     r->steps[0].message);
	cr_expect_eq(pid_of("a"), 0);
	cr_assert_eq(r->n_down, 1);
	rl_run_report_free(r);
	env_close(&e);
	rl_model_free(m);
}

/* check_mode = xml: the fetched document is judged by the component's
 * XPath expressions; a failed fetch is CRITICAL like an exit-mode check. */
Test(run, xml_checks_judge_the_fetched_document)
{
	static const char ini[] =
	    "[relance]\nnode = t\n"
	    "[host \"here\"]\ntransport = local\n"
	    "[component \"web/tomcat\"]\nhost = here\n"
	    "check = printf '<status state=\"RUNNING\"><threads busy=\"180\" "
	    "max=\"200\"/></status>'\n"
	    "check_mode = xml\nstart = true\nstop = true\n"
	    "xpath.busy = number(/status/threads/@busy)\n"
	    "xpath.busy.warning = 150\nxpath.busy.critical = 190\n"
	    "xpath.state = string(/status/@state)\nxpath.state.expect = "
	    "RUNNING\n"
	    "[component \"web/broken\"]\nhost = here\n"
	    "check = printf '<status><unclosed></status>'\n"
	    "check_mode = xml\nstart = true\nstop = true\n"
	    "xpath.x = count(/status)\n"
	    "[component \"web/down\"]\nhost = here\n"
	    "check = false\ncheck_mode = xml\nstart = true\nstop = true\n"
	    "xpath.x = count(/status)\n";
	struct rl_model *m = NULL;
	struct rl_transport *t;
	struct rl_check_result *r = NULL;
	const struct rl_component *c[3];
	struct rl_err err = {""};

	rl_xpath_init();
	cr_assert_eq(
	    rl_config_load_string(ini, "xml.ini", RL_CONFIG_NO_PERMS, &m, &err),
	    0, "%s", err.msg);
	c[0] = rl_model_component(m, "web/tomcat");
	c[1] = rl_model_component(m, "web/broken");
	c[2] = rl_model_component(m, "web/down");
	t = rl_transport_new(m, &err);
	cr_assert_not_null(t, "%s", err.msg);
	cr_assert_eq(rl_run_checks(t, c, 3, rl_now_ms() + 5000, &r, &err), 0,
		     "%s", err.msg);

	cr_assert_eq(r[0].state, RL_STATE_WARNING, "%s", r[0].output);
	cr_assert(strstr(r[0].output, " | ") != NULL,
		  "perfdata after ' | ': %s", r[0].output);
	cr_assert(strstr(r[0].output, "busy=180;150;190") != NULL, "%s",
		  r[0].output);
	cr_assert_not_null(r[0].long_output);
	cr_assert(strstr(r[0].long_output, "RUNNING") != NULL, "%s",
		  r[0].long_output);

	cr_assert_eq(r[1].state, RL_STATE_UNKNOWN, "%s", r[1].output);
	cr_assert(strstr(r[1].output, "line 1") != NULL ||
		      strstr(r[1].output, ":1:") != NULL,
		  "names libxml2's place: %s", r[1].output);

	cr_assert_eq(r[2].state, RL_STATE_CRITICAL, "%s", r[2].output);
	cr_assert(strstr(r[2].output, "exit 1") != NULL, "%s", r[2].output);

	rl_check_results_free(r, 3);
	rl_transport_free(t);
	rl_model_free(m);
}

/* The whole journal file as a string (owned), or NULL. */
static char *journal_text(void)
{
	char path[256], *text;
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/journal.jsonl", dir);
	f = fopen(path, "r");
	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	text = calloc(1, (size_t)n + 1);
	if (text != NULL && fread(text, 1, (size_t)n, f) != (size_t)n) {
		free(text);
		text = NULL;
	}
	fclose(f);
	return text;
}

/*
 * A check that never answers in time (a host key refused, a connection
 * lost, a host gone: the transport's failures look alike) proves neither
 * up nor down: the component, alive all along, is "state unknown", never
 * "down now", in the report and in the plan's end record.
 */
Test(run, check_without_answer_is_unknown_not_down)
{
	struct rl_model *m = new_model();
	struct rl_component *c;
	struct rl_run_report *r;
	struct env e;
	char *text;
	long pid;

	c = add_comp(m, "x/a", NULL);
	pid = start_a(&e, m);

	/* its checks hang now, and its stop does nothing */
	write_file("a.hang", "");
	rl_test_set_cmd(&c->stop, "true");
	c->check_timeout_ms = 200;
	c->stop_timeout_ms = 1000;
	r = run(&e, m, RL_ACTION_STOP, "x/a", 0);
	cr_assert_not(r->ok);
	cr_expect_eq(r->steps[0].outcome, RL_OUTCOME_FAILED, "%s",
		     r->steps[0].message);
	cr_expect(alive(pid), "the component was stopped");
	cr_expect_eq(r->n_down, 0, "down now: %s",
		     r->n_down ? r->down[0]->name : "");
	cr_assert_eq(r->n_unknown, 1);
	cr_expect_str_eq(r->unknown[0]->name, "x/a");
	rl_run_report_free(r);
	text = journal_text();
	cr_assert_not_null(text);
	cr_expect_not_null(strstr(text, "0 of 1 steps done; state unknown: "
					"x/a\""),
			   "%s", text);
	cr_expect_null(strstr(text, "down: x/a"), "%s", text);
	free(text);
	env_close(&e);
	rl_model_free(m);
}

Test(run, report_state_names_down_and_unknown)
{
	struct rl_model *m = demo();
	const struct rl_component *down[1], *unknown[2];
	struct rl_run_report rep;
	struct rl_buf b = RL_BUF_INIT;

	memset(&rep, 0, sizeof(rep));
	rl_run_report_state(&rep, &b);
	cr_expect_str_eq(rl_buf_str(&b), "down now: none");
	rl_buf_reset(&b);
	down[0] = rl_model_component(m, "demo/pricer");
	unknown[0] = rl_model_component(m, "demo/cache");
	unknown[1] = rl_model_component(m, "demo/gateway");
	rep.down = down;
	rep.n_down = 1;
	rep.unknown = unknown;
	rep.n_unknown = 2;
	rl_run_report_state(&rep, &b);
	cr_expect_str_eq(rl_buf_str(&b), "down now: demo/pricer; state "
					 "unknown: demo/cache, demo/gateway");
	rl_buf_free(&b);
	rl_model_free(m);
}

/* The length of each line of TEXT from line FROM on, at most MAX. */
static int line_lengths(const char *text, int from, size_t *len, int max)
{
	const char *p = text, *nl;
	int i = 0, n = 0;

	while (n < max && (nl = strchr(p, '\n')) != NULL) {
		if (i++ >= from)
			len[n++] = (size_t)(nl - p) + 1;
		p = nl + 1;
	}
	return n;
}

/*
 * A journal that fills up in the middle of a restart (the file may grow
 * by only so many bytes: RLIMIT_FSIZE, as a full disk would stop it): the
 * run stops at the first record that cannot be written, says that an
 * action had run, and which components it left down. Here the stops of
 * the gateway and the pricer are journaled, the pricer's start is not:
 * both stay down, and the report says so.
 */
Test(run, journal_full_mid_plan_says_what_is_left)
{
	struct rl_model *m = demo();
	struct rl_run_report *r = NULL;
	struct rl_plan *p = NULL;
	struct rl_err err = {""};
	struct rlimit old, lim;
	struct env e;
	struct stat st;
	size_t len[10];
	char path[256], *text, *q;
	int base;

	env_open(&e, m, NULL);
	r = run(&e, m, RL_ACTION_START, "demo", 0);
	cr_assert(r->ok);
	rl_run_report_free(r);
	/* one restart to learn the size of its records */
	text = journal_text();
	cr_assert_not_null(text);
	for (base = 0, q = text; (q = strchr(q, '\n')) != NULL; q++)
		base++;
	free(text);
	r = run(&e, m, RL_ACTION_RESTART, "demo/pricer", 0);
	cr_assert(r->ok);
	rl_run_report_free(r);
	text = journal_text();
	cr_assert_not_null(text);
	cr_assert_eq(line_lengths(text, base, len, 10), 10);
	free(text);
	snprintf(path, sizeof(path), "%s/pricer.jlines", dir);
	cr_assert_eq(unlink(path), 0);

	/* room for five records (plan begin, the two stops' begin and end)
	   and half of the sixth (the pricer's start begin) */
	snprintf(path, sizeof(path), "%s/journal.jsonl", dir);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = (rlim_t)st.st_size + len[0] + len[1] + len[2] + len[3] +
		       len[4] + len[5] / 2;
	signal(SIGXFSZ, SIG_IGN);
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
	cr_assert_eq(
	    rl_plan_build(m, RL_ACTION_RESTART, "demo/pricer", &p, &err), 0);
	cr_expect_eq(rl_run_plan(e.t, m, p, &e.opts, &r, &err), -1);
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &old), 0);
	cr_log_info("journal error: %s", err.msg);
	cr_expect_neq(err.msg[0], '\0');
	cr_assert_not_null(r);
	cr_expect_not(r->ok);
	cr_expect(r->journal_failed);
	cr_expect(r->acted, "no action ran before the journal failed");
	cr_expect_eq(r->steps[0].outcome, RL_OUTCOME_DONE, "%s",
		     r->steps[0].message);
	cr_expect_eq(r->steps[1].outcome, RL_OUTCOME_DONE, "%s",
		     r->steps[1].message);
	cr_expect_eq(r->steps[2].outcome, RL_OUTCOME_NOT_RUN);
	cr_expect_eq(r->steps[3].outcome, RL_OUTCOME_NOT_RUN);
	cr_assert_eq(r->n_down, 2);
	cr_expect_str_eq(r->down[0]->name, "demo/pricer");
	cr_expect_str_eq(r->down[1]->name, "demo/gateway");
	cr_expect_eq(r->n_unknown, 0);
	/* and so it is: stopped, and the pricer's start never ran */
	cr_expect_eq(pid_of("pricer"), 0);
	cr_expect_eq(pid_of("gateway"), 0);
	cr_expect(!file_exists("pricer.jlines"), "the pricer's start ran");
	rl_run_report_free(r);
	rl_plan_free(p);
	env_close(&e);
	rl_model_free(m);
}
