/*
 * ctl_history - `relancectl history`: the journal as a table or JSON Lines.
 */
#ifndef CTL_HISTORY_H
#define CTL_HISTORY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"

struct ctl_history_opts {
	const char *journal; /* path, when n_journals is 0 */
	/* several journals (other nodes'), merged by time; NULL, 0: one */
	const char *const *journals;
	size_t n_journals;
	const char *target; /* component or application; NULL: all */
	int64_t since_ms;   /* wall clock ms since the epoch; 0: all */
	long limit;	    /* keep the newest N; 0: all */
	bool json;	    /* JSON Lines of the records */
	bool all;	    /* every record, not only step ends and plans */
	const char *node;   /* this node: a plan begun here without an end
			       whose process lives is running; NULL */
};

/*
 * Reads the journal (or each of journals, merged by time) and writes the
 * step-end, plan, hold and handler decision records that match (not the
 * handler's "ignore" decisions unless all), oldest first, to OUT. In the
 * table, a line "config changed: OLD -> NEW" (with " on NODE" when
 * several journals are read) before a node's first record that ran
 * another config than its record before it; a plan whose begin has no end
 * (its process was killed: SIGKILL, a crash) says "no end recorded
 * (killed?)", unless its process on this node still runs. Writes the
 * number of records shown to *shown. Returns 0, or -1 with err set
 * (unreadable journal, torn line, memory).
 */
int ctl_history(const struct ctl_history_opts *o, FILE *out, size_t *shown,
		struct rl_err *err);

#endif
