/*
 * rl_model.h - one way for the unit tests to build a small model by hand,
 * without a configuration file: hosts, components with their
 * requirements, then rl_test_resolve(). Every call fails the test on an
 * error. Include after rl_test.h.
 *
 *   struct rl_model *m = rl_model_new();
 *   rl_test_host(m, "h1", RL_TEST_NOWHERE);
 *   rl_test_comp(m, "demo/cache", "h1", "marketdata", RL_TEST_NOWHERE);
 *   rl_test_resolve(m);
 */
#ifndef RL_TEST_MODEL_H
#define RL_TEST_MODEL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "model.h"

/* No place in a file: messages carry none. */
#define RL_TEST_NOWHERE ((struct rl_where){NULL, 0})

/* Adds host NAME defined at W; transport and the rest as the model's
 * defaults (the caller sets what its test needs). */
static inline struct rl_host *rl_test_host(struct rl_model *m, const char *name,
					   struct rl_where w)
{
	struct rl_err err = {""};
	struct rl_host *h = rl_model_add_host(m, name, w, &err);

	cr_assert_not_null(h, "add host %s: %s", name, err.msg);
	return h;
}

/*
 * Adds component NAME ("app/short") on HOST, defined at W, whose check,
 * start and stop are "true", requiring the space-separated REQS (NULL or
 * "" for none), each written on the line after W's (none when W has no
 * file). The caller changes the commands or timeouts it needs.
 */
static inline struct rl_component *
rl_test_comp(struct rl_model *m, const char *name, const char *host,
	     const char *reqs, struct rl_where w)
{
	struct rl_err err = {""};
	struct rl_where rw = w;
	struct rl_component *c;
	char buf[512], *tok, *save = NULL;

	if (rw.file != NULL)
		rw.line++;
	c = rl_model_add_component(m, name, w, &err);
	cr_assert_not_null(c, "add component %s: %s", name, err.msg);
	c->host_name = strdup(host);
	c->check = strdup("true");
	c->start = strdup("true");
	c->stop = strdup("true");
	cr_assert(c->host_name && c->check && c->start && c->stop);
	snprintf(buf, sizeof(buf), "%s", reqs != NULL ? reqs : "");
	for (tok = strtok_r(buf, " ", &save); tok != NULL;
	     tok = strtok_r(NULL, " ", &save))
		cr_assert_eq(rl_model_add_require(m, c, tok, rw, &err), 0,
			     "%s requires %s: %s", name, tok, err.msg);
	return c;
}

/* Replaces the command *CMD (check, start or stop) by TEXT. */
static inline void rl_test_set_cmd(char **cmd, const char *text)
{
	free(*cmd);
	*cmd = strdup(text);
	cr_assert_not_null(*cmd);
}

/* rl_model_resolve(), which must succeed. */
static inline void rl_test_resolve(struct rl_model *m)
{
	struct rl_err err = {""};

	cr_assert_eq(rl_model_resolve(m, &err), 0, "resolve: %s", err.msg);
}

#endif
