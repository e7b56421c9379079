/*
 * graph_live - the map with live states: the checks of `relancectl
 * status` (rl_run_checks) and the holds, gathered for rl_graph_dot(); and
 * the pictures the handler refreshes after a heal.
 *
 * Kept apart from graph.c, which stays a pure function of its input.
 */
#ifndef RL_GRAPH_LIVE_H
#define RL_GRAPH_LIVE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "graph.h"
#include "model.h"
#include "transport.h"

/* The states of one map; opaque but for STATES. */
struct rl_graph_live {
	struct rl_graph_state *states; /* m->n_components, by index */
	struct rl_check_result *res;   /* private */
	size_t n_res;
	char (*held)[700]; /* private */
};

/*
 * Checks every component rl_graph_drawn(APPS) draws, at once, with T
 * before DEADLINE_MS (0: the slowest check's timeout plus 2s from now;
 * the same checks as `relancectl status`: a transport
 * failure is UNKNOWN), and reads each one's hold from m->site.hold_dir
 * (a hold that cannot be read is drawn as "hold unreadable"). On success
 * *out is new (rl_graph_live_free) and 0 returned; -1 with err set only
 * when out of memory. Blocks until the checks end or the deadline.
 */
int rl_graph_live_collect(const struct rl_model *m, struct rl_transport *t,
			  const struct rl_app *const *apps, size_t n_apps,
			  int64_t deadline_ms, struct rl_graph_live **out,
			  struct rl_err *err);
void rl_graph_live_free(struct rl_graph_live *l);

/*
 * Refreshes the pictures of application APP in m->site.graph_dir (which
 * must be set and exist): checks as above, then replaces APP.dot and
 * APP.svg there atomically (rl_file_write_atomic, mode 0644; the
 * directory judged as a state directory). Returns 0, or -1 with err set
 * ("graph_dir '/x': ...", "pictures unavailable: ..."); APP.dot is
 * written even when the SVG cannot be rendered (then -1). For the
 * handler: a failure here is a warning, never the heal's.
 */
int rl_graph_live_refresh(const struct rl_model *m, struct rl_transport *t,
			  const struct rl_app *app, int64_t deadline_ms,
			  struct rl_err *err);

#endif
