#include "build.h"

#include <stdlib.h>
#include <string.h>

#include "status.h"

#define OUTPUT_SHOWN_MAX 200

int rl_status_select(const struct rl_model *m, const char *target,
		     const struct rl_component ***out, size_t *n,
		     struct rl_err *err)
{
	const struct rl_component **v = NULL;
	const struct rl_component *one = NULL;
	const struct rl_app *app = NULL;
	size_t i, k = 0;

	if (target) {
		one = rl_model_component(m, target);
		if (!one)
			app = rl_model_app(m, target);
		if (!one && !app)
			return rl_err_set(err,
					  "unknown component or application "
					  "'%.200s'",
					  target);
	}
	v = calloc(m->n_components ? m->n_components : 1, sizeof(*v));
	if (!v)
		return rl_err_set(err, "out of memory");
	for (i = 0; i < m->n_components; i++) {
		const struct rl_component *c = m->topo[i];

		if ((one && c != one) || (app && c->app != app))
			continue;
		v[k++] = c;
	}
	*out = v;
	*n = k;
	return 0;
}

enum rl_state rl_status_worst(const struct rl_check_result *r, size_t n)
{
	enum rl_state s = RL_STATE_OK;
	size_t i;

	for (i = 0; i < n; i++)
		s = rl_state_worst(s, r[i].state);
	return s;
}

static const char *state_colour(enum rl_state s)
{
	switch (s) {
	case RL_STATE_OK:
		return "\033[32m";
	case RL_STATE_WARNING:
		return "\033[33m";
	case RL_STATE_CRITICAL:
		return "\033[31m";
	default:
		return "\033[35m";
	}
}

void rl_status_marker(struct rl_buf *b, enum rl_state s, int color)
{
	if (color)
		rl_buf_printf(b, "%s[%s]\033[0m", state_colour(s),
			      rl_state_name(s));
	else
		rl_buf_printf(b, "[%s]", rl_state_name(s));
}

/* Check output comes from the component's host: show it bounded and
 * without escapes that could rewrite the engineer's terminal. */
static void append_safe(struct rl_buf *b, const char *s, size_t max)
{
	rl_buf_oneline(b, s, max, '?', RL_ONELINE_FIRST | RL_ONELINE_ELLIPSIS);
}

/* Distinct applications of the results, in order of first appearance. */
static size_t collect_apps(const struct rl_check_result *r, size_t n,
			   const struct rl_app **apps)
{
	size_t i, j, k = 0;

	for (i = 0; i < n; i++) {
		for (j = 0; j < k; j++)
			if (apps[j] == r[i].comp->app)
				break;
		if (j == k)
			apps[k++] = r[i].comp->app;
	}
	return k;
}

static void count_states(const struct rl_check_result *r, size_t n,
			 const struct rl_app *app, size_t counts[4],
			 enum rl_state *worst)
{
	size_t i;

	memset(counts, 0, 4 * sizeof(counts[0]));
	*worst = RL_STATE_OK;
	for (i = 0; i < n; i++) {
		if (r[i].comp->app != app)
			continue;
		counts[r[i].state <= RL_STATE_UNKNOWN ? r[i].state
						      : RL_STATE_UNKNOWN]++;
		*worst = rl_state_worst(*worst, r[i].state);
	}
}

static void pad(struct rl_buf *b, size_t n)
{
	while (n--)
		rl_buf_append(b, " ", 1);
}

static void app_header(struct rl_buf *out, const struct rl_app *app,
		       const size_t counts[4], enum rl_state worst)
{
	size_t total = counts[0] + counts[1] + counts[2] + counts[3];
	const char *sep = "";
	int s;

	rl_buf_printf(out, "%s: %s (%zu component%s:", app->name,
		      rl_state_name(worst), total, total == 1 ? "" : "s");
	for (s = RL_STATE_OK; s <= RL_STATE_UNKNOWN; s++) {
		if (!counts[s])
			continue;
		rl_buf_printf(out, "%s %zu %s", sep, counts[s],
			      rl_state_name((enum rl_state)s));
		sep = ",";
	}
	rl_buf_puts(out, ")\n");
}

static void component_line(struct rl_buf *out, const struct rl_check_result *x,
			   unsigned flags, int max_level, size_t name_w,
			   size_t host_w, size_t dur_w)
{
	const struct rl_component *c = x->comp;
	struct rl_buf dur = RL_BUF_INIT;
	size_t indent = 2 + 2 * (size_t)c->level, i;
	const char *hn = c->host ? c->host->name : c->host_name;
	size_t marker_len = strlen(rl_state_name(x->state)) + 2;

	pad(out, indent);
	rl_status_marker(out, x->state, flags & RL_STATUS_COLOR);
	/* "[CRITICAL]" is the widest marker */
	pad(out, 11 - marker_len);
	rl_buf_puts(out, c->name);
	pad(out, name_w - strlen(c->name) + 2 * (size_t)(max_level - c->level));
	rl_buf_printf(out, "  on %s", hn);
	pad(out, host_w - strlen(hn));
	rl_buf_duration(&dur, (x->duration_us + 500) / 1000);
	pad(out, 2 + dur_w - dur.len);
	rl_buf_puts(out, rl_buf_str(&dur));
	rl_buf_free(&dur);
	if (x->output && *x->output) {
		rl_buf_puts(out, "  ");
		append_safe(out, x->output, OUTPUT_SHOWN_MAX);
	}
	for (i = 0; i < c->n_requires; i++)
		rl_buf_printf(out, "%s%s", i ? ", " : "; requires ",
			      c->requires[i] -> name);
	rl_buf_puts(out, "\n");
	if ((flags & RL_STATUS_LONG) && x->via[0]) {
		/* how the check ran: one remote command per host, or a
		 * channel of its own (issue 17) */
		pad(out, indent + 13);
		rl_buf_puts(out, "(via ");
		append_safe(out, x->via, OUTPUT_SHOWN_MAX);
		rl_buf_puts(out, ")\n");
	}
	if ((flags & RL_STATUS_LONG) && x->long_output) {
		const char *p = x->long_output;

		while (*p) {
			const char *nl = strchr(p, '\n');

			pad(out, indent + 13);
			append_safe(out, p, OUTPUT_SHOWN_MAX);
			rl_buf_puts(out, "\n");
			if (!nl)
				break;
			p = nl + 1;
		}
	}
}

void rl_status_text(const struct rl_check_result *r, size_t n, unsigned flags,
		    struct rl_buf *out)
{
	const struct rl_app **apps;
	size_t n_apps, a, i, name_w = 0, host_w = 0, dur_w = 0;
	int max_level = 0;

	if (!n)
		return;
	apps = calloc(n, sizeof(*apps));
	if (!apps) {
		out->oom = true;
		return;
	}
	n_apps = collect_apps(r, n, apps);
	/* one set of column widths for every application, so that a
	 * screen of several trees reads as one table */
	for (i = 0; i < n; i++) {
		const struct rl_component *c = r[i].comp;
		const char *hn = c->host ? c->host->name : c->host_name;
		struct rl_buf dur = RL_BUF_INIT;

		if (strlen(c->name) > name_w)
			name_w = strlen(c->name);
		if (strlen(hn) > host_w)
			host_w = strlen(hn);
		if (c->level > max_level)
			max_level = c->level;
		rl_buf_duration(&dur, (r[i].duration_us + 500) / 1000);
		if (dur.len > dur_w)
			dur_w = dur.len;
		rl_buf_free(&dur);
	}
	for (a = 0; a < n_apps; a++) {
		size_t counts[4];
		enum rl_state worst;

		if (!(flags & RL_STATUS_NO_HEADER)) {
			count_states(r, n, apps[a], counts, &worst);
			app_header(out, apps[a], counts, worst);
		}
		for (i = 0; i < n; i++)
			if (r[i].comp->app == apps[a])
				component_line(out, &r[i], flags, max_level,
					       name_w, host_w, dur_w);
	}
	free(apps);
}

static void json_str_or_null(struct rl_buf *b, const char *s)
{
	if (s)
		rl_buf_json_str(b, s);
	else
		rl_buf_puts(b, "null");
}

static void component_json(struct rl_buf *out, const struct rl_check_result *x)
{
	const struct rl_component *c = x->comp;
	size_t i;

	rl_buf_puts(out, "{\"name\":");
	rl_buf_json_str(out, c->name);
	rl_buf_puts(out, ",\"host\":");
	rl_buf_json_str(out, c->host ? c->host->name : c->host_name);
	rl_buf_printf(out, ",\"level\":%d,\"state\":", c->level);
	rl_buf_json_str(out, rl_state_name(x->state));
	rl_buf_printf(out, ",\"exit\":%d,\"output\":", (int)x->state);
	json_str_or_null(out, x->output);
	rl_buf_puts(out, ",\"long_output\":");
	json_str_or_null(out, x->long_output);
	rl_buf_printf(out,
		      ",\"duration_ms\":%.1f,\"transport_failed\":%s,"
		      "\"requires\":[",
		      (double)x->duration_us / 1000.0,
		      x->transport_failed ? "true" : "false");
	for (i = 0; i < c->n_requires; i++) {
		if (i)
			rl_buf_puts(out, ",");
		rl_buf_json_str(out, c->requires[i] -> name);
	}
	rl_buf_puts(out, "]}");
}

void rl_status_json(const struct rl_check_result *r, size_t n,
		    struct rl_buf *out)
{
	const struct rl_app **apps = NULL;
	size_t n_apps = 0, a, i;
	enum rl_state worst = rl_status_worst(r, n);

	if (n) {
		apps = calloc(n, sizeof(*apps));
		if (!apps) {
			out->oom = true;
			return;
		}
		n_apps = collect_apps(r, n, apps);
	}
	rl_buf_puts(out, "{\"state\":");
	rl_buf_json_str(out, rl_state_name(worst));
	rl_buf_printf(out, ",\"exit\":%d,\"applications\":[", (int)worst);
	for (a = 0; a < n_apps; a++) {
		size_t counts[4], k = 0;
		enum rl_state aw;
		int s;

		count_states(r, n, apps[a], counts, &aw);
		rl_buf_puts(out, a ? ",{\"name\":" : "{\"name\":");
		rl_buf_json_str(out, apps[a]->name);
		rl_buf_puts(out, ",\"state\":");
		rl_buf_json_str(out, rl_state_name(aw));
		rl_buf_puts(out, ",\"counts\":{");
		for (s = RL_STATE_OK; s <= RL_STATE_UNKNOWN; s++)
			rl_buf_printf(out, "%s\"%s\":%zu", s ? "," : "",
				      rl_state_name((enum rl_state)s),
				      counts[s]);
		rl_buf_puts(out, "},\"components\":[");
		for (i = 0; i < n; i++) {
			if (r[i].comp->app != apps[a])
				continue;
			if (k++)
				rl_buf_puts(out, ",");
			component_json(out, &r[i]);
		}
		rl_buf_puts(out, "]}");
	}
	rl_buf_puts(out, "]}\n");
	free(apps);
}
