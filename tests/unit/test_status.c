#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "rl_model.h"
#include "rl_test.h"
#include "run.h"
#include "status.h"
#include "util.h"

static struct rl_model *m;
static struct rl_err err;
static const char *file;
static struct rl_buf out = RL_BUF_INIT;

/* Adds a component at LINE (host h1) with space-separated requirements. */
static struct rl_component *comp(const char *name, int line, const char *reqs)
{
	return rl_test_comp(m, name, "h1", reqs, (struct rl_where){file, line});
}

static void setup(void)
{
	m = rl_model_new();
	cr_assert_not_null(m);
	file = rl_model_intern_file(m, "t.ini");
	cr_assert_not_null(
	    rl_model_add_host(m, "h1", (struct rl_where){file, 1}, &err));
	comp("demo/gateway", 40, "pricer");
	comp("demo/pricer", 30, "marketdata demo/cache");
	comp("demo/cache", 20, "marketdata");
	comp("demo/marketdata", 10, "");
	comp("other/batch", 50, "");
	cr_assert_eq(rl_model_resolve(m, &err), 0, "%s", err.msg);
}

static void teardown(void)
{
	rl_buf_free(&out);
	rl_model_free(m);
	rl_test_fini();
}

TestSuite(status, .init = setup, .fini = teardown);

/* Results for the selected components, every one OK unless changed. */
static struct rl_check_result *results(const struct rl_component **c, size_t n)
{
	struct rl_check_result *r = calloc(n, sizeof(*r));
	size_t i;

	cr_assert_not_null(r);
	for (i = 0; i < n; i++) {
		r[i].comp = c[i];
		r[i].state = RL_STATE_OK;
		r[i].output = strdup("running");
		r[i].duration_us = 12000;
	}
	return r;
}

static void free_results(struct rl_check_result *r, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(r[i].output);
		free(r[i].long_output);
	}
	free(r);
}

Test(status, select_all_app_component_unknown)
{
	const struct rl_component **c = NULL;
	size_t n = 0;

	cr_assert_eq(rl_status_select(m, NULL, &c, &n, &err), 0);
	cr_assert_eq(n, 5);
	free(c);
	cr_assert_eq(rl_status_select(m, "demo", &c, &n, &err), 0);
	cr_assert_eq(n, 4);
	cr_assert_str_eq(c[0]->name, "demo/marketdata");
	cr_assert_str_eq(c[3]->name, "demo/gateway");
	free(c);
	cr_assert_eq(rl_status_select(m, "demo/cache", &c, &n, &err), 0);
	cr_assert_eq(n, 1);
	cr_assert_str_eq(c[0]->name, "demo/cache");
	free(c);
	c = NULL;
	cr_assert_lt(rl_status_select(m, "demo/nope", &c, &n, &err), 0);
	cr_assert_null(c);
	cr_assert_str_eq(err.msg,
			 "unknown component or application 'demo/nope'");
}

Test(status, worst_state)
{
	const struct rl_component **c = NULL;
	struct rl_check_result *r;
	size_t n = 0;

	cr_assert_eq(rl_status_select(m, NULL, &c, &n, &err), 0);
	r = results(c, n);
	cr_assert_eq(rl_status_worst(r, n), RL_STATE_OK);
	r[1].state = RL_STATE_UNKNOWN;
	cr_assert_eq(rl_status_worst(r, n), RL_STATE_UNKNOWN);
	r[2].state = RL_STATE_WARNING;
	cr_assert_eq(rl_status_worst(r, n),
		     rl_state_worst(RL_STATE_UNKNOWN, RL_STATE_WARNING));
	r[4].state = RL_STATE_CRITICAL;
	cr_assert_eq(rl_status_worst(r, n), RL_STATE_CRITICAL);
	cr_assert_eq(rl_status_worst(r, 0), RL_STATE_OK);
	free_results(r, n);
	free(c);
}

Test(status, text_tree)
{
	const struct rl_component **c = NULL;
	struct rl_check_result *r;
	size_t n = 0;
	const char *s;

	cr_assert_eq(rl_status_select(m, NULL, &c, &n, &err), 0);
	r = results(c, n);
	r[2].state = RL_STATE_CRITICAL; /* topo: md, batch, cache, ... */
	cr_assert_str_eq(r[2].comp->name, "demo/cache");
	free(r[2].output);
	r[2].output = strdup("down\nsecond line");
	rl_status_text(r, n, 0, &out);
	cr_assert_not(out.oom);
	s = rl_buf_str(&out);
	cr_assert_not_null(strstr(s, "demo: CRITICAL (4 components: 3 OK, "
				     "1 CRITICAL)\n"),
			   "%s", s);
	cr_assert_not_null(strstr(s, "other: OK (1 component: 1 OK)\n"), "%s",
			   s);
	/* level 0 at two spaces, level 1 at four; columns aligned */
	cr_assert_not_null(strstr(s, "\n  [OK]       demo/marketdata        "
				     "on h1  12ms  running\n"),
			   "%s", s);
	cr_assert_not_null(strstr(s, "\n    [CRITICAL] demo/cache           "
				     "on h1  12ms  down; requires "
				     "demo/marketdata\n"),
			   "%s", s);
	cr_assert_not_null(strstr(s, "requires demo/marketdata, demo/cache\n"),
			   "%s", s);
	/* the first line of output only, and the demo tree before other */
	cr_assert_null(strstr(s, "second line"));
	cr_assert_lt(strstr(s, "demo/gateway"), strstr(s, "other:"));
	cr_assert_lt(strstr(s, "demo/pricer"), strstr(s, "demo/gateway"));
	cr_assert_null(strchr(s, '\033'));
	free_results(r, n);
	free(c);
}

Test(status, colour_long_output_and_hostile_text)
{
	const struct rl_component **c = NULL;
	struct rl_check_result *r;
	size_t n = 0;
	char big[1000];
	const char *s;

	cr_assert_eq(rl_status_select(m, "demo/pricer", &c, &n, &err), 0);
	r = results(c, n);
	r[0].state = RL_STATE_WARNING;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "\033[2J", 4);
	free(r[0].output);
	r[0].output = strdup(big);
	r[0].long_output = strdup("detail one\ndetail two");
	rl_status_text(r, n, RL_STATUS_COLOR | RL_STATUS_LONG, &out);
	s = rl_buf_str(&out);
	cr_assert_not_null(strstr(s, "\033[33m[WARNING]\033[0m"), "%s", s);
	cr_assert_null(strstr(s, "\033[2J"), "escapes from output removed");
	cr_assert_not_null(strstr(s, "?[2Jxxx"), "%s", s);
	cr_assert_not_null(strstr(s, "xxx..."), "long output cut");
	cr_assert_lt(strlen(s), 500);
	cr_assert_not_null(strstr(s, "detail one\n"), "%s", s);
	cr_assert_not_null(strstr(s, "detail two\n"), "%s", s);
	free_results(r, n);
	free(c);
}

Test(status, json)
{
	const struct rl_component **c = NULL;
	struct rl_check_result *r;
	size_t n = 0;
	const char *s;

	cr_assert_eq(rl_status_select(m, "demo", &c, &n, &err), 0);
	r = results(c, n);
	r[3].state = RL_STATE_UNKNOWN;
	free(r[3].output);
	r[3].output = strdup("say \"hi\"\n");
	r[3].transport_failed = true;
	rl_status_json(r, n, &out);
	s = rl_buf_str(&out);
	cr_assert_eq(
	    strncmp(s,
		    "{\"state\":\"UNKNOWN\",\"exit\":3,"
		    "\"applications\":[{\"name\":\"demo\","
		    "\"state\":\"UNKNOWN\",\"counts\":{\"OK\":3,"
		    "\"WARNING\":0,\"CRITICAL\":0,\"UNKNOWN\":1},",
		    strlen("{\"state\":\"UNKNOWN\",\"exit\":3,"
			   "\"applications\":[{\"name\":\"demo\","
			   "\"state\":\"UNKNOWN\",\"counts\":{\"OK\":3,"
			   "\"WARNING\":0,\"CRITICAL\":0,\"UNKNOWN\":1},")),
	    0, "%s", s);
	cr_assert_not_null(strstr(s, "\"output\":\"say \\\"hi\\\"\\n\""), "%s",
			   s);
	cr_assert_not_null(strstr(s, "\"transport_failed\":true"), "%s", s);
	cr_assert_not_null(strstr(s, "\"requires\":[\"demo/pricer\"]"), "%s",
			   s);
	cr_assert_not_null(strstr(s, "\"duration_ms\":12.0"), "%s", s);
	cr_assert_eq(s[strlen(s) - 1], '\n');
	free_results(r, n);
	free(c);
}
