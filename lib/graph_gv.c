/*
 * graph_gv - the Graphviz module: DOT text to SVG or PNG with libgvc.
 *
 * Built alone, with lib/util.c and lib/err.c, as graphviz.so
 * (Makefile.am), so that only a program that draws a picture maps libgvc,
 * libcgraph and their plugins; lib/graph_load.c loads it. The table below
 * is its only exported symbol.
 */
#include "build.h"

#include <graphviz/gvc.h>
#include <string.h>

#include "graph_impl.h"

/* cgraph reports errors through a callback, in pieces ("Error", ": ",
 * "syntax error in line 1 near ';'\n"); it would print them on stderr
 * otherwise. The pieces of a render are joined here, on one line, for the
 * caller. A module-wide buffer, as cgraph's own error state is
 * process-wide. */
static char errors[512];

static int keep_error(char *msg)
{
	size_t n = strlen(errors);

	for (; *msg != '\0' && n + 1 < sizeof(errors); msg++)
		errors[n++] = (*msg == '\n' || *msg == '\t') ? ' ' : *msg;
	errors[n] = '\0';
	return 0;
}

/* The errors joined, without the trailing space and the leading
 * "Error: " (the caller says "graphviz: "). */
static const char *error_text(const char *otherwise)
{
	size_t n = strlen(errors);
	const char *p = errors;

	while (n > 0 && errors[n - 1] == ' ')
		errors[--n] = '\0';
	if (strncmp(p, "Error: ", 7) == 0)
		p += 7;
	return *p ? p : otherwise;
}

static int render(const char *dot, size_t len, const char *format,
		  struct rl_buf *out, struct rl_err *err)
{
	GVC_t *gvc = NULL;
	Agraph_t *g = NULL;
	char *data = NULL;
	unsigned int n = 0;
	bool laid_out = false;
	int r = -1;

	(void)len; /* agmemread reads up to the NUL at dot[len] */
	if (strcmp(format, "svg") != 0 && strcmp(format, "png") != 0)
		return rl_err_set(err, "graphviz: unknown format '%.20s'",
				  format);
	errors[0] = '\0';
	agseterrf(keep_error);
	gvc = gvContext();
	if (gvc == NULL) {
		rl_err_set(err, "graphviz: cannot create a context");
		goto out;
	}
	g = agmemread(dot);
	if (g == NULL) {
		rl_err_set(err, "graphviz: %s", error_text("cannot read DOT"));
		goto out;
	}
	if (gvLayout(gvc, g, "dot") != 0) {
		rl_err_set(err, "graphviz: layout failed: %s",
			   error_text("no dot layout plugin"));
		goto out;
	}
	laid_out = true;
	if (gvRenderData(gvc, g, format, &data, &n) != 0 || data == NULL) {
		rl_err_set(err, "graphviz: cannot render %s: %s", format,
			   error_text("no plugin for that format"));
		goto out;
	}
	rl_buf_append(out, data, n);
	if (out->oom) {
		rl_err_set(err, "out of memory");
		goto out;
	}
	r = 0;
out:
	if (data != NULL)
		gvFreeRenderData(data);
	if (laid_out)
		gvFreeLayout(gvc, g);
	if (g != NULL)
		agclose(g);
	if (gvc != NULL)
		gvFreeContext(gvc);
	agseterrf(NULL);
	return r;
}

__attribute__((visibility("default")))
const struct rl_graph_module rl_graph_module = {
    .version = PACKAGE_VERSION,
    .sizes = RL_GRAPH_MODULE_SIZES,
    .render = render,
};
