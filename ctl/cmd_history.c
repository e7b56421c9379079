#include "build.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd_history.h"
#include "ctl.h"
#include "journal.h"
#include "util.h"

enum {
	COL_TIME,
	COL_NODE,
	COL_USER,
	COL_ACTION,
	COL_COMPONENT,
	COL_RESULT,
	COL_DURATION,
	COL_MESSAGE,
	N_COLS
};

static const char *const col_names[N_COLS] = {
    "TIME",	 "NODE",   "USER",     "ACTION",
    "COMPONENT", "RESULT", "DURATION", "MESSAGE",
};

struct row {
	char *col[N_COLS]; /* owned */
	char *json;	   /* owned: the record as a JSON line */
	char *run;	   /* owned: a plan begin's run, until its end */
	int64_t pid;	   /* of that plan begin */
	bool here;	   /* that plan began on this node */
};

struct collect {
	const struct ctl_history_opts *o;
	struct row *rows;
	size_t n, cap;
	size_t first; /* with a limit: rows[first..] are kept */
	bool oom;
};

static void row_clear(struct row *r)
{
	size_t i;

	for (i = 0; i < N_COLS; i++)
		free(r->col[i]);
	free(r->json);
	free(r->run);
	memset(r, 0, sizeof(*r));
}

static bool matches(const struct ctl_history_opts *o,
		    const struct rl_journal_rec *r)
{
	size_t tl;

	if (!o->all) {
		bool step_end = r->event && !strcmp(r->event, "step") &&
				(!r->phase || !strcmp(r->phase, "end"));
		bool plan = r->event && !strcmp(r->event, "plan");
		/* the handler's decisions, but not its "nothing to do" */
		bool decision = r->event && !strcmp(r->event, "decision") &&
				!(r->result && !strcmp(r->result, "ignore"));
		bool hold = r->event && !strcmp(r->event, "hold");

		if (!step_end && !plan && !decision && !hold)
			return false;
	}
	if (o->since_ms && r->ts_ms < o->since_ms)
		return false;
	if (!o->target)
		return true;
	if (!r->component)
		return false;
	tl = strlen(o->target);
	/* a component, or every component of an application */
	return !strcmp(r->component, o->target) ||
	       (!strncmp(r->component, o->target, tl) &&
		r->component[tl] == '/');
}

/* Untrusted text (a command's output in a message) on one bounded line. */
static char *clean(const char *s, size_t max)
{
	struct rl_buf b = RL_BUF_INIT;

	rl_buf_oneline(&b, s, max, ' ', RL_ONELINE_ELLIPSIS);
	if (b.oom) {
		rl_buf_free(&b);
		return NULL;
	}
	if (!b.data)
		return strdup("-");
	return rl_buf_detach(&b);
}

static char *format_time(int64_t ts_ms)
{
	char buf[64];
	time_t t = (time_t)(ts_ms / 1000);
	struct tm tm;

	if (!localtime_r(&t, &tm) ||
	    !strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm))
		return strdup("-");
	return strdup(buf);
}

/* The plan begun in RUN has its end: no longer open. */
static void plan_ended(struct collect *c, const char *run)
{
	size_t i;

	for (i = c->n; i-- > c->first;)
		if (c->rows[i].run && !strcmp(c->rows[i].run, run)) {
			free(c->rows[i].run);
			c->rows[i].run = NULL;
			return;
		}
}

/* A plan begun without an end: running (its process lives, here), or
 * said to have no end. Returns -1 on OOM. */
static int mark_open(struct row *row)
{
	struct rl_buf m = RL_BUF_INIT;

	if (row->here && row->pid > 0 &&
	    (kill((pid_t)row->pid, 0) == 0 || errno == EPERM)) {
		free(row->col[COL_RESULT]);
		row->col[COL_RESULT] = strdup("running");
		return row->col[COL_RESULT] ? 0 : -1;
	}
	rl_buf_puts(&m, "no end recorded (killed?)");
	if (strcmp(row->col[COL_MESSAGE], "-") != 0)
		rl_buf_printf(&m, "; %s", row->col[COL_MESSAGE]);
	if (m.oom)
		return -1;
	free(row->col[COL_MESSAGE]);
	row->col[COL_MESSAGE] = rl_buf_detach(&m);
	free(row->col[COL_RESULT]);
	row->col[COL_RESULT] = strdup("no end");
	return row->col[COL_RESULT] ? 0 : -1;
}

static int collect_cb(const struct rl_journal_rec *r, void *ctx)
{
	struct collect *c = ctx;
	struct row row = {{NULL}, NULL, NULL, 0, false};
	struct rl_buf dur = RL_BUF_INIT;
	const char *result;
	size_t i;

	if (!matches(c->o, r))
		return 0;
	if (rl_grow(&c->rows, &c->cap, c->n + 1, sizeof(*c->rows)) < 0)
		goto oom;
	result = r->result;
	if (!result && r->phase)
		result = r->phase; /* a plan's begin record */
	row.col[COL_TIME] = format_time(r->ts_ms);
	row.col[COL_NODE] = clean(r->node, 40);
	/* who: for a hold, the one who held or acknowledged; else the
	 * account that wrote the record (a handler's stand-down for a hold
	 * is the handler's, whoever held) */
	row.col[COL_USER] = clean(r->event && !strcmp(r->event, "hold") &&
					  r->author && *r->author
				      ? r->author
				      : r->user,
				  40);
	if (r->event && !strcmp(r->event, "decision")) {
		row.col[COL_ACTION] = strdup("handler");
	} else if (r->event && strcmp(r->event, "step")) {
		/* "plan restart": the plan records stand apart from steps */
		struct rl_buf a = RL_BUF_INIT;

		rl_buf_printf(&a, "%s%s%s", r->event, r->action ? " " : "",
			      r->action ? r->action : "");
		row.col[COL_ACTION] = a.oom ? NULL : rl_buf_detach(&a);
		rl_buf_free(&a);
	} else {
		row.col[COL_ACTION] = clean(r->action, 40);
	}
	row.col[COL_COMPONENT] = clean(r->component, 80);
	row.col[COL_RESULT] = clean(result, 20);
	if (r->duration_ms >= 0) {
		rl_buf_duration(&dur, r->duration_ms);
		row.col[COL_DURATION] = dur.oom ? NULL : rl_buf_detach(&dur);
	} else {
		row.col[COL_DURATION] = strdup("-");
	}
	rl_buf_free(&dur);
	if (r->reason && r->message) {
		struct rl_buf m = RL_BUF_INIT;

		/* a hold: what happened first, then the reason given */
		if (r->event && !strcmp(r->event, "hold"))
			rl_buf_printf(&m, "%s: %s", r->message, r->reason);
		else
			rl_buf_printf(&m, "%s: %s", r->reason, r->message);
		row.col[COL_MESSAGE] =
		    m.oom ? NULL : clean(rl_buf_str(&m), 300);
		rl_buf_free(&m);
	} else {
		row.col[COL_MESSAGE] =
		    clean(r->message ? r->message : r->reason, 300);
	}
	if (r->event && !strcmp(r->event, "plan") && r->run && r->phase) {
		if (!strcmp(r->phase, "end"))
			plan_ended(c, r->run);
		else if ((row.run = strdup(r->run)) == NULL)
			goto oom;
		row.pid = r->pid;
		row.here =
		    c->o->node && r->node && !strcmp(r->node, c->o->node);
	}
	if (c->o->json)
		row.json = rl_journal_format(r);
	for (i = 0; i < N_COLS; i++)
		if (!row.col[i])
			goto oom;
	if (c->o->json && !row.json)
		goto oom;
	c->rows[c->n++] = row;
	/* with a limit, drop the oldest as we go: a long journal costs
	 * memory for the rows shown only (amortised compaction) */
	if (c->o->limit > 0 && c->n - c->first > (size_t)c->o->limit) {
		row_clear(&c->rows[c->first++]);
		if (c->first >= (size_t)c->o->limit && c->first >= 64) {
			memmove(c->rows, c->rows + c->first,
				(c->n - c->first) * sizeof(*c->rows));
			c->n -= c->first;
			c->first = 0;
		}
	}
	return 0;
oom:
	row_clear(&row);
	c->oom = true;
	return 1;
}

static void print_row(FILE *out, const char *const *col, const size_t *w)
{
	size_t k;

	for (k = 0; k + 1 < N_COLS; k++) {
		if (k == COL_DURATION)
			fprintf(out, "%*s  ", (int)w[k], col[k]);
		else
			fprintf(out, "%-*s  ", (int)w[k], col[k]);
	}
	fprintf(out, "%s\n", col[N_COLS - 1]);
}

static void print_table(const struct collect *c, FILE *out)
{
	size_t w[N_COLS], i, k;

	for (k = 0; k < N_COLS; k++)
		w[k] = strlen(col_names[k]);
	for (i = c->first; i < c->n; i++)
		for (k = 0; k < N_COLS; k++)
			if (strlen(c->rows[i].col[k]) > w[k])
				w[k] = strlen(c->rows[i].col[k]);
	print_row(out, col_names, w);
	for (i = c->first; i < c->n; i++)
		print_row(out, (const char *const *)c->rows[i].col, w);
}

int ctl_history(const struct ctl_history_opts *o, FILE *out, size_t *shown,
		struct rl_err *err)
{
	struct collect c;
	size_t i;
	int r;

	memset(&c, 0, sizeof(c));
	c.o = o;
	r = rl_journal_read(o->journal, collect_cb, &c, err);
	if (c.oom) {
		r = rl_err_set(err, "out of memory reading '%s'", o->journal);
		goto out;
	}
	if (r < 0)
		goto out;
	r = 0;
	if (o->json) {
		for (i = c.first; i < c.n; i++)
			fputs(c.rows[i].json, out);
	} else if (c.n > c.first) {
		for (i = c.first; i < c.n; i++)
			if (c.rows[i].run && mark_open(&c.rows[i]) < 0) {
				r = rl_err_set(err, "out of memory");
				goto out;
			}
		print_table(&c, out);
	}
	*shown = c.n - c.first;
out:
	for (i = c.first; i < c.n; i++)
		row_clear(&c.rows[i]);
	free(c.rows);
	return r;
}

/* ---- the command ------------------------------------------------------ */

struct history_args {
	int64_t since_ms; /* --since, a duration */
	long limit;	  /* --limit */
	bool all;	  /* --all */
};

static const struct rl_opt history_opts[] = {
    RL_OPT(0, "since", RL_OPT_DURATION,
	   offsetof(struct history_args, since_ms)),
    RL_OPT(0, "limit", RL_OPT_LONG, offsetof(struct history_args, limit),
	   .min = 1, .max = 1000000),
    RL_OPT(0, "all", RL_OPT_FLAG, offsetof(struct history_args, all)),
    {0},
};

static int cmd_history(struct ctl *ctl, int argc, char **argv)
{
	struct rl_err err = {""};
	struct ctl_history_opts o;
	struct history_args a;
	size_t shown = 0;
	int r;

	memset(&a, 0, sizeof(a));
	r = ctl_parse(ctl, &ctl_cmd_history, &a, &argc, &argv);
	if (r != CTL_GO_ON)
		return r;
	if (argc > 1)
		return usage_error("history: too many arguments");
	r = load_config(ctl);
	if (r)
		return r;
	memset(&o, 0, sizeof(o));
	o.journal = ctl->model->site.journal;
	o.target = argc ? argv[0] : NULL;
	o.since_ms = a.since_ms ? rl_wall_ms() - a.since_ms : 0;
	o.limit = a.limit;
	o.json = ctl->json;
	o.all = a.all;
	o.node = ctl->model->site.node;
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

const struct ctl_cmd ctl_cmd_history = {"history", cmd_history, history_opts};
