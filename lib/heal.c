#include "build.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "graph_live.h"
#include "guard.h"
#include "heal.h"
#include "journal.h"

#define AUTHOR "relance"

int rl_heal_parse_state_type(const char *s, bool *hard)
{
	if (!strcasecmp(s, "HARD") || !strcmp(s, "1"))
		*hard = true;
	else if (!strcasecmp(s, "SOFT") || !strcmp(s, "0"))
		*hard = false;
	else
		return -1;
	return 0;
}

const char *rl_heal_verdict_name(enum rl_heal_verdict v)
{
	switch (v) {
	case RL_VERDICT_RECOVERED:
		return "recovered";
	case RL_VERDICT_STAND_DOWN:
		return "stand-down";
	case RL_VERDICT_HEAL:
		return "heal";
	case RL_VERDICT_IGNORE:
		break;
	}
	return "ignore";
}

static void verdict(struct rl_heal_decision *d, enum rl_heal_verdict v,
		    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void verdict(struct rl_heal_decision *d, enum rl_heal_verdict v,
		    const char *fmt, ...)
{
	va_list ap;

	d->verdict = v;
	va_start(ap, fmt);
	vsnprintf(d->reason, sizeof(d->reason), fmt, ap);
	va_end(ap);
}

/* The policy: does this CRITICAL event call for a heal? */
static bool policy_acts(const struct rl_component *c,
			const struct rl_heal_event *ev,
			struct rl_heal_decision *d)
{
	switch (c->heal) {
	case RL_HEAL_NEVER:
		verdict(d, RL_VERDICT_IGNORE, "policy: heal = never");
		return false;
	case RL_HEAL_HARD:
		if (ev->hard)
			return true;
		verdict(d, RL_VERDICT_IGNORE,
			"policy: heal = hard, waiting for the HARD state "
			"(SOFT attempt %d)",
			ev->attempt);
		return false;
	case RL_HEAL_SOFT:
		if (ev->hard || ev->attempt == c->heal_soft_attempt)
			return true;
		if (ev->attempt < c->heal_soft_attempt)
			verdict(d, RL_VERDICT_IGNORE,
				"policy: heal = soft:%d, SOFT attempt %d",
				c->heal_soft_attempt, ev->attempt);
		else
			verdict(d, RL_VERDICT_IGNORE,
				"policy: heal = soft:%d acted at attempt %d "
				"(SOFT attempt %d)",
				c->heal_soft_attempt, c->heal_soft_attempt,
				ev->attempt);
		return false;
	}
	return false;
}

/* A stand-down because of hold H: its description, and who set it. */
static void stand_down_held(struct rl_heal_decision *d, const struct rl_hold *h)
{
	char what[sizeof(d->reason) - 16];

	rl_hold_describe(h, what, sizeof(what));
	verdict(d, RL_VERDICT_STAND_DOWN, "%s", what);
	snprintf(d->author, sizeof(d->author), "%s", h->author);
}

void rl_heal_decide(const struct rl_component *c,
		    const struct rl_heal_event *ev,
		    const struct rl_heal_facts *f, struct rl_heal_decision *out)
{
	const struct rl_service_status *st = f->status;
	struct rl_buf w = RL_BUF_INIT;

	memset(out, 0, sizeof(*out));
	if (ev->state == RL_STATE_OK) {
		verdict(out, RL_VERDICT_RECOVERED, "state: OK");
		return;
	}
	if (ev->state != RL_STATE_CRITICAL) {
		verdict(out, RL_VERDICT_IGNORE,
			"state: %s (relance heals CRITICAL only)",
			rl_state_name(ev->state));
		return;
	}
	if (ev->retry && f->no_retry) {
		verdict(out, RL_VERDICT_IGNORE,
			"policy: heal_retry = 0 on this node, a retry is not "
			"acted on here");
		return;
	}
	if (!policy_acts(c, ev, out))
		return;
	if (ev->ack > 0) {
		const struct rl_hold *h = f->hold;

		/* the ACKNOWLEDGEMENT notification may have told us who */
		if (h != NULL && h->set && h->kind == RL_HOLD_ACK &&
		    h->author[0] != '\0') {
			verdict(out, RL_VERDICT_STAND_DOWN,
				"acknowledged in the core (%s) by %s%s%.400s",
				ev->ack == 2 ? "sticky" : "normal", h->author,
				h->reason[0] != '\0' ? ": " : "", h->reason);
			snprintf(out->author, sizeof(out->author), "%s",
				 h->author);
		} else if (ev->ack_author != NULL &&
			   ev->ack_author[0] != '\0') {
			/* the core said who: the record is theirs, not the
			 * core's user's */
			verdict(out, RL_VERDICT_STAND_DOWN,
				"acknowledged in the core (%s) by %.120s",
				ev->ack == 2 ? "sticky" : "normal",
				ev->ack_author);
			snprintf(out->author, sizeof(out->author), "%s",
				 ev->ack_author);
		} else {
			verdict(out, RL_VERDICT_STAND_DOWN,
				"acknowledged in the core (%s)",
				ev->ack == 2 ? "sticky" : "normal");
		}
		return;
	}
	/* the hold an ACKNOWLEDGEMENT notification set decides before
	 * status.dat, which may be late and does not say who: the text says
	 * what decided */
	if (f->hold != NULL && f->hold->set && f->hold->kind == RL_HOLD_ACK) {
		stand_down_held(out, f->hold);
		return;
	}
	if (st != NULL && st->found && st->acknowledged) {
		verdict(out, RL_VERDICT_STAND_DOWN,
			"acknowledged in the core (%s)",
			st->source != NULL ? st->source : "status file");
		return;
	}
	if (ev->downtime > 0 ||
	    (st != NULL && st->found && st->downtime_depth > 0)) {
		verdict(out, RL_VERDICT_STAND_DOWN,
			"downtime: the service is in scheduled downtime");
		return;
	}
	if (f->hold != NULL && f->hold->set) {
		stand_down_held(out, f->hold);
		return;
	}
	if (f->heals >= c->restart_limit_count) {
		int64_t win = c->restart_limit_window_ms;

		/* as it is written in the config: 1h, 30m, 90s */
		if (win % 3600000 == 0)
			rl_buf_printf(&w, "%lldh", (long long)(win / 3600000));
		else if (win % 60000 == 0)
			rl_buf_printf(&w, "%lldm", (long long)(win / 60000));
		else
			rl_buf_duration(&w, win);
		verdict(out, RL_VERDICT_STAND_DOWN,
			"restart limit: %d restart%s in %s, a human is needed",
			f->heals, f->heals == 1 ? "" : "s",
			w.oom ? "the window" : rl_buf_str(&w));
		rl_buf_free(&w);
		return;
	}
	verdict(out, RL_VERDICT_HEAL, "%s %s%s", ev->hard ? "HARD" : "SOFT",
		rl_state_name(ev->state),
		ev->retry ? " (retry: still down, the core asked again)" : "");
	if (!ev->hard)
		snprintf(out->reason + strlen(out->reason),
			 sizeof(out->reason) - strlen(out->reason),
			 " (attempt %d, heal = soft:%d)", ev->attempt,
			 c->heal_soft_attempt);
}

struct count_ctx {
	const char *component;
	int n;	     /* heals */
	char **runs; /* the runs of the heals counted, to take back one
			that stands down; NULL entries: taken back */
	size_t n_runs, cap;
	bool oom;
};

static int count_one(const struct rl_journal_rec *r, void *vctx)
{
	struct count_ctx *x = vctx;
	size_t i;

	if (r->event == NULL || strcmp(r->event, "decision") ||
	    r->result == NULL || r->component == NULL ||
	    strcmp(r->component, x->component))
		return 0;
	if (!strcmp(r->result, "heal")) {
		x->n++;
		if (r->run == NULL || r->run[0] == '\0')
			return 0;
		if (x->n_runs == x->cap) {
			size_t cap = x->cap ? 2 * x->cap : 16;
			char **p = realloc(x->runs, cap * sizeof(*p));

			if (p == NULL) {
				x->oom = true;
				return -1;
			}
			x->runs = p;
			x->cap = cap;
		}
		x->runs[x->n_runs] = strdup(r->run);
		if (x->runs[x->n_runs] == NULL) {
			x->oom = true;
			return -1;
		}
		x->n_runs++;
	} else if (!strcmp(r->result, "stand-down") && r->run != NULL) {
		/* the worker of that heal stood down: nothing restarted */
		for (i = 0; i < x->n_runs; i++)
			if (x->runs[i] != NULL && !strcmp(x->runs[i], r->run)) {
				free(x->runs[i]);
				x->runs[i] = NULL;
				x->n--;
				break;
			}
	}
	return 0;
}

int rl_heal_count(const char *journal, const char *component, int64_t since_ms,
		  int *count, struct rl_err *err)
{
	struct count_ctx x;
	size_t i;
	int r = 0;

	memset(&x, 0, sizeof(x));
	x.component = component;
	*count = 0;
	if (rl_journal_read_since(journal, since_ms, count_one, &x, err) < 0)
		r = x.oom ? rl_err_set(err, "out of memory") : -1;
	else
		*count = x.n;
	for (i = 0; i < x.n_runs; i++)
		free(x.runs[i]);
	free(x.runs);
	return r;
}

int rl_heal_comment(struct rl_buf *b, const char *host, const char *service,
		    const char *node, const char *text, struct rl_err *err)
{
	struct rl_buf t = RL_BUF_INIT;
	int r;

	rl_buf_printf(&t, "relance: %s (node %s)", text, node);
	if (t.oom) {
		rl_buf_free(&t);
		return rl_err_set(err, "out of memory");
	}
	r = rl_monitor_cmd_comment(b, host, service, AUTHOR, rl_buf_str(&t),
				   err);
	rl_buf_free(&t);
	return r;
}

/* "a", "a and b", "a, b and c" */
static void name_list(struct rl_buf *b, const struct rl_component *const *cs,
		      size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		rl_buf_printf(b, "%s%s",
			      i == 0	   ? ""
			      : i + 1 == n ? " and "
					   : ", ",
			      cs[i]->name);
}

/* The distinct hosts of CS, in order, as "h1" or "h1, h2". */
static void host_list(struct rl_buf *b, const struct rl_component *const *cs,
		      size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		for (j = 0; j < i; j++)
			if (!strcmp(cs[j]->host_name, cs[i]->host_name))
				break;
		if (j == i)
			rl_buf_printf(b, "%s%s", i ? ", " : "",
				      cs[i]->host_name);
	}
}

/* The components the run started (or restarted), in the plan's touched
 * order; a start step that was skipped was already up. *n gets how many;
 * NULL when out of memory. */
static const struct rl_component **
started(const struct rl_plan *plan, const struct rl_run_report *rep, size_t *n)
{
	const struct rl_component **done;
	size_t i, j;

	*n = 0;
	done = calloc(plan->n_touched ? plan->n_touched : 1, sizeof(*done));
	if (done == NULL)
		return NULL;
	for (i = 0; i < plan->n_touched; i++)
		for (j = 0; j < rep->n_steps; j++)
			if (rep->steps[j].step->comp == plan->touched[i] &&
			    rep->steps[j].step->kind != RL_STEP_STOP &&
			    rep->steps[j].outcome == RL_OUTCOME_DONE) {
				done[(*n)++] = plan->touched[i];
				break;
			}
	return done;
}

int rl_heal_outcome(struct rl_buf *b, const struct rl_component *c,
		    const struct rl_plan *plan, const struct rl_run_report *rep)
{
	const struct rl_component **done;
	const char *why = "";
	size_t i, n;

	if (!rep->ok) {
		for (i = 0; i < rep->n_steps; i++)
			if (rep->steps[i].outcome == RL_OUTCOME_FAILED) {
				why = rep->steps[i].message;
				break;
			}
		rl_buf_printf(b, "restart of %s FAILED after ", c->name);
		rl_buf_duration(b, rep->duration_ms);
		rl_buf_printf(b, "%s%s; ", *why ? ": " : "", why);
		rl_run_report_state(rep, b);
		return b->oom ? -1 : 0;
	}
	done = started(plan, rep, &n);
	if (done == NULL)
		return -1;
	if (n == 0)
		rl_buf_printf(b, "%s was up, nothing restarted", c->name);
	else {
		rl_buf_puts(b, "restarted ");
		name_list(b, done, n);
		rl_buf_puts(b, " on ");
		host_list(b, done, n);
	}
	rl_buf_puts(b, " in ");
	rl_buf_duration(b, rep->duration_ms);
	free(done);
	return b->oom ? -1 : 0;
}

static int writeback_ok(struct rl_buf *b, const char *host, const char *service,
			const struct rl_component *c,
			const struct rl_plan *plan,
			const struct rl_run_report *rep, const char *node,
			struct rl_err *err)
{
	struct rl_buf text = RL_BUF_INIT;
	const struct rl_component **done = NULL;
	size_t i, n = 0;
	int r = -1;

	if (rl_heal_outcome(&text, c, plan, rep) < 0 ||
	    (done = started(plan, rep, &n)) == NULL) {
		rl_err_set(err, "out of memory");
		goto out;
	}
	if (rl_heal_comment(b, host, service, node, rl_buf_str(&text), err) < 0)
		goto out;
	for (i = 0; i < n; i++) {
		bool self = done[i] == c;

		rl_buf_reset(&text);
		rl_buf_printf(&text,
			      "COMPONENT OK - %s on %s is up (restarted by "
			      "relance, node %s)",
			      done[i]->name, done[i]->host_name, node);
		if (text.oom) {
			rl_err_set(err, "out of memory");
			goto out;
		}
		if (rl_monitor_cmd_result(b, self ? host : done[i]->host_name,
					  self ? service : done[i]->name,
					  RL_STATE_OK, rl_buf_str(&text),
					  err) < 0)
			goto out;
	}
	r = rl_monitor_cmd_forced_check(b, host, service, err);
out:
	rl_buf_free(&text);
	free(done);
	return r;
}

static int writeback_failed(struct rl_buf *b, const char *host,
			    const char *service, const struct rl_component *c,
			    const struct rl_plan *plan,
			    const struct rl_run_report *rep, const char *node,
			    struct rl_err *err)
{
	struct rl_buf text = RL_BUF_INIT;
	int r = -1;

	rl_buf_printf(
	    &text,
	    "COMPONENT CRITICAL - relance: restart of %s failed: ", c->name);
	rl_run_report_state(rep, &text);
	if (text.oom) {
		rl_err_set(err, "out of memory");
		goto out;
	}
	if (rl_monitor_cmd_result(b, host, service, RL_STATE_CRITICAL,
				  rl_buf_str(&text), err) < 0)
		goto out;
	rl_buf_reset(&text);
	if (rl_heal_outcome(&text, c, plan, rep) < 0) {
		rl_err_set(err, "out of memory");
		goto out;
	}
	r = rl_heal_comment(b, host, service, node, rl_buf_str(&text), err);
out:
	rl_buf_free(&text);
	return r;
}

int rl_heal_writeback(struct rl_buf *b, const char *host, const char *service,
		      const struct rl_component *c, const struct rl_plan *plan,
		      const struct rl_run_report *rep, const char *node,
		      struct rl_err *err)
{
	if (rep->ok)
		return writeback_ok(b, host, service, c, plan, rep, node, err);
	return writeback_failed(b, host, service, c, plan, rep, node, err);
}

/* ---- the heal of one event -------------------------------------------- */

static void say(const struct rl_heal_ctx *h, enum rl_heal_level level,
		const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void say(const struct rl_heal_ctx *h, enum rl_heal_level level,
		const char *fmt, ...)
{
	struct rl_buf b = RL_BUF_INIT;
	va_list ap;

	if (h->log == NULL)
		return;
	va_start(ap, fmt);
	rl_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	h->log(h->log_ctx, level, b.oom ? "out of memory" : rl_buf_str(&b));
	rl_buf_free(&b);
}

void rl_heal_rec_init(const struct rl_heal_ctx *h, struct rl_journal_rec *r,
		      const char *event)
{
	rl_journal_rec_init(r);
	r->node = h->model->site.node;
	r->user = h->user;
	r->event = event;
	r->component = h->comp->name;
	r->host = h->comp->host_name;
	if (h->run_id != NULL && h->run_id[0] != '\0')
		r->run = h->run_id;
}

int rl_heal_send(const struct rl_heal_ctx *h, const struct rl_buf *text,
		 struct rl_err *err)
{
	struct rl_err detour = {""};
	struct rl_journal_rec r;

	if (!rl_monitor_enabled(&h->model->site) || text->len == 0)
		return 0;
	if (text->oom)
		return rl_err_set(err, "out of memory");
	/* the pipe or the Icinga 2 API, as the config says */
	if (rl_monitor_deliver(&h->model->site, rl_buf_str(text),
			       rl_now_ms() + h->writeback_ms, &detour, err) < 0)
		return -1;
	if (detour.msg[0] != '\0') {
		/* told, but not through the first URL (a satellite's
		 * master down): the admin should know where it went */
		say(h, RL_HEAL_DETOUR, "%s: write-back %s", h->comp->name,
		    detour.msg);
		rl_heal_rec_init(h, &r, "writeback");
		r.result = "detour";
		r.message = detour.msg;
		rl_heal_journal(h, &r, false);
	}
	return 0;
}

/*
 * Deletes relance's earlier comments on HOST/SERVICE (B gets a
 * DEL_SVC_COMMENT line each) before a new one is added, so that the UI
 * shows relance's latest word, not one comment per heal for months; the
 * journal keeps the whole story. Only with status_file (Nagios's
 * status.dat names the comments and their ids); a comment by anyone else
 * is never touched.
 */
static void replace_comments(const struct rl_heal_ctx *h, const char *host,
			     const char *service, struct rl_buf *b)
{
	const char *path = h->model->site.status_file;
	struct rl_err err = {""};
	unsigned long *ids = NULL;
	size_t n = 0, i;

	if (path == NULL)
		return;
	if (rl_monitor_status_comments(path, host, service, AUTHOR, &ids, &n,
				       &err) < 0) {
		say(h, RL_HEAL_ERROR, "%s: earlier comments kept: %s",
		    h->comp->name, err.msg);
		return;
	}
	for (i = 0; i < n; i++)
		rl_monitor_cmd_del_comment(b, ids[i]);
	free(ids);
}

void rl_heal_tell(const struct rl_heal_ctx *h, const char *text)
{
	struct rl_err err = {""};
	struct rl_buf b = RL_BUF_INIT;

	if (!rl_monitor_enabled(&h->model->site))
		return;
	replace_comments(h, h->host, h->service, &b);
	if (rl_heal_comment(&b, h->host, h->service, h->model->site.node, text,
			    &err) < 0 ||
	    rl_heal_send(h, &b, &err) < 0)
		say(h, RL_HEAL_ERROR, "%s: cannot tell the core: %s",
		    h->comp->name, err.msg);
	rl_buf_free(&b);
}

/*
 * The journal cannot be written: nothing is done. Said at RL_HEAL_ERROR
 * and, when TELL, as a comment in the core.
 */
static int journal_failed(const struct rl_heal_ctx *h, const char *why,
			  bool tell)
{
	struct rl_buf b = RL_BUF_INIT;

	rl_buf_printf(&b, "%s: %s; nothing done", h->comp->name, why);
	if (tell && !b.oom)
		rl_heal_tell(h, rl_buf_str(&b));
	say(h, RL_HEAL_ERROR, "%s", b.oom ? why : rl_buf_str(&b));
	rl_buf_free(&b);
	return -1;
}

int rl_heal_journal(const struct rl_heal_ctx *h, const struct rl_journal_rec *r,
		    bool tell)
{
	struct rl_err err = {""};

	if (h->journal == NULL)
		return journal_failed(h, h->journal_err, tell);
	if (rl_journal_append(h->journal, r, &err) < 0)
		return journal_failed(h, err.msg, tell);
	return 0;
}

int rl_heal_journal_decision(const struct rl_heal_ctx *h,
			     const struct rl_heal_decision *d,
			     const char *message)
{
	struct rl_journal_rec r;
	struct rl_buf msg = RL_BUF_INIT;
	int ret;

	rl_heal_rec_init(h, &r, "decision");
	r.action = "restart";
	r.result = rl_heal_verdict_name(d->verdict);
	r.reason = d->reason;
	r.message = message;
	if (h->ev->retry) {
		/* a retry says so in every decision it journals */
		rl_buf_printf(&msg, "retry (heal_retry)%s%s",
			      message != NULL ? ": " : "",
			      message != NULL ? message : "");
		r.message = msg.oom ? "retry (heal_retry)" : rl_buf_str(&msg);
	}
	r.author = d->author[0] != '\0' ? d->author : NULL;
	if (d->verdict == RL_VERDICT_HEAL ||
	    d->verdict == RL_VERDICT_STAND_DOWN)
		say(h, RL_HEAL_NOTICE,
		    "%s: %s: %s (%s %s attempt %d%s, node %s)", h->comp->name,
		    r.result, d->reason, rl_state_name(h->ev->state),
		    h->ev->hard ? "HARD" : "SOFT", h->ev->attempt,
		    h->ev->retry ? ", retry" : "", h->model->site.node);
	ret = rl_heal_journal(h, &r,
			      d->verdict == RL_VERDICT_HEAL ||
				  d->verdict == RL_VERDICT_STAND_DOWN);
	rl_buf_free(&msg);
	return ret;
}

int rl_heal_stand_down(const struct rl_heal_ctx *h,
		       const struct rl_heal_decision *d, bool tell)
{
	struct rl_buf b = RL_BUF_INIT;
	int r = rl_heal_journal_decision(h, d, NULL);

	if (r == 0 && tell) {
		rl_buf_printf(&b, "not restarting %s: %s", h->comp->name,
			      d->reason);
		rl_heal_tell(h, b.oom ? d->reason : rl_buf_str(&b));
	}
	rl_buf_free(&b);
	return r;
}

/* The same for a reason the worker found. */
static void stand_down_because(const struct rl_heal_ctx *h, const char *reason,
			       bool tell)
{
	struct rl_heal_decision d;

	memset(&d, 0, sizeof(d));
	d.verdict = RL_VERDICT_STAND_DOWN;
	snprintf(d.reason, sizeof(d.reason), "%.600s", reason);
	rl_heal_stand_down(h, &d, tell);
}

/* A "hostlock" record of C: RESULT, MSG. */
static void hostlock_rec(const struct rl_heal_ctx *h,
			 const struct rl_component *c, const char *result,
			 const char *msg)
{
	struct rl_journal_rec r;

	rl_heal_rec_init(h, &r, "hostlock");
	r.component = c->name;
	r.result = result;
	r.message = msg;
	rl_heal_journal(h, &r, false);
}

/* A host lock that could not be released: journaled (it expires by
 * itself, but that is worth a line). */
static void unlock_failed(void *ctx, const struct rl_component *c,
			  const char *msg)
{
	hostlock_rec(ctx, c, "failed", msg);
}

/* A host lock whose owner on this node was gone, taken over: journaled. */
static void took_over(void *ctx, const struct rl_component *c, const char *msg)
{
	hostlock_rec(ctx, c, "taken-over", msg);
}

/* Runs PLAN, the restart of C, and writes back. */
static enum rl_heal_end restart_root(const struct rl_heal_ctx *h,
				     struct rl_transport *t,
				     const struct rl_component *c,
				     struct rl_plan *plan, const char *reason)
{
	const struct rl_site *s = &h->model->site;
	bool self = c == h->comp;
	struct rl_err err = {""};
	struct rl_run_report *rep = NULL;
	struct rl_run_opts opts;
	struct rl_journal_rec r;
	struct rl_buf text = RL_BUF_INIT;
	char run_id[40];
	enum rl_heal_end ret;

	if (!self) {
		/* the heal is the required component's: journaled as its
		 * own, so that its restart_limit counts it */
		rl_run_new_id(run_id, sizeof(run_id));
		rl_heal_rec_init(h, &r, "decision");
		r.component = c->name;
		r.host = c->host_name;
		r.run = run_id;
		r.action = "restart";
		r.result = "heal";
		r.reason = reason;
		r.message = "the down component that the handled one requires";
		say(h, RL_HEAL_NOTICE, "%s: heal: %s (for %s, node %s)",
		    c->name, reason, h->comp->name, s->node);
		if (rl_heal_journal(h, &r, true))
			return RL_HEAL_NO_JOURNAL;
	}
	memset(&opts, 0, sizeof(opts));
	opts.journal = h->journal;
	opts.user = h->user;
	opts.origin = h->origin;
	opts.run_id = self ? h->run_id : run_id;
	if (rl_run_plan(t, h->model, plan, &opts, &rep, &err) < 0) {
		if (rep == NULL || !rep->acted) {
			journal_failed(h, err.msg, true);
			rl_run_report_free(rep);
			return RL_HEAL_NO_JOURNAL;
		}
		/* a stop may have run: say exactly what is left */
		rl_buf_printf(&text,
			      "%s: journal failed mid-action, stopped there: "
			      "%s; ",
			      c->name, err.msg);
		rl_run_report_state(rep, &text);
		if (!text.oom)
			rl_heal_tell(h, rl_buf_str(&text));
		say(h, RL_HEAL_ERROR, "%s",
		    text.oom ? err.msg : rl_buf_str(&text));
		rl_buf_free(&text);
		rl_run_report_free(rep);
		return RL_HEAL_JOURNAL_MIDWAY;
	}
	ret = rep->ok ? RL_HEAL_DONE : RL_HEAL_FAILED;
	if (rl_heal_outcome(&text, c, plan, rep) == 0)
		say(h, rep->ok ? RL_HEAL_NOTICE : RL_HEAL_ERR, "%s (node %s)",
		    rl_buf_str(&text), s->node);
	rl_buf_reset(&text);
	if (s->command_file != NULL)
		replace_comments(h, self ? h->host : c->host_name,
				 self ? h->service : c->name, &text);
	if (rl_heal_writeback(&text, self ? h->host : c->host_name,
			      self ? h->service : c->name, c, plan, rep,
			      s->node, &err) < 0 ||
	    rl_heal_send(h, &text, &err) < 0) {
		rl_heal_rec_init(h, &r, "writeback");
		r.component = c->name;
		r.host = c->host_name;
		r.run = opts.run_id;
		r.result = "failed";
		r.message = err.msg;
		/* the restart stays journaled as it went: only the core was
		 * not told */
		say(h, RL_HEAL_ERROR, "%s: write-back to the core failed: %s",
		    c->name, err.msg);
		rl_heal_journal(h, &r, false);
	} else if (rl_monitor_enabled(s)) {
		rl_heal_rec_init(h, &r, "writeback");
		r.component = c->name;
		r.host = c->host_name;
		r.run = opts.run_id;
		r.result = "ok";
		r.message = rep->ok ? "comment, passive OK, forced check"
				    : "passive CRITICAL, comment";
		rl_heal_journal(h, &r, false);
	}
	rl_run_report_free(rep);
	rl_buf_free(&text);
	return ret;
}

/* After restarts: the application's map in graph_dir, if configured. A
 * failure is a warning (logged, journaled), never the heal's. */
static void refresh_graph(const struct rl_heal_ctx *h, struct rl_transport *t)
{
	struct rl_err err = {""};
	struct rl_journal_rec r;

	if (h->model->site.graph_dir == NULL || rl_transport_interrupted(t) ||
	    rl_graph_live_refresh(h->model, t, h->comp->app, 0, &err) == 0)
		return;
	say(h, RL_HEAL_NOTICE, "%s: warning: map not refreshed: %s",
	    h->comp->name, err.msg);
	rl_heal_rec_init(h, &r, "graph");
	r.action = "draw";
	r.result = "failed";
	r.message = err.msg;
	rl_heal_journal(h, &r, false);
}

enum rl_heal_end rl_heal_run(const struct rl_heal_ctx *h, struct rl_guard *g,
			     struct rl_plan *plan)
{
	struct rl_err err = {""};
	struct rl_journal_rec r;
	struct rl_buf text = RL_BUF_INIT;
	struct rl_transport *t;
	const struct rl_component **roots = NULL;
	struct rl_plan **plans = NULL, **run = &plan;
	char reason[600], why[RL_ERR_MAX];
	size_t n_roots = 0, i;
	enum rl_heal_end ret = RL_HEAL_FAILED, e;
	int k;

	t = rl_transport_new(h->model, &err);
	if (t == NULL)
		goto failed;
	if (h->cancel_fd != NULL)
		rl_transport_set_cancel(t, *h->cancel_fd);

	/* a local host whose commands run as a user we cannot become:
	 * refused before anything runs (issue 13) */
	if (rl_transport_check_users(plan->touched, plan->n_touched, &err) < 0)
		goto failed;
	/* exactly once across monitoring nodes: the locks on the hosts */
	k = rl_guard_lock_hosts(g, t, plan, why, sizeof(why), &err);
	rl_guard_takeovers(g, took_over, (void *)h);
	if (k < 0)
		goto failed;
	if (k > 0) {
		snprintf(reason, sizeof(reason), "in progress: %.580s", why);
		stand_down_because(h, reason, false);
		ret = RL_HEAL_DONE;
		goto out;
	}
	/* another node may have healed it while we waited; or what it
	 * requires is down */
	k = rl_guard_find_roots(t, h->comp, &roots, &n_roots, reason,
				sizeof(reason), &err);
	if (k < 0)
		goto failed;
	if (k > 0) {
		struct rl_buf b = RL_BUF_INIT;

		stand_down_because(h, reason, false);
		/* let the core see it up */
		if (rl_monitor_cmd_forced_check(&b, h->host, h->service,
						&err) == 0)
			rl_heal_send(h, &b, &err);
		rl_buf_free(&b);
		ret = RL_HEAL_DONE;
		goto out;
	}
	if (roots[0] != h->comp) {
		/* the down components it requires are healed instead, with
		 * the locks of what their restarts touch beyond its own */
		rl_buf_printf(&text, "%s restart %s (for %s)", h->origin,
			      roots[0]->name, h->comp->name);
		if (text.oom) {
			rl_err_set(&err, "out of memory");
			goto failed;
		}
		k = rl_guard_escalate(g, roots, n_roots, rl_buf_str(&text),
				      &plans, reason, sizeof(reason), &err);
		rl_buf_reset(&text);
		if (k < 0)
			goto failed;
		for (i = 0; k == 0 && i < n_roots; i++) {
			k = rl_guard_lock_hosts(g, t, plans[i], why,
						sizeof(why), &err);
			if (k > 0)
				snprintf(reason, sizeof(reason),
					 "in progress: %.580s", why);
		}
		rl_guard_takeovers(g, took_over, (void *)h);
		if (k < 0)
			goto failed;
		if (k > 0) {
			stand_down_because(h, reason, true);
			ret = RL_HEAL_DONE;
			goto out;
		}
		run = plans;
	}
	ret = RL_HEAL_DONE;
	for (i = 0; i < n_roots && !rl_transport_interrupted(t); i++) {
		snprintf(reason, sizeof(reason),
			 "requires: %s requires %s, which is down",
			 h->comp->name, roots[i]->name);
		e = restart_root(h, t, roots[i], run[i], reason);
		/* after an earlier restart, a journal that fails is a
		 * failure mid-action too */
		if (e == RL_HEAL_NO_JOURNAL && i > 0)
			e = RL_HEAL_JOURNAL_MIDWAY;
		if (e != RL_HEAL_DONE)
			ret = e;
		if (e == RL_HEAL_NO_JOURNAL || e == RL_HEAL_JOURNAL_MIDWAY)
			break;
	}
	if (ret != RL_HEAL_NO_JOURNAL && ret != RL_HEAL_JOURNAL_MIDWAY)
		refresh_graph(h, t); /* also after a failed restart: red */
	goto out;

failed:
	/* nothing was restarted: say why, in the journal and the core */
	rl_heal_rec_init(h, &r, "plan");
	r.phase = "end";
	r.action = "restart";
	r.result = "failed";
	r.message = err.msg;
	if (rl_heal_journal(h, &r, true) == 0) {
		rl_buf_printf(&text, "cannot restart %s: %s", h->comp->name,
			      err.msg);
		rl_heal_tell(h, text.oom ? err.msg : rl_buf_str(&text));
	}
	ret = RL_HEAL_FAILED;
out:
	rl_guard_unlock_hosts(g, unlock_failed, (void *)h);
	rl_guard_plans_free(plans, n_roots);
	free(roots);
	rl_transport_free(t);
	rl_buf_free(&text);
	return ret;
}
