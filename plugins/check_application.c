/*
 * check_application - the state of every component of an application, as
 * one monitoring plugin.
 *
 *   check_application -f CONFIG -A APP [-t SECONDS[:STATE]] [-T] [-v]
 *
 * Prints "APPLICATION STATE - fx: 1 of 10 components critical: fx/pricer
 * | ok=9;;;0 ... 'fx/pricer'=0.012s;;;0" then the tree of the components
 * in dependency order, as relancectl status shows it. Exits 0..3.
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
#include "status.h"
#include "transport.h"
#include "util.h"
#include "xpath.h"

#define PROG "check_application"
#define PREFIX "APPLICATION"

/* at most this many names listed per state in the status line */
#define MAX_LISTED 5

static void usage(FILE *f)
{
	fprintf(f, "Usage: " PROG
		   " -f CONFIG -A APP [-t SECONDS[:STATE]] [-T] [-v]\n");
}

static void help(void)
{
	printf(PROG " " PACKAGE_VERSION " (relance)\n"
		    "Checks every component of an application described in "
		    "relance's config,\n"
		    "all at once (one SSH session per host), and reports the "
		    "worst state as a\n"
		    "monitoring plugin, followed by the components in "
		    "dependency order.\n\n");
	usage(stdout);
	printf("\nOptions:\n"
	       " -f, --config=FILE        relance config (default "
	       "$RELANCE_CONFIG, else\n"
	       "                          " SYSCONFDIR "/relance/relance.ini)\n"
	       " -A, --application=APP    the application to check\n"
	       " -t, --timeout=SECONDS[:STATE]\n"
	       "                          give up after SECONDS (default 10; a "
	       "duration\n"
	       "                          such as 500ms works too); a "
	       "component not\n"
	       "                          checked by then reports STATE "
	       "(default UNKNOWN)\n"
	       " -T, --transport-critical a component whose host cannot be "
	       "reached is\n"
	       "                          CRITICAL, not UNKNOWN\n"
	       " -v, --verbose            -v: the slowest check on the status "
	       "line and\n"
	       "                          each check's long output in the "
	       "tree; -vv: the\n"
	       "                          config, commands and hosts after "
	       "it; -vvv:\n"
	       "                          timings and sizes too\n"
	       " -h, --help               this help\n"
	       " -V, --version            the version\n"
	       "\nThe state is the worst of the components' (CRITICAL > "
	       "WARNING > UNKNOWN\n"
	       "> OK). Perfdata: the count of components in each state and "
	       "each check's\n"
	       "duration.\n"
	       "\nExit status: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (also "
	       "for usage and\n"
	       "config errors).\n");
}

struct app_args {
	const char *app; /* -A */
};

static const struct rl_opt application_opts[] = {
    RL_OPT('A', "application", RL_OPT_STRING, offsetof(struct app_args, app)),
    {0},
};

static int parse_args(int argc, char **argv, struct rl_pm_opts *o,
		      const char **app)
{
	struct app_args a = {NULL};
	int r;

	rl_pm_opts_init(o, PROG, PREFIX);
	r = rl_pm_parse(o, application_opts, &a, help, argc, argv);
	if (r >= 0)
		return r;
	if (a.app == NULL)
		return rl_pm_fail(o, RL_STATE_UNKNOWN,
				  "give the application with -A APP (see " PROG
				  " -h)");
	*app = a.app;
	return -1;
}

/*
 * "2 of 5 components critical: fx/a, fx/b" for the first state listed,
 * "; 1 warning: fx/c" for the next ones.
 */
static void list_state(struct rl_buf *b, const struct rl_check_result *r,
		       size_t n, const size_t *count, enum rl_state s)
{
	static const char *const lower[] = {"ok", "warning", "critical",
					    "unknown"};
	size_t i, listed = 0;

	if (count[s] == 0)
		return;
	if (b->len == 0)
		rl_buf_printf(b, "%zu of %zu components %s: ", count[s], n,
			      lower[s]);
	else
		rl_buf_printf(b, "; %zu %s: ", count[s], lower[s]);
	for (i = 0; i < n; i++) {
		if (r[i].state != s)
			continue;
		if (listed == MAX_LISTED) {
			rl_buf_printf(b, ", ...");
			break;
		}
		rl_buf_printf(b, "%s%s", listed > 0 ? ", " : "",
			      r[i].comp->name);
		listed++;
	}
}

static int report(struct rl_pm_opts *o, const char *app,
		  const struct rl_check_result *r, size_t n)
{
	struct rl_buf list = RL_BUF_INIT, text = RL_BUF_INIT;
	struct rl_buf perf = RL_BUF_INIT, line = RL_BUF_INIT;
	struct rl_buf tree = RL_BUF_INIT;
	size_t count[4] = {0, 0, 0, 0};
	enum rl_state worst = rl_status_worst(r, n);
	size_t i;
	int code;

	for (i = 0; i < n; i++)
		count[r[i].state]++;
	list_state(&list, r, n, count, RL_STATE_CRITICAL);
	list_state(&list, r, n, count, RL_STATE_WARNING);
	list_state(&list, r, n, count, RL_STATE_UNKNOWN);
	if (list.len == 0)
		rl_buf_printf(&text, "%s: %zu of %zu components ok", app,
			      count[RL_STATE_OK], n);
	else
		rl_buf_printf(&text, "%s: %s", app, rl_buf_str(&list));
	/* -v: one line with more detail: the slowest check */
	if (o->verbose >= RL_PM_V_DETAIL) {
		size_t slow = 0;

		for (i = 1; i < n; i++)
			if (r[i].duration_us > r[slow].duration_us)
				slow = i;
		rl_buf_printf(&text, " (slowest %s, %.3fs)", r[slow].comp->name,
			      rl_pm_seconds(r[slow].duration_us));
	}
	for (i = 0; i < n; i++)
		rl_pm_debug_result(o, &r[i]);

	for (i = 0; i < 4; i++) {
		static const char *const label[] = {"ok", "warning", "critical",
						    "unknown"};

		rl_perf_append(&perf, label[i], (double)count[i], NULL, NULL,
			       NULL, "0", NULL);
	}
	for (i = 0; i < n; i++)
		rl_perf_append(&perf, r[i].comp->name,
			       rl_pm_seconds(r[i].duration_us), "s", NULL, NULL,
			       "0", NULL);

	rl_plugin_status_line(&line, PREFIX, worst, rl_buf_str(&text),
			      rl_buf_str(&perf));
	rl_status_text(
	    r, n, RL_STATUS_NO_HEADER | (o->verbose > 0 ? RL_STATUS_LONG : 0u),
	    &tree);
	/* the cores read the first '|' of the long output as the start of
	 * perfdata: a wrapped plugin's own '|' is shown as '/', as the status
	 * line shows it */
	for (i = 0; i < tree.len; i++)
		if (tree.data[i] == '|')
			tree.data[i] = '/';
	rl_pm_printing();
	fputs(rl_buf_str(&line), stdout);
	fputs(rl_buf_str(&tree), stdout);
	code = list.oom || text.oom || perf.oom || line.oom || tree.oom
		   ? RL_STATE_UNKNOWN
		   : (int)worst;
	rl_buf_free(&list);
	rl_buf_free(&text);
	rl_buf_free(&perf);
	rl_buf_free(&line);
	rl_buf_free(&tree);
	return code;
}

int main(int argc, char **argv)
{
	struct rl_pm_opts o;
	struct rl_err err = {""};
	struct rl_model *m = NULL;
	struct rl_transport *t = NULL;
	struct rl_check_result *res = NULL;
	const struct rl_component **comps = NULL;
	const char *app = NULL;
	int64_t start = rl_now_ms(), deadline;
	size_t n = 0, i;
	int code;

	rl_xpath_init();
	code = parse_args(argc, argv, &o, &app);
	if (code >= 0)
		return code;
	deadline = rl_pm_arm(&o, start);
	m = rl_pm_load(&o, &code);
	if (m == NULL)
		goto out;
	if (rl_model_app(m, app) == NULL) {
		code = rl_pm_fail(&o, RL_STATE_UNKNOWN,
				  "unknown application '%.100s'", app);
		goto out;
	}
	if (rl_status_select(m, app, &comps, &n, &err) < 0) {
		code = rl_pm_fail(&o, RL_STATE_UNKNOWN, "%s", err.msg);
		goto out;
	}
	if (n == 0) {
		code =
		    rl_pm_fail(&o, RL_STATE_UNKNOWN,
			       "application '%.100s' has no components", app);
		goto out;
	}
	for (i = 0; i < n; i++)
		rl_pm_debug_component(&o, m, comps[i]);
	rl_pm_debug(&o, RL_PM_V_CONFIG, "timeout: %lldms, then %s%s",
		    (long long)o.timeout_ms, rl_state_name(o.timeout_state),
		    o.transport_critical
			? "; an unreachable host is CRITICAL (-T)"
			: "");
	t = rl_transport_new(m, &err);
	if (t == NULL) {
		code = rl_pm_fail(&o, RL_STATE_UNKNOWN, "%s", err.msg);
		goto out;
	}
	if (rl_run_checks(t, comps, n, deadline, &res, &err) < 0) {
		code = rl_pm_fail(&o, RL_STATE_UNKNOWN, "%s", err.msg);
		goto out;
	}
	for (i = 0; i < n; i++)
		res[i].state = rl_pm_state(&o, &res[i]);
	code = report(&o, app, res, n);
out:
	rl_pm_finish(&o);
	code = rl_pm_done(code);
	rl_check_results_free(res, res != NULL ? n : 0);
	rl_transport_free(t);
	free(comps);
	rl_model_free(m);
	return code;
}
