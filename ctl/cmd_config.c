/*
 * cmd_config - `relancectl config check`: load and validate the configuration.
 */
#include "build.h"

#include <stdio.h>
#include <string.h>

#include "config.h"
#include "ctl.h"

static int cmd_config(struct ctl *ctl, int argc, char **argv)
{
	const struct rl_model *m;
	size_t i;
	int r;

	r = ctl_parse(ctl, &ctl_cmd_config, NULL, &argc, &argv);
	if (r != CTL_GO_ON)
		return r;
	if (argc == 0)
		return usage_error("config: missing command (check, diff)");
	if (strcmp(argv[0], "check") && strcmp(argv[0], "diff"))
		return usage_error("config: unknown command '%.100s' (check, "
				   "diff)",
				   argv[0]);
	if (!strcmp(argv[0], "check") && argc > 1)
		return usage_error("config check: too many arguments");
	r = load_config(ctl);
	if (r)
		return r;
	if (!strcmp(argv[0], "diff"))
		return ctl_config_diff(ctl, argc - 1, argv + 1);
	m = ctl->model;
	if (ctl->json) {
		struct rl_buf b = RL_BUF_INIT;

		rl_buf_printf(&b,
			      "{\"ok\":true,\"applications\":%zu,"
			      "\"components\":%zu,\"hosts\":%zu,"
			      "\"config\":\"%s\",\"files\":[",
			      m->n_apps, m->n_components, m->n_hosts,
			      m->config_hash);
		for (i = 0; i < m->n_files; i++) {
			if (i)
				rl_buf_puts(&b, ",");
			rl_buf_json_str(&b, m->files[i]);
		}
		rl_buf_puts(&b, "]}\n");
		r = print_buf(&b);
		rl_buf_free(&b);
		return r;
	}
	printf("config OK: %zu application%s, %zu component%s on %zu host%s (",
	       m->n_apps, m->n_apps == 1 ? "" : "s", m->n_components,
	       m->n_components == 1 ? "" : "s", m->n_hosts,
	       m->n_hosts == 1 ? "" : "s");
	for (i = 0; i < m->n_files; i++)
		printf("%s%s", i ? ", " : "", m->files[i]);
	printf(")\n");
	return EXIT_OK;
}

const struct ctl_cmd ctl_cmd_config = {"config", cmd_config, NULL};
