/*
 * cmd_graph - `relancectl graph [APP...] [--format dot|svg|png] [--status]
 * [-o FILE]`: the dependency map of applications (lib/graph), coloured by
 * the live states with --status (the checks of `status`, lib/graph_live).
 */
#include "build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "graph.h"
#include "graph_live.h"
#include "safefile.h"
#include "status.h"

struct graph_args {
	const char *format; /* --format: dot (default), svg, png */
	const char *output; /* -o: a file, else stdout */
	bool status;	    /* --status */
};

static int parse_format(const struct rl_opt *opt, const char *arg, void *base,
			struct rl_err *err)
{
	(void)opt;
	if (strcmp(arg, "dot") && strcmp(arg, "svg") && strcmp(arg, "png"))
		return rl_err_set(err, "'%.20s' is not dot, svg or png", arg);
	((struct graph_args *)base)->format = arg;
	return 0;
}

static const struct rl_opt graph_opts[] = {
    RL_OPT(0, "format", RL_OPT_CALL, 0, .parse = parse_format),
    RL_OPT('o', "output", RL_OPT_STRING, offsetof(struct graph_args, output)),
    RL_OPT(0, "status", RL_OPT_FLAG, offsetof(struct graph_args, status)),
    {0},
};

/* Writes B to PATH, replaced atomically, or to stdout when PATH is NULL. */
static int output(const char *path, struct rl_buf *b)
{
	struct rl_err err = {""};
	struct rl_file_dir d = RL_FILE_DIR_INIT;
	const char *name;
	int r;

	if (path == NULL) {
		if (b->oom)
			return fail(EXIT_INTERNAL, "out of memory");
		if (fwrite(rl_buf_str(b), 1, b->len, stdout) != b->len ||
		    fflush(stdout) != 0)
			return fail(EXIT_INTERNAL, "cannot write to stdout");
		return EXIT_OK;
	}
	if (b->oom)
		return fail(EXIT_INTERNAL, "out of memory");
	r = rl_file_dir_open_parent(&d, path, 0, &name, &err);
	if (r == 0)
		r = rl_file_write_atomic(&d, name, rl_buf_str(b), b->len, 0644,
					 &err);
	rl_file_dir_close(&d);
	return r < 0 ? fail(EXIT_INTERNAL, err.msg) : EXIT_OK;
}

static int cmd_graph(struct ctl *ctl, int argc, char **argv)
{
	struct rl_err err = {""};
	struct graph_args a = {"dot", NULL, false};
	struct rl_buf dot = RL_BUF_INIT, pic = RL_BUF_INIT;
	const struct rl_app **apps = NULL;
	struct rl_graph_live *live = NULL;
	struct rl_transport *t = NULL;
	size_t n_apps, i;
	enum rl_state worst = RL_STATE_OK;
	int r;

	r = ctl_parse(ctl, &ctl_cmd_graph, &a, &argc, &argv);
	if (r != CTL_GO_ON)
		return r;
	r = load_config(ctl);
	if (r)
		return r;
	n_apps = argc ? (size_t)argc : ctl->model->n_apps;
	if (n_apps == 0)
		return fail(EXIT_CONFIG, "graph: no application to draw");
	apps = calloc(n_apps, sizeof(*apps));
	if (apps == NULL)
		return fail(EXIT_INTERNAL, "out of memory");
	for (i = 0; i < n_apps; i++) {
		apps[i] = argc ? rl_model_app(ctl->model, argv[i])
			       : ctl->model->apps[i];
		if (apps[i] == NULL) {
			r = usage_error("graph: unknown application '%.100s'",
					argv[i]);
			goto out;
		}
	}
	if (a.status) {
		int64_t deadline =
		    ctl->timeout_ms ? rl_now_ms() + ctl->timeout_ms : 0;

		t = rl_transport_new(ctl->model, &err);
		if (t == NULL ||
		    rl_graph_live_collect(ctl->model, t, apps, n_apps, deadline,
					  &live, &err) < 0) {
			r = fail(EXIT_INTERNAL, err.msg);
			goto out;
		}
		for (i = 0; i < ctl->model->n_components; i++)
			if (live->states[i].checked)
				worst = rl_state_worst(worst,
						       live->states[i].state);
	}
	rl_graph_dot(ctl->model, apps, n_apps, live ? live->states : NULL,
		     &dot);
	if (dot.oom) {
		r = fail(EXIT_INTERNAL, "out of memory");
		goto out;
	}
	if (strcmp(a.format, "dot") == 0) {
		r = output(a.output, &dot);
	} else if (rl_graph_render(dot.data, dot.len, a.format, &pic, &err) <
		   0) {
		r = fail(EXIT_INTERNAL, err.msg);
	} else {
		r = output(a.output, &pic);
	}
	if (r == EXIT_OK)
		r = (int)worst; /* as `status`: a plugin's exit code */
out:
	rl_buf_free(&pic);
	rl_buf_free(&dot);
	rl_graph_live_free(live);
	rl_transport_free(t);
	free(apps);
	return r;
}

const struct ctl_cmd ctl_cmd_graph = {"graph", cmd_graph, graph_opts};
