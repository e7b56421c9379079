/*
 * graph_impl.h - between the loader (lib/graph_load.c, in librelance.a)
 * and the Graphviz module (lib/graph_gv.c built alone with libgvc as
 * graphviz.so, installed in $(pkglibdir)). Nothing else includes this.
 *
 * As for the XML module (xpath_impl.h): the module exports one symbol, a
 * table of its entry points, and the loader refuses a module of another
 * version or with other structure sizes.
 */
#ifndef RL_GRAPH_IMPL_H
#define RL_GRAPH_IMPL_H

#include <stddef.h>

#include "err.h"
#include "util.h"

#define RL_GRAPH_MODULE_SYMBOL "rl_graph_module"

struct rl_graph_module {
	const char *version; /* PACKAGE_VERSION of the module's build */
	size_t sizes[2];     /* RL_GRAPH_MODULE_SIZES */
	/* as rl_graph_render(), DOT NUL-terminated at DOT[LEN] */
	int (*render)(const char *dot, size_t len, const char *format,
		      struct rl_buf *out, struct rl_err *err);
};

#define RL_GRAPH_MODULE_SIZES                                                  \
	{                                                                      \
		sizeof(struct rl_err), sizeof(struct rl_buf)                   \
	}

extern const struct rl_graph_module rl_graph_module;

#endif
