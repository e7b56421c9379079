/*
 * guard: the pure decisions (TTL, what is beyond the held set, the
 * requirements and the roots of a heal), then real locks: local locks in a
 * temporary lock_dir and host locks through the local transport in a
 * temporary host lock directory, two guards standing for two monitoring
 * nodes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "guard.h"
#include "hold.h"
#include "hostlock.h"
#include "rl_test.h"

static char dir[64];
static char locks_a[160], locks_b[160], hostdir[160], holds[160];
static struct rl_model *ma, *mb; /* node a and node b, one host */
static struct rl_transport *ta, *tb;
static struct rl_err err;

/*
 * base <- cache <- pricer <- gateway, and base <- feed: restart cache
 * touches cache, pricer and gateway. CHECK_CACHE and CHECK_BASE are the
 * checks of those two (the others are up).
 */
static struct rl_model *model(const char *node, const char *lock_dir,
			      const char *check_base, const char *check_cache)
{
	struct rl_buf b = RL_BUF_INIT;
	struct rl_model *m = NULL;
	static const char *const comps[] = {"base", "cache", "pricer",
					    "gateway", "feed"};
	static const char *const reqs[] = {NULL, "fx/base", "fx/cache",
					   "fx/pricer", "fx/base"};
	size_t i;

	rl_buf_printf(&b,
		      "[relance]\nnode = %s\nlock_dir = %s\nhold_dir = %s\n"
		      "[host \"here\"]\ntransport = local\n",
		      node, lock_dir, holds);
	for (i = 0; i < 5; i++) {
		const char *chk = i == 0   ? check_base
				  : i == 1 ? check_cache
					   : "echo up";

		rl_buf_printf(&b,
			      "[component \"fx/%s\"]\nhost = here\n"
			      "check = %s\nstart = true\nstop = true\n"
			      "start_timeout = %ds\nstop_timeout = %ds\n",
			      comps[i], chk, (int)(10 * (i + 1)), (int)(i + 1));
		if (reqs[i] != NULL)
			rl_buf_printf(&b, "requires = %s\n", reqs[i]);
	}
	cr_assert_not(b.oom);
	cr_assert_eq(rl_config_load_string(rl_buf_str(&b), "t.ini",
					   RL_CONFIG_NO_PERMS, &m, &err),
		     0, "%s", err.msg);
	rl_buf_free(&b);
	return m;
}

static void setup(void)
{
	rl_test_tmpdir(dir, sizeof(dir), "guard");
	snprintf(locks_a, sizeof(locks_a), "%s/locks-a", dir);
	snprintf(locks_b, sizeof(locks_b), "%s/locks-b", dir);
	snprintf(hostdir, sizeof(hostdir), "%s/host", dir);
	snprintf(holds, sizeof(holds), "%s/holds", dir);
	ma = model("a", locks_a, "false", "false");
	mb = model("b", locks_b, "false", "false");
	ta = rl_transport_new(ma, &err);
	cr_assert_not_null(ta, "%s", err.msg);
	tb = rl_transport_new(mb, &err);
	cr_assert_not_null(tb, "%s", err.msg);
}

static void teardown(void)
{
	rl_transport_free(ta);
	rl_transport_free(tb);
	rl_model_free(ma);
	rl_model_free(mb);
	rl_test_rmtree(dir);
	rl_test_fini();
}

TestSuite(guard, .init = setup, .fini = teardown, .timeout = 60);

static struct rl_plan *plan(const struct rl_model *m, enum rl_action a,
			    const char *target)
{
	struct rl_plan *p = NULL;

	cr_assert_eq(rl_plan_build(m, a, target, &p, &err), 0, "%s", err.msg);
	return p;
}

static const struct rl_component *comp(const struct rl_model *m,
				       const char *name)
{
	const struct rl_component *c = rl_model_component(m, name);

	cr_assert_not_null(c, "%s", name);
	return c;
}

/* The names of a component array, space-separated, in BUF. */
static const char *names(const struct rl_component *const *set, size_t n,
			 char *buf, size_t len)
{
	size_t i, o = 0;

	buf[0] = '\0';
	for (i = 0; i < n && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? " " : "",
				      set[i]->name);
	return buf;
}

/* --- decisions ---------------------------------------------------------- */

Test(guard, ttl_is_the_levels_slowest_steps_plus_a_minute)
{
	struct rl_plan *p = plan(ma, RL_ACTION_RESTART, "fx/cache");

	/* stop gateway (4s), pricer (3s), cache (2s); start cache (20s),
	 * pricer (30s), gateway (40s): one step a level */
	cr_assert_eq(rl_guard_ttl_s(p), 4 + 3 + 2 + 20 + 30 + 40 + 60);
	rl_plan_free(p);
	/* start feed: base (10s), then feed (50s) */
	p = plan(ma, RL_ACTION_START, "fx/feed");
	cr_assert_eq(rl_guard_ttl_s(p), 10 + 50 + RL_GUARD_SPARE_S);
	rl_plan_free(p);
}

Test(guard, ttl_of_a_level_is_its_slowest_step)
{
	struct rl_plan *p = plan(ma, RL_ACTION_STOP, "fx/base");

	/* stop gateway (4s); pricer (3s); cache (2s) and feed (5s) share a
	 * level; base (1s) */
	cr_assert_eq(rl_guard_ttl_s(p), 4 + 3 + 5 + 1 + 60);
	rl_plan_free(p);
}

Test(guard, beyond_is_what_the_plans_add_sorted_each_once)
{
	struct rl_plan *own = plan(ma, RL_ACTION_RESTART, "fx/pricer");
	struct rl_plan *root = plan(ma, RL_ACTION_RESTART, "fx/cache");
	struct rl_plan *root2 = plan(ma, RL_ACTION_RESTART, "fx/base");
	const struct rl_plan *both[] = {root, root2};
	const struct rl_component **out = NULL;
	size_t n = 99;
	char b[200];

	/* escalation: the root's plan beyond the target's own */
	cr_assert_eq(rl_guard_beyond((const struct rl_plan *const *)&root, 1,
				     own->touched, own->n_touched, &out, &n),
		     0);
	cr_assert_str_eq(names(out, n, b, sizeof(b)), "fx/cache");
	free(out);
	/* two roots touching the same components: each once, sorted */
	cr_assert_eq(
	    rl_guard_beyond(both, 2, own->touched, own->n_touched, &out, &n),
	    0);
	cr_assert_str_eq(names(out, n, b, sizeof(b)),
			 "fx/base fx/cache fx/feed");
	free(out);
	/* nothing held: the whole plan, sorted */
	cr_assert_eq(rl_guard_beyond(both, 1, NULL, 0, &out, &n), 0);
	cr_assert_str_eq(names(out, n, b, sizeof(b)),
			 "fx/cache fx/gateway fx/pricer");
	free(out);
	/* all held: nothing, and no array */
	cr_assert_eq(rl_guard_beyond(both, 1, root2->touched, root2->n_touched,
				     &out, &n),
		     0);
	cr_assert_eq(n, 0);
	cr_assert_null(out);
	rl_plan_free(own);
	rl_plan_free(root);
	rl_plan_free(root2);
}

Test(guard, requirements_breadth_first_each_once)
{
	const struct rl_component **set = NULL;
	size_t n = 0;
	char b[200];

	cr_assert_eq(rl_guard_requirements(comp(ma, "fx/gateway"), &set, &n),
		     0);
	cr_assert_str_eq(names(set, n, b, sizeof(b)),
			 "fx/gateway fx/pricer fx/cache fx/base");
	free(set);
	cr_assert_eq(rl_guard_requirements(comp(ma, "fx/base"), &set, &n), 0);
	cr_assert_str_eq(names(set, n, b, sizeof(b)), "fx/base");
	free(set);
}

/* The roots of a heal of gateway, given the states of
 * gateway, pricer, cache, base (in rl_guard_requirements' order). */
static const char *roots_of(const enum rl_state st[4], const bool failed[4],
			    char *b, size_t len)
{
	const struct rl_component **set = NULL, **roots = NULL;
	struct rl_check_result chk[4];
	size_t n = 0, nr = 0, i;

	cr_assert_eq(rl_guard_requirements(comp(ma, "fx/gateway"), &set, &n),
		     0);
	cr_assert_eq(n, 4);
	memset(chk, 0, sizeof(chk));
	for (i = 0; i < 4; i++) {
		chk[i].comp = set[i];
		chk[i].state = st[i];
		chk[i].transport_failed = failed[i];
	}
	cr_assert_eq(rl_guard_roots(set, chk, n, &roots, &nr), 0);
	names(roots, nr, b, len);
	free(roots);
	free(set);
	return b;
}

Test(guard, roots_are_the_deepest_down_requirements)
{
	const enum rl_state C = RL_STATE_CRITICAL, O = RL_STATE_OK;
	const bool none[4] = {false, false, false, false};
	char b[200];

	{
		const enum rl_state st[4] = {C, O, O, O};
		cr_assert_str_eq(roots_of(st, none, b, sizeof(b)), "fx/gateway",
				 "only the target down: itself");
	}
	{
		const enum rl_state st[4] = {C, C, O, O};
		cr_assert_str_eq(roots_of(st, none, b, sizeof(b)), "fx/pricer");
	}
	{
		const enum rl_state st[4] = {C, C, C, O};
		cr_assert_str_eq(roots_of(st, none, b, sizeof(b)), "fx/cache",
				 "pricer waits for cache");
	}
	{
		const enum rl_state st[4] = {C, C, C, C};
		cr_assert_str_eq(roots_of(st, none, b, sizeof(b)), "fx/base");
	}
	{
		/* a check that could not run says nothing: not a root */
		const enum rl_state st[4] = {C, C, O, O};
		const bool failed[4] = {false, true, false, false};
		cr_assert_str_eq(roots_of(st, failed, b, sizeof(b)),
				 "fx/gateway");
	}
	{
		/* WARNING is not down */
		const enum rl_state st[4] = {C, RL_STATE_WARNING, O, O};
		cr_assert_str_eq(roots_of(st, none, b, sizeof(b)),
				 "fx/gateway");
	}
}

/* --- real locks --------------------------------------------------------- */

static int count_entries(const char *d)
{
	char cmd[300];
	FILE *f;
	int n = -1;

	snprintf(cmd, sizeof(cmd), "ls -A '%s' 2>/dev/null | wc -l", d);
	f = popen(cmd, "r");
	cr_assert_not_null(f);
	if (fscanf(f, "%d", &n) != 1)
		n = -1;
	pclose(f);
	return n;
}

/* The owner line this process writes for NODE and WHAT, then TAIL. */
static const char *owner_line(const char *node, const char *what,
			      const char *tail)
{
	static char line[600];
	struct rl_buf b = RL_BUF_INIT;

	cr_assert_eq(rl_hostlock_owner(node, what, &b, &err), 0, "%s", err.msg);
	snprintf(line, sizeof(line), "%s%s", rl_buf_str(&b), tail);
	rl_buf_free(&b);
	return line;
}

Test(guard, a_plan_holds_every_touched_component_on_both_levels)
{
	struct rl_plan *p = plan(ma, RL_ACTION_RESTART, "fx/cache");
	struct rl_guard *g = rl_guard_new(
	    ma, "relancectl restart fx/cache by alice", hostdir, &err);
	char why[RL_ERR_MAX], owner[200];
	FILE *f;

	cr_assert_not_null(g, "%s", err.msg);
	cr_assert_eq(rl_guard_acquire(g, ta, p, why, sizeof(why), &err), 0,
		     "%s %s", why, err.msg);
	cr_assert_eq(count_entries(hostdir), 3, "cache, pricer, gateway");
	snprintf(why, sizeof(why), "%s/fx%%2Fgateway.lock/owner", hostdir);
	f = fopen(why, "r");
	cr_assert_not_null(f);
	cr_assert_not_null(fgets(owner, sizeof(owner), f));
	fclose(f);
	cr_assert_str_eq(
	    owner,
	    owner_line("a", "relancectl restart fx/cache by alice", "\n"),
	    "the owner line: node, pid, its start, the boot, what");
	rl_guard_release(g, NULL, NULL);
	cr_assert_eq(count_entries(hostdir), 0, "all released");
	rl_plan_free(p);
}

Test(guard, another_node_is_refused_and_told_who_holds_it)
{
	struct rl_plan *pa = plan(ma, RL_ACTION_RESTART, "fx/cache");
	struct rl_plan *pb = plan(mb, RL_ACTION_RESTART, "fx/gateway");
	struct rl_guard *ga =
	    rl_guard_new(ma, "relancectl restart fx/cache", hostdir, &err);
	struct rl_guard *gb = rl_guard_new(
	    mb, "handle_component restart fx/gateway", hostdir, &err);
	char why[RL_ERR_MAX], want[300];

	cr_assert_eq(rl_guard_acquire(ga, ta, pa, why, sizeof(why), &err), 0,
		     "%s %s", why, err.msg);
	/* b's own lock_dir is free: the local locks pass, the host lock of
	 * the gateway (touched by a's restart of the cache) does not */
	cr_assert_eq(rl_guard_acquire(gb, tb, pb, why, sizeof(why), &err), 1,
		     "%s", err.msg);
	snprintf(want, sizeof(want),
		 "host lock of fx/gateway on here held by %s",
		 owner_line("a", "relancectl restart fx/cache", ""));
	cr_assert_str_eq(why, want);
	rl_guard_release(gb, NULL, NULL);
	cr_assert_eq(count_entries(hostdir), 3, "b released nothing of a's");
	rl_guard_release(ga, NULL, NULL);
	gb = rl_guard_new(mb, "handle_component restart fx/gateway", hostdir,
			  &err);
	cr_assert_eq(rl_guard_acquire(gb, tb, pb, why, sizeof(why), &err), 0,
		     "after a: %s %s", why, err.msg);
	rl_guard_release(gb, NULL, NULL);
	rl_plan_free(pa);
	rl_plan_free(pb);
}

/* Counts the takeovers a guard reports, keeping the last owner line. */
struct seen_takeovers {
	int n;
	char last[600];
};

static void note_takeover(void *ctx, const struct rl_component *c,
			  const char *msg)
{
	struct seen_takeovers *seen = ctx;

	/* the stop of the pricer touches the gateway too */
	cr_assert(!strcmp(c->name, "fx/pricer") ||
		      !strcmp(c->name, "fx/gateway"),
		  "%s", c->name);
	seen->n++;
	snprintf(seen->last, sizeof(seen->last), "%s", msg);
}

Test(guard, a_dead_owner_of_this_node_is_taken_over_and_reported_once)
{
	struct rl_plan *p = plan(ma, RL_ACTION_STOP, "fx/pricer");
	struct seen_takeovers seen = {0, ""};
	struct rl_guard *g;
	char why[RL_ERR_MAX], pid[40];
	pid_t child;
	int status;

	/* a process of this node takes the host locks and dies holding
	 * them, as a killed worker would */
	child = fork();
	cr_assert_neq(child, -1);
	if (child == 0) {
		g = rl_guard_new(ma, "handle_component stop fx/pricer", hostdir,
				 &err);
		_exit(g != NULL && rl_guard_lock_hosts(g, ta, p, why,
						       sizeof(why), &err) == 0
			  ? 0
			  : 1);
	}
	cr_assert_eq(waitpid(child, &status, 0), child);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	cr_assert_gt(count_entries(hostdir), 0, "the dead owner's locks");

	g = rl_guard_new(ma, "relancectl stop fx/pricer", hostdir, &err);
	cr_assert_eq(rl_guard_acquire(g, ta, p, why, sizeof(why), &err), 0,
		     "%s %s", why, err.msg);
	rl_guard_takeovers(g, note_takeover, &seen);
	cr_assert_gt(seen.n, 0, "the takeover is reported");
	snprintf(pid, sizeof(pid), "a pid %ld ", (long)child);
	cr_assert(strncmp(seen.last, pid, strlen(pid)) == 0,
		  "names the dead owner: %s", seen.last);
	seen.n = 0;
	rl_guard_takeovers(g, note_takeover, &seen);
	cr_assert_eq(seen.n, 0, "each takeover is reported once");
	rl_guard_release(g, NULL, NULL);
	cr_assert_eq(count_entries(hostdir), 0, "all released");
	rl_plan_free(p);
}

Test(guard, same_node_is_refused_by_the_local_lock_first)
{
	struct rl_plan *p = plan(ma, RL_ACTION_RESTART, "fx/pricer");
	struct rl_guard *g1 =
	    rl_guard_new(ma, "relancectl restart fx/pricer", hostdir, &err);
	struct rl_guard *g2 = rl_guard_new(
	    ma, "handle_component restart fx/pricer", hostdir, &err);
	char why[RL_ERR_MAX];

	cr_assert_eq(rl_guard_lock_local(g1, (const struct rl_plan **)&p, 1,
					 NULL, why, sizeof(why), &err),
		     0, "%s %s", why, err.msg);
	cr_assert_eq(count_entries(hostdir), 0, "no host lock yet");
	cr_assert_eq(rl_guard_acquire(g2, ta, p, why, sizeof(why), &err), 1);
	cr_assert(strstr(why, "another action is in progress: relancectl "
			      "restart fx/pricer") != NULL,
		  "%s", why);
	cr_assert_eq(count_entries(hostdir), 0,
		     "refused locally, it asked no host");
	rl_guard_release(g2, NULL, NULL);
	rl_guard_release(g1, NULL, NULL);
	rl_plan_free(p);
}

Test(guard, locks_grow_without_taking_twice)
{
	struct rl_plan *own = plan(ma, RL_ACTION_RESTART, "fx/pricer");
	struct rl_plan *root = plan(ma, RL_ACTION_RESTART, "fx/cache");
	struct rl_guard *g = rl_guard_new(
	    ma, "handle_component restart fx/pricer", hostdir, &err);
	char why[RL_ERR_MAX];

	cr_assert_eq(rl_guard_acquire(g, ta, own, why, sizeof(why), &err), 0,
		     "%s %s", why, err.msg);
	/* the root's plan holds the target's components too: those are
	 * not asked for again (lib/lock would refuse its own holder) */
	cr_assert_eq(rl_guard_lock_local(g, (const struct rl_plan **)&root, 1,
					 "handle_component restart fx/cache "
					 "(for fx/pricer)",
					 why, sizeof(why), &err),
		     0, "%s %s", why, err.msg);
	cr_assert_eq(rl_guard_lock_hosts(g, ta, root, why, sizeof(why), &err),
		     0, "%s %s", why, err.msg);
	cr_assert_eq(count_entries(hostdir), 3);
	rl_guard_release(g, NULL, NULL);
	cr_assert_eq(count_entries(hostdir), 0);
	rl_plan_free(own);
	rl_plan_free(root);
}

Test(guard, escalation_stands_down_for_a_hold_and_locks_beyond)
{
	const struct rl_component *cache = comp(ma, "fx/cache");
	struct rl_plan *own = plan(ma, RL_ACTION_RESTART, "fx/pricer");
	struct rl_guard *g = rl_guard_new(
	    ma, "handle_component restart fx/pricer", hostdir, &err);
	struct rl_guard *other =
	    rl_guard_new(ma, "relancectl restart fx/cache", hostdir, &err);
	struct rl_plan **plans = NULL;
	char reason[600], why[RL_ERR_MAX];
	bool removed = false;

	cr_assert_eq(rl_guard_lock_local(g, (const struct rl_plan **)&own, 1,
					 NULL, why, sizeof(why), &err),
		     0, "%s %s", why, err.msg);
	/* held: stand down, nothing built */
	cr_assert_eq(rl_hold_set(holds, "fx/cache", RL_HOLD_MANUAL, "bob", "a",
				 "repair", &err),
		     0, "%s", err.msg);
	cr_assert_eq(rl_guard_escalate(g, &cache, 1, "w", &plans, reason,
				       sizeof(reason), &err),
		     1, "%s", err.msg);
	cr_assert(strncmp(reason,
			  "requires fx/cache, which is down and held "
			  "by bob",
			  41) == 0,
		  "%s", reason);
	cr_assert_null(plans);
	cr_assert_eq(rl_hold_clear(holds, "fx/cache", true, RL_HOLD_MANUAL,
				   &removed, NULL, &err),
		     0, "%s", err.msg);
	cr_assert(removed);
	/* another action of this node holds the cache: in progress */
	{
		struct rl_plan *pc = plan(ma, RL_ACTION_START, "fx/cache");

		cr_assert_eq(
		    rl_guard_lock_local(other, (const struct rl_plan **)&pc, 1,
					NULL, why, sizeof(why), &err),
		    0, "%s %s", why, err.msg);
		rl_plan_free(pc);
	}
	cr_assert_eq(rl_guard_escalate(g, &cache, 1, "w", &plans, reason,
				       sizeof(reason), &err),
		     1, "%s", err.msg);
	{
		static const char want[] =
		    "in progress: fx/cache: another action is in progress: "
		    "relancectl restart fx/cache";

		cr_assert(strncmp(reason, want, sizeof(want) - 1) == 0, "%s",
			  reason);
	}
	cr_assert_null(plans);
	rl_guard_release(other, NULL, NULL);
	/* free: the plan of the root, and the local lock of the cache alone
	 * (pricer and gateway are held since the handler) */
	cr_assert_eq(rl_guard_escalate(g, &cache, 1,
				       "handle_component restart fx/cache "
				       "(for fx/pricer)",
				       &plans, reason, sizeof(reason), &err),
		     0, "%s %s", reason, err.msg);
	cr_assert_not_null(plans);
	cr_assert_str_eq(plans[0]->target, "fx/cache");
	/* the guard took the cache, beyond its own: a second comer of this
	 * node is refused on it */
	{
		struct rl_plan *pb = plan(ma, RL_ACTION_START, "fx/cache");
		struct rl_guard *g2 = rl_guard_new(ma, "x", hostdir, &err);

		cr_assert_eq(
		    rl_guard_lock_local(g2, (const struct rl_plan **)&pb, 1,
					NULL, why, sizeof(why), &err),
		    1);
		rl_guard_release(g2, NULL, NULL);
		rl_plan_free(pb);
	}
	rl_guard_plans_free(plans, 1);
	rl_guard_release(g, NULL, NULL);
	rl_plan_free(own);
}

Test(guard, escalation_to_a_never_root_stands_down)
{
	static const char ini[] = "[relance]\nnode = a\n"
				  "[host \"here\"]\ntransport = local\n"
				  "[component \"fx/base\"]\nhost = here\n"
				  "check = true\nstart = true\nstop = true\n"
				  "heal = never\n";
	struct rl_model *m = NULL;
	struct rl_guard *g;
	struct rl_plan *dummy[1] = {NULL};
	struct rl_plan **plans = dummy;
	const struct rl_component *base;
	char reason[600];

	cr_assert_eq(
	    rl_config_load_string(ini, "n.ini", RL_CONFIG_NO_PERMS, &m, &err),
	    0, "%s", err.msg);
	base = comp(m, "fx/base");
	g = rl_guard_new(m, "x", hostdir, &err);
	cr_assert_eq(rl_guard_escalate(g, &base, 1, "w", &plans, reason,
				       sizeof(reason), &err),
		     1);
	cr_assert_str_eq(
	    reason, "requires fx/base, which is down (heal = never there)");
	cr_assert_null(plans);
	rl_guard_release(g, NULL, NULL);
	rl_model_free(m);
}

Test(guard, find_roots_checks_for_real)
{
	struct rl_model *m = model("a", locks_a, "true", "false");
	struct rl_transport *t = rl_transport_new(m, &err);
	const struct rl_component **roots = NULL;
	size_t n = 0;
	char reason[600], b[200];

	cr_assert_not_null(t, "%s", err.msg);
	/* gateway's check says it is up: nothing to heal */
	cr_assert_eq(rl_guard_find_roots(t, comp(m, "fx/gateway"), &roots, &n,
					 reason, sizeof(reason), &err),
		     1, "%s", err.msg);
	cr_assert_str_eq(reason, "already up: exit 0: up");
	/* cache is down (false), base up: a heal of cache is itself */
	cr_assert_eq(rl_guard_find_roots(t, comp(m, "fx/cache"), &roots, &n,
					 reason, sizeof(reason), &err),
		     0, "%s", err.msg);
	cr_assert_str_eq(names(roots, n, b, sizeof(b)), "fx/cache");
	free(roots);
	rl_transport_free(t);
	rl_model_free(m);
	/* base and cache down: the heal of cache belongs to base */
	cr_assert_eq(rl_guard_find_roots(ta, comp(ma, "fx/cache"), &roots, &n,
					 reason, sizeof(reason), &err),
		     0, "%s", err.msg);
	cr_assert_str_eq(names(roots, n, b, sizeof(b)), "fx/base");
	free(roots);
}

/* What FAILED hears. */
static void failed_cb(void *ctx, const struct rl_component *c, const char *msg)
{
	(void)msg;
	snprintf(ctx, 64, "%s", c->name);
}

Test(guard, a_lock_taken_over_after_expiry_is_not_released_by_us)
{
	struct rl_plan *p = plan(ma, RL_ACTION_RESTART, "fx/gateway");
	struct rl_guard *g = rl_guard_new(
	    ma, "handle_component restart fx/gateway", hostdir, &err);
	char why[RL_ERR_MAX], path[300], heard[64] = "";
	FILE *f;

	cr_assert_eq(rl_guard_acquire(g, ta, p, why, sizeof(why), &err), 0,
		     "%s %s", why, err.msg);
	/* another node took it over (ours expired): our release leaves it */
	snprintf(path, sizeof(path), "%s/fx%%2Fgateway.lock/owner", hostdir);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fprintf(f, "b pid 1 relancectl restart fx/gateway\n%lld\n",
		(long long)time(NULL) + 600);
	fclose(f);
	rl_guard_release(g, failed_cb, heard);
	cr_assert_str_eq(heard, "", "not a failure: just not ours any more");
	cr_assert_eq(count_entries(hostdir), 1, "b's lock stays");
	rl_plan_free(p);
}
