#include "build.h"

#include <stdlib.h>
#include <string.h>

#include "graph.h"

/* untrusted text in a tooltip or label: a line, bounded */
#define TEXT_MAX 200

const char *rl_graph_color(enum rl_state s)
{
	switch (s) {
	case RL_STATE_OK:
		return "palegreen";
	case RL_STATE_WARNING:
		return "yellow";
	case RL_STATE_CRITICAL:
		return "tomato";
	default:
		return "lightgrey";
	}
}

void rl_graph_quote(struct rl_buf *b, const char *s, size_t max)
{
	size_t n = s != NULL ? strlen(s) : 0, i;

	if (max != 0 && n > max) {
		n = max;
		/* back up to the start of a UTF-8 character */
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	rl_buf_puts(b, "\"");
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\') {
			char esc[2] = {'\\', (char)c};

			rl_buf_append(b, esc, 2);
		} else if (c == '\n') {
			rl_buf_puts(b, "\\n");
		} else if (c < 0x20 || c == 0x7f) {
			rl_buf_puts(b, " ");
		} else {
			rl_buf_append(b, (const char *)&s[i], 1);
		}
	}
	rl_buf_puts(b, "\"");
}

/* The first line of S, bounded, as one DOT string. */
static void quote_line(struct rl_buf *b, const char *s)
{
	struct rl_buf line = RL_BUF_INIT;

	rl_buf_oneline(&line, s, TEXT_MAX, ' ',
		       RL_ONELINE_FIRST | RL_ONELINE_ELLIPSIS);
	if (line.oom)
		b->oom = true;
	rl_graph_quote(b, rl_buf_str(&line), 0);
	rl_buf_free(&line);
}

static void node(struct rl_buf *b, const struct rl_component *c, bool full_name,
		 const struct rl_graph_state *st)
{
	struct rl_buf label = RL_BUF_INIT;

	rl_buf_puts(&label, full_name ? c->name : c->short_name);
	if (st != NULL && st->checked)
		rl_buf_printf(&label, "\n%s", rl_state_name(st->state));
	if (st != NULL && st->held != NULL) {
		rl_buf_puts(&label, "\n");
		rl_buf_oneline(&label, st->held, TEXT_MAX, ' ',
			       RL_ONELINE_ELLIPSIS);
	}
	if (label.oom)
		b->oom = true;
	rl_buf_puts(b, "\t\t");
	rl_graph_quote(b, c->name, 0);
	rl_buf_puts(b, " [label=");
	rl_graph_quote(b, rl_buf_str(&label), 0);
	rl_buf_free(&label);
	if (st != NULL && st->checked)
		rl_buf_printf(b, ", fillcolor=\"%s\"",
			      rl_graph_color(st->state));
	if (st != NULL && st->held != NULL)
		rl_buf_puts(b, ", style=\"rounded,filled,dashed\", "
			       "penwidth=3");
	if (st != NULL && st->checked && st->output != NULL) {
		rl_buf_puts(b, ", tooltip=");
		quote_line(b, st->output);
	} else if (c->description != NULL) {
		rl_buf_puts(b, ", tooltip=");
		quote_line(b, c->description);
	}
	rl_buf_puts(b, "];\n");
}

/* Whether C is in one of APPS. */
static bool in_apps(const struct rl_component *c,
		    const struct rl_app *const *apps, size_t n_apps)
{
	size_t i;

	for (i = 0; i < n_apps; i++)
		if (c->app == apps[i])
			return true;
	return false;
}

const struct rl_component **rl_graph_drawn(const struct rl_model *m,
					   const struct rl_app *const *apps,
					   size_t n_apps, size_t *n)
{
	const struct rl_component **out;
	bool *drawn = calloc(m->n_components + 1, 1);
	size_t i, k;

	out = calloc(m->n_components + 1, sizeof(*out));
	if (drawn == NULL || out == NULL) {
		free(drawn);
		free(out);
		return NULL;
	}
	for (i = 0; i < m->n_components; i++) {
		const struct rl_component *c = m->components[i];

		if (!in_apps(c, apps, n_apps))
			continue;
		drawn[c->index] = true;
		for (k = 0; k < c->n_requires; k++)
			drawn[c->requires[k] -> index] = true;
	}
	*n = 0;
	for (i = 0; i < m->n_components; i++)
		if (drawn[m->topo[i]->index])
			out[(*n)++] = m->topo[i];
	free(drawn);
	return out;
}

void rl_graph_dot(const struct rl_model *m, const struct rl_app *const *apps,
		  size_t n_apps, const struct rl_graph_state *states,
		  struct rl_buf *out)
{
	const struct rl_component **drawn;
	bool several = false;
	size_t n, i, j, k;

	drawn = rl_graph_drawn(m, apps, n_apps, &n);
	if (drawn == NULL) {
		out->oom = true;
		return;
	}
	for (i = 1; i < n; i++)
		if (drawn[i]->app != drawn[0]->app)
			several = true;

	rl_buf_puts(out, "digraph \"relance\" {\n\tgraph [label=");
	{
		struct rl_buf title = RL_BUF_INIT;

		for (i = 0; i < n_apps; i++)
			rl_buf_printf(&title, "%s%s", i ? ", " : "",
				      apps[i]->name);
		if (title.oom)
			out->oom = true;
		rl_graph_quote(out, rl_buf_str(&title), 0);
		rl_buf_free(&title);
	}
	rl_buf_puts(out, ", labelloc=t, fontname=\"Helvetica\"];\n"
			 "\tnode [shape=box, style=\"rounded,filled\", "
			 "fillcolor=\"white\", fontname=\"Helvetica\"];\n"
			 "\tedge [fontname=\"Helvetica\"];\n");

	for (i = 0; i < m->n_hosts; i++) {
		const struct rl_host *h = m->hosts[i];
		bool open = false;

		for (j = 0; j < n; j++) {
			const struct rl_component *c = drawn[j];

			if (c->host != h)
				continue;
			if (!open) {
				rl_buf_printf(out,
					      "\tsubgraph \"cluster_%zu\" {\n"
					      "\t\tlabel=",
					      h->index);
				rl_graph_quote(out, h->name, 0);
				rl_buf_puts(out, ";\n\t\tstyle=\"rounded\";\n");
				open = true;
			}
			node(out, c, several,
			     states != NULL ? &states[c->index] : NULL);
		}
		if (open)
			rl_buf_puts(out, "\t}\n");
	}

	for (j = 0; j < n; j++) {
		const struct rl_component *c = drawn[j];

		if (!in_apps(c, apps, n_apps))
			continue;
		for (k = 0; k < c->n_requires; k++) {
			rl_buf_puts(out, "\t");
			rl_graph_quote(out, c->name, 0);
			rl_buf_puts(out, " -> ");
			rl_graph_quote(out, c->requires[k] -> name, 0);
			rl_buf_puts(out, ";\n");
		}
	}
	rl_buf_puts(out, "}\n");
	free(drawn);
}
