/*
 * cmd_config - `relancectl config check`: load and validate the
 * configuration; report the findings (lib/findings) as text or, with
 * --json, as one JSON document for a CI that gates config changes.
 * Exit: 0 clean, 1 warnings only, 2 an error (EXIT_CONFIG).
 */
#include "build.h"

#include <stdio.h>
#include <string.h>

#include "config.h"
#include "ctl.h"
#include "findings.h"

static void json_doc(const struct rl_model *m, const struct rl_findings *f,
		     struct rl_buf *b)
{
	static const char *const severity[] = {"clean", "warning", "error"};
	int worst = rl_findings_worst(f);
	size_t i;

	rl_buf_printf(b, "{\"ok\":%s,\"severity\":\"%s\",",
		      worst < RL_SEVERITY_ERROR ? "true" : "false",
		      severity[worst]);
	if (m != NULL) {
		rl_buf_printf(b,
			      "\"applications\":%zu,\"components\":%zu,"
			      "\"hosts\":%zu,\"files\":[",
			      m->n_apps, m->n_components, m->n_hosts);
		for (i = 0; i < m->n_files; i++) {
			if (i)
				rl_buf_puts(b, ",");
			rl_buf_json_str(b, m->files[i]);
		}
		rl_buf_puts(b, "],");
	} else {
		rl_buf_puts(b, "\"applications\":null,\"components\":null,"
			       "\"hosts\":null,\"files\":null,");
	}
	rl_buf_puts(b, "\"findings\":");
	rl_findings_json(f, b);
	rl_buf_puts(b, "}\n");
}

static int cmd_config(struct ctl *ctl, int argc, char **argv)
{
	struct rl_err err = {""};
	struct rl_findings f = RL_FINDINGS_INIT;
	struct rl_buf b = RL_BUF_INIT;
	const struct rl_model *m;
	size_t i;
	int r;

	r = ctl_parse(ctl, &ctl_cmd_config, NULL, &argc, &argv);
	if (r != CTL_GO_ON)
		return r;
	if (argc == 0)
		return usage_error("config: missing command (check)");
	if (argc > 1 || strcmp(argv[0], "check"))
		return usage_error("config: unknown command '%.100s' (check)",
				   argv[0]);
	if (rl_config_load(rl_config_default_path(ctl->config), 0, &ctl->model,
			   &err) < 0) {
		if (!ctl->json)
			return fail(EXIT_CONFIG, err.msg);
		rl_findings_add_error(&f, err.msg);
		json_doc(NULL, &f, &b);
		r = print_buf(&b);
		rl_buf_free(&b);
		rl_findings_free(&f);
		return r ? r : EXIT_CONFIG;
	}
	m = ctl->model;
	rl_findings_check_model(m, &f);
	if (ctl->json) {
		json_doc(m, &f, &b);
	} else {
		rl_findings_text(&f, &b);
		/* the findings on stderr, one a line; the summary on stdout */
		if (!b.oom)
			for (const char *p = rl_buf_str(&b); *p;) {
				const char *nl = strchr(p, '\n');

				fprintf(stderr, "relancectl: %.*s\n",
					(int)(nl - p), p);
				p = nl + 1;
			}
		rl_buf_reset(&b);
		rl_buf_printf(&b,
			      "config %s: %zu application%s, %zu component%s "
			      "on %zu host%s (",
			      f.n ? "OK with warnings" : "OK", m->n_apps,
			      m->n_apps == 1 ? "" : "s", m->n_components,
			      m->n_components == 1 ? "" : "s", m->n_hosts,
			      m->n_hosts == 1 ? "" : "s");
		for (i = 0; i < m->n_files; i++)
			rl_buf_printf(&b, "%s%s", i ? ", " : "", m->files[i]);
		rl_buf_puts(&b, ")\n");
	}
	r = print_buf(&b);
	if (r == EXIT_OK)
		r = rl_findings_worst(&f);
	rl_buf_free(&b);
	rl_findings_free(&f);
	return r;
}

const struct ctl_cmd ctl_cmd_config = {"config", cmd_config, NULL};
