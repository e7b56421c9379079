#include <stdio.h>
#include <string.h>

#include "model.h"
#include "rl_model.h"
#include "rl_test.h"
#include "util.h"

static struct rl_model *m;
static struct rl_err err;
static const char *file;

static void setup(void)
{
	m = rl_model_new();
	cr_assert_not_null(m);
	file = rl_model_intern_file(m, "fx.ini");
	cr_assert_not_null(
	    rl_model_add_host(m, "h1", (struct rl_where){file, 1}, &err));
	rl_err_clear(&err);
}

static void teardown(void)
{
	rl_model_free(m);
	rl_test_fini();
}

/* Adds a component at LINE (host h1) with space-separated requirements. */
static struct rl_component *comp(const char *name, int line, const char *reqs)
{
	return rl_test_comp(m, name, "h1", reqs, (struct rl_where){file, line});
}

TestSuite(model, .init = setup, .fini = teardown);

Test(model, demo_levels_and_order)
{
	comp("demo/gateway", 40, "pricer");
	comp("demo/pricer", 30, "marketdata demo/cache");
	comp("demo/cache", 20, "marketdata");
	comp("demo/marketdata", 10, "");
	comp("demo/reports", 50, "cache");
	cr_assert_eq(rl_model_resolve(m, &err), 0, "%s", err.msg);

	cr_assert_eq(rl_model_component(m, "demo/marketdata")->level, 0);
	cr_assert_eq(rl_model_component(m, "demo/cache")->level, 1);
	cr_assert_eq(rl_model_component(m, "demo/pricer")->level, 2);
	cr_assert_eq(rl_model_component(m, "demo/reports")->level, 2);
	cr_assert_eq(rl_model_component(m, "demo/gateway")->level, 3);

	const char *want[] = {"demo/marketdata", "demo/cache", "demo/pricer",
			      "demo/reports", "demo/gateway"};
	for (size_t i = 0; i < 5; i++) {
		cr_assert_str_eq(m->topo[i]->name, want[i]);
		cr_assert_eq(m->topo[i]->topo, i);
	}
	cr_assert_eq(m->n_apps, 1);
	cr_assert_str_eq(m->apps[0]->name, "demo");
	cr_assert_eq(m->apps[0]->n_components, 5);
	cr_assert_str_eq(m->apps[0]->components[0]->name, "demo/marketdata");

	struct rl_component *cache = rl_model_component(m, "demo/cache");
	cr_assert_eq(cache->n_dependents, 2);
	cr_assert_eq(cache->host, rl_model_host(m, "h1"));
	/* short names are resolved within the component's application */
	cr_assert_str_eq(
	    rl_model_component(m, "demo/gateway")->requires_names[0],
	    "demo/pricer");
	/* resolving twice gives the same graph */
	cr_assert_eq(rl_model_resolve(m, &err), 0, "%s", err.msg);
	cr_assert_eq(cache->n_dependents, 2);
}

Test(model, cross_application_requirements)
{
	comp("fx/pricer", 10, "md/feed");
	comp("md/feed", 20, "");
	cr_assert_eq(rl_model_resolve(m, &err), 0, "%s", err.msg);
	cr_assert_eq(m->n_apps, 2);
	cr_assert_str_eq(m->apps[0]->name, "fx");
	cr_assert_str_eq(m->apps[1]->name, "md");
	cr_assert_eq(rl_model_component(m, "fx/pricer")->level, 1);
}

Test(model, cycle_named_with_closing_place)
{
	comp("fx/a", 10, "b");
	comp("fx/b", 20, "c");
	comp("fx/c", 30, "a");
	comp("fx/d", 40, "a");
	cr_assert_eq(rl_model_resolve(m, &err), -1);
	cr_assert_str_eq(
	    err.msg,
	    "fx.ini:31: requirement cycle: fx/a -> fx/b -> fx/c -> fx/a");
}

Test(model, self_requirement_is_a_cycle)
{
	comp("fx/a", 10, "");
	comp("fx/b", 20, "b");
	cr_assert_eq(rl_model_resolve(m, &err), -1);
	cr_assert_str_eq(err.msg, "fx.ini:21: requirement cycle: fx/b -> fx/b");
}

Test(model, unknown_requirement)
{
	comp("fx/a", 10, "cach");
	cr_assert_eq(rl_model_resolve(m, &err), -1);
	cr_assert_str_eq(err.msg, "fx.ini:11: component 'fx/a': requires "
				  "unknown component 'fx/cach'");
}

Test(model, unknown_host_and_missing_host)
{
	struct rl_component *c = comp("fx/a", 10, "");
	free(c->host_name);
	c->host_name = strdup("nowhere");
	cr_assert_eq(rl_model_resolve(m, &err), -1);
	cr_assert_str_eq(err.msg,
			 "fx.ini:10: component 'fx/a': unknown host 'nowhere'");
	free(c->host_name);
	c->host_name = NULL;
	cr_assert_eq(rl_model_resolve(m, &err), -1);
	cr_assert_str_eq(err.msg,
			 "fx.ini:10: component 'fx/a': no host (key 'host')");
}

Test(model, duplicates_name_both_places)
{
	comp("fx/a", 10, "");
	cr_assert_null(rl_model_add_component(
	    m, "fx/a", (struct rl_where){file, 99}, &err));
	cr_assert_str_eq(err.msg, "fx.ini:99: duplicate component 'fx/a' "
				  "(first defined at fx.ini:10)");
	cr_assert_null(
	    rl_model_add_host(m, "h1", (struct rl_where){file, 7}, &err));
	cr_assert_str_eq(
	    err.msg,
	    "fx.ini:7: duplicate host 'h1' (first defined at fx.ini:1)");
	cr_assert_eq(rl_model_add_require(m, rl_model_component(m, "fx/a"), "b",
					  (struct rl_where){file, 11}, &err),
		     0);
	cr_assert_eq(rl_model_add_require(m, rl_model_component(m, "fx/a"),
					  "fx/b", (struct rl_where){file, 12},
					  &err),
		     -1);
	cr_assert_str_eq(err.msg,
			 "fx.ini:12: component 'fx/a': requires 'fx/b' twice");
}

Test(model, application_sections)
{
	comp("fx/a", 10, "");
	struct rl_app *a =
	    rl_model_add_app(m, "fx", (struct rl_where){file, 3}, &err);
	cr_assert_not_null(a, "%s", err.msg);
	cr_assert(a->declared);
	cr_assert_eq(a->where.line, 3);
	cr_assert_null(
	    rl_model_add_app(m, "fx", (struct rl_where){file, 5}, &err));
	cr_assert_str_eq(
	    err.msg,
	    "fx.ini:5: duplicate application 'fx' (first defined at fx.ini:3)");
}

Test(model, invalid_names)
{
	const char *bad[] = {
	    "pricer", "/pricer",  "fx/", "fx/pri cer",
	    "fx/a/b", "fx/pr;ce", "",	 "fx/\xc3\xa9t\xc3\xa9"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_null(rl_model_add_component(
				   m, bad[i], (struct rl_where){file, 4}, &err),
			       "accepted '%s'", bad[i]);
		cr_assert(strstr(err.msg, "invalid name") != NULL, "%s",
			  err.msg);
		cr_assert(strncmp(err.msg, "fx.ini:4: ", 10) == 0, "%s",
			  err.msg);
	}
	cr_assert_null(
	    rl_model_add_host(m, "a host", (struct rl_where){file, 2}, &err));
	cr_assert_str_eq(err.msg, "fx.ini:2: host 'a host': invalid name (use "
				  "letters, digits, '.', '_' and '-')");
}

Test(model, defaults)
{
	struct rl_component *c = comp("fx/a", 10, "");
	cr_assert_eq(c->heal, RL_HEAL_HARD);
	cr_assert_eq(c->restart_limit_count, 3);
	cr_assert_eq(c->restart_limit_window_ms, 3600000);
	cr_assert_eq(c->start_timeout_ms, 60000);
	cr_assert_eq(c->check_mode, RL_CHECK_EXIT);
	struct rl_host *h = rl_model_host(m, "h1");
	cr_assert_eq(h->transport, RL_TRANSPORT_SSH);
	cr_assert_eq(h->port, 22);
	cr_assert_eq(m->site.parallel, 4);
	cr_assert_str_eq(rl_shell_name(RL_SHELL_CMD), "cmd");
	cr_assert_str_eq(rl_transport_name(RL_TRANSPORT_LOCAL), "local");
}

/* 10,000 components on 1,000 hosts, with a long chain through them all, to
 * show resolve is linear enough and does not recurse on the C stack. */
Test(model, ten_thousand_components)
{
	char name[64], host[32], req[64];
	int64_t t0 = rl_now_ms();

	for (int h = 2; h <= 1000; h++) {
		snprintf(host, sizeof(host), "h%d", h);
		cr_assert_not_null(rl_model_add_host(
		    m, host, (struct rl_where){file, h}, &err));
	}
	for (int i = 0; i < 10000; i++) {
		struct rl_component *c;
		snprintf(name, sizeof(name), "app%d/c%d", i / 100, i);
		c = rl_model_add_component(
		    m, name, (struct rl_where){file, i + 1}, &err);
		cr_assert_not_null(c, "%s", err.msg);
		snprintf(host, sizeof(host), "h%d", i % 1000 + 1);
		c->host_name = strdup(host);
		if (i > 0) {
			snprintf(req, sizeof(req), "app%d/c%d", (i - 1) / 100,
				 i - 1);
			cr_assert_eq(rl_model_add_require(
					 m, c, req,
					 (struct rl_where){file, i + 1}, &err),
				     0);
		}
		if (i > 10) {
			snprintf(req, sizeof(req), "app%d/c%d", (i / 2) / 100,
				 i / 2);
			cr_assert_eq(rl_model_add_require(
					 m, c, req,
					 (struct rl_where){file, i + 1}, &err),
				     0);
		}
	}
	cr_assert_eq(rl_model_resolve(m, &err), 0, "%s", err.msg);
	cr_log_info("10k components resolved in %lld ms",
		    (long long)(rl_now_ms() - t0));
	cr_assert_eq(m->n_apps, 100);
	cr_assert_eq(rl_model_component(m, "app99/c9999")->level, 9999);
	for (size_t i = 0; i < m->n_components; i++) {
		struct rl_component *c = m->topo[i];
		for (size_t j = 0; j < c->n_requires; j++)
			cr_assert_lt(c->requires[j] -> topo, c -> topo);
	}
	/* a cycle at the far end of the chain is still found and named */
	cr_assert_eq(rl_model_add_require(m, rl_model_component(m, "app0/c0"),
					  "app99/c9999",
					  (struct rl_where){file, 1}, &err),
		     0);
	cr_assert_eq(rl_model_resolve(m, &err), -1);
	cr_assert(strstr(err.msg, "requirement cycle: ") != NULL, "%s",
		  err.msg);
}
