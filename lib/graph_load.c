/*
 * graph_load - rl_graph_render() as the programs link it: a loader for
 * the Graphviz module (graphviz.so, lib/graph_gv.c).
 *
 * libgvc brings libcgraph, libcdt, libpathplan, libexpat, libltdl and,
 * through its plugins, cairo and pango: nothing a plugin or a status
 * needs. So, like the XML module (see lib/xpath_load.c for the reasons
 * and the rules), it is a module that lib/module dlopen()s on the first
 * render; a build without libgraphviz-dev has no module and says so when
 * asked for a picture, while DOT output needs nothing.
 *
 * Where the module is: $RELANCE_GRAPH_MODULE when set to an absolute path
 * (ignored in a setuid or setgid program: secure_getenv), else
 * GRAPHMODULE, where `make install` puts it ($(pkglibdir)/graphviz.so).
 */
#include "build.h"

#include <stdlib.h>
#include <string.h>

#include "graph.h"
#include "graph_impl.h"
#include "module.h"

#define UNAVAILABLE "pictures unavailable: "

static const struct rl_graph_module *load(struct rl_err *err)
{
	static const size_t sizes[] = RL_GRAPH_MODULE_SIZES;

	return rl_module_load(
	    rl_module_path("RELANCE_GRAPH_MODULE", GRAPHMODULE),
	    RL_GRAPH_MODULE_SYMBOL, UNAVAILABLE, "Graphviz",
	    " (build relance with libgraphviz-dev, or use --format dot)", sizes,
	    sizeof(sizes) / sizeof(sizes[0]), err);
}

int rl_graph_render(const char *dot, size_t len, const char *format,
		    struct rl_buf *out, struct rl_err *err)
{
	const struct rl_graph_module *m = load(err);
	char *copy;
	int r;

	if (m == NULL)
		return -1;
	/* the module reads a NUL-terminated string */
	copy = malloc(len + 1);
	if (copy == NULL)
		return rl_err_set(err, "out of memory");
	memcpy(copy, dot, len);
	copy[len] = '\0';
	r = m->render(copy, len, format, out, err);
	free(copy);
	return r;
}
