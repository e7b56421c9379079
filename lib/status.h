/*
 * status - the state of applications as a tree, for people and for scripts.
 *
 * Takes the results of rl_run_checks() and renders them grouped by
 * application: a header line per application with its worst state and the
 * count of components in each state, then one line per component in
 * dependency (topological) order, indented by its level. The same data as
 * one JSON object for scripts. Used by relancectl (status) and by
 * check_application (the long output after its status line).
 *
 * Nothing here runs a check or prints: it fills rl_bufs.
 */
#ifndef RL_STATUS_H
#define RL_STATUS_H

#include <stddef.h>

#include "err.h"
#include "model.h"
#include "plugin.h"
#include "run.h"
#include "util.h"

enum {
	/* Colour the [STATE] markers with ANSI escapes (green, yellow, red,
	 * magenta). The caller decides: only on a terminal, never with
	 * NO_COLOR or --no-color. */
	RL_STATUS_COLOR = 1 << 0,
	/* Add the check's long output, indented, under each component. */
	RL_STATUS_LONG = 1 << 1,
	/* Leave out the application header lines (one application). */
	RL_STATUS_NO_HEADER = 1 << 2,
};

/*
 * The components TARGET names, in the model's topological order: every
 * component when TARGET is NULL, those of an application, or one
 * component. *out is a new array of borrowed pointers the caller frees
 * with free(); *n may be 0 only for an empty model.
 * Error: "unknown component or application 'x'".
 */
int rl_status_select(const struct rl_model *m, const char *target,
		     const struct rl_component ***out, size_t *n,
		     struct rl_err *err);

/* The worst state of N results per rl_state_worst(); OK when N is 0. */
enum rl_state rl_status_worst(const struct rl_check_result *r, size_t n);

/*
 * Appends the tree of the N results (in topological order, as
 * rl_status_select gives them) to OUT, one application after the other:
 *   fx: CRITICAL (3 components: 2 OK, 1 CRITICAL)
 *     [OK]       fx/marketdata  on fx-app-01  12ms  active
 *       [CRITICAL] fx/pricer    on fx-app-01  10ms  inactive; requires
 * fx/marketdata Untrusted output is bounded (first line, 200 characters,
 * control characters replaced). FLAGS: RL_STATUS_*.
 */
void rl_status_text(const struct rl_check_result *r, size_t n, unsigned flags,
		    struct rl_buf *out);

/*
 * Appends one JSON object (and a newline):
 *   {"state":"CRITICAL","exit":2,"applications":[{"name":"fx",
 *    "state":"CRITICAL","counts":{"OK":2,"WARNING":0,"CRITICAL":1,
 *    "UNKNOWN":0},"components":[{"name":"fx/pricer","host":"fx-app-01",
 *    "level":1,"state":"CRITICAL","output":"...","long_output":null,
 *    "duration_ms":10.2,"transport_failed":false,"requires":["fx/md"]}]}]}
 */
void rl_status_json(const struct rl_check_result *r, size_t n,
		    struct rl_buf *out);

/* The marker "[OK]", "[WARNING]"... with colour when asked. */
void rl_status_marker(struct rl_buf *b, enum rl_state s, int color);

#endif
