#include "build.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd_history.h"
#include "confstore.h"
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
	COL_CONFIG,
	COL_MESSAGE,
	N_COLS
};

static const char *const col_names[N_COLS] = {
    "TIME",   "NODE",	  "USER",   "ACTION",  "COMPONENT",
    "RESULT", "DURATION", "CONFIG", "MESSAGE",
};

/* --- several journals, and the config each record ran with ------------ */

/* Where a row sorts among the rows of several journals, and the config
 * it ran with on its node (for the "config changed" lines). */
struct row_key {
	int64_t ts;
	size_t source, seq; /* which journal; its order in that journal */
	char *node;	    /* owned; NULL: none recorded */
	char *config;	    /* owned; NULL: none recorded */
};

static int row_key_set(struct row_key *k, const struct rl_journal_rec *r,
		       size_t source, size_t seq)
{
	k->ts = r->ts_ms;
	k->source = source;
	k->seq = seq;
	k->node = r->node ? strdup(r->node) : NULL;
	k->config = r->config ? strdup(r->config) : NULL;
	return (r->node && !k->node) || (r->config && !k->config) ? -1 : 0;
}

/* Oldest first; records of one journal keep their order. */
static int row_key_cmp(const struct row_key *a, const struct row_key *b)
{
	if (a->ts != b->ts)
		return a->ts < b->ts ? -1 : 1;
	if (a->source != b->source)
		return a->source < b->source ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* The short form of a config hash for the table ("-": none). */
static char *short_config(const char *hash)
{
	struct rl_buf b = RL_BUF_INIT;

	if (!hash || !*hash)
		return strdup("-");
	rl_buf_oneline(&b, hash, RL_CONFSTORE_SHORT, '?', 0);
	return rl_buf_detach(&b);
}

struct row {
	char *col[N_COLS]; /* owned */
	char *json;	   /* owned: the record as a JSON line */
	char *run;	   /* owned: a plan begin's run, until its end */
	int64_t pid;	   /* of that plan begin */
	bool here;	   /* that plan began on this node */
	struct row_key key;
};

struct collect {
	const struct ctl_history_opts *o;
	size_t source; /* which journal is being read */
	size_t seq;    /* rows seen in it */
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
	free(r->key.node);
	free(r->key.config);
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
	struct row row;
	struct rl_buf dur = RL_BUF_INIT;
	const char *result;
	size_t i;

	memset(&row, 0, sizeof(row));
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
	row.col[COL_CONFIG] = short_config(r->config);
	if (row_key_set(&row.key, r, c->source, c->seq++) < 0)
		goto oom;
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

/* The row last seen on each node, to say when its config changed. */
struct node_row {
	const char *node; /* borrowed from the row */
	const struct row *row;
};

/* "config changed: OLD -> NEW" (with the node when several journals are
 * merged) before the first row of a node that ran another config than
 * that node's row before it. Rows without a config say nothing. */
static int say_config_change(FILE *out, const struct row *r,
			     struct node_row **seen, size_t *n, size_t *cap,
			     bool several)
{
	const char *node = r->key.node ? r->key.node : "";
	size_t i;

	if (!r->key.config)
		return 0;
	for (i = 0; i < *n; i++)
		if (!strcmp((*seen)[i].node, node))
			break;
	if (i == *n) {
		if (rl_grow(seen, cap, *n + 1, sizeof(**seen)) < 0)
			return -1;
		(*seen)[(*n)++] = (struct node_row){node, r};
		return 0;
	}
	if (strcmp((*seen)[i].row->key.config, r->key.config)) {
		if (several)
			fprintf(out, "config changed on %s: %s -> %s\n",
				r->col[COL_NODE],
				(*seen)[i].row->col[COL_CONFIG],
				r->col[COL_CONFIG]);
		else
			fprintf(out, "config changed: %s -> %s\n",
				(*seen)[i].row->col[COL_CONFIG],
				r->col[COL_CONFIG]);
	}
	(*seen)[i].row = r;
	return 0;
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

static int print_table(const struct collect *c, FILE *out, bool several)
{
	size_t w[N_COLS], i, k, n_seen = 0, cap_seen = 0;
	struct node_row *seen = NULL;
	int r = 0;

	for (k = 0; k < N_COLS; k++)
		w[k] = strlen(col_names[k]);
	for (i = c->first; i < c->n; i++)
		for (k = 0; k < N_COLS; k++)
			if (strlen(c->rows[i].col[k]) > w[k])
				w[k] = strlen(c->rows[i].col[k]);
	print_row(out, col_names, w);
	for (i = c->first; i < c->n && r == 0; i++) {
		r = say_config_change(out, &c->rows[i], &seen, &n_seen,
				      &cap_seen, several);
		print_row(out, (const char *const *)c->rows[i].col, w);
	}
	free(seen);
	return r;
}

static int by_key(const void *a, const void *b)
{
	return row_key_cmp(&((const struct row *)a)->key,
			   &((const struct row *)b)->key);
}

/*
 * Reads journal number SOURCE of O into ALL (its rows appended after
 * those of the journals before it). Each journal keeps its newest
 * o->limit rows: the newest of all are among them.
 */
static int read_one(const struct ctl_history_opts *o, size_t source,
		    struct collect *all, struct rl_err *err)
{
	const char *path = o->n_journals ? o->journals[source] : o->journal;
	struct collect c;
	size_t i;
	int r;

	memset(&c, 0, sizeof(c));
	c.o = o;
	c.source = source;
	r = rl_journal_read(path, collect_cb, &c, err);
	if (c.oom)
		r = rl_err_set(err, "out of memory reading '%s'", path);
	else if (r >= 0 && c.n > c.first &&
		 rl_grow(&all->rows, &all->cap, all->n + (c.n - c.first),
			 sizeof(*all->rows)) < 0)
		r = rl_err_set(err, "out of memory reading '%s'", path);
	if (r >= 0 && c.n > c.first) {
		memcpy(all->rows + all->n, c.rows + c.first,
		       (c.n - c.first) * sizeof(*c.rows));
		all->n += c.n - c.first;
		c.n = c.first;
	}
	if (r > 0)
		r = 0;
	for (i = c.first; i < c.n; i++)
		row_clear(&c.rows[i]);
	free(c.rows);
	return r;
}

int ctl_history(const struct ctl_history_opts *o, FILE *out, size_t *shown,
		struct rl_err *err)
{
	struct collect c;
	size_t i, n_src = o->n_journals ? o->n_journals : 1;
	int r = 0;

	memset(&c, 0, sizeof(c));
	c.o = o;
	for (i = 0; i < n_src && r == 0; i++)
		r = read_one(o, i, &c, err);
	if (r < 0)
		goto out;
	/* several journals (nodes): one story, by time */
	if (n_src > 1 && c.n > 1)
		qsort(c.rows, c.n, sizeof(*c.rows), by_key);
	if (o->limit > 0 && c.n > (size_t)o->limit)
		c.first = c.n - (size_t)o->limit;
	if (o->json) {
		for (i = c.first; i < c.n; i++)
			fputs(c.rows[i].json, out);
	} else if (c.n > c.first) {
		for (i = c.first; i < c.n; i++)
			if (c.rows[i].run && mark_open(&c.rows[i]) < 0) {
				r = rl_err_set(err, "out of memory");
				goto out;
			}
		if (print_table(&c, out, n_src > 1) < 0) {
			r = rl_err_set(err, "out of memory");
			goto out;
		}
	}
	*shown = c.n - c.first;
out:
	for (i = 0; i < c.n; i++)
		row_clear(&c.rows[i]);
	free(c.rows);
	return r;
}

/* ---- the command ------------------------------------------------------ */

struct history_args {
	int64_t since_ms;      /* --since, a duration */
	long limit;	       /* --limit */
	bool all;	       /* --all */
	const char **journals; /* --journal, each time given */
	size_t n_journals, cap_journals;
};

static int add_journal(const struct rl_opt *opt, const char *arg, void *base,
		       struct rl_err *err)
{
	struct history_args *a = base;

	(void)opt;
	if (rl_grow(&a->journals, &a->cap_journals, a->n_journals + 1,
		    sizeof(*a->journals)) < 0)
		return rl_err_set(err, "out of memory");
	a->journals[a->n_journals++] = arg;
	return 0;
}

static const struct rl_opt history_opts[] = {
    RL_OPT(0, "since", RL_OPT_DURATION,
	   offsetof(struct history_args, since_ms)),
    RL_OPT(0, "limit", RL_OPT_LONG, offsetof(struct history_args, limit),
	   .min = 1, .max = 1000000),
    RL_OPT(0, "all", RL_OPT_FLAG, offsetof(struct history_args, all)),
    RL_OPT(0, "journal", RL_OPT_CALL, 0, .parse = add_journal),
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
		goto out;
	r = argc > 1 ? usage_error("history: too many arguments") : 0;
	/* journals named (other nodes' copies) need no config here */
	if (!r && !a.n_journals)
		r = load_config(ctl);
	if (r)
		goto out;
	memset(&o, 0, sizeof(o));
	o.journal = a.n_journals ? a.journals[0] : ctl->model->site.journal;
	o.journals = a.journals;
	o.n_journals = a.n_journals;
	o.target = argc ? argv[0] : NULL;
	o.since_ms = a.since_ms ? rl_wall_ms() - a.since_ms : 0;
	o.limit = a.limit;
	o.json = ctl->json;
	o.all = a.all;
	/* a plan begun here whose process lives is running (not with
	 * journals named: their node is not known to be this one) */
	o.node = ctl->model ? ctl->model->site.node : NULL;
	r = EXIT_OK;
	if (ctl_history(&o, stdout, &shown, &err) < 0) {
		r = fail(EXIT_INTERNAL, err.msg);
		goto out;
	}
	/* a typo must not look like a quiet history */
	if (!shown && o.target && ctl->model &&
	    !rl_model_component(ctl->model, o.target) &&
	    !rl_model_app(ctl->model, o.target)) {
		fprintf(stderr,
			"relancectl: unknown component or application "
			"'%.200s', and no record of it\n",
			o.target);
		r = EXIT_USAGE;
	} else if (!shown && !ctl->json) {
		fprintf(stderr, "relancectl: no record in '%s'%s\n", o.journal,
			a.n_journals > 1 ? " and the others" : "");
	}
out:
	free(a.journals);
	return r;
}

const struct ctl_cmd ctl_cmd_history = {"history", cmd_history, history_opts};
