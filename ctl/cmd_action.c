/*
 * cmd_action - `relancectl start|stop|restart X`: build the plan, take the
 * locks, run it with a progress line per step, summarise, tell the core;
 * and `relancectl plan ACTION X`, which shows the plan and runs nothing.
 */
#include "build.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "guard.h"
#include "journal.h"
#include "monitor.h"
#include "plan.h"
#include "run.h"
#include "transport.h"

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

/* What a step came to, the same word in the text and in --json. */
static const char *step_word(const struct rl_step_report *s)
{
	return s->interrupted ? "INTERRUPTED" : outcome_word(s->outcome);
}

static void print_step(const struct ctl *ctl, const struct rl_step_report *s,
		       size_t total)
{
	const char *word = step_word(s);
	struct rl_buf b = RL_BUF_INIT;
	const char *colour = NULL;

	if (ctl->color)
		colour = s->outcome == RL_OUTCOME_FAILED ? "\033[31m"
			 : s->outcome == RL_OUTCOME_DONE ? "\033[32m"
							 : NULL;
	rl_buf_printf(&b, "%s[%s]%s %zu/%zu %s %s (", colour ? colour : "",
		      word, colour ? "\033[0m" : "", s->step->number, total,
		      rl_step_kind_name(s->step->kind), s->step->comp->name);
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
		rl_buf_json_str(b, step_word(s));
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
	rl_buf_puts(b, "],\"unknown\":[");
	for (i = 0; i < rep->n_unknown; i++) {
		if (i)
			rl_buf_puts(b, ",");
		rl_buf_json_str(b, rep->unknown[i]->name);
	}
	rl_buf_printf(b, "],\"journal_failed\":%s}\n",
		      rep->journal_failed ? "true" : "false");
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
	const struct rl_site *site = &ctl->model->site;
	struct rl_err err = {""}, detour = {""};
	struct rl_buf b = RL_BUF_INIT, msg = RL_BUF_INIT;
	struct rl_journal_rec r;
	size_t i;
	int bad = 0;

	if (!rl_monitor_enabled(site) || plan->action == RL_ACTION_STOP ||
	    !rep->ok)
		return;
	for (i = 0; i < plan->n_touched && !bad; i++)
		bad =
		    rl_monitor_cmd_forced_check(&b, plan->touched[i]->host_name,
						plan->touched[i]->name, &err);
	if (!bad && b.oom)
		bad = rl_err_set(&err, "out of memory");
	if (!bad)
		bad = rl_monitor_deliver(site, rl_buf_str(&b),
					 rl_now_ms() + 2000, &detour, &err);
	rl_buf_printf(&msg, "forced check of %zu component%s", plan->n_touched,
		      plan->n_touched == 1 ? "" : "s");
	if (!bad && detour.msg[0] != '\0') {
		/* the first URL failed: said, so that it is looked at */
		rl_buf_printf(&msg, ", %s", detour.msg);
		fprintf(stderr, "relancectl: note: the core was told %s\n",
			detour.msg);
	}
	ctl_rec_init(ctl, &r, "writeback");
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
		      plan->target,
		      rep->ok		 ? "done"
		      : rep->interrupted ? "INTERRUPTED"
					 : "FAILED");
	rl_buf_duration(&b, rep->duration_ms);
	rl_buf_printf(&b,
		      " (%zu step%s: %zu done, %zu skipped, %zu failed, "
		      "%zu not run; run %s)\n",
		      rep->n_steps, rep->n_steps == 1 ? "" : "s", done, skipped,
		      failed, rep->n_steps - done - skipped - failed,
		      rep->run_id);
	if (!rep->ok) {
		rl_run_report_state(rep, &b);
		rl_buf_puts(&b, "\n");
	}
	r = print_buf(&b);
	rl_buf_free(&b);
	if (r)
		return r;
	if (!rep->ok && !rep->interrupted) {
		rl_buf_printf(&b, "%s %s failed; ",
			      rl_action_name(plan->action), plan->target);
		rl_run_report_state(rep, &b);
		fail(EXIT_FAILED, b.oom ? "action failed" : rl_buf_str(&b));
		rl_buf_free(&b);
		return EXIT_FAILED;
	}
	return EXIT_OK;
}

/*
 * The journal failed during the run: 5 when no action command had run
 * (nothing was done), else 7 with the state left on stderr.
 */
static int journal_failed(const struct ctl *ctl, const struct rl_plan *plan,
			  const struct rl_run_report *rep, const char *why)
{
	struct rl_buf b = RL_BUF_INIT;
	int code =
	    rep != NULL && rep->acted ? EXIT_JOURNAL_MIDWAY : EXIT_JOURNAL;

	if (rep == NULL) /* it could not start */
		return fail(code, why);
	if (ctl->json) {
		report_json(plan, rep, &b);
		print_buf(&b);
		rl_buf_reset(&b);
	}
	if (code == EXIT_JOURNAL) {
		rl_buf_printf(&b, "%s; nothing done", why);
	} else {
		rl_buf_printf(
		    &b, "journal failed mid-action, stopped there: %s; ", why);
		rl_run_report_state(rep, &b);
	}
	fail(code, b.oom ? why : rl_buf_str(&b));
	rl_buf_free(&b);
	return code;
}

/* A host lock that could not be released: it expires by itself. */
static void unlock_failed(void *ctx, const struct rl_component *c,
			  const char *msg)
{
	(void)ctx;
	fprintf(stderr,
		"relancectl: warning: host lock of %s not released (it "
		"expires by itself): %s\n",
		c->name, msg);
}

struct note_ctx {
	const struct ctl *ctl;
	struct rl_journal *journal;
};

/* A host lock whose owner on this node was gone, taken over: said and
 * journaled. */
static void took_over(void *vctx, const struct rl_component *c, const char *msg)
{
	const struct note_ctx *x = vctx;
	const struct ctl *ctl = x->ctl;
	struct rl_journal_rec r;

	fprintf(stderr,
		"relancectl: host lock of %s taken over: its owner on this "
		"node is gone (%s)\n",
		c->name, msg);
	ctl_rec_init(ctl, &r, "hostlock");
	r.component = c->name;
	r.host = c->host_name;
	r.result = "taken-over";
	r.message = msg;
	rl_journal_append(x->journal, &r, NULL);
}

/*
 * The locks of the action, through the call the event handler's worker
 * uses (lib/guard): the local locks of every component the plan touches,
 * then their host locks, so that a restart by hand on one monitoring node
 * and a handler on another never run at once. A lock held by another is
 * EXIT_LOCKED; a lock_dir or lock file that cannot be used is
 * EXIT_INTERNAL with its path and the system error.
 */
static int take_locks(const struct ctl *ctl, const struct rl_plan *plan,
		      struct rl_transport *t, struct rl_guard **g)
{
	struct rl_err err = {""};
	struct rl_buf what = RL_BUF_INIT;
	char why[RL_ERR_MAX];
	int r = EXIT_OK, k;

	rl_buf_printf(&what, "relancectl %s %s by %s",
		      rl_action_name(plan->action), plan->target, ctl->user);
	if (what.oom) {
		r = fail(EXIT_INTERNAL, "out of memory");
		goto out;
	}
	*g = rl_guard_new(ctl->model, rl_buf_str(&what),
			  ctl->model->site.host_lock_dir, &err);
	if (*g == NULL) {
		r = fail(EXIT_INTERNAL, err.msg);
		goto out;
	}
	k = rl_guard_lock_local(*g, &plan, 1, NULL, why, sizeof(why), &err);
	if (k < 0) { /* no lock could be tried: not "in progress" */
		r = fail(EXIT_INTERNAL, err.msg);
		goto out;
	}
	if (k == 0)
		k = rl_guard_lock_hosts(*g, t, plan, why, sizeof(why), &err);
	if (k > 0) /* held: by whom, on this node or on a host */
		r = fail(EXIT_LOCKED, why);
	else if (k < 0) /* a host could not be asked: nothing was done */
		r = fail(EXIT_FAILED, err.msg);
out:
	rl_buf_free(&what);
	return r;
}

/*
 * A local host whose commands run as a user this caller cannot become
 * (rl_transport_check_user): refused before any lock or command, and
 * journaled ("plan", result "refused") when the journal can be opened.
 * Returns EXIT_OK, or EXIT_CONFIG printed.
 */
static int refuse_users(const struct ctl *ctl, const struct rl_plan *plan)
{
	struct rl_err err = {""}, jerr = {""};
	struct rl_buf b = RL_BUF_INIT;
	struct rl_journal *j;
	struct rl_journal_rec r;

	if (rl_transport_check_users(plan->touched, plan->n_touched, &err) == 0)
		return EXIT_OK;
	j = rl_journal_open(ctl->model->site.journal, &jerr);
	if (j != NULL) {
		ctl_rec_init(ctl, &r, "plan");
		r.phase = "end";
		r.action = rl_action_name(plan->action);
		r.component = plan->target;
		r.result = "refused";
		r.message = err.msg;
		rl_journal_append(j, &r, NULL);
		rl_journal_close(j);
	}
	if (ctl->json) {
		rl_buf_puts(&b, "{\"action\":");
		rl_buf_json_str(&b, rl_action_name(plan->action));
		rl_buf_puts(&b, ",\"target\":");
		rl_buf_json_str(&b, plan->target);
		rl_buf_puts(&b, ",\"ok\":false,\"refused\":");
		rl_buf_json_str(&b, err.msg);
		rl_buf_puts(&b, "}\n");
		print_buf(&b);
		rl_buf_reset(&b);
	}
	rl_buf_printf(&b, "%s %s: refused, nothing done: %s",
		      rl_action_name(plan->action), plan->target, err.msg);
	fail(EXIT_CONFIG, b.oom ? err.msg : rl_buf_str(&b));
	rl_buf_free(&b);
	return EXIT_CONFIG;
}

static int cmd_action(struct ctl *ctl, enum rl_action action, int argc,
		      char **argv)
{
	struct rl_err err = {""};
	struct rl_plan *plan = NULL;
	struct rl_guard *guard = NULL;
	struct note_ctx notes;
	struct rl_journal *journal = NULL;
	struct rl_transport *t = NULL;
	struct rl_run_report *rep = NULL;
	struct rl_run_opts opts;
	struct progress prog;
	int r, cancel = -1;

	if (argc != 1)
		return usage_error("%s: expected one component or application",
				   rl_action_name(action));
	r = load_config(ctl);
	if (r)
		return r;
	if (rl_plan_build(ctl->model, action, argv[0], &plan, &err) < 0)
		return fail(EXIT_USAGE, err.msg);
	r = refuse_users(ctl, plan);
	if (r)
		goto out;
	t = rl_transport_new(ctl->model, &err);
	if (!t) {
		r = fail(EXIT_INTERNAL, err.msg);
		goto out;
	}
	/* told to stop (SIGTERM, SIGINT, SIGHUP): the run kills what it
	 * started and journals "interrupted"; the locks are released below */
	cancel = rl_run_trap_signals(&err);
	if (cancel < 0) {
		r = fail(EXIT_INTERNAL, err.msg);
		goto out;
	}
	rl_transport_set_cancel(t, cancel);
	r = take_locks(ctl, plan, t, &guard);
	if (r)
		goto out;
	journal = rl_journal_open_site(ctl->model, &err);
	if (!journal) {
		r = fail(EXIT_JOURNAL, err.msg);
		goto out;
	}
	notes.ctl = ctl;
	notes.journal = journal;
	rl_guard_takeovers(guard, took_over, &notes);
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
		r = journal_failed(ctl, plan, rep, err.msg);
		goto out;
	}
	r = summarise(ctl, plan, rep);
	tell_core(ctl, journal, plan, rep);
out:
	rl_run_report_free(rep);
	rl_guard_release(guard, unlock_failed, NULL);
	rl_transport_free(t);
	if (cancel >= 0)
		close(cancel);
	if (rl_run_trapped() != 0) {
		fprintf(stderr, "relancectl: interrupted by signal %d\n",
			rl_run_trapped());
		r = 128 + rl_run_trapped();
	}
	rl_journal_close(journal);
	rl_plan_free(plan);
	return r;
}

/* start, stop, restart: no options of their own */
static int run_action(struct ctl *ctl, const struct ctl_cmd *cmd,
		      enum rl_action action, int argc, char **argv)
{
	int r = ctl_parse(ctl, cmd, NULL, &argc, &argv);

	return r != CTL_GO_ON ? r : cmd_action(ctl, action, argc, argv);
}

static int cmd_start(struct ctl *ctl, int argc, char **argv)
{
	return run_action(ctl, &ctl_cmd_start, RL_ACTION_START, argc, argv);
}

static int cmd_stop(struct ctl *ctl, int argc, char **argv)
{
	return run_action(ctl, &ctl_cmd_stop, RL_ACTION_STOP, argc, argv);
}

static int cmd_restart(struct ctl *ctl, int argc, char **argv)
{
	return run_action(ctl, &ctl_cmd_restart, RL_ACTION_RESTART, argc, argv);
}

const struct ctl_cmd ctl_cmd_start = {"start", cmd_start, NULL};
const struct ctl_cmd ctl_cmd_stop = {"stop", cmd_stop, NULL};
const struct ctl_cmd ctl_cmd_restart = {"restart", cmd_restart, NULL};

/* ---- plan ------------------------------------------------------------ */

static int cmd_plan(struct ctl *ctl, int argc, char **argv)
{
	struct rl_err err = {""};
	struct rl_buf b = RL_BUF_INIT;
	struct rl_plan *plan = NULL;
	enum rl_action action;
	int r;

	r = ctl_parse(ctl, &ctl_cmd_plan, NULL, &argc, &argv);
	if (r != CTL_GO_ON)
		return r;
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

const struct ctl_cmd ctl_cmd_plan = {"plan", cmd_plan, NULL};
