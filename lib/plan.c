#include "build.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"

const char *rl_action_name(enum rl_action a)
{
	switch (a) {
	case RL_ACTION_START:
		return "start";
	case RL_ACTION_STOP:
		return "stop";
	case RL_ACTION_RESTART:
		return "restart";
	}
	return "unknown";
}

int rl_action_parse(const char *s, enum rl_action *out)
{
	static const enum rl_action all[] = {RL_ACTION_START, RL_ACTION_STOP,
					     RL_ACTION_RESTART};
	size_t i;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (strcmp(s, rl_action_name(all[i])) == 0) {
			*out = all[i];
			return 0;
		}
	return -1;
}

const char *rl_step_kind_name(enum rl_step_kind k)
{
	switch (k) {
	case RL_STEP_STOP:
		return "stop";
	case RL_STEP_START:
		return "start";
	case RL_STEP_RESTART:
		return "restart";
	}
	return "unknown";
}

int64_t rl_step_timeout_ms(const struct rl_step *s)
{
	switch (s->kind) {
	case RL_STEP_STOP:
		return s->comp->stop_timeout_ms;
	case RL_STEP_START:
		return s->comp->start_timeout_ms;
	case RL_STEP_RESTART:
		return s->comp->stop_timeout_ms + s->comp->start_timeout_ms;
	}
	return s->comp->start_timeout_ms;
}

void rl_plan_free(struct rl_plan *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->n_levels; i++)
		free(p->levels[i].steps);
	free(p->levels);
	free(p->touched);
	free(p->target);
	free(p);
}

static int cmp_topo(const void *a, const void *b)
{
	const struct rl_component *x = *(const struct rl_component *const *)a;
	const struct rl_component *y = *(const struct rl_component *const *)b;

	return x->topo < y->topo ? -1 : x->topo > y->topo;
}

static int unknown_target(const struct rl_model *m, const char *target,
			  struct rl_err *err)
{
	const struct rl_component *found = NULL;
	size_t i, n = 0;

	if (strchr(target, '/') == NULL) {
		for (i = 0; i < m->n_components; i++)
			if (strcmp(m->components[i]->short_name, target) == 0) {
				found = m->components[i];
				n++;
			}
	}
	if (n == 1)
		return rl_err_set(err,
				  "unknown component or application '%.200s'; "
				  "did you mean '%.200s'?",
				  target, found->name);
	return rl_err_set(err, "unknown component or application '%.200s'",
			  target);
}

/*
 * The set the plan touches: the seeds, then everything reached through
 * requires (start) or dependents (stop, restart), breadth first so that
 * `because` names the nearest member. Writes the members into set[] (room
 * for the whole model) and returns their number.
 */
static size_t collect(const struct rl_model *m, bool up,
		      const struct rl_component *const *seeds, size_t n_seeds,
		      const struct rl_component **set, unsigned char *in,
		      const struct rl_component **because)
{
	size_t n = 0, head, i;

	for (i = 0; i < n_seeds; i++) {
		if (in[seeds[i]->index])
			continue;
		in[seeds[i]->index] = 1;
		set[n++] = seeds[i];
	}
	for (head = 0; head < n; head++) {
		const struct rl_component *c = set[head];
		struct rl_component *const *next =
		    up ? c->requires : c->dependents;
		size_t n_next = up ? c->n_requires : c->n_dependents;

		for (i = 0; i < n_next; i++) {
			const struct rl_component *d = next[i];

			if (d->index >= m->n_components || in[d->index])
				continue;
			in[d->index] = 1;
			because[d->index] = c;
			set[n++] = d;
		}
	}
	return n;
}

/* Number of runs of equal level in an array sorted by level. */
static size_t count_levels(const struct rl_component *const *v, size_t n)
{
	size_t i, k = n > 0;

	for (i = 1; i < n; i++)
		if (v[i]->level != v[i - 1]->level)
			k++;
	return k;
}

/*
 * Appends the levels of SORTED (sorted by level then name) to P as steps
 * of KIND, ascending or descending; the steps of a level keep name order.
 */
static int add_levels(struct rl_plan *p, const struct rl_component **sorted,
		      size_t n, bool descending, enum rl_step_kind kind,
		      const struct rl_component **because)
{
	size_t runs = count_levels(sorted, n), r, i;
	size_t *start = NULL;
	int ret = -1;

	start = calloc(runs + 1, sizeof(*start));
	if (start == NULL)
		goto out;
	for (i = 0, r = 0; i < n; i++)
		if (i == 0 || sorted[i]->level != sorted[i - 1]->level)
			start[r++] = i;
	start[runs] = n;
	for (r = 0; r < runs; r++) {
		size_t k = descending ? runs - 1 - r : r;
		size_t from = start[k], len = start[k + 1] - start[k];
		struct rl_plan_level *lv = &p->levels[p->n_levels];

		lv->steps = calloc(len, sizeof(*lv->steps));
		if (lv->steps == NULL)
			goto out;
		p->n_levels++;
		for (i = 0; i < len; i++) {
			struct rl_step *s = &lv->steps[i];
			const struct rl_component *c = sorted[from + i];

			s->kind = kind;
			s->comp = c;
			s->because = because[c->index];
			s->number = ++p->n_steps;
		}
		lv->n_steps = len;
	}
	ret = 0;
out:
	free(start);
	return ret;
}

int rl_plan_build(const struct rl_model *m, enum rl_action action,
		  const char *target, struct rl_plan **out, struct rl_err *err)
{
	const struct rl_component *comp;
	const struct rl_app *app = NULL;
	const struct rl_component *const *seeds;
	size_t n_seeds, n, n_levels, i;
	const struct rl_component **set = NULL, **because = NULL;
	unsigned char *in = NULL, *host_seen = NULL;
	struct rl_plan *p = NULL;
	bool own_restart = false;
	int ret = -1;

	comp = rl_model_component(m, target);
	if (comp == NULL) {
		app = rl_model_app(m, target);
		if (app == NULL)
			return unknown_target(m, target, err);
		seeds = (const struct rl_component *const *)app->components;
		n_seeds = app->n_components;
	} else {
		app = comp->app;
		seeds = &comp;
		n_seeds = 1;
	}

	p = calloc(1, sizeof(*p));
	set = calloc(m->n_components + 1, sizeof(*set));
	because = calloc(m->n_components + 1, sizeof(*because));
	in = calloc(m->n_components + 1, 1);
	host_seen = calloc(m->n_hosts + 1, 1);
	if (p == NULL || set == NULL || because == NULL || in == NULL ||
	    host_seen == NULL)
		goto oom;
	p->action = action;
	p->target_is_app = comp == NULL;
	p->target = strdup(target);
	if (p->target == NULL)
		goto oom;
	p->parallel =
	    app != NULL && app->parallel > 0 ? app->parallel : m->site.parallel;
	if (p->parallel < 1)
		p->parallel = 1;
	p->n_model_components = m->n_components;

	n = collect(m, action == RL_ACTION_START, seeds, n_seeds, set, in,
		    because);

	/* touched, in the model's topological order */
	p->touched = calloc(n + 1, sizeof(*p->touched));
	if (p->touched == NULL)
		goto oom;
	memcpy(p->touched, set, n * sizeof(*set));
	qsort(p->touched, n, sizeof(*p->touched), cmp_topo);
	p->n_touched = n;
	for (i = 0; i < n; i++) {
		const struct rl_host *h = set[i]->host;

		if (h != NULL && h->index < m->n_hosts &&
		    !host_seen[h->index]) {
			host_seen[h->index] = 1;
			p->n_hosts++;
		}
	}

	qsort(set, n, sizeof(*set), rl_model_cmp_level_name);
	n_levels = count_levels(set, n);
	own_restart = action == RL_ACTION_RESTART && comp != NULL &&
		      comp->restart != NULL && comp->n_dependents == 0;
	if (action == RL_ACTION_RESTART && !own_restart)
		n_levels *= 2;
	p->levels = calloc(n_levels + 1, sizeof(*p->levels));
	if (p->levels == NULL)
		goto oom;

	switch (action) {
	case RL_ACTION_START:
		if (add_levels(p, set, n, false, RL_STEP_START, because) < 0)
			goto oom;
		break;
	case RL_ACTION_STOP:
		if (add_levels(p, set, n, true, RL_STEP_STOP, because) < 0)
			goto oom;
		break;
	case RL_ACTION_RESTART:
		if (own_restart) {
			if (add_levels(p, set, n, false, RL_STEP_RESTART,
				       because) < 0)
				goto oom;
		} else if (add_levels(p, set, n, true, RL_STEP_STOP, because) <
			       0 ||
			   add_levels(p, set, n, false, RL_STEP_START,
				      because) < 0) {
			goto oom;
		}
		break;
	default:
		rl_err_set(err, "unknown action %d", (int)action);
		goto out;
	}
	*out = p;
	p = NULL;
	ret = 0;
	goto out;
oom:
	rl_err_set(err, "out of memory building the plan for '%.200s'", target);
out:
	rl_plan_free(p);
	free(host_seen);
	free(in);
	free(because);
	free(set);
	return ret;
}

/* Whole units as written in a config ("10s", "5m", "1h"), else
   rl_buf_duration's form. */
static void put_duration(struct rl_buf *b, int64_t ms)
{
	if (ms >= 3600000 && ms % 3600000 == 0)
		rl_buf_printf(b, "%lldh", (long long)(ms / 3600000));
	else if (ms >= 60000 && ms % 60000 == 0)
		rl_buf_printf(b, "%lldm", (long long)(ms / 60000));
	else if (ms >= 1000 && ms % 1000 == 0)
		rl_buf_printf(b, "%llds", (long long)(ms / 1000));
	else
		rl_buf_duration(b, ms);
}

static const char *host_name(const struct rl_component *c)
{
	if (c->host != NULL)
		return c->host->name;
	return c->host_name != NULL ? c->host_name : "?";
}

void rl_plan_print(const struct rl_plan *p, struct rl_buf *out)
{
	size_t l, i, wname = 0, whost = 0, wnum;
	bool grouped = false;

	/* the bracket column is there only when some level has two steps */
	for (l = 0; l < p->n_levels; l++)
		grouped |= p->levels[l].n_steps > 1;

	for (l = 0; l < p->n_levels; l++)
		for (i = 0; i < p->levels[l].n_steps; i++) {
			const struct rl_step *s = &p->levels[l].steps[i];
			size_t a = strlen(s->comp->name);
			size_t b = strlen(host_name(s->comp));

			wname = a > wname ? a : wname;
			whost = b > whost ? b : whost;
		}
	wnum = p->n_steps >= 100 ? (p->n_steps >= 1000 ? 4 : 3) : 2;
	if (p->n_steps >= 10000)
		wnum = 6;

	rl_buf_printf(out,
		      "plan: %s %s \xe2\x80\x94 %zu step%s on %zu host%s, "
		      "touches %zu of %zu component%s\n",
		      rl_action_name(p->action), p->target, p->n_steps,
		      p->n_steps == 1 ? "" : "s", p->n_hosts,
		      p->n_hosts == 1 ? "" : "s", p->n_touched,
		      p->n_model_components,
		      p->n_model_components == 1 ? "" : "s");

	for (l = 0; l < p->n_levels; l++) {
		const struct rl_plan_level *lv = &p->levels[l];

		for (i = 0; i < lv->n_steps; i++) {
			const struct rl_step *s = &lv->steps[i];
			/* steps of one level run together: a bracket */
			const char *mark = grouped ? "  " : "";

			if (lv->n_steps > 1) {
				mark = i == 0 ? "\xe2\x94\x8c " /* ┌ */
				       : i + 1 == lv->n_steps
					   ? "\xe2\x94\x94 "  /* └ */
					   : "\xe2\x94\x82 "; /* │ */
			}
			rl_buf_printf(out, "%*zu. %s%-7s %-*s  on %-*s",
				      (int)wnum, s->number, mark,
				      rl_step_kind_name(s->kind), (int)wname,
				      s->comp->name, (int)whost,
				      host_name(s->comp));
			rl_buf_printf(out, "  then check until %s, at most ",
				      s->kind == RL_STEP_STOP ? "down" : "OK");
			put_duration(out, rl_step_timeout_ms(s));
			/* a restart explains a component once, at its stop */
			if (s->because != NULL &&
			    !(p->action == RL_ACTION_RESTART &&
			      s->kind == RL_STEP_START))
				rl_buf_printf(out, "  (%s %s)",
					      p->action == RL_ACTION_START
						  ? "required by"
						  : "requires",
					      s->because->name);
			rl_buf_puts(out, "\n");
		}
	}
	if (grouped)
		rl_buf_printf(
		    out,
		    "steps joined by \xe2\x94\x8c\xe2\x94\x82\xe2\x94\x94"
		    " run together, at most %d at once\n",
		    p->parallel);
}

void rl_plan_json(const struct rl_plan *p, struct rl_buf *out)
{
	size_t l, i;
	bool first = true;

	rl_buf_puts(out, "{\"action\":");
	rl_buf_json_str(out, rl_action_name(p->action));
	rl_buf_puts(out, ",\"target\":");
	rl_buf_json_str(out, p->target);
	rl_buf_printf(out,
		      ",\"target_is_app\":%s,\"parallel\":%d,\"levels\":%zu,"
		      "\"hosts\":%zu,\"touched\":[",
		      p->target_is_app ? "true" : "false", p->parallel,
		      p->n_levels, p->n_hosts);
	for (i = 0; i < p->n_touched; i++) {
		if (i > 0)
			rl_buf_puts(out, ",");
		rl_buf_json_str(out, p->touched[i]->name);
	}
	rl_buf_puts(out, "],\"steps\":[");
	for (l = 0; l < p->n_levels; l++)
		for (i = 0; i < p->levels[l].n_steps; i++) {
			const struct rl_step *s = &p->levels[l].steps[i];

			rl_buf_printf(out,
				      "%s{\"n\":%zu,\"level\":%zu,\"kind\":",
				      first ? "" : ",", s->number, l + 1);
			first = false;
			rl_buf_json_str(out, rl_step_kind_name(s->kind));
			rl_buf_puts(out, ",\"component\":");
			rl_buf_json_str(out, s->comp->name);
			rl_buf_puts(out, ",\"host\":");
			rl_buf_json_str(out, host_name(s->comp));
			rl_buf_puts(out, ",\"because\":");
			if (s->because != NULL)
				rl_buf_json_str(out, s->because->name);
			else
				rl_buf_puts(out, "null");
			rl_buf_printf(out, ",\"timeout_ms\":%lld}",
				      (long long)rl_step_timeout_ms(s));
		}
	rl_buf_puts(out, "]}");
}
