#include "build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph_live.h"
#include "hold.h"
#include "run.h"
#include "safefile.h"

void rl_graph_live_free(struct rl_graph_live *l)
{
	if (l == NULL)
		return;
	if (l->res != NULL)
		rl_check_results_free(l->res, l->n_res);
	free(l->states);
	free(l->held);
	free(l);
}

int rl_graph_live_collect(const struct rl_model *m, struct rl_transport *t,
			  const struct rl_app *const *apps, size_t n_apps,
			  int64_t deadline_ms, struct rl_graph_live **out,
			  struct rl_err *err)
{
	struct rl_graph_live *l = calloc(1, sizeof(*l));
	const struct rl_component **comps = NULL;
	size_t n = 0, i;
	int r = -1;

	if (l == NULL)
		return rl_err_set(err, "out of memory");
	l->states = calloc(m->n_components + 1, sizeof(*l->states));
	l->held = calloc(m->n_components + 1, sizeof(*l->held));
	comps = rl_graph_drawn(m, apps, n_apps, &n);
	if (l->states == NULL || l->held == NULL || comps == NULL) {
		rl_err_set(err, "out of memory");
		goto out;
	}
	if (deadline_ms == 0) {
		/* the slowest check may take its whole time, plus a margin
		 * for the connections (as relancectl status) */
		for (i = 0; i < n; i++)
			if (comps[i]->check_timeout_ms > deadline_ms)
				deadline_ms = comps[i]->check_timeout_ms;
		deadline_ms += rl_now_ms() + 2000;
	}
	if (n > 0 && rl_run_checks(t, comps, n, deadline_ms, &l->res, err) < 0)
		goto out;
	l->n_res = n;
	for (i = 0; i < n; i++) {
		const struct rl_component *c = comps[i];
		struct rl_graph_state *st = &l->states[c->index];
		struct rl_err why = {""};
		struct rl_hold h;

		st->checked = true;
		st->state = l->res[i].state;
		st->output = l->res[i].output;
		if (rl_hold_get(m->site.hold_dir, c->name, &h, &why) < 0) {
			snprintf(l->held[c->index], sizeof(l->held[0]),
				 "hold unreadable");
			st->held = l->held[c->index];
		} else if (h.set) {
			/* short, for a label: who; `relancectl hold` says
			 * since when and why */
			snprintf(
			    l->held[c->index], sizeof(l->held[0]), "%s by %s",
			    h.kind == RL_HOLD_ACK ? "acknowledged" : "held",
			    h.author[0] ? h.author : "?");
			st->held = l->held[c->index];
		}
	}
	*out = l;
	l = NULL;
	r = 0;
out:
	free(comps);
	rl_graph_live_free(l);
	return r;
}

/* Replaces NAME in D with B; the message names the file. */
static int put(const struct rl_file_dir *d, const char *name,
	       const struct rl_buf *b, struct rl_err *err)
{
	if (b->oom)
		return rl_err_set(err, "out of memory");
	return rl_file_write_atomic(d, name, b->data ? b->data : "", b->len,
				    0644, err);
}

int rl_graph_live_refresh(const struct rl_model *m, struct rl_transport *t,
			  const struct rl_app *app, int64_t deadline_ms,
			  struct rl_err *err)
{
	struct rl_file_dir d = RL_FILE_DIR_INIT;
	struct rl_graph_live *l = NULL;
	struct rl_buf dot = RL_BUF_INIT, svg = RL_BUF_INIT, name = RL_BUF_INIT;
	int r = -1;

	if (m->site.graph_dir == NULL)
		return rl_err_set(err, "no graph_dir in [relance]");
	if (rl_file_dir_open(&d, m->site.graph_dir, RL_FILE_DIR_STATE, err) <
	    0) {
		rl_err_prefix(err, "graph_dir");
		return -1;
	}
	if (rl_graph_live_collect(m, t, &app, 1, deadline_ms, &l, err) < 0)
		goto out;
	rl_graph_dot(m, &app, 1, l->states, &dot);
	rl_buf_printf(&name, "%s.dot", app->name);
	if (name.oom || put(&d, rl_buf_str(&name), &dot, err) < 0)
		goto out;
	if (rl_graph_render(dot.data, dot.len, "svg", &svg, err) < 0)
		goto out;
	rl_buf_reset(&name);
	rl_buf_printf(&name, "%s.svg", app->name);
	if (name.oom || put(&d, rl_buf_str(&name), &svg, err) < 0)
		goto out;
	r = 0;
out:
	if (name.oom)
		rl_err_set(err, "out of memory");
	rl_buf_free(&name);
	rl_buf_free(&svg);
	rl_buf_free(&dot);
	rl_graph_live_free(l);
	rl_file_dir_close(&d);
	return r;
}
