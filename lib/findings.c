#include "build.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "findings.h"

static char *dup_opt(const char *s, size_t n, int *oom)
{
	char *p;

	if (s == NULL)
		return NULL;
	p = strndup(s, n);
	if (p == NULL)
		*oom = 1;
	return p;
}

static void add_n(struct rl_findings *f, enum rl_severity sev, const char *file,
		  size_t file_len, int line, const char *key, size_t key_len,
		  const char *msg)
{
	struct rl_finding x = {sev, NULL, line, NULL, NULL};
	int oom = 0;

	x.file = dup_opt(file, file_len, &oom);
	x.key = dup_opt(key, key_len, &oom);
	x.message = dup_opt(msg, strlen(msg), &oom);
	if (!oom && rl_grow((void **)&f->items, &f->cap, f->n + 1,
			    sizeof(*f->items)) < 0)
		oom = 1;
	if (oom) {
		free(x.file);
		free(x.key);
		free(x.message);
		f->oom = 1;
		return;
	}
	f->items[f->n++] = x;
}

void rl_findings_add(struct rl_findings *f, enum rl_severity sev,
		     const char *file, int line, const char *key,
		     const char *fmt, ...)
{
	struct rl_buf b = RL_BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	rl_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	if (b.oom)
		f->oom = 1;
	else
		add_n(f, sev, file, file ? strlen(file) : 0, line, key,
		      key ? strlen(key) : 0, rl_buf_str(&b));
	rl_buf_free(&b);
}

void rl_findings_add_error(struct rl_findings *f, const char *msg)
{
	const char *p, *rest = msg, *key = NULL, *file = NULL, *q;
	size_t file_len = 0, key_len = 0;
	int line = 0;

	/* FILE:LINE: -- the first ":DIGITS: " (a file name may hold ':') */
	for (p = strchr(msg, ':'); p != NULL; p = strchr(p + 1, ':')) {
		const char *d = p + 1;

		while (isdigit((unsigned char)*d))
			d++;
		if (d > p + 1 && d - p <= 10 && d[0] == ':' && d[1] == ' ') {
			file = msg;
			file_len = (size_t)(p - msg);
			line = atoi(p + 1);
			rest = d + 2;
			break;
		}
	}
	q = strstr(rest, "key '");
	if (q != NULL) {
		const char *end = strchr(q + 5, '\'');

		if (end != NULL) {
			key = q + 5;
			key_len = (size_t)(end - key);
		}
	}
	add_n(f, RL_SEVERITY_ERROR, file, file_len, line, key, key_len, rest);
}

/* Is host h used by no component? USED (one flag per host, NULL when it
 * could not be allocated) or, without it, a search of the components. */
static bool host_unused(const struct rl_model *m, const bool *used,
			const struct rl_host *h)
{
	size_t j;

	if (used != NULL)
		return !used[h->index];
	for (j = 0; j < m->n_components; j++)
		if (m->components[j]->host == h)
			return false;
	return true;
}

void rl_findings_check_model(const struct rl_model *m, struct rl_findings *f)
{
	/* one pass over the components, not one per host: a site of
	   10,000 hosts and 100,000 components */
	bool *used = calloc(m->n_hosts ? m->n_hosts : 1, sizeof(*used));
	size_t i;

	for (i = 0; used != NULL && i < m->n_components; i++)
		used[m->components[i]->host->index] = true;
	for (i = 0; i < m->n_hosts; i++) {
		const struct rl_host *h = m->hosts[i];

		if (host_unused(m, used, h))
			rl_findings_add(f, RL_SEVERITY_WARNING, h->where.file,
					h->where.line, NULL,
					"host '%s' is used by no component",
					h->name);
	}
	free(used);
	if (m->site.graph_url != NULL && m->site.graph_dir == NULL)
		rl_findings_add(f, RL_SEVERITY_WARNING,
				m->site.graph_url_where.file,
				m->site.graph_url_where.line, "graph_url",
				"graph_url without graph_dir: the links "
				"would lead to maps nobody refreshes");
}

int rl_findings_worst(const struct rl_findings *f)
{
	int worst = 0;
	size_t i;

	for (i = 0; i < f->n; i++)
		if ((int)f->items[i].severity > worst)
			worst = (int)f->items[i].severity;
	if (f->oom)
		worst = RL_SEVERITY_ERROR;
	return worst;
}

static const char *severity_name(enum rl_severity s)
{
	return s == RL_SEVERITY_ERROR ? "error" : "warning";
}

void rl_findings_text(const struct rl_findings *f, struct rl_buf *out)
{
	size_t i;

	for (i = 0; i < f->n; i++) {
		const struct rl_finding *x = &f->items[i];

		if (x->file != NULL && x->line > 0)
			rl_buf_printf(out, "%s:%d: ", x->file, x->line);
		else if (x->file != NULL)
			rl_buf_printf(out, "%s: ", x->file);
		rl_buf_printf(out, "%s: %s\n", severity_name(x->severity),
			      x->message);
	}
	if (f->oom)
		rl_buf_puts(out, "error: out of memory (findings left out)\n");
}

static void json_str_or_null(struct rl_buf *b, const char *s)
{
	if (s == NULL)
		rl_buf_puts(b, "null");
	else
		rl_buf_json_str(b, s);
}

void rl_findings_json(const struct rl_findings *f, struct rl_buf *out)
{
	size_t i;

	rl_buf_puts(out, "[");
	for (i = 0; i < f->n; i++) {
		const struct rl_finding *x = &f->items[i];

		rl_buf_puts(out, i ? ",{\"file\":" : "{\"file\":");
		json_str_or_null(out, x->file);
		if (x->line > 0)
			rl_buf_printf(out, ",\"line\":%d", x->line);
		else
			rl_buf_puts(out, ",\"line\":null");
		rl_buf_puts(out, ",\"key\":");
		json_str_or_null(out, x->key);
		rl_buf_printf(out, ",\"severity\":\"%s\",\"message\":",
			      severity_name(x->severity));
		rl_buf_json_str(out, x->message);
		rl_buf_puts(out, "}");
	}
	rl_buf_puts(out, "]");
}

void rl_findings_free(struct rl_findings *f)
{
	size_t i;

	if (f == NULL)
		return;
	for (i = 0; i < f->n; i++) {
		free(f->items[i].file);
		free(f->items[i].key);
		free(f->items[i].message);
	}
	free(f->items);
	f->items = NULL;
	f->n = f->cap = 0;
}
