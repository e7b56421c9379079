#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"
#include "rl_model.h"
#include "rl_test.h"

TestSuite(plan, .fini = rl_test_fini);

static const struct rl_where nowhere = {NULL, 0};

/* A component of the builder's, with this file's timeouts. */
static struct rl_component *add_comp(struct rl_model *m, const char *name,
				     const char *host, const char *requires)
{
	struct rl_component *c =
	    rl_test_comp(m, name, host, requires, RL_TEST_NOWHERE);

	c->start_timeout_ms = 10000;
	c->stop_timeout_ms = 120000;
	return c;
}

static void add_host(struct rl_model *m, const char *name)
{
	rl_test_host(m, name, RL_TEST_NOWHERE)->transport = RL_TRANSPORT_LOCAL;
}

/* The demo application of conf/demo, on one host. */
static struct rl_model *demo(void)
{
	struct rl_model *m = rl_model_new();

	cr_assert_not_null(m);
	add_host(m, "localhost");
	add_comp(m, "demo/marketdata", "localhost", NULL);
	add_comp(m, "demo/cache", "localhost", "marketdata");
	add_comp(m, "demo/pricer", "localhost", "demo/marketdata cache");
	add_comp(m, "demo/gateway", "localhost", "pricer");
	add_comp(m, "demo/reports", "localhost", "cache");
	return m;
}

static struct rl_plan *build(const struct rl_model *m, enum rl_action a,
			     const char *target)
{
	struct rl_err err = {""};
	struct rl_plan *p = NULL;

	cr_assert_eq(rl_plan_build(m, a, target, &p, &err), 0, "%s: %s", target,
		     err.msg);
	cr_assert_not_null(p);
	return p;
}

/*
 * The plan as text, one level per group: "stop gateway | stop pricer |
 * start pricer+reports" (short kind, full names, '+' inside a level).
 */
static char *shape(const struct rl_plan *p)
{
	struct rl_buf b = RL_BUF_INIT;
	size_t l, i, number = 0;

	for (l = 0; l < p->n_levels; l++) {
		if (l > 0)
			rl_buf_puts(&b, " | ");
		cr_assert_gt(p->levels[l].n_steps, 0);
		for (i = 0; i < p->levels[l].n_steps; i++) {
			const struct rl_step *s = &p->levels[l].steps[i];

			cr_assert_eq(s->number, ++number);
			if (i == 0)
				rl_buf_printf(&b, "%s ",
					      rl_step_kind_name(s->kind));
			else
				cr_assert_eq(s->kind,
					     p->levels[l].steps[0].kind);
			rl_buf_printf(&b, "%s%s", i > 0 ? "+" : "",
				      s->comp->name);
		}
	}
	cr_assert_eq(number, p->n_steps);
	return rl_buf_detach(&b);
}

static void expect(const struct rl_model *m, enum rl_action a,
		   const char *target, const char *want)
{
	struct rl_plan *p = build(m, a, target);
	char *got = shape(p);

	cr_expect_str_eq(got, want, "%s %s", rl_action_name(a), target);
	free(got);
	rl_plan_free(p);
}

Test(plan, restart_middle_component)
{
	struct rl_model *m = demo();

	rl_test_resolve(m);
	expect(m, RL_ACTION_RESTART, "demo/pricer",
	       "stop demo/gateway | stop demo/pricer | start demo/pricer | "
	       "start demo/gateway");
	rl_model_free(m);
}

Test(plan, restart_root_component)
{
	struct rl_model *m = demo();

	rl_test_resolve(m);
	expect(m, RL_ACTION_RESTART, "demo/marketdata",
	       "stop demo/gateway | stop demo/pricer+demo/reports | "
	       "stop demo/cache | stop demo/marketdata | "
	       "start demo/marketdata | start demo/cache | "
	       "start demo/pricer+demo/reports | start demo/gateway");
	rl_model_free(m);
}

Test(plan, restart_leaf_component)
{
	struct rl_model *m = demo();

	rl_test_resolve(m);
	expect(m, RL_ACTION_RESTART, "demo/reports",
	       "stop demo/reports | start demo/reports");
	rl_model_free(m);
}

Test(plan, restart_leaf_with_own_restart_command)
{
	struct rl_model *m = demo();
	struct rl_component *c;

	c = rl_model_component(m, "demo/reports");
	if (c == NULL) { /* lookups may need resolve: find it by hand */
		size_t i;

		for (i = 0; i < m->n_components; i++)
			if (strcmp(m->components[i]->name, "demo/reports") == 0)
				c = m->components[i];
	}
	cr_assert_not_null(c);
	c->restart = strdup("true");
	cr_assert_not_null(c->restart);
	rl_test_resolve(m);
	expect(m, RL_ACTION_RESTART, "demo/reports", "restart demo/reports");
	/* with dependents the own restart is not enough: they go down too */
	c = rl_model_component(m, "demo/cache");
	c->restart = strdup("true");
	cr_assert_not_null(c->restart);
	expect(m, RL_ACTION_RESTART, "demo/cache",
	       "stop demo/gateway | stop demo/pricer+demo/reports | "
	       "stop demo/cache | start demo/cache | "
	       "start demo/pricer+demo/reports | start demo/gateway");
	rl_model_free(m);
}

Test(plan, start_pulls_requirements)
{
	struct rl_model *m = demo();
	struct rl_plan *p;

	rl_test_resolve(m);
	expect(m, RL_ACTION_START, "demo/gateway",
	       "start demo/marketdata | start demo/cache | start demo/pricer | "
	       "start demo/gateway");
	expect(m, RL_ACTION_START, "demo/marketdata", "start demo/marketdata");
	/* why each step is there */
	p = build(m, RL_ACTION_START, "demo/gateway");
	cr_assert_null(p->levels[3].steps[0].because);
	cr_assert_str_eq(p->levels[2].steps[0].because->name, "demo/gateway");
	cr_assert_str_eq(p->levels[0].steps[0].because->name, "demo/pricer");
	cr_assert_eq(p->n_touched, 4);
	cr_assert_str_eq(p->touched[0]->name, "demo/marketdata");
	cr_assert_str_eq(p->touched[3]->name, "demo/gateway");
	rl_plan_free(p);
	rl_model_free(m);
}

Test(plan, stop_pulls_dependents)
{
	struct rl_model *m = demo();

	rl_test_resolve(m);
	expect(m, RL_ACTION_STOP, "demo/cache",
	       "stop demo/gateway | stop demo/pricer+demo/reports | "
	       "stop demo/cache");
	expect(m, RL_ACTION_STOP, "demo/gateway", "stop demo/gateway");
	rl_model_free(m);
}

Test(plan, whole_application)
{
	struct rl_model *m = demo();
	struct rl_plan *p;

	rl_test_resolve(m);
	expect(m, RL_ACTION_START, "demo",
	       "start demo/marketdata | start demo/cache | "
	       "start demo/pricer+demo/reports | start demo/gateway");
	expect(m, RL_ACTION_STOP, "demo",
	       "stop demo/gateway | stop demo/pricer+demo/reports | "
	       "stop demo/cache | stop demo/marketdata");
	expect(m, RL_ACTION_RESTART, "demo",
	       "stop demo/gateway | stop demo/pricer+demo/reports | "
	       "stop demo/cache | stop demo/marketdata | "
	       "start demo/marketdata | start demo/cache | "
	       "start demo/pricer+demo/reports | start demo/gateway");
	p = build(m, RL_ACTION_START, "demo");
	cr_assert(p->target_is_app);
	cr_assert_eq(p->n_touched, 5);
	cr_assert_eq(p->parallel, m->site.parallel);
	rl_plan_free(p);
	rl_model_free(m);
}

Test(plan, parallel_from_app_else_site)
{
	struct rl_model *m = demo();
	struct rl_err err = {""};
	struct rl_app *a;
	struct rl_plan *p;

	m->site.parallel = 3;
	add_comp(m, "other/x", "localhost", NULL);
	a = rl_model_add_app(m, "other", nowhere, &err);
	cr_assert_not_null(a, "%s", err.msg);
	a->parallel = 7;
	rl_test_resolve(m);
	p = build(m, RL_ACTION_START, "demo");
	cr_assert_eq(p->parallel, 3);
	rl_plan_free(p);
	p = build(m, RL_ACTION_START, "other");
	cr_assert_eq(p->parallel, 7);
	rl_plan_free(p);
	p = build(m, RL_ACTION_STOP, "other/x");
	cr_assert_eq(p->parallel, 7);
	rl_plan_free(p);
	rl_model_free(m);
}

Test(plan, cross_application_requirements)
{
	struct rl_model *m = rl_model_new();
	struct rl_plan *p;

	cr_assert_not_null(m);
	add_host(m, "h1");
	add_host(m, "h2");
	add_comp(m, "md/feed", "h1", NULL);
	add_comp(m, "md/store", "h1", "feed");
	add_comp(m, "fx/pricer", "h2", "md/feed");
	add_comp(m, "fx/ui", "h2", "pricer");
	add_comp(m, "eq/book", "h2", NULL);
	rl_test_resolve(m);
	/* a component of another application goes down with its requirement */
	expect(m, RL_ACTION_RESTART, "md/feed",
	       "stop fx/ui | stop fx/pricer+md/store | stop md/feed | "
	       "start md/feed | start fx/pricer+md/store | start fx/ui");
	/* and comes up first when a dependent starts */
	expect(m, RL_ACTION_START, "fx/ui",
	       "start md/feed | start fx/pricer | start fx/ui");
	expect(m, RL_ACTION_START, "fx",
	       "start md/feed | start fx/pricer | start fx/ui");
	expect(m, RL_ACTION_STOP, "md",
	       "stop fx/ui | stop fx/pricer+md/store | stop md/feed");
	p = build(m, RL_ACTION_RESTART, "md/feed");
	cr_assert_eq(p->n_hosts, 2);
	cr_assert_eq(p->n_touched, 4);
	cr_assert_eq(p->n_model_components, 5);
	rl_plan_free(p);
	p = build(m, RL_ACTION_START, "eq");
	cr_assert_eq(p->n_hosts, 1);
	rl_plan_free(p);
	rl_model_free(m);
}

Test(plan, unknown_target)
{
	struct rl_model *m = demo();
	struct rl_err err = {""};
	struct rl_plan *p = NULL;

	add_comp(m, "other/cache", "localhost", NULL);
	rl_test_resolve(m);
	cr_assert_eq(rl_plan_build(m, RL_ACTION_START, "nope", &p, &err), -1);
	cr_assert_null(p);
	cr_assert_str_eq(err.msg, "unknown component or application 'nope'");
	cr_assert_eq(rl_plan_build(m, RL_ACTION_RESTART, "pricer", &p, &err),
		     -1);
	cr_assert_str_eq(err.msg, "unknown component or application 'pricer'; "
				  "did you mean 'demo/pricer'?");
	/* two components called cache: no guess */
	cr_assert_eq(rl_plan_build(m, RL_ACTION_STOP, "cache", &p, &err), -1);
	cr_assert_str_eq(err.msg, "unknown component or application 'cache'");
	/* a full name is never guessed at */
	cr_assert_eq(rl_plan_build(m, RL_ACTION_STOP, "x/pricer", &p, &err),
		     -1);
	cr_assert_str_eq(err.msg,
			 "unknown component or application 'x/pricer'");
	rl_model_free(m);
}

Test(plan, print_reads_well)
{
	struct rl_model *m = demo();
	struct rl_buf b = RL_BUF_INIT;
	struct rl_plan *p;

	rl_test_resolve(m);
	p = build(m, RL_ACTION_RESTART, "demo/pricer");
	rl_plan_print(p, &b);
	cr_assert_str_eq(
	    rl_buf_str(&b),
	    "plan: restart demo/pricer \xe2\x80\x94 4 steps on 1 host, "
	    "touches 2 of 5 components\n"
	    " 1. stop    demo/gateway  on localhost  then check until "
	    "down, at most 2m  (requires demo/pricer)\n"
	    " 2. stop    demo/pricer   on localhost  then check until "
	    "down, at most 2m\n"
	    " 3. start   demo/pricer   on localhost  then check until "
	    "OK, at most 10s\n"
	    " 4. start   demo/gateway  on localhost  then check until "
	    "OK, at most 10s\n");
	rl_plan_free(p);
	rl_buf_reset(&b);

	p = build(m, RL_ACTION_STOP, "demo/cache");
	rl_plan_print(p, &b);
	cr_assert(
	    strstr(rl_buf_str(&b),
		   " 2. \xe2\x94\x8c stop    demo/pricer   on localhost") !=
		NULL,
	    "%s", rl_buf_str(&b));
	cr_assert(
	    strstr(rl_buf_str(&b),
		   " 3. \xe2\x94\x94 stop    demo/reports  on localhost") !=
		NULL,
	    "%s", rl_buf_str(&b));
	cr_assert(strstr(rl_buf_str(&b), "run together, at most 4 at once\n") !=
		      NULL,
		  "%s", rl_buf_str(&b));
	rl_plan_free(p);
	rl_buf_free(&b);
	rl_model_free(m);
}

Test(plan, json)
{
	struct rl_model *m = demo();
	struct rl_buf b = RL_BUF_INIT;
	struct rl_plan *p;

	rl_test_resolve(m);
	p = build(m, RL_ACTION_RESTART, "demo/pricer");
	rl_plan_json(p, &b);
	cr_assert_str_eq(
	    rl_buf_str(&b),
	    "{\"action\":\"restart\",\"target\":\"demo/pricer\","
	    "\"target_is_app\":false,\"parallel\":4,\"levels\":4,"
	    "\"hosts\":1,\"touched\":[\"demo/pricer\",\"demo/gateway\"],"
	    "\"steps\":["
	    "{\"n\":1,\"level\":1,\"kind\":\"stop\",\"component\":"
	    "\"demo/gateway\",\"host\":\"localhost\",\"because\":"
	    "\"demo/pricer\",\"timeout_ms\":120000},"
	    "{\"n\":2,\"level\":2,\"kind\":\"stop\",\"component\":"
	    "\"demo/pricer\",\"host\":\"localhost\",\"because\":null,"
	    "\"timeout_ms\":120000},"
	    "{\"n\":3,\"level\":3,\"kind\":\"start\",\"component\":"
	    "\"demo/pricer\",\"host\":\"localhost\",\"because\":null,"
	    "\"timeout_ms\":10000},"
	    "{\"n\":4,\"level\":4,\"kind\":\"start\",\"component\":"
	    "\"demo/gateway\",\"host\":\"localhost\",\"because\":"
	    "\"demo/pricer\",\"timeout_ms\":10000}]}");
	rl_plan_free(p);
	rl_buf_free(&b);
	rl_model_free(m);
}

Test(plan, action_names)
{
	enum rl_action a;

	cr_assert_eq(rl_action_parse("restart", &a), 0);
	cr_assert_eq(a, RL_ACTION_RESTART);
	cr_assert_eq(rl_action_parse("stop", &a), 0);
	cr_assert_eq(a, RL_ACTION_STOP);
	cr_assert_eq(rl_action_parse("start", &a), 0);
	cr_assert_eq(a, RL_ACTION_START);
	cr_assert_eq(rl_action_parse("Start", &a), -1);
	cr_assert_eq(rl_action_parse("", &a), -1);
	cr_assert_str_eq(rl_step_kind_name(RL_STEP_RESTART), "restart");
}

/* ---- a large generated model ------------------------------------------ */

#define BIG_APPS 100
#define BIG_PER_APP 100
#define BIG_N (BIG_APPS * BIG_PER_APP)
#define BIG_HOSTS 1000

static unsigned next_rand(unsigned *s)
{
	*s = *s * 1103515245u + 12345u;
	return (*s >> 16) & 0x7fff;
}

/*
 * Component i is "aA/cC" (A = i / 100) on host i % 1000 and requires 1 to 3
 * of the components before it, anywhere in the model; req[i][] records them
 * for the reference computation.
 */
static struct rl_model *big_model(int req[BIG_N][3], int nreq[BIG_N])
{
	struct rl_model *m = rl_model_new();
	unsigned seed = 42;
	char name[64], host[32];
	size_t i;
	int k, j;

	cr_assert_not_null(m);
	for (i = 0; i < BIG_HOSTS; i++) {
		snprintf(host, sizeof(host), "h%zu", i);
		add_host(m, host);
	}
	for (i = 0; i < BIG_N; i++) {
		struct rl_component *c;

		snprintf(name, sizeof(name), "a%zu/c%zu", i / BIG_PER_APP, i);
		snprintf(host, sizeof(host), "h%zu", i % BIG_HOSTS);
		c = add_comp(m, name, host, NULL);
		nreq[i] = 0;
		if (i == 0)
			continue;
		k = 1 + (int)(next_rand(&seed) % 3);
		for (j = 0; j < k; j++) {
			/* mostly near, sometimes far: long chains and fans */
			size_t r =
			    next_rand(&seed) % 4 == 0
				? next_rand(&seed) % i
				: i - 1 - next_rand(&seed) % (i < 20 ? i : 20);
			struct rl_err err = {""};
			int dup = 0, q;

			for (q = 0; q < nreq[i]; q++)
				dup |= req[i][q] == (int)r;
			if (dup)
				continue;
			req[i][nreq[i]++] = (int)r;
			snprintf(name, sizeof(name), "a%zu/c%zu",
				 r / BIG_PER_APP, r);
			cr_assert_eq(
			    rl_model_add_require(m, c, name, nowhere, &err), 0,
			    "%s", err.msg);
		}
	}
	return m;
}

static int index_of(const struct rl_model *m, const struct rl_component *c)
{
	(void)m;
	return atoi(strchr(c->name, '/') + 2);
}

/*
 * Checks a restart plan of component ROOT of the big model against a
 * reference set computed here, and the ordering invariant: every component
 * started after all its requirements in the set and stopped after all its
 * dependents in the set, each in a strictly earlier level.
 */
static void check_big_restart(const struct rl_model *m, int req[BIG_N][3],
			      int nreq[BIG_N], size_t root, size_t min_set)
{
	static unsigned char inset[BIG_N];
	static long pos_stop[BIG_N], pos_start[BIG_N];
	struct rl_plan *p;
	char name[64];
	size_t want = 0, i, l, s;
	int q;

	snprintf(name, sizeof(name), "a%zu/c%zu", root / BIG_PER_APP, root);
	p = build(m, RL_ACTION_RESTART, name);
	/* reference: requirements come earlier, so one forward pass */
	for (i = 0; i < BIG_N; i++) {
		inset[i] = i == root;
		for (q = 0; q < nreq[i] && i > root; q++)
			inset[i] |= inset[req[i][q]];
		want += inset[i];
	}
	cr_assert_geq(want, min_set, "%s: only %zu in the set", name, want);
	cr_assert_eq(p->n_touched, want, "%s", name);
	cr_assert_eq(p->n_steps, 2 * want);

	for (i = 0; i < BIG_N; i++)
		pos_stop[i] = pos_start[i] = -1;
	for (l = 0; l < p->n_levels; l++)
		for (s = 0; s < p->levels[l].n_steps; s++) {
			const struct rl_step *st = &p->levels[l].steps[s];
			int k = index_of(m, st->comp);

			cr_assert(inset[k], "%s is not in the set",
				  st->comp->name);
			if (st->kind == RL_STEP_STOP) {
				cr_assert_eq(pos_stop[k], -1);
				cr_assert_eq(pos_start[k], -1,
					     "start before stop");
				pos_stop[k] = (long)l;
			} else {
				cr_assert_eq(st->kind, RL_STEP_START);
				cr_assert_eq(pos_start[k], -1);
				pos_start[k] = (long)l;
			}
			if (s > 0)
				cr_assert_lt(
				    strcmp(p->levels[l].steps[s - 1].comp->name,
					   st->comp->name),
				    0, "level not sorted by name");
		}
	for (i = 0; i < BIG_N; i++) {
		if (!inset[i])
			continue;
		cr_assert_neq(pos_stop[i], -1);
		cr_assert_neq(pos_start[i], -1);
		for (q = 0; q < nreq[i]; q++) {
			int r = req[i][q];

			if (!inset[r])
				continue;
			cr_assert_lt(pos_start[r], pos_start[i],
				     "c%zu started before its requirement c%d",
				     i, r);
			cr_assert_lt(pos_stop[i], pos_stop[r],
				     "c%d stopped before its dependent c%zu", r,
				     i);
		}
	}
	rl_plan_free(p);
}

/* The first component from FROM on whose restart touches at least MIN. */
static size_t big_root(int req[BIG_N][3], int nreq[BIG_N], size_t from,
		       size_t min)
{
	static unsigned char in[BIG_N];
	size_t r, i, n;
	int q;

	for (r = from; r < BIG_N; r++) {
		memset(in, 0, sizeof(in));
		in[r] = 1;
		for (i = r + 1, n = 1; i < BIG_N; i++) {
			for (q = 0; q < nreq[i]; q++)
				in[i] |= in[req[i][q]];
			n += in[i];
		}
		if (n >= min)
			return r;
	}
	cr_assert_fail("no component from %zu on has %zu dependents", from,
		       min);
	return 0;
}

Test(plan, ten_thousand_components, .timeout = 60)
{
	static int req[BIG_N][3], nreq[BIG_N];
	struct rl_model *m;
	struct rl_plan *p = NULL;
	struct rl_err err = {""};
	int64_t t0, t1;
	t0 = rl_now_ms();
	m = big_model(req, nreq);
	rl_test_resolve(m);
	/* c0 is the one root: every other component depends on it */
	cr_assert_eq(rl_plan_build(m, RL_ACTION_RESTART, "a0/c0", &p, &err), 0,
		     "%s", err.msg);
	t1 = rl_now_ms();
	cr_log_info("model of %d components and a restart plan of %zu steps "
		    "in %lld ms",
		    BIG_N, p->n_steps, (long long)(t1 - t0));
	/* how long it takes is bench/'s to measure (bench/generate.sh), not
	 * a test's: a loaded machine took 264 ms where a quiet one takes 50 */
	cr_assert_eq(p->n_steps, 2 * BIG_N);
	cr_assert_eq(p->n_hosts, BIG_HOSTS);
	rl_plan_free(p);

	check_big_restart(m, req, nreq, 0, BIG_N);
	check_big_restart(m, req, nreq, big_root(req, nreq, 5000, 100), 100);
	check_big_restart(m, req, nreq, big_root(req, nreq, 9000, 10), 10);

	/* the whole of one application started: requirements pulled in */
	t0 = rl_now_ms();
	p = build(m, RL_ACTION_START, "a99");
	t1 = rl_now_ms();
	cr_assert_geq(p->n_touched, BIG_PER_APP);
	rl_plan_free(p);
	rl_model_free(m);
}
