/*
 * check_component - the state of one component, as a monitoring plugin.
 *
 *   check_component -f CONFIG -C APP/NAME [-t SECONDS[:STATE]] [-v]
 *   check_component -f CONFIG -H HOST -s NAME ...
 *
 * Prints "COMPONENT STATE - text | time=...s;;;0" and exits 0..3.
 */
#include "build.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "plugin.h"
#include "pluginmain.h"
#include "run.h"
#include "transport.h"
#include "util.h"
#include "xpath.h"

#define PROG "check_component"
#define PREFIX "COMPONENT"

struct opts {
	struct rl_pm_opts pm;
	const char *component;
	const char *host;
	const char *name;
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: " PROG
		   " -f CONFIG -C APP/NAME [-t SECONDS[:STATE]] [-v]\n"
		   "       " PROG
		   " -f CONFIG -H HOST -s NAME [-t SECONDS[:STATE]] [-v]\n");
}

static void help(void)
{
	printf(PROG " " PACKAGE_VERSION " (relance)\n"
		    "Checks one component of an application described in "
		    "relance's config, on\n"
		    "its host (over SSH, or locally), and reports its state as "
		    "a monitoring\n"
		    "plugin.\n\n");
	usage(stdout);
	printf(
	    "\nOptions:\n"
	    " -f, --config=FILE        relance config (default "
	    "$RELANCE_CONFIG, else\n"
	    "                          " SYSCONFDIR "/relance/relance.ini)\n"
	    " -C, --component=APP/NAME the component to check\n"
	    " -H, --host=HOST          with -s: the host the component runs "
	    "on\n"
	    " -s, --service=NAME       with -H: the component's name on that "
	    "host\n"
	    "                          (APP/NAME or NAME)\n"
	    " -t, --timeout=SECONDS[:STATE]\n"
	    "                          give up after SECONDS (default: the "
	    "component's\n"
	    "                          check_timeout; a duration such as 500ms "
	    "works\n"
	    "                          too) and report STATE\n"
	    "                          (default UNKNOWN)\n"
	    " -T, --transport-critical a failure to reach the host (connect, "
	    "host key,\n"
	    "                          authentication...) is CRITICAL, not "
	    "UNKNOWN\n"
	    " -v, --verbose            -v: more detail on the status line; "
	    "-vv: the\n"
	    "                          config, command and host after it; "
	    "-vvv: timings\n"
	    "                          and sizes too\n"
	    " -h, --help               this help\n"
	    " -V, --version            the version\n"
	    "\nCheck modes (the component's check_mode):\n"
	    "  exit    exit status 0 is OK, anything else CRITICAL\n"
	    "  plugin  the check is itself a plugin: 0..3 and its output pass "
	    "through\n"
	    "  xml     the check prints XML, judged by the XPath expressions\n"
	    "\nExit status: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (also for "
	    "usage and\n"
	    "config errors).\n");
}

static const struct rl_opt component_opts[] = {
    RL_OPT('C', "component", RL_OPT_STRING, offsetof(struct opts, component)),
    RL_OPT('H', "host", RL_OPT_STRING, offsetof(struct opts, host)),
    RL_OPT('s', "service", RL_OPT_STRING, offsetof(struct opts, name)),
    {0},
};

static int parse_args(int argc, char **argv, struct opts *o)
{
	int r;

	rl_pm_opts_init(&o->pm, PROG, PREFIX);
	r = rl_pm_parse(&o->pm, component_opts, o, help, argc, argv);
	if (r >= 0)
		return r;
	if (o->component != NULL ? o->host != NULL || o->name != NULL
				 : o->host == NULL || o->name == NULL)
		return rl_pm_fail(&o->pm, RL_STATE_UNKNOWN,
				  "give either -C APP/NAME, or -H HOST and "
				  "-s NAME (see " PROG " -h)");
	return -1;
}

/* The component named by the options; NULL after printing the failure. */
static const struct rl_component *find(const struct rl_model *m,
				       const struct opts *o, int *code)
{
	const struct rl_component *c = NULL;
	size_t i;

	if (o->component != NULL) {
		c = rl_model_component(m, o->component);
		if (c == NULL)
			*code = rl_pm_fail(&o->pm, RL_STATE_UNKNOWN,
					   "unknown component '%.100s'",
					   o->component);
		return c;
	}
	if (rl_model_host(m, o->host) == NULL) {
		*code = rl_pm_fail(&o->pm, RL_STATE_UNKNOWN,
				   "unknown host '%.100s'", o->host);
		return NULL;
	}
	for (i = 0; i < m->n_components; i++) {
		const struct rl_component *x = m->components[i];

		if (strcmp(x->host_name, o->host) != 0)
			continue;
		if (strcmp(x->name, o->name) != 0 &&
		    strcmp(x->short_name, o->name) != 0)
			continue;
		if (c != NULL) {
			*code = rl_pm_fail(
			    &o->pm, RL_STATE_UNKNOWN,
			    "'%.100s' names more than one component on "
			    "host '%.100s' (%s, %s): use APP/NAME",
			    o->name, o->host, c->name, x->name);
			return NULL;
		}
		c = x;
	}
	if (c == NULL)
		*code = rl_pm_fail(&o->pm, RL_STATE_UNKNOWN,
				   "no component '%.100s' on host '%.100s'",
				   o->name, o->host);
	return c;
}

static int report(struct opts *o, const struct rl_component *c,
		  const struct rl_check_result *r)
{
	struct rl_buf text = RL_BUF_INIT, perf = RL_BUF_INIT;
	struct rl_buf line = RL_BUF_INIT;
	enum rl_state state = r->state;
	char secs[32];
	const char *out = r->output != NULL ? r->output : "";
	const char *bar;
	int code;

	snprintf(secs, sizeof(secs), "%.3f", (double)r->duration_us / 1e6);
	rl_perf_append(&perf, "time", rl_pm_seconds(r->duration_us), "s", NULL,
		       NULL, "0", NULL);
	if (r->transport_failed) {
		state = rl_pm_state(&o->pm, r);
		rl_buf_printf(&text, "%s on %s: %s", c->name, c->host_name,
			      out);
	} else if (c->check_mode != RL_CHECK_EXIT) {
		/* the check's own perfdata follows ours */
		bar = strchr(out, '|');
		rl_buf_printf(
		    &text, "%s on %s: %.*s", c->name, c->host_name,
		    (int)(bar != NULL ? (size_t)(bar - out) : strlen(out)),
		    out);
		while (text.len > 0 && text.data[text.len - 1] == ' ')
			text.data[--text.len] = '\0';
		if (bar != NULL && bar[1] != '\0')
			rl_buf_printf(&perf, " %s", bar + 1 + (bar[1] == ' '));
	} else if (state == RL_STATE_OK && o->pm.verbose >= RL_PM_V_DETAIL &&
		   out[0] != '\0') {
		rl_buf_printf(&text, "%s on %s is up: %s", c->name,
			      c->host_name, out);
	} else if (state == RL_STATE_OK) {
		rl_buf_printf(&text, "%s on %s is up", c->name, c->host_name);
	} else {
		rl_buf_printf(&text, "%s on %s is down: %s", c->name,
			      c->host_name, out);
	}
	/* -v: one line with more detail: how long, through what */
	if (o->pm.verbose >= RL_PM_V_DETAIL)
		rl_buf_printf(&text, " (%ss, %s)", secs,
			      rl_transport_name(c->host->transport));
	rl_plugin_status_line(&line, PREFIX, state, rl_buf_str(&text),
			      rl_buf_str(&perf));
	rl_pm_printing();
	fputs(rl_buf_str(&line), stdout);
	if (r->long_output != NULL && r->long_output[0] != '\0')
		printf("%s\n", r->long_output);
	rl_pm_debug_result(&o->pm, r);
	code = text.oom || perf.oom || line.oom ? RL_STATE_UNKNOWN : (int)state;
	rl_buf_free(&text);
	rl_buf_free(&perf);
	rl_buf_free(&line);
	return code;
}

int main(int argc, char **argv)
{
	struct opts o = {0};
	struct rl_err err = {""};
	struct rl_model *m = NULL;
	struct rl_transport *t = NULL;
	struct rl_check_result *res = NULL;
	const struct rl_component *c;
	int64_t start = rl_now_ms(), deadline;
	int code;

	rl_xpath_init();
	code = parse_args(argc, argv, &o);
	if (code >= 0)
		return code;
	deadline = rl_pm_arm(&o.pm, start);
	m = rl_pm_load(&o.pm, &code);
	if (m == NULL)
		goto out;
	c = find(m, &o, &code);
	if (c == NULL)
		goto out;
	rl_pm_debug_component(&o.pm, m, c);
	if (!o.pm.timeout_given) {
		/* without -t, the component's check_timeout */
		o.pm.timeout_ms = c->check_timeout_ms;
		deadline = rl_pm_arm(&o.pm, start);
	}
	rl_pm_debug(
	    &o.pm, RL_PM_V_CONFIG, "timeout: %lldms, then %s%s",
	    (long long)o.pm.timeout_ms, rl_state_name(o.pm.timeout_state),
	    o.pm.transport_critical ? "; an unreachable host is CRITICAL (-T)"
				    : "");
	t = rl_transport_new(m, &err);
	if (t == NULL) {
		code = rl_pm_fail(&o.pm, RL_STATE_UNKNOWN, "%s", err.msg);
		goto out;
	}
	if (rl_run_checks(t, &c, 1, deadline, &res, &err) < 0) {
		code = rl_pm_fail(&o.pm, RL_STATE_UNKNOWN, "%s", err.msg);
		goto out;
	}
	code = report(&o, c, &res[0]);
out:
	rl_pm_finish(&o.pm);
	code = rl_pm_done(code);
	rl_check_results_free(res, res != NULL ? 1 : 0);
	rl_transport_free(t);
	rl_model_free(m);
	return code;
}
