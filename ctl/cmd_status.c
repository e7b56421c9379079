/*
 * cmd_status - `relancectl status [APP|COMPONENT]`: run the checks, show a
 * tree per application (or JSON); exits as a plugin.
 */
#include "build.h"

#include <stdio.h>
#include <stdlib.h>

#include "ctl.h"
#include "run.h"
#include "status.h"
#include "transport.h"

static int cmd_status(struct ctl *ctl, int argc, char **argv)
{
	struct rl_err err = {""};
	struct rl_buf b = RL_BUF_INIT;
	const struct rl_component **comps = NULL;
	struct rl_check_result *res = NULL;
	struct rl_transport *t = NULL;
	int64_t timeout = ctl->timeout_ms;
	size_t n = 0, i;
	int r;

	r = ctl_parse(ctl, &ctl_cmd_status, NULL, &argc, &argv);
	if (r != CTL_GO_ON)
		return r;
	if (argc > 1)
		return usage_error("status: too many arguments");
	r = load_config(ctl);
	if (r)
		return r;
	if (rl_status_select(ctl->model, argc ? argv[0] : NULL, &comps, &n,
			     &err) < 0) {
		r = fail(EXIT_USAGE, err.msg);
		goto out;
	}
	if (!timeout) {
		/* the slowest check may take its whole time, plus a margin
		 * for the connections */
		for (i = 0; i < n; i++)
			if (comps[i]->check_timeout_ms > timeout)
				timeout = comps[i]->check_timeout_ms;
		timeout += 2000;
	}
	t = rl_transport_new(ctl->model, &err);
	if (!t) {
		r = fail(EXIT_INTERNAL, err.msg);
		goto out;
	}
	if (rl_run_checks(t, comps, n, rl_now_ms() + timeout, &res, &err) < 0) {
		r = fail(EXIT_INTERNAL, err.msg);
		goto out;
	}
	if (ctl->json)
		rl_status_json(res, n, &b);
	else
		rl_status_text(res, n,
			       (ctl->color ? RL_STATUS_COLOR : 0) |
				   (ctl->verbose ? RL_STATUS_LONG : 0),
			       &b);
	r = print_buf(&b);
	if (!r)
		r = (int)rl_status_worst(res, n);
out:
	rl_buf_free(&b);
	if (res)
		rl_check_results_free(res, n);
	rl_transport_free(t);
	free(comps);
	return r;
}

const struct ctl_cmd ctl_cmd_status = {"status", cmd_status, NULL};
