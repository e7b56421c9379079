#include "build.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "run.h"
#include "util.h"
#include "xpath.h"

/* Room the transport gets past the last command's own timeout. */
#define BATCH_SLACK_MS 2000

/* ---- checks ------------------------------------------------------------ */

/* A copy of the first line of TEXT (without '\r'), or NULL if it is empty. */
static char *first_line(const char *text, const char **rest)
{
	size_t n;
	char *s;

	if (rest != NULL)
		*rest = NULL;
	if (text == NULL || *text == '\0')
		return NULL;
	n = strcspn(text, "\n");
	if (rest != NULL && text[n] == '\n' && text[n + 1] != '\0')
		*rest = text + n + 1;
	while (n > 0 && text[n - 1] == '\r')
		n--;
	s = strndup(text, n);
	return s;
}

/* *dst = A, or "A: B" when B is not NULL. -1 on no memory. */
static int join(char **dst, const char *a, const char *b)
{
	struct rl_buf buf = RL_BUF_INIT;

	rl_buf_puts(&buf, a);
	if (b != NULL)
		rl_buf_printf(&buf, ": %s", b);
	*dst = rl_buf_detach(&buf);
	return *dst != NULL ? 0 : -1;
}

/*
 * XML mode: the document on stdout is judged by the component's XPath
 * expressions. The output reads like a plugin's first line, "text |
 * perfdata", so that the plugins pass the perfdata on as for plugin mode.
 */
static int judge_xml(const struct rl_component *c, const struct rl_cmd *cmd,
		     struct rl_check_result *r)
{
	struct rl_xpath_verdict v = {0};
	struct rl_err err = {""};
	struct rl_buf buf = RL_BUF_INIT;

	if (cmd->out_cut) {
		/* judging half a document would be a guess */
		r->state = RL_STATE_UNKNOWN;
		rl_buf_printf(&buf,
			      "XML document larger than %d KiB, not judged",
			      RL_CMD_OUTPUT_MAX / 1024);
		r->output = rl_buf_detach(&buf);
		return r->output != NULL ? 0 : -1;
	}
	if (rl_xpath_judge(c, cmd->out != NULL ? cmd->out : "", cmd->out_len,
			   &v, &err) < 0) {
		r->state = RL_STATE_UNKNOWN;
		r->output = strdup(err.msg);
		return r->output != NULL ? 0 : -1;
	}
	r->state = v.state;
	rl_buf_puts(&buf, v.text != NULL ? v.text : "");
	if (v.perfdata != NULL && v.perfdata[0] != '\0')
		rl_buf_printf(&buf, " | %s", v.perfdata);
	r->output = rl_buf_detach(&buf);
	if (r->output != NULL && v.long_text != NULL &&
	    v.long_text[0] != '\0') {
		size_t n = strlen(v.long_text);

		r->long_output = strdup(v.long_text);
		if (r->long_output == NULL) {
			rl_xpath_verdict_free(&v);
			return -1;
		}
		if (r->long_output[n - 1] == '\n')
			r->long_output[n - 1] = '\0';
	}
	rl_xpath_verdict_free(&v);
	return r->output != NULL ? 0 : -1;
}

/*
 * Judges a finished check command. Fills state, output, long_output and
 * transport_failed of R (R's strings must be NULL). -1 on no memory.
 */
static int judge_check(const struct rl_component *c, const struct rl_cmd *cmd,
		       struct rl_check_result *r)
{
	char desc[300], code[32];
	const char *rest = NULL;
	char *line = NULL;
	int ret = -1;

	r->duration_us = cmd->duration_us;
	r->transport_failed = false;
	r->timed_out = false;
	if (cmd->status == RL_CMD_TIMEOUT || cmd->status == RL_CMD_FAILED ||
	    cmd->status == RL_CMD_PENDING) {
		rl_cmd_describe(cmd, desc, sizeof(desc));
		r->state = RL_STATE_UNKNOWN;
		r->transport_failed = true;
		r->timed_out = cmd->status == RL_CMD_TIMEOUT;
		r->output = strdup(desc);
		return r->output != NULL ? 0 : -1;
	}
	if (cmd->status == RL_CMD_SIGNALED) {
		rl_cmd_describe(cmd, desc, sizeof(desc));
		r->state = c->check_mode == RL_CHECK_PLUGIN ? RL_STATE_UNKNOWN
							    : RL_STATE_CRITICAL;
		r->output = strdup(desc);
		return r->output != NULL ? 0 : -1;
	}

	line = first_line(cmd->out, &rest);
	if (line == NULL && cmd->out != NULL && *cmd->out != '\0')
		goto out;
	if (line == NULL) {
		line = first_line(cmd->err, NULL);
		if (line == NULL && cmd->err != NULL && *cmd->err != '\0')
			goto out;
		rest = NULL;
	}
	snprintf(code, sizeof(code), "exit %d", cmd->exit_code);
	if (c->check_mode == RL_CHECK_PLUGIN) {
		r->state = cmd->exit_code >= 0 && cmd->exit_code <= 3
			       ? (enum rl_state)cmd->exit_code
			       : RL_STATE_UNKNOWN;
		if (line != NULL)
			r->output = line, line = NULL;
		else if (join(&r->output, code, "no output") < 0)
			goto out;
		if (rest != NULL) {
			r->long_output = strdup(rest);
			if (r->long_output == NULL)
				goto out;
		}
	} else if (c->check_mode == RL_CHECK_XML && cmd->exit_code == 0) {
		if (judge_xml(c, cmd, r) < 0)
			goto out;
	} else {
		/* exit mode, or an XML fetch that failed */
		r->state =
		    cmd->exit_code == 0 ? RL_STATE_OK : RL_STATE_CRITICAL;
		if (join(&r->output, code, line) < 0)
			goto out;
	}
	ret = 0;
out:
	free(line);
	return ret;
}

static void fill_check_cmd(struct rl_cmd *cmd, const struct rl_component *c,
			   int64_t timeout_ms)
{
	memset(cmd, 0, sizeof(*cmd));
	cmd->host = c->host;
	cmd->command = c->check;
	cmd->timeout_ms = timeout_ms > 0 ? timeout_ms : 1;
	cmd->component = c->name;
	cmd->user = c->user;
	cmd->batchable = true; /* a check: may share a remote command */
}

void rl_check_results_free(struct rl_check_result *r, size_t n)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(r[i].output);
		free(r[i].long_output);
	}
	free(r);
}

int rl_run_checks(struct rl_transport *t,
		  const struct rl_component *const *comps, size_t n,
		  int64_t deadline_ms, struct rl_check_result **out,
		  struct rl_err *err)
{
	struct rl_cmd *cmds = NULL;
	struct rl_check_result *res = NULL;
	size_t i;
	int ret = -1;

	cmds = calloc(n + 1, sizeof(*cmds));
	res = calloc(n + 1, sizeof(*res));
	if (cmds == NULL || res == NULL) {
		rl_err_set(err, "out of memory running %zu checks", n);
		goto out;
	}
	for (i = 0; i < n; i++)
		fill_check_cmd(&cmds[i], comps[i], comps[i]->check_timeout_ms);
	if (rl_transport_run(t, cmds, n, deadline_ms, err) < 0)
		goto out;
	for (i = 0; i < n; i++) {
		res[i].comp = comps[i];
		memcpy(res[i].via, cmds[i].via, sizeof(res[i].via));
		if (judge_check(comps[i], &cmds[i], &res[i]) < 0) {
			rl_err_set(err,
				   "out of memory judging the check of '%s'",
				   comps[i]->name);
			goto out;
		}
	}
	*out = res;
	res = NULL;
	ret = 0;
out:
	if (cmds != NULL)
		for (i = 0; i < n; i++)
			rl_cmd_clear(&cmds[i]);
	free(cmds);
	rl_check_results_free(res, n);
	return ret;
}

/* ---- running a plan ---------------------------------------------------- */

enum phase {
	PH_WAITING = 0, /* not admitted yet */
	PH_PRECHECK,	/* is it already in the wanted state? */
	PH_ACTION,	/* the action command is due (begin not journaled) */
	PH_VERIFY,	/* the action ran; checks until wanted or timeout */
	PH_FINISHED,
};

/* Last known state of a component, by model index. UP: its check
 * answered and it is not down (OK, or a plugin's WARNING); UNKNOWN: the
 * check could not run or said UNKNOWN itself, or an action ran on it and
 * was not verified. */
enum known { KNOWN_NONE = 0, KNOWN_UP, KNOWN_DOWN, KNOWN_UNKNOWN };

struct step_run {
	const struct rl_step *step;
	struct rl_step_report *rep;
	enum phase phase;
	int64_t started_ms;  /* monotonic */
	int64_t deadline_ms; /* started + the step's timeout */
	int64_t due_ms;	     /* when its next command may run */
	int action_exit;     /* -1: none */
	int action_signal;   /* -1: none */
	struct rl_cmd *cmd;  /* its command in the current round */
	/* the last check that had its full time: near the deadline a check
	   is cut short, and "timed out" would hide what it said before */
	char last_check[320];
};

struct run_ctx {
	struct rl_transport *t;
	const struct rl_model *m;
	const struct rl_plan *plan;
	const struct rl_run_opts *opts;
	struct rl_run_report *rep;
	const char *node;
	unsigned char *known; /* enum known, by component index */
	bool journal_failed;
	struct rl_err jerr; /* the journal's error */
	char hostname[256]; /* the node when neither opts nor site say */
};

static const char *host_name(const struct rl_component *c)
{
	return c->host != NULL ? c->host->name : c->host_name;
}

static const char *action_command(const struct rl_step *s)
{
	switch (s->kind) {
	case RL_STEP_STOP:
		return s->comp->stop;
	case RL_STEP_START:
		return s->comp->start;
	case RL_STEP_RESTART:
		return s->comp->restart;
	}
	return NULL;
}

/*
 * What a stop waits for: a check that ran and says the component is not
 * there. A plugin's WARNING (or its own UNKNOWN) is a component that still
 * answers, so only CRITICAL is down in plugin mode; a check that could not
 * run says nothing.
 */
static bool is_down(const struct rl_component *c,
		    const struct rl_check_result *r)
{
	if (r->transport_failed)
		return false;
	if (c->check_mode == RL_CHECK_PLUGIN)
		return r->state == RL_STATE_CRITICAL;
	return r->state != RL_STATE_OK;
}

static bool wanted(const struct rl_step *s, const struct rl_check_result *r)
{
	if (s->kind == RL_STEP_STOP)
		return is_down(s->comp, r);
	return r->state == RL_STATE_OK;
}

/* What check R says of C for the report: a check that could not run (host
 * key, lost connection, no answer in time) or that said UNKNOWN proves
 * neither up nor down. */
static enum known known_of(const struct rl_component *c,
			   const struct rl_check_result *r)
{
	if (r->transport_failed)
		return KNOWN_UNKNOWN;
	if (is_down(c, r))
		return KNOWN_DOWN;
	if (r->state == RL_STATE_UNKNOWN)
		return KNOWN_UNKNOWN;
	return KNOWN_UP;
}

static void remember(struct run_ctx *x, const struct rl_component *c,
		     const struct rl_check_result *r)
{
	if (c->index < x->m->n_components)
		x->known[c->index] = (unsigned char)known_of(c, r);
}

/*
 * Journals R. A step's records are written unsynced (group commit): the
 * begin records of the actions of a round are synced together before
 * their commands run (journal_sync), an end record with the next sync
 * (the next round's actions, the plan's end record). The plan's begin
 * record too: it announces the plan, whose first command that changes
 * anything is a step's action, so the sync of the first round of
 * actions covers it (checks before it change nothing; a plan with no
 * action is synced at its end). The plan's end record is synced at once.
 */
static void journal_as(struct run_ctx *x, struct rl_journal_rec *r, bool sync)
{
	if (x->journal_failed)
		return;
	r->node = x->node;
	r->user = x->opts->user;
	r->run = x->rep->run_id;
	if ((sync ? rl_journal_append(x->opts->journal, r, &x->jerr)
		  : rl_journal_append_unsynced(x->opts->journal, r, &x->jerr)) <
	    0)
		x->journal_failed = true;
}

/* Before the commands of a round run: the begin records written for it
 * (and any end record before them) reach the disk, or nothing runs. */
static void journal_sync(struct run_ctx *x)
{
	if (!x->journal_failed &&
	    rl_journal_sync(x->opts->journal, &x->jerr) < 0)
		x->journal_failed = true;
}

static void journal_step(struct run_ctx *x, struct step_run *s,
			 const char *phase)
{
	struct rl_journal_rec r;
	const struct rl_component *c = s->step->comp;

	rl_journal_rec_init(&r);
	r.event = "step";
	r.phase = phase;
	r.action = rl_step_kind_name(s->step->kind);
	r.component = c->name;
	r.host = host_name(c);
	r.command = action_command(s->step);
	if (strcmp(phase, "end") == 0) {
		switch (s->rep->outcome) {
		case RL_OUTCOME_DONE:
			r.result = "ok";
			break;
		case RL_OUTCOME_SKIPPED:
			r.result = "skipped";
			r.command = NULL;
			break;
		default:
			r.result = "failed";
		}
		if (s->rep->interrupted)
			r.result = "interrupted";
		r.exit_code = s->action_exit;
		r.signal = s->action_signal;
		r.duration_ms = s->rep->duration_ms;
		r.message = s->rep->message;
	}
	journal_as(x, &r, false);
}

/* Ends a step with OUTCOME and a message, journals it, reports progress. */
static void finish(struct run_ctx *x, struct step_run *s,
		   enum rl_step_outcome outcome, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void finish(struct run_ctx *x, struct step_run *s,
		   enum rl_step_outcome outcome, const char *fmt, ...)
{
	va_list ap;

	s->phase = PH_FINISHED;
	s->rep->outcome = outcome;
	s->rep->duration_ms = rl_now_ms() - s->started_ms;
	va_start(ap, fmt);
	vsnprintf(s->rep->message, sizeof(s->rep->message), fmt, ap);
	va_end(ap);
	journal_step(x, s, "end");
	if (x->opts->progress != NULL)
		x->opts->progress(s->rep, x->opts->progress_ctx);
}

static const char *done_verb(enum rl_step_kind k)
{
	switch (k) {
	case RL_STEP_STOP:
		return "stopped";
	case RL_STEP_START:
		return "started";
	case RL_STEP_RESTART:
		return "restarted";
	}
	return "done";
}

static void duration_text(char *buf, size_t len, int64_t ms)
{
	struct rl_buf b = RL_BUF_INIT;

	rl_buf_duration(&b, ms);
	snprintf(buf, len, "%s", b.oom ? "?" : rl_buf_str(&b));
	rl_buf_free(&b);
}

/* The result of a step's command in this round. -1: no memory. */
static int step_result(struct run_ctx *x, struct step_run *s)
{
	const struct rl_step *st = s->step;
	const struct rl_component *c = st->comp;
	struct rl_check_result r;
	char took[32], desc[300];
	int64_t now = rl_now_ms();
	char *line;

	memset(&r, 0, sizeof(r));
	if (s->phase == PH_ACTION) {
		const char *verb = rl_step_kind_name(st->kind);

		x->rep->acted = true;

		if (s->cmd->status == RL_CMD_EXITED) {
			s->action_exit = s->cmd->exit_code;
			if (s->cmd->exit_code == 0) {
				s->phase = PH_VERIFY;
				s->due_ms = now;
				return 0;
			}
			line = first_line(s->cmd->err != NULL && *s->cmd->err
					      ? s->cmd->err
					      : s->cmd->out,
					  NULL);
			finish(x, s, RL_OUTCOME_FAILED, "%s exited %d%s%.400s",
			       verb, s->cmd->exit_code, line ? ": " : "",
			       line ? line : "");
			free(line);
			return 0;
		}
		if (s->cmd->status == RL_CMD_SIGNALED)
			s->action_signal = s->cmd->signal;
		rl_cmd_describe(s->cmd, desc, sizeof(desc));
		finish(x, s, RL_OUTCOME_FAILED, "%s: %s", verb, desc);
		return 0;
	}

	if (judge_check(c, s->cmd, &r) < 0) {
		free(r.output);
		free(r.long_output);
		return -1;
	}
	remember(x, c, &r);
	if (!r.timed_out || s->cmd->timeout_ms >= c->check_timeout_ms ||
	    s->last_check[0] == '\0')
		snprintf(s->last_check, sizeof(s->last_check), "%s %.300s",
			 rl_state_name(r.state), r.output ? r.output : "");
	if (s->phase == PH_PRECHECK) {
		if (st->kind == RL_STEP_START && wanted(st, &r))
			finish(x, s, RL_OUTCOME_SKIPPED, "already up");
		else if (st->kind == RL_STEP_STOP && wanted(st, &r))
			finish(x, s, RL_OUTCOME_SKIPPED, "already down");
		else {
			s->phase = PH_ACTION;
			s->due_ms = now;
		}
	} else if (wanted(st, &r)) {
		duration_text(took, sizeof(took), now - s->started_ms);
		finish(x, s, RL_OUTCOME_DONE, "%s and verified in %s",
		       done_verb(st->kind), took);
	} else if (now + x->m->site.check_interval_ms >= s->deadline_ms) {
		duration_text(took, sizeof(took), now - s->started_ms);
		finish(x, s, RL_OUTCOME_FAILED, "still %s after %s: %s",
		       st->kind == RL_STEP_STOP ? "up" : "down", took,
		       s->last_check);
	} else {
		s->due_ms = now + x->m->site.check_interval_ms;
	}
	free(r.output);
	free(r.long_output);
	return 0;
}

/*
 * A signal came (the transport's cancel fd): every step still going ends
 * "interrupted" (its command, if one ran, was killed by the transport);
 * the steps not admitted stay not run.
 */
static void interrupt(struct run_ctx *x, struct step_run *s, size_t n)
{
	static const char *const when[] = {
	    [PH_PRECHECK] = "before its command ran",
	    [PH_ACTION] = "while its command ran",
	    [PH_VERIFY] = "while it was being verified",
	};
	size_t i;

	for (i = 0; i < n; i++) {
		struct step_run *a = &s[i];

		if (a->phase == PH_FINISHED || a->phase == PH_WAITING)
			continue;
		if (a->phase == PH_ACTION && a->cmd != NULL &&
		    a->cmd->status == RL_CMD_EXITED)
			a->action_exit = a->cmd->exit_code;
		a->rep->interrupted = true;
		finish(x, a, RL_OUTCOME_FAILED, "%s interrupted %s",
		       rl_step_kind_name(a->step->kind), when[a->phase]);
	}
}

/* Every command is stopped: what is left of a level when the journal fails.
 * A component whose action ran and was not verified is in an unknown
 * state. */
static void abandon(struct run_ctx *x, struct step_run *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct rl_step_report *r = s[i].rep;
		const struct rl_component *c = s[i].step->comp;

		if (s[i].phase == PH_FINISHED || s[i].phase == PH_WAITING)
			continue;
		r->duration_ms = rl_now_ms() - s[i].started_ms;
		if (s[i].phase == PH_VERIFY) {
			if (c->index < x->m->n_components)
				x->known[c->index] = KNOWN_UNKNOWN;
			r->outcome = RL_OUTCOME_FAILED;
			snprintf(r->message, sizeof(r->message),
				 "%s ran, not verified: the journal could not "
				 "be written",
				 rl_step_kind_name(s[i].step->kind));
		} else {
			r->outcome = RL_OUTCOME_NOT_RUN;
			snprintf(r->message, sizeof(r->message),
				 "not run: the journal could not be written");
		}
		s[i].phase = PH_FINISHED;
	}
}

/*
 * Runs one level: at most plan->parallel steps at once, each a small state
 * machine; every round runs the commands due now as one transport batch.
 * Returns 0 when every step succeeded or was skipped, 1 when one failed,
 * 2 when a signal interrupted it (interrupt), -1 on a journal failure
 * (x->jerr) or no memory (err).
 */
static int run_level(struct run_ctx *x, const struct rl_plan_level *lv,
		     struct rl_err *err)
{
	struct step_run *s = NULL;
	struct rl_cmd *cmds = NULL;
	size_t i, next = 0, active = 0, n = lv->n_steps, nc;
	size_t par = x->plan->parallel > 0 ? (size_t)x->plan->parallel : 1;
	bool failed = false, acts;
	int ret = -1, tr;

	s = calloc(n + 1, sizeof(*s));
	cmds = calloc(n + 1, sizeof(*cmds));
	if (s == NULL || cmds == NULL) {
		rl_err_set(err, "out of memory running a level of %zu steps",
			   n);
		goto out;
	}
	for (i = 0; i < n; i++) {
		s[i].step = &lv->steps[i];
		s[i].rep = &x->rep->steps[lv->steps[i].number - 1];
		s[i].action_exit = -1;
		s[i].action_signal = -1;
	}

	for (;;) {
		int64_t now = rl_now_ms(), batch_end = 0, next_due = 0;

		/* admit steps; none once one of the level has failed */
		while (!failed && active < par && next < n) {
			struct step_run *a = &s[next++];

			a->phase = a->step->kind == RL_STEP_RESTART
				       ? PH_ACTION
				       : PH_PRECHECK;
			a->started_ms = now;
			a->deadline_ms = now + rl_step_timeout_ms(a->step);
			a->due_ms = now;
			active++;
		}
		if (active == 0)
			break;
		if (rl_transport_interrupted(x->t)) {
			interrupt(x, s, n);
			ret = 2;
			goto out;
		}

		/* the commands due now; journal each action's begin first */
		nc = 0;
		acts = false;
		for (i = 0; i < n; i++) {
			struct step_run *a = &s[i];
			const struct rl_component *c = a->step->comp;
			struct rl_cmd *cmd;
			int64_t left = a->deadline_ms - now;

			if (a->phase == PH_WAITING || a->phase == PH_FINISHED)
				continue;
			if (a->due_ms > now) {
				if (next_due == 0 || a->due_ms < next_due)
					next_due = a->due_ms;
				continue;
			}
			if (left < 1)
				left = 1;
			cmd = a->cmd = &cmds[nc++];
			if (a->phase == PH_ACTION) {
				journal_step(x, a, "begin");
				acts = true;
				if (x->journal_failed)
					break;
				memset(cmd, 0, sizeof(*cmd));
				cmd->host = c->host;
				cmd->command = action_command(a->step);
				cmd->timeout_ms = left;
				cmd->component = c->name;
				cmd->user = c->user;
			} else {
				fill_check_cmd(cmd, c,
					       c->check_timeout_ms < left
						   ? c->check_timeout_ms
						   : left);
			}
			if (now + cmd->timeout_ms > batch_end)
				batch_end = now + cmd->timeout_ms;
		}
		if (acts)
			journal_sync(x);
		if (x->journal_failed) {
			abandon(x, s, n);
			goto out;
		}
		if (nc == 0) {
			/* nothing due: wait for the next check, no spinning */
			rl_transport_sleep(x->t, next_due);
			continue;
		}
		tr = rl_transport_run(x->t, cmds, nc,
				      batch_end + BATCH_SLACK_MS, err);
		if (tr < 0)
			goto out;
		if (tr == RL_TRANSPORT_INTERRUPTED) {
			interrupt(x, s, n);
			ret = 2;
			goto out;
		}
		for (i = 0; i < n; i++) {
			struct step_run *a = &s[i];

			if (a->cmd == NULL)
				continue;
			if (step_result(x, a) < 0) {
				rl_err_set(err, "out of memory judging '%s'",
					   a->step->comp->name);
				goto out;
			}
			rl_cmd_clear(a->cmd);
			a->cmd = NULL;
			if (a->phase == PH_FINISHED) {
				active--;
				if (a->rep->outcome == RL_OUTCOME_FAILED)
					failed = true;
			}
		}
		if (x->journal_failed) {
			abandon(x, s, n);
			goto out;
		}
	}
	ret = failed ? 1 : 0;
out:
	if (cmds != NULL)
		for (i = 0; i < n; i++)
			rl_cmd_clear(&cmds[i]);
	free(cmds);
	free(s);
	return ret;
}

/* ---- signals ----------------------------------------------------------- */

/*
 * The only mutable statics of lib/: a signal handler can reach nothing
 * else. Set once by rl_run_trap_signals (the pipe's write end) and by the
 * handler (the first signal); everything else gets the pipe's read end
 * from its main.
 */
static int trap_wfd = -1;
static volatile sig_atomic_t trap_sig;

static void on_trap(int sig)
{
	int e = errno;
	char b = (char)sig;

	if (trap_sig == 0)
		trap_sig = sig;
	/* a full pipe is readable already: nothing to add */
	if (write(trap_wfd, &b, 1) < 0)
		b = 0;
	errno = e;
}

int rl_run_trap_signals(struct rl_err *err)
{
	static const int sigs[] = {SIGTERM, SIGINT, SIGHUP};
	struct sigaction sa;
	int p[2];
	size_t i;

	if (trap_wfd >= 0)
		return rl_err_set(err, "signals are trapped already");
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0)
		return rl_err_set(err, "cannot make a pipe for signals: %s",
				  strerror(errno));
	trap_wfd = p[1];
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_trap;
	sigfillset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		struct sigaction old;

		/* ignored on entry (nohup, a script's background job): the
		 * caller meant it so */
		if (sigaction(sigs[i], NULL, &old) == 0 &&
		    old.sa_handler == SIG_IGN)
			continue;
		if (sigaction(sigs[i], &sa, NULL) < 0)
			return rl_err_set(err, "cannot catch signal %d: %s",
					  sigs[i], strerror(errno));
	}
	return p[0];
}

int rl_run_trapped(void)
{
	return trap_sig;
}

void rl_run_new_id(char *buf, size_t len)
{
	int64_t ms = rl_wall_ms();
	time_t sec = (time_t)(ms / 1000);
	unsigned int rnd = 0;
	struct tm tm;
	char stamp[24] = "0";

	if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) != (ssize_t)sizeof(rnd))
		rnd = (unsigned int)rl_now_us() ^ (unsigned int)getpid() << 16;
	if (gmtime_r(&sec, &tm) != NULL)
		strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%S", &tm);
	snprintf(buf, len, "%s.%03dZ-%ld-%08x", stamp, (int)(ms % 1000),
		 (long)getpid(), rnd);
}

/* "a, b", or "none". */
static void name_list(struct rl_buf *b, const struct rl_component *const *c,
		      size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		rl_buf_printf(b, "%s%s", i ? ", " : "", c[i]->name);
	if (n == 0)
		rl_buf_puts(b, "none");
}

void rl_run_report_down(const struct rl_run_report *rep, struct rl_buf *b)
{
	name_list(b, rep->down, rep->n_down);
}

void rl_run_report_state(const struct rl_run_report *rep, struct rl_buf *b)
{
	rl_buf_puts(b, "down now: ");
	name_list(b, rep->down, rep->n_down);
	if (rep->n_unknown > 0) {
		rl_buf_puts(b, "; state unknown: ");
		name_list(b, rep->unknown, rep->n_unknown);
	}
}

void rl_run_report_free(struct rl_run_report *r)
{
	if (r == NULL)
		return;
	free(r->steps);
	free(r->down);
	free(r->unknown);
	free(r);
}

/* Checks every component of the plan once more: who is down now. */
static int final_check(struct run_ctx *x, struct rl_err *err)
{
	struct rl_check_result *res = NULL;
	int64_t longest = 0;
	size_t i;

	for (i = 0; i < x->plan->n_touched; i++)
		if (x->plan->touched[i]->check_timeout_ms > longest)
			longest = x->plan->touched[i]->check_timeout_ms;
	if (rl_run_checks(x->t, x->plan->touched, x->plan->n_touched,
			  rl_now_ms() + longest + BATCH_SLACK_MS, &res,
			  err) < 0)
		return -1;
	for (i = 0; i < x->plan->n_touched; i++)
		remember(x, x->plan->touched[i], &res[i]);
	rl_check_results_free(res, x->plan->n_touched);
	return 0;
}

static int collect_down(struct run_ctx *x)
{
	const struct rl_plan *p = x->plan;
	size_t i;

	x->rep->down = calloc(p->n_touched + 1, sizeof(*x->rep->down));
	x->rep->unknown = calloc(p->n_touched + 1, sizeof(*x->rep->unknown));
	if (x->rep->down == NULL || x->rep->unknown == NULL)
		return -1;
	for (i = 0; i < p->n_touched; i++) {
		const struct rl_component *c = p->touched[i];

		if (c->index >= x->m->n_components)
			continue;
		if (x->known[c->index] == KNOWN_DOWN)
			x->rep->down[x->rep->n_down++] = c;
		else if (x->known[c->index] == KNOWN_UNKNOWN)
			x->rep->unknown[x->rep->n_unknown++] = c;
	}
	return 0;
}

/*
 * The commands of a plan, one line each in step order ("2. start fx/a:
 * COMMAND"), for its record (issue 18): at its begin every step's, at
 * its end those of the steps that ran one (done or failed).
 */
static void plan_commands(const struct run_ctx *x, bool ran, struct rl_buf *b)
{
	const char *sep = "";
	size_t i;

	for (i = 0; i < x->rep->n_steps; i++) {
		const struct rl_step_report *s = &x->rep->steps[i];
		const char *cmd = action_command(s->step);

		if (cmd == NULL || (ran && s->outcome != RL_OUTCOME_DONE &&
				    s->outcome != RL_OUTCOME_FAILED))
			continue;
		rl_buf_printf(b, "%s%zu. %s %s: %s", sep, i + 1,
			      rl_step_kind_name(s->step->kind),
			      s->step->comp->name, cmd);
		sep = "\n";
	}
}

static void plan_record(struct run_ctx *x, const char *phase, int64_t ms)
{
	struct rl_journal_rec r;
	struct rl_buf msg = RL_BUF_INIT, cmds = RL_BUF_INIT;
	size_t i, done = 0;

	rl_journal_rec_init(&r);
	r.event = "plan";
	r.phase = phase;
	r.action = rl_action_name(x->plan->action);
	r.component = x->plan->target;
	if (strcmp(phase, "begin") == 0) {
		rl_buf_printf(&msg, "%zu steps", x->plan->n_steps);
		if (x->opts->origin != NULL)
			rl_buf_printf(&msg, ", by %s", x->opts->origin);
	} else {
		for (i = 0; i < x->rep->n_steps; i++)
			done += x->rep->steps[i].outcome == RL_OUTCOME_DONE ||
				x->rep->steps[i].outcome == RL_OUTCOME_SKIPPED;
		rl_buf_printf(&msg, "%zu of %zu steps done", done,
			      x->rep->n_steps);
		for (i = 0; i < x->rep->n_down; i++)
			rl_buf_printf(&msg, "%s%s", i == 0 ? "; down: " : ", ",
				      x->rep->down[i]->name);
		for (i = 0; i < x->rep->n_unknown; i++)
			rl_buf_printf(&msg, "%s%s",
				      i == 0 ? "; state unknown: " : ", ",
				      x->rep->unknown[i]->name);
		r.result = x->rep->ok		 ? "ok"
			   : x->rep->interrupted ? "interrupted"
						 : "failed";
		r.duration_ms = ms;
	}
	plan_commands(x, strcmp(phase, "end") == 0, &cmds);
	r.message = msg.oom ? NULL : rl_buf_str(&msg);
	r.command = cmds.oom || cmds.len == 0 ? NULL : rl_buf_str(&cmds);
	journal_as(x, &r, strcmp(phase, "end") == 0);
	rl_buf_free(&cmds);
	rl_buf_free(&msg);
}

int rl_run_plan(struct rl_transport *t, const struct rl_model *m,
		const struct rl_plan *plan, const struct rl_run_opts *opts,
		struct rl_run_report **out, struct rl_err *err)
{
	struct run_ctx x;
	struct rl_run_report *rep = NULL;
	int64_t t0 = rl_now_ms();
	size_t l, i;
	int r = 0, ret = -1;
	bool stopped = false;

	memset(&x, 0, sizeof(x));
	*out = NULL;
	if (opts == NULL || opts->journal == NULL)
		return rl_err_set(err, "running '%s': no journal",
				  plan->target);
	rep = calloc(1, sizeof(*rep));
	x.known = calloc(m->n_components + 1, 1);
	if (rep == NULL || x.known == NULL)
		goto oom;
	rep->steps = calloc(plan->n_steps + 1, sizeof(*rep->steps));
	if (rep->steps == NULL)
		goto oom;
	rep->n_steps = plan->n_steps;
	for (l = 0; l < plan->n_levels; l++)
		for (i = 0; i < plan->levels[l].n_steps; i++) {
			const struct rl_step *s = &plan->levels[l].steps[i];

			if (s->number < 1 || s->number > plan->n_steps)
				RL_BUG("step number %zu of %zu", s->number,
				       plan->n_steps);
			rep->steps[s->number - 1].step = s;
		}
	if (opts->run_id != NULL)
		snprintf(rep->run_id, sizeof(rep->run_id), "%s", opts->run_id);
	else
		rl_run_new_id(rep->run_id, sizeof(rep->run_id));
	x.t = t;
	x.m = m;
	x.plan = plan;
	x.opts = opts;
	x.rep = rep;
	x.node = opts->node != NULL ? opts->node : m->site.node;
	if (x.node == NULL) {
		if (gethostname(x.hostname, sizeof(x.hostname) - 1) < 0)
			snprintf(x.hostname, sizeof(x.hostname), "unknown");
		x.node = x.hostname;
	}

	plan_record(&x, "begin", -1);
	for (l = 0; l < plan->n_levels && !x.journal_failed; l++) {
		r = run_level(&x, &plan->levels[l], err);
		if (r < 0 && !x.journal_failed)
			goto out; /* no memory */
		if (r == 2)
			rep->interrupted = true;
		if (r != 0) {
			stopped = true;
			break;
		}
	}
	for (i = 0; i < rep->n_steps; i++)
		if (rep->steps[i].outcome == RL_OUTCOME_NOT_RUN &&
		    rep->steps[i].message[0] == '\0')
			snprintf(rep->steps[i].message,
				 sizeof(rep->steps[i].message), "%s",
				 x.journal_failed
				     ? "not run: the journal could not be "
				       "written"
				 : rep->interrupted
				     ? "not run: interrupted by a signal"
				     : "not run: an earlier step failed");
	rep->ok = !stopped && !x.journal_failed;
	/* after a failure, who is down now; no command once the journal
	   has failed */
	if (stopped && !x.journal_failed && !rep->interrupted &&
	    final_check(&x, err) < 0)
		goto out;
	if (collect_down(&x) < 0)
		goto oom;
	rep->duration_ms = rl_now_ms() - t0;
	plan_record(&x, "end", rep->duration_ms);
	if (x.journal_failed) {
		rep->ok = false;
		rep->journal_failed = true;
		rl_err_set(err, "%s", x.jerr.msg);
		*out = rep;
		rep = NULL;
		goto out;
	}
	*out = rep;
	rep = NULL;
	ret = 0;
	goto out;
oom:
	rl_err_set(err, "out of memory running '%s'", plan->target);
out:
	rl_run_report_free(rep);
	free(x.known);
	return ret;
}
