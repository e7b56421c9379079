/*
 * hold - "leave this component alone": the event handler does not heal a
 * component that has a hold.
 *
 * Two kinds. An acknowledgement hold is set when the core reports that an
 * engineer acknowledged the problem (Nagios sends no acknowledgement to an
 * event handler, only an ACKNOWLEDGEMENT notification) and is cleared when
 * the component recovers (the handler sees OK). A manual hold is set and
 * cleared by `relancectl hold` / `relancectl release` and survives
 * recoveries.
 *
 * One file per component in hold_dir, named like lock files
 * ("fx%2Fpricer.hold"), replaced whole with rl_file_write_atomic()
 * (safefile.h), so a reader sees the old hold or the new one, never half,
 * and no link planted in hold_dir is followed. hold_dir is opened without
 * following a symlink and refused, for reading and writing, when group or
 * others may write it without the sticky bit; a hold file that is a
 * symlink, a FIFO or has several links is an error.
 * Contents, one key=value per line, values on one line (line breaks and
 * control characters become spaces):
 *   kind=ack|manual  author=...  since=UNIX-SECONDS  node=...  reason=...
 * A hold is state, not history: every change is also journaled by the
 * caller.
 */
#ifndef RL_HOLD_H
#define RL_HOLD_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"

enum rl_hold_kind {
	RL_HOLD_ACK = 0, /* until the component recovers */
	RL_HOLD_MANUAL,	 /* until released by hand */
};

/* Plain struct; strings are cut to fit. */
struct rl_hold {
	bool set;
	enum rl_hold_kind kind;
	char author[128];
	char node[128];
	char reason[512];
	int64_t since; /* seconds since the epoch */
};

/*
 * Sets the hold of COMPONENT (replacing any), creating DIR (0755) if
 * missing. AUTHOR, NODE and REASON may be NULL. Errors name the file.
 */
int rl_hold_set(const char *dir, const char *component, enum rl_hold_kind kind,
		const char *author, const char *node, const char *reason,
		struct rl_err *err);

/*
 * Reads the hold of COMPONENT into *out (out->set false when there is
 * none). A file that cannot be read or does not parse is an error naming
 * it (the handler then stands down: better to wait for a human than to
 * ignore a hold).
 */
int rl_hold_get(const char *dir, const char *component, struct rl_hold *out,
		struct rl_err *err);

/*
 * Removes the hold of COMPONENT if it is of kind ONLY (or any kind when
 * ANY is true). *removed tells whether one was removed; *old (may be NULL)
 * gets what it was. No hold is not an error. Set and clear take an flock
 * on DIR/.lock (up to 5 s), so a clear never removes a hold set after it
 * read the old one; readers take none.
 */
int rl_hold_clear(const char *dir, const char *component, bool any,
		  enum rl_hold_kind only, bool *removed, struct rl_hold *old,
		  struct rl_err *err);

const char *rl_hold_kind_name(enum rl_hold_kind k); /* "ack", "manual" */

/*
 * Fills the hold fields of journal record R (already initialised, node,
 * user and component the caller's): event "hold", RESULT ("set",
 * "cleared"), the kind as action, H's author and reason.
 */
struct rl_journal_rec;
void rl_hold_journal_rec(struct rl_journal_rec *r, const struct rl_hold *h,
			 const char *result);

/* "acknowledged by alice: disk full on fx-app-01" /
 * "held by bob since 2026-11-24 03:12: maintenance" (local time). */
void rl_hold_describe(const struct rl_hold *h, char *buf, size_t len);

#endif
