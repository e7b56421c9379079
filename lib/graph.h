/*
 * graph - the dependency map of applications, as Graphviz DOT text.
 *
 * rl_graph_dot() is a pure function of the model, the applications to
 * draw and (optionally) each component's live state: no I/O, no clock,
 * the same input gives the same bytes. Layout of the text:
 *  - one `digraph "relance"`, the applications' names as its label;
 *  - one cluster per host (`subgraph "cluster_N"`, N the host's index in
 *    the model, labelled with the host's name), in the model's host order,
 *    holding that host's components in topological order;
 *  - one node per component, named by its full name ("fx/pricer") and
 *    labelled with its short name when one application is drawn, its full
 *    name otherwise; a component another application's component requires
 *    is drawn too (with its full name), so that no arrow points nowhere;
 *  - one edge per requirement, from the component to what it requires
 *    (`"fx/pricer" -> "fx/marketdata"`), in topological order.
 * With states, each node is filled by its state (OK palegreen, WARNING
 * yellow, CRITICAL tomato, UNKNOWN lightgrey), its label gets a second
 * line with the state, and its tooltip the check's first output line; a
 * held or acknowledged component gets a dashed, thick border and a line
 * with who holds it ("held by bob"). Without states every node is white.
 *
 * Every string that goes into the text (names, descriptions, outputs,
 * hold authors) goes through rl_graph_quote(): untrusted text never ends
 * a DOT string early nor adds a statement.
 *
 * rl_graph_render() turns DOT into SVG or PNG with Graphviz's libgvc,
 * which lives in a module (graphviz.so, lib/graph_gv.c) loaded with
 * dlopen() on first use, as the XML module is: relancectl and the handler
 * map libgvc only when they draw a picture.
 */
#ifndef RL_GRAPH_H
#define RL_GRAPH_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "model.h"
#include "plugin.h"
#include "util.h"

/* One component's live state. Plain struct; strings borrowed. */
struct rl_graph_state {
	bool checked; /* false: drawn without a state (white) */
	enum rl_state state;
	const char *output; /* the check's output (first line used), or NULL */
	const char *held;   /* "held by bob", "acknowledged by alice", or
			       NULL: not held */
};

/*
 * Appends to OUT the DOT text of the N_APPS applications APPS (N_APPS > 0;
 * borrowed, in the order given) of the resolved model M. STATES is NULL
 * (no colours) or has m->n_components entries indexed by
 * rl_component.index. OUT's oom flag says whether it ran out of memory.
 */
void rl_graph_dot(const struct rl_model *m, const struct rl_app *const *apps,
		  size_t n_apps, const struct rl_graph_state *states,
		  struct rl_buf *out);

/*
 * The components the map of APPS draws (theirs, and those they require
 * in other applications), in the model's topological order: a new array
 * of borrowed pointers the caller frees with free(), its length in *N.
 * NULL when out of memory.
 */
const struct rl_component **rl_graph_drawn(const struct rl_model *m,
					   const struct rl_app *const *apps,
					   size_t n_apps, size_t *n);

/*
 * Appends S (NULL reads as "") to B as a DOT double-quoted string, quotes
 * included: '"' and '\' escaped with a backslash, a newline as "\n" (a
 * line break in a label), every other control byte as a space. At most
 * MAX bytes of S are used (0: no limit), never splitting a UTF-8
 * sequence.
 */
void rl_graph_quote(struct rl_buf *b, const char *s, size_t max);

/* The fill colour of state S ("palegreen", ...), for docs and tests. */
const char *rl_graph_color(enum rl_state s);

/*
 * Renders the LEN bytes of DOT text DOT as FORMAT ("svg" or "png") with
 * Graphviz's dot layout and appends the picture to OUT. Returns 0, or -1
 * with err set: "pictures unavailable: cannot load 'PATH': ..." when the
 * module or libgvc is missing, "graphviz: syntax error in line 3 ..." on
 * bad DOT. Blocks while Graphviz lays out (milliseconds for an
 * application's map). The module is $RELANCE_GRAPH_MODULE when that is
 * an absolute path (not in a setuid program), else the installed one.
 */
int rl_graph_render(const char *dot, size_t len, const char *format,
		    struct rl_buf *out, struct rl_err *err);

#endif
