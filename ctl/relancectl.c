/*
 * relancectl - the on-call engineer's tool: status, start, stop, restart,
 * plan, history, config check. A thin main over lib/: parse, one library
 * call per command, print, exit with the documented code.
 */
#include "build.h"

#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "ctl_history.h"
#include "err.h"
#include "generate.h"
#include "hold.h"
#include "journal.h"
#include "lock.h"
#include "model.h"
#include "monitor.h"
#include "plan.h"
#include "plugin.h"
#include "run.h"
#include "status.h"
#include "transport.h"
#include "transport_ssh.h"
#include "util.h"

enum {
	EXIT_OK = 0,
	EXIT_FAILED = 1, /* the action failed: components are down */
	EXIT_CONFIG = 2,
	EXIT_USAGE = 3,
	EXIT_LOCKED = 4,  /* another action holds a lock */
	EXIT_JOURNAL = 5, /* the journal cannot be written */
	EXIT_INTERNAL = 6,
};

struct ctl {
	const char *config; /* -c, or NULL for the default */
	bool json;
	bool no_color;
	bool verbose;
	int64_t timeout_ms;	/* -t; 0: from the components' timeouts */
	int64_t since_ms;	/* history --since, as a duration */
	long limit;		/* history --limit */
	bool all;		/* history --all */
	const char *out_dir;	/* generate -o */
	bool check;		/* generate --check */
	bool define_hosts;	/* generate --define-hosts */
	const char *app_host;	/* generate --app-host */
	const char *plugin_dir; /* generate --plugin-dir */
	const char *handler;	/* generate --handler */
	bool add;		/* hostkey --add */
	const char *reason;	/* hold --reason */
	bool color;		/* decided once: tty, no NO_COLOR */
	char user[256];
	struct rl_model *model;
};

static const char usage_text[] =
    "usage: relancectl [-c CONFIG] [--json] [--no-color] [-t TIMEOUT] [-v]"
    " COMMAND ...\n"
    "\n"
    "commands:\n"
    "  status [APP|COMPONENT]       run the checks, show a tree per "
    "application\n"
    "  start APP|COMPONENT          start it and what it requires\n"
    "  stop APP|COMPONENT           stop it and what requires it\n"
    "  restart APP|COMPONENT        targeted restart (dependents too)\n"
    "  plan start|stop|restart X    show the steps, run nothing\n"
    "  history [APP|COMPONENT] [--since DURATION] [--limit N] [--all]\n"
    "                               the journal, newest last\n"
    "  config check                 load and validate the configuration\n"
    "  generate nagios|icinga2 [-o DIR [--check]] [--define-hosts]\n"
    "           [--app-host HOST] [--plugin-dir DIR] [--handler PATH]\n"
    "                               the monitoring objects: one file on\n"
    "                               stdout, or with -o one file per\n"
    "                               application in DIR; --check compares\n"
    "                               DIR with them (exit 1 on a difference);\n"
    "                               --plugin-dir: where the core finds the\n"
    "                               plugins (default " PLUGINDIR ")\n"
    "  hostkey HOST [--add]         the SSH host key HOST offers and whether\n"
    "                               known_hosts has it (known, unknown,\n"
    "                               MISMATCH); --add appends an unknown key\n"
    "                               as a plain [addr]:port line, never\n"
    "                               replaces a mismatching one\n"
    "  hold [COMPONENT --reason TEXT]\n"
    "                               keep the event handler away from\n"
    "                               COMPONENT until released; without\n"
    "                               arguments: list the holds\n"
    "  release COMPONENT            remove its hold (set by hand or by\n"
    "                               an acknowledgement)\n"
    "  help                         this text\n"
    "\n"
    "options:\n"
    "  -c, --config FILE   configuration (default: $RELANCE_CONFIG, else\n"
    "                      " SYSCONFDIR "/relance/relance.ini)\n"
    "      --json          output for scripts (JSON; history: JSON Lines)\n"
    "      --no-color      no colours (also: NO_COLOR set, or not a tty)\n"
    "  -t, --timeout DUR   status: deadline for all checks (10s, 500ms;\n"
    "                      a bare number is seconds); hostkey: deadline\n"
    "                      of the key exchange (default 10s)\n"
    "  -v, --verbose       more detail (long check output, step messages)\n"
    "  -h, --help          this text\n"
    "  -V, --version       the version\n"
    "\n"
    "exit status:\n"
    "  0 success   1 action failed (the components down are named)\n"
    "  2 configuration error   3 usage error (or unknown component)\n"
    "  4 refused: another action holds a lock   5 journal not writable\n"
    "  6 internal error\n"
    "  status exits as a plugin: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN,\n"
    "  the worst state wins (CRITICAL > WARNING > UNKNOWN > OK)\n";

static int usage_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("relancectl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (see relancectl --help)\n", stderr);
	return EXIT_USAGE;
}

static int fail(int code, const char *msg)
{
	fprintf(stderr, "relancectl: %s\n", msg);
	return code;
}

static int load_config(struct ctl *ctl)
{
	struct rl_err err = {""};
	const char *path = rl_config_default_path(ctl->config);

	if (rl_config_load(path, 0, &ctl->model, &err) < 0)
		return fail(EXIT_CONFIG, err.msg);
	return EXIT_OK;
}

static int print_buf(struct rl_buf *b)
{
	if (b->oom)
		return fail(EXIT_INTERNAL, "out of memory");
	fputs(rl_buf_str(b), stdout);
	return EXIT_OK;
}

/* ---- config check ------------------------------------------------- */

static int cmd_config(struct ctl *ctl, int argc, char **argv)
{
	const struct rl_model *m;
	size_t i;
	int r;

	if (argc == 0)
		return usage_error("config: missing command (check)");
	if (argc > 1 || strcmp(argv[0], "check"))
		return usage_error("config: unknown command '%.100s' (check)",
				   argv[0]);
	r = load_config(ctl);
	if (r)
		return r;
	m = ctl->model;
	if (ctl->json) {
		struct rl_buf b = RL_BUF_INIT;

		rl_buf_printf(&b,
			      "{\"ok\":true,\"applications\":%zu,"
			      "\"components\":%zu,\"hosts\":%zu,\"files\":[",
			      m->n_apps, m->n_components, m->n_hosts);
		for (i = 0; i < m->n_files; i++) {
			if (i)
				rl_buf_puts(&b, ",");
			rl_buf_json_str(&b, m->files[i]);
		}
		rl_buf_puts(&b, "]}\n");
		r = print_buf(&b);
		rl_buf_free(&b);
		return r;
	}
	printf("config OK: %zu application%s, %zu component%s on %zu host%s (",
	       m->n_apps, m->n_apps == 1 ? "" : "s", m->n_components,
	       m->n_components == 1 ? "" : "s", m->n_hosts,
	       m->n_hosts == 1 ? "" : "s");
	for (i = 0; i < m->n_files; i++)
		printf("%s%s", i ? ", " : "", m->files[i]);
	printf(")\n");
	return EXIT_OK;
}

/* ---- status --------------------------------------------------------- */

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

/* ---- plan ------------------------------------------------------------ */

static int cmd_plan(struct ctl *ctl, int argc, char **argv)
{
	struct rl_err err = {""};
	struct rl_buf b = RL_BUF_INIT;
	struct rl_plan *plan = NULL;
	enum rl_action action;
	int r;

	if (argc != 2)
		return usage_error("plan: expected start|stop|restart and "
				   "a component or application");
	if (rl_action_parse(argv[0], &action) < 0)
		return usage_error("plan: unknown action '%.100s' (start, "
				   "stop or restart)",
				   argv[0]);
	r = load_config(ctl);
	if (r)
		return r;
	if (rl_plan_build(ctl->model, action, argv[1], &plan, &err) < 0)
		return fail(EXIT_USAGE, err.msg);
	if (ctl->json) {
		rl_plan_json(plan, &b);
		rl_buf_puts(&b, "\n");
	} else {
		rl_plan_print(plan, &b);
	}
	r = print_buf(&b);
	rl_buf_free(&b);
	rl_plan_free(plan);
	return r;
}

/* ---- start, stop, restart ----------------------------------------------- */

struct progress {
	const struct ctl *ctl;
	size_t total;
};

static const char *outcome_word(enum rl_step_outcome o)
{
	switch (o) {
	case RL_OUTCOME_DONE:
		return "ok";
	case RL_OUTCOME_SKIPPED:
		return "skipped";
	case RL_OUTCOME_FAILED:
		return "FAILED";
	default:
		return "not run";
	}
}

static void print_step(const struct ctl *ctl, const struct rl_step_report *s,
		       size_t total)
{
	struct rl_buf b = RL_BUF_INIT;
	const char *colour = NULL;

	if (ctl->color)
		colour = s->outcome == RL_OUTCOME_FAILED ? "\033[31m"
			 : s->outcome == RL_OUTCOME_DONE ? "\033[32m"
							 : NULL;
	rl_buf_printf(&b, "%s[%s]%s %zu/%zu %s %s (", colour ? colour : "",
		      outcome_word(s->outcome), colour ? "\033[0m" : "",
		      s->step->number, total, rl_step_kind_name(s->step->kind),
		      s->step->comp->name);
	rl_buf_duration(&b, s->duration_ms);
	rl_buf_puts(&b, ")");
	/* a failure always says why; the rest only when asked */
	if (s->message[0] && (ctl->verbose || s->outcome != RL_OUTCOME_DONE))
		rl_buf_printf(&b, ": %.400s", s->message);
	rl_buf_puts(&b, "\n");
	if (!b.oom)
		fputs(rl_buf_str(&b), stdout);
	rl_buf_free(&b);
	fflush(stdout);
}

static void on_step(const struct rl_step_report *s, void *vctx)
{
	const struct progress *p = vctx;

	print_step(p->ctl, s, p->total);
}

static void report_json(const struct rl_plan *plan,
			const struct rl_run_report *rep, struct rl_buf *b)
{
	size_t i;

	rl_buf_puts(b, "{\"action\":");
	rl_buf_json_str(b, rl_action_name(plan->action));
	rl_buf_puts(b, ",\"target\":");
	rl_buf_json_str(b, plan->target);
	rl_buf_printf(b, ",\"ok\":%s,\"run\":", rep->ok ? "true" : "false");
	rl_buf_json_str(b, rep->run_id);
	rl_buf_printf(b, ",\"duration_ms\":%lld,\"steps\":[",
		      (long long)rep->duration_ms);
	for (i = 0; i < rep->n_steps; i++) {
		const struct rl_step_report *s = &rep->steps[i];

		rl_buf_printf(b, "%s{\"number\":%zu,\"kind\":", i ? "," : "",
			      s->step->number);
		rl_buf_json_str(b, rl_step_kind_name(s->step->kind));
		rl_buf_puts(b, ",\"component\":");
		rl_buf_json_str(b, s->step->comp->name);
		rl_buf_puts(b, ",\"outcome\":");
		rl_buf_json_str(b, outcome_word(s->outcome));
		rl_buf_printf(b, ",\"duration_ms\":%lld,\"message\":",
			      (long long)s->duration_ms);
		rl_buf_json_str(b, s->message);
		rl_buf_puts(b, "}");
	}
	rl_buf_puts(b, "],\"down\":[");
	for (i = 0; i < rep->n_down; i++) {
		if (i)
			rl_buf_puts(b, ",");
		rl_buf_json_str(b, rep->down[i]->name);
	}
	rl_buf_puts(b, "]}\n");
}

/*
 * After a start or a restart by hand, when the config names the core's
 * command pipe: a forced check of every component the plan touched, so
 * the core sees them up now instead of at its next interval (and Nagios
 * 4.4.6, which may have stopped scheduling a dependent after a dependency
 * skip, checks it again). Never after a stop, nor after a failure: the
 * core's handler would hear at once of components an engineer meant to be
 * down or is looking at. Journaled; a pipe that
 * cannot be written is a warning, the action's outcome stands.
 */
static void tell_core(const struct ctl *ctl, struct rl_journal *j,
		      const struct rl_plan *plan,
		      const struct rl_run_report *rep)
{
	const char *pipe = ctl->model->site.command_file;
	struct rl_err err = {""};
	struct rl_buf b = RL_BUF_INIT, msg = RL_BUF_INIT;
	struct rl_journal_rec r;
	size_t i;
	int bad = 0;

	if (pipe == NULL || plan->action == RL_ACTION_STOP || !rep->ok)
		return;
	for (i = 0; i < plan->n_touched && !bad; i++)
		bad =
		    rl_monitor_cmd_forced_check(&b, plan->touched[i]->host_name,
						plan->touched[i]->name, &err);
	if (!bad && b.oom)
		bad = rl_err_set(&err, "out of memory");
	if (!bad)
		bad = rl_monitor_send(pipe, rl_buf_str(&b), rl_now_ms() + 2000,
				      &err);
	rl_buf_printf(&msg, "forced check of %zu component%s", plan->n_touched,
		      plan->n_touched == 1 ? "" : "s");
	rl_journal_rec_init(&r);
	r.node = ctl->model->site.node;
	r.user = ctl->user;
	r.event = "writeback";
	r.component = plan->target;
	r.run = rep->run_id;
	r.result = bad ? "failed" : "ok";
	r.message = bad ? err.msg : msg.oom ? NULL : rl_buf_str(&msg);
	rl_journal_append(j, &r, NULL);
	if (bad)
		fprintf(stderr,
			"relancectl: warning: the core was not told: "
			"%s\n",
			err.msg);
	rl_buf_free(&b);
	rl_buf_free(&msg);
}

/* The summary after the progress lines; returns the exit code. */
static int summarise(const struct ctl *ctl, const struct rl_plan *plan,
		     const struct rl_run_report *rep)
{
	struct rl_buf b = RL_BUF_INIT;
	size_t i, done = 0, skipped = 0, failed = 0;
	int r;

	if (ctl->json) {
		report_json(plan, rep, &b);
		r = print_buf(&b);
		rl_buf_free(&b);
		return r ? r : rep->ok ? EXIT_OK : EXIT_FAILED;
	}
	for (i = 0; i < rep->n_steps; i++) {
		done += rep->steps[i].outcome == RL_OUTCOME_DONE;
		skipped += rep->steps[i].outcome == RL_OUTCOME_SKIPPED;
		failed += rep->steps[i].outcome == RL_OUTCOME_FAILED;
	}
	rl_buf_printf(&b, "%s %s: %s in ", rl_action_name(plan->action),
		      plan->target, rep->ok ? "done" : "FAILED");
	rl_buf_duration(&b, rep->duration_ms);
	rl_buf_printf(&b,
		      " (%zu step%s: %zu done, %zu skipped, %zu failed, "
		      "%zu not run; run %s)\n",
		      rep->n_steps, rep->n_steps == 1 ? "" : "s", done, skipped,
		      failed, rep->n_steps - done - skipped - failed,
		      rep->run_id);
	if (!rep->ok) {
		rl_buf_puts(&b, "down now: ");
		rl_run_report_down(rep, &b);
		rl_buf_puts(&b, "\n");
	}
	r = print_buf(&b);
	rl_buf_free(&b);
	if (r)
		return r;
	if (!rep->ok) {
		rl_buf_printf(&b, "%s %s failed; down now: ",
			      rl_action_name(plan->action), plan->target);
		rl_run_report_down(rep, &b);
		fail(EXIT_FAILED, b.oom ? "action failed" : rl_buf_str(&b));
		rl_buf_free(&b);
		return EXIT_FAILED;
	}
	return EXIT_OK;
}

static int take_locks(const struct ctl *ctl, const struct rl_plan *plan,
		      struct rl_lock **lock)
{
	struct rl_err err = {""};
	struct rl_buf what = RL_BUF_INIT;
	const char **names;
	size_t i;
	int r = EXIT_OK;

	names = calloc(plan->n_touched ? plan->n_touched : 1, sizeof(*names));
	if (!names)
		return fail(EXIT_INTERNAL, "out of memory");
	for (i = 0; i < plan->n_touched; i++)
		names[i] = plan->touched[i]->name;
	rl_buf_printf(&what, "relancectl %s %s by %s",
		      rl_action_name(plan->action), plan->target, ctl->user);
	if (what.oom)
		r = fail(EXIT_INTERNAL, "out of memory");
	else if (rl_lock_acquire(ctl->model->site.lock_dir, names,
				 plan->n_touched, rl_buf_str(&what), lock,
				 &err) < 0)
		r = fail(EXIT_LOCKED, err.msg);
	rl_buf_free(&what);
	free(names);
	return r;
}

static int cmd_action(struct ctl *ctl, enum rl_action action, int argc,
		      char **argv)
{
	struct rl_err err = {""};
	struct rl_plan *plan = NULL;
	struct rl_lock *lock = NULL;
	struct rl_journal *journal = NULL;
	struct rl_transport *t = NULL;
	struct rl_run_report *rep = NULL;
	struct rl_run_opts opts;
	struct progress prog;
	int r;

	if (argc != 1)
		return usage_error("%s: expected one component or application",
				   rl_action_name(action));
	r = load_config(ctl);
	if (r)
		return r;
	if (rl_plan_build(ctl->model, action, argv[0], &plan, &err) < 0)
		return fail(EXIT_USAGE, err.msg);
	r = take_locks(ctl, plan, &lock);
	if (r)
		goto out;
	journal = rl_journal_open(ctl->model->site.journal, &err);
	if (!journal) {
		r = fail(EXIT_JOURNAL, err.msg);
		goto out;
	}
	t = rl_transport_new(ctl->model, &err);
	if (!t) {
		r = fail(EXIT_INTERNAL, err.msg);
		goto out;
	}
	memset(&opts, 0, sizeof(opts));
	prog.ctl = ctl;
	prog.total = plan->n_steps;
	opts.journal = journal;
	opts.user = ctl->user;
	opts.origin = "relancectl";
	opts.progress = ctl->json ? NULL : on_step;
	opts.progress_ctx = &prog;
	/* a reader that goes away (| head) must not kill us half-way
	 * through a restart */
	signal(SIGPIPE, SIG_IGN);
	if (rl_run_plan(t, ctl->model, plan, &opts, &rep, &err) < 0) {
		/* the run could not go on: the journal failed */
		if (rep && !ctl->json) {
			struct rl_buf b = RL_BUF_INIT;

			rl_buf_puts(&b, "down now: ");
			rl_run_report_down(rep, &b);
			rl_buf_puts(&b, "\n");
			print_buf(&b);
			rl_buf_free(&b);
		}
		r = fail(EXIT_JOURNAL, err.msg);
		goto out;
	}
	r = summarise(ctl, plan, rep);
	tell_core(ctl, journal, plan, rep);
out:
	rl_run_report_free(rep);
	rl_transport_free(t);
	rl_journal_close(journal);
	rl_lock_release(lock);
	rl_plan_free(plan);
	return r;
}

static int cmd_start(struct ctl *ctl, int argc, char **argv)
{
	return cmd_action(ctl, RL_ACTION_START, argc, argv);
}

static int cmd_stop(struct ctl *ctl, int argc, char **argv)
{
	return cmd_action(ctl, RL_ACTION_STOP, argc, argv);
}

static int cmd_restart(struct ctl *ctl, int argc, char **argv)
{
	return cmd_action(ctl, RL_ACTION_RESTART, argc, argv);
}

/* ---- history ---------------------------------------------------------- */

static int cmd_history(struct ctl *ctl, int argc, char **argv)
{
	struct rl_err err = {""};
	struct ctl_history_opts o;
	size_t shown = 0;
	int r;

	if (argc > 1)
		return usage_error("history: too many arguments");
	r = load_config(ctl);
	if (r)
		return r;
	memset(&o, 0, sizeof(o));
	o.journal = ctl->model->site.journal;
	o.target = argc ? argv[0] : NULL;
	o.since_ms = ctl->since_ms ? rl_wall_ms() - ctl->since_ms : 0;
	o.limit = ctl->limit;
	o.json = ctl->json;
	o.all = ctl->all;
	if (ctl_history(&o, stdout, &shown, &err) < 0)
		return fail(EXIT_INTERNAL, err.msg);
	/* a typo must not look like a quiet history */
	if (!shown && o.target && !rl_model_component(ctl->model, o.target) &&
	    !rl_model_app(ctl->model, o.target)) {
		fprintf(stderr,
			"relancectl: unknown component or application "
			"'%.200s', and no record of it\n",
			o.target);
		return EXIT_USAGE;
	}
	if (!shown && !ctl->json)
		fprintf(stderr, "relancectl: no record in '%s'\n", o.journal);
	return EXIT_OK;
}

/* ---- hold / release --------------------------------------------------- */

static int journal_hold(const struct ctl *ctl, const char *comp,
			const char *result, const struct rl_hold *h)
{
	struct rl_err err = {""};
	struct rl_journal *j;
	struct rl_journal_rec r;
	int ret = EXIT_OK;

	j = rl_journal_open(ctl->model->site.journal, &err);
	if (j == NULL)
		return fail(EXIT_JOURNAL, err.msg);
	rl_journal_rec_init(&r);
	r.node = ctl->model->site.node;
	r.user = ctl->user;
	r.component = comp;
	rl_hold_journal_rec(&r, h, result);
	r.message = !strcmp(result, "set") ? "set by hand (relancectl)"
					   : "released by hand (relancectl)";
	if (rl_journal_append(j, &r, &err) < 0)
		ret = fail(EXIT_JOURNAL, err.msg);
	rl_journal_close(j);
	return ret;
}

static int list_holds(const struct ctl *ctl)
{
	struct rl_err err = {""};
	struct rl_hold h;
	char what[700];
	size_t i, n = 0;

	for (i = 0; i < ctl->model->n_components; i++) {
		const char *name = ctl->model->components[i]->name;

		if (rl_hold_get(ctl->model->site.hold_dir, name, &h, &err) < 0)
			return fail(EXIT_INTERNAL, err.msg);
		if (!h.set)
			continue;
		rl_hold_describe(&h, what, sizeof(what));
		printf("%-24s %s\n", name, what);
		n++;
	}
	if (n == 0)
		fprintf(stderr, "relancectl: no holds\n");
	return EXIT_OK;
}

static int cmd_hold(struct ctl *ctl, int argc, char **argv)
{
	struct rl_err err = {""};
	const struct rl_component *c;
	struct rl_hold h;
	int r;

	if (argc > 1)
		return usage_error("hold: expected one component");
	if (argc == 1 && (ctl->reason == NULL || !*ctl->reason))
		return usage_error("hold: --reason TEXT is required: say why, "
				   "for the next engineer");
	r = load_config(ctl);
	if (r)
		return r;
	if (argc == 0)
		return list_holds(ctl);
	c = rl_model_component(ctl->model, argv[0]);
	if (c == NULL)
		return usage_error("hold: unknown component '%.100s'", argv[0]);
	memset(&h, 0, sizeof(h));
	h.kind = RL_HOLD_MANUAL;
	snprintf(h.author, sizeof(h.author), "%.127s", ctl->user);
	snprintf(h.reason, sizeof(h.reason), "%s", ctl->reason);
	r = journal_hold(ctl, c->name, "set", &h);
	if (r)
		return r;
	if (rl_hold_set(ctl->model->site.hold_dir, c->name, RL_HOLD_MANUAL,
			ctl->user, ctl->model->site.node, ctl->reason,
			&err) < 0)
		return fail(EXIT_INTERNAL, err.msg);
	printf("%s: held: the event handler will not restart it until "
	       "`relancectl release %s`\n",
	       c->name, c->name);
	return EXIT_OK;
}

static int cmd_release(struct ctl *ctl, int argc, char **argv)
{
	struct rl_err err = {""};
	const struct rl_component *c;
	struct rl_hold old;
	bool removed;
	int r;

	if (argc != 1)
		return usage_error("release: expected one component");
	r = load_config(ctl);
	if (r)
		return r;
	c = rl_model_component(ctl->model, argv[0]);
	if (c == NULL)
		return usage_error("release: unknown component '%.100s'",
				   argv[0]);
	if (rl_hold_clear(ctl->model->site.hold_dir, c->name, true,
			  RL_HOLD_MANUAL, &removed, &old, &err) < 0)
		return fail(EXIT_INTERNAL, err.msg);
	if (!removed) {
		fprintf(stderr, "relancectl: %s has no hold\n", c->name);
		return EXIT_OK;
	}
	snprintf(old.author, sizeof(old.author), "%.127s", ctl->user);
	r = journal_hold(ctl, c->name, "cleared", &old);
	if (r)
		return r;
	printf("%s: released: the event handler may restart it again\n",
	       c->name);
	return EXIT_OK;
}

/* ---- generate ---------------------------------------------------------- */

static int cmd_generate(struct ctl *ctl, int argc, char **argv)
{
	struct rl_err err = {""};
	struct rl_generate_opts o;
	struct rl_generate_out out = {NULL, 0};
	enum rl_generate_target target;
	char *abs = NULL;
	size_t i, n_differ = 0;
	int r;

	if (argc != 1)
		return usage_error("generate: expected nagios or icinga2");
	if (rl_generate_target_parse(argv[0], &target, &err) < 0)
		return usage_error("generate: %s", err.msg);
	if (ctl->check && !ctl->out_dir)
		return usage_error("generate: --check needs -o DIR");
	if (ctl->plugin_dir && ctl->plugin_dir[0] != '/')
		return usage_error("generate: --plugin-dir '%.200s': not an "
				   "absolute path",
				   ctl->plugin_dir);
	if (ctl->handler && ctl->handler[0] != '/')
		return usage_error("generate: --handler '%.200s': not an "
				   "absolute path",
				   ctl->handler);
	r = load_config(ctl);
	if (r)
		return r;
	/* the cores run the programs from anywhere: embed an absolute path */
	abs = realpath(rl_config_default_path(ctl->config), NULL);
	if (!abs)
		return fail(EXIT_CONFIG, "cannot resolve the configuration "
					 "path");
	memset(&o, 0, sizeof(o));
	o.hosts = ctl->define_hosts ? RL_GENERATE_HOSTS_DEFINE
				    : RL_GENERATE_HOSTS_EXISTING;
	o.split = ctl->out_dir != NULL;
	o.config_path = abs;
	o.app_host = ctl->app_host;
	o.plugin_dir = ctl->plugin_dir;
	o.handler = ctl->handler;
	o.generator = "relancectl generate";
	if (ctl->app_host && !rl_model_host(ctl->model, ctl->app_host) &&
	    ctl->define_hosts) {
		r = usage_error("generate: --app-host: unknown host '%.100s'",
				ctl->app_host);
		goto out;
	}
	if (rl_generate(ctl->model, target, &o, &out, &err) < 0) {
		r = fail(EXIT_CONFIG, err.msg);
		goto out;
	}
	if (ctl->check) {
		if (rl_generate_check(&out, ctl->out_dir, &n_differ, &err) <
		    0) {
			r = fail(EXIT_INTERNAL, err.msg);
			goto out;
		}
		for (i = 0; i < out.n_files; i++)
			if (out.files[i].status != RL_GENERATE_SAME)
				printf("%s/%s: %s\n", ctl->out_dir,
				       out.files[i].name,
				       out.files[i].status ==
					       RL_GENERATE_MISSING
					   ? "missing"
					   : "differs");
		if (n_differ)
			fprintf(stderr,
				"relancectl: %zu of %zu file%s in '%s' not "
				"up to date\n",
				n_differ, out.n_files,
				out.n_files == 1 ? "" : "s", ctl->out_dir);
		r = n_differ ? EXIT_FAILED : EXIT_OK;
	} else if (ctl->out_dir) {
		if (rl_generate_write(&out, ctl->out_dir, &err) < 0) {
			r = fail(EXIT_FAILED, err.msg);
			goto out;
		}
		for (i = 0; i < out.n_files; i++)
			printf("%s/%s\n", ctl->out_dir, out.files[i].name);
		r = EXIT_OK;
	} else {
		for (i = 0; i < out.n_files; i++)
			fwrite(out.files[i].content, 1, out.files[i].len,
			       stdout);
		r = EXIT_OK;
	}
out:
	rl_generate_out_free(&out);
	free(abs);
	return r;
}

/* ---- hostkey ------------------------------------------------------------ */

static const char *hostkey_state_word(enum rl_ssh_hostkey_state st)
{
	switch (st) {
	case RL_SSH_HOSTKEY_KNOWN:
		return "known";
	case RL_SSH_HOSTKEY_MISMATCH:
		return "MISMATCH";
	default:
		return "unknown";
	}
}

static int cmd_hostkey(struct ctl *ctl, int argc, char **argv)
{
	struct rl_err err = {""};
	struct rl_ssh_hostkey k;
	const struct rl_host *h;
	const char *kh;
	int r;

	if (argc != 1)
		return usage_error("hostkey: expected one host");
	r = load_config(ctl);
	if (r)
		return r;
	h = rl_model_host(ctl->model, argv[0]);
	if (!h || h->transport != RL_TRANSPORT_SSH) {
		fprintf(stderr, "relancectl: hostkey: %s '%.200s'\n",
			h ? "not an ssh host" : "unknown host", argv[0]);
		return EXIT_USAGE;
	}
	kh = ctl->model->site.ssh.known_hosts;
	memset(&k, 0, sizeof(k));
	if (rl_ssh_hostkey_probe(
		ctl->model, h,
		rl_now_ms() + (ctl->timeout_ms ? ctl->timeout_ms : 10000), &k,
		&err) < 0)
		return fail(EXIT_FAILED, err.msg);
	if (ctl->json) {
		struct rl_buf b = RL_BUF_INIT;

		rl_buf_puts(&b, "{\"host\":");
		rl_buf_json_str(&b, h->name);
		rl_buf_puts(&b, ",\"name\":");
		rl_buf_json_str(&b, k.name);
		rl_buf_puts(&b, ",\"type\":");
		rl_buf_json_str(&b, k.type);
		rl_buf_puts(&b, ",\"fingerprint\":");
		rl_buf_json_str(&b, k.fingerprint);
		rl_buf_puts(&b, ",\"known_hosts\":");
		rl_buf_json_str(&b, hostkey_state_word(k.state));
		rl_buf_puts(&b, "}\n");
		r = print_buf(&b);
		rl_buf_free(&b);
	} else {
		printf("%s (%s): %s %s\n", h->name, k.name, k.type,
		       k.fingerprint);
		printf("known_hosts %s: %s\n", kh, hostkey_state_word(k.state));
	}
	if (r)
		goto out;
	if (k.state == RL_SSH_HOSTKEY_MISMATCH) {
		fprintf(stderr,
			"relancectl: HOST KEY MISMATCH for %s: '%s' holds "
			"another %s key; someone may be intercepting. Verify "
			"the key on the host itself (ssh-keygen -lf on its "
			"host key) and resolve it by hand in '%s'%s\n",
			k.name, kh, k.type, kh,
			ctl->add ? "; nothing added" : "");
		r = EXIT_FAILED;
		goto out;
	}
	if (ctl->add && k.state == RL_SSH_HOSTKEY_UNKNOWN) {
		if (rl_ssh_hostkey_add(ctl->model, h, &k, &err) < 0) {
			r = fail(EXIT_FAILED, err.msg);
			goto out;
		}
		if (!ctl->json)
			printf("added to %s\n", kh);
	}
	r = EXIT_OK;
out:
	rl_ssh_hostkey_free(&k);
	return r;
}

/* ---- main --------------------------------------------------------------- */

struct command {
	const char *name;
	int (*fn)(struct ctl *ctl, int argc, char **argv);
};

static const struct command commands[] = {
    {"status", cmd_status},   {"start", cmd_start},
    {"stop", cmd_stop},	      {"restart", cmd_restart},
    {"plan", cmd_plan},	      {"history", cmd_history},
    {"config", cmd_config},   {"generate", cmd_generate},
    {"hostkey", cmd_hostkey}, {"hold", cmd_hold},
    {"release", cmd_release},
};

enum {
	OPT_JSON = 256,
	OPT_NO_COLOR,
	OPT_SINCE,
	OPT_LIMIT,
	OPT_ALL,
	OPT_CHECK,
	OPT_DEFINE_HOSTS,
	OPT_APP_HOST,
	OPT_PLUGIN_DIR,
	OPT_HANDLER,
	OPT_ADD,
	OPT_REASON,
};

static const struct option long_opts[] = {
    {"config", required_argument, NULL, 'c'},
    {"json", no_argument, NULL, OPT_JSON},
    {"no-color", no_argument, NULL, OPT_NO_COLOR},
    {"no-colour", no_argument, NULL, OPT_NO_COLOR},
    {"timeout", required_argument, NULL, 't'},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {"since", required_argument, NULL, OPT_SINCE},
    {"limit", required_argument, NULL, OPT_LIMIT},
    {"all", no_argument, NULL, OPT_ALL},
    {"output", required_argument, NULL, 'o'},
    {"check", no_argument, NULL, OPT_CHECK},
    {"define-hosts", no_argument, NULL, OPT_DEFINE_HOSTS},
    {"app-host", required_argument, NULL, OPT_APP_HOST},
    {"plugin-dir", required_argument, NULL, OPT_PLUGIN_DIR},
    {"handler", required_argument, NULL, OPT_HANDLER},
    {"add", no_argument, NULL, OPT_ADD},
    {"reason", required_argument, NULL, OPT_REASON},
    {NULL, 0, NULL, 0},
};

/*
 * Parses options into ctl; GLOBAL: before the command (stops at the first
 * word), else the command's own (may follow its arguments). Returns -1 to
 * go on, else an exit code (help, version, usage error).
 */
static int parse_opts(struct ctl *ctl, int argc, char **argv, bool global)
{
	struct rl_err err = {""};
	int c;

	optind = 0; /* glibc: start afresh for the second pass */
	opterr = 0;
	while ((c = getopt_long(argc, argv, global ? "+:c:t:vhV" : ":c:t:o:vh",
				long_opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			ctl->config = optarg;
			break;
		case OPT_JSON:
			ctl->json = true;
			break;
		case OPT_NO_COLOR:
			ctl->no_color = true;
			break;
		case 't':
			if (rl_parse_duration(optarg, 1000, &ctl->timeout_ms,
					      &err) < 0 ||
			    !ctl->timeout_ms)
				return usage_error(
				    "-t: %s", err.msg[0]
						  ? err.msg
						  : "timeout must not be 0");
			break;
		case 'v':
			ctl->verbose = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return EXIT_OK;
		case 'V':
			printf("relancectl (relance) %s\n", PACKAGE_VERSION);
			return EXIT_OK;
		case OPT_SINCE:
			if (rl_parse_duration(optarg, 0, &ctl->since_ms, &err) <
			    0)
				return usage_error("--since: %s", err.msg);
			break;
		case OPT_LIMIT:
			if (rl_parse_long(optarg, 1, 1000000, &ctl->limit,
					  &err) < 0)
				return usage_error("--limit: %s", err.msg);
			break;
		case OPT_ALL:
			ctl->all = true;
			break;
		case 'o':
			ctl->out_dir = optarg;
			break;
		case OPT_CHECK:
			ctl->check = true;
			break;
		case OPT_DEFINE_HOSTS:
			ctl->define_hosts = true;
			break;
		case OPT_APP_HOST:
			ctl->app_host = optarg;
			break;
		case OPT_PLUGIN_DIR:
			ctl->plugin_dir = optarg;
			break;
		case OPT_HANDLER:
			ctl->handler = optarg;
			break;
		case OPT_ADD:
			ctl->add = true;
			break;
		case OPT_REASON:
			ctl->reason = optarg;
			break;
		case ':':
			return usage_error("option '%s' needs a value",
					   argv[optind - 1]);
		default:
			if (optopt)
				return usage_error("unknown option '-%c'",
						   optopt);
			return usage_error("unknown option '%s'",
					   argv[optind - 1]);
		}
	}
	return -1;
}

int main(int argc, char **argv)
{
	struct ctl ctl;
	const struct command *cmd = NULL;
	const char *name;
	size_t i;
	int r, sub_argc;
	char **sub_argv;

	memset(&ctl, 0, sizeof(ctl));
	r = parse_opts(&ctl, argc, argv, true);
	if (r >= 0)
		return r;
	if (optind >= argc)
		return usage_error("missing command");
	name = argv[optind];
	if (!strcmp(name, "help")) {
		fputs(usage_text, stdout);
		return EXIT_OK;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(name, commands[i].name))
			cmd = &commands[i];
	if (!cmd)
		return usage_error("unknown command '%.100s'", name);
	/* the command's options may follow it: `status fx --json` */
	sub_argc = argc - optind;
	sub_argv = argv + optind;
	r = parse_opts(&ctl, sub_argc, sub_argv, false);
	if (r >= 0)
		return r;
	if ((ctl.since_ms || ctl.limit || ctl.all) &&
	    strcmp(cmd->name, "history"))
		return usage_error(
		    "--since, --limit and --all are for history");
	if ((ctl.out_dir || ctl.check || ctl.define_hosts || ctl.app_host ||
	     ctl.plugin_dir || ctl.handler) &&
	    strcmp(cmd->name, "generate"))
		return usage_error("-o, --check, --define-hosts, --app-host, "
				   "--plugin-dir and --handler are for "
				   "generate");
	if (ctl.add && strcmp(cmd->name, "hostkey"))
		return usage_error("--add is for hostkey");
	if (ctl.reason && strcmp(cmd->name, "hold"))
		return usage_error("--reason is for hold");
	ctl.color = !ctl.no_color && !ctl.json && isatty(STDOUT_FILENO) &&
		    !(getenv("NO_COLOR") && *getenv("NO_COLOR"));
	rl_user_describe(ctl.user, sizeof(ctl.user));
	r = cmd->fn(&ctl, sub_argc - optind, sub_argv + optind);
	rl_model_free(ctl.model);
	if (fflush(stdout) == EOF && errno != EPIPE && !r)
		r = fail(EXIT_INTERNAL, "cannot write the output");
	return r;
}
