/*
 * hostlock - one action at a time per component across monitoring nodes:
 * a lock kept on the component's own host (DESIGN.md, "Exactly once").
 *
 * The lock is a directory, made with mkdir (atomic on every POSIX file
 * system), in ~/.relance/locks of the account relance logs in as, so every
 * monitoring node that reaches the host through that account meets the
 * same lock. Inside, a file `owner` holds two lines: who holds it (node,
 * pid, what) and when it expires (seconds since the epoch, the target's
 * clock). An expired lock is taken over; a fresh one is never.
 *
 * The commands are composed here and run through the transport like any
 * other; only values relance made itself (a component name the model has
 * validated, an owner line reduced to safe characters) reach them, each
 * single-quoted. POSIX shells only for now: hosts with shell = cmd or
 * powershell get an error (TODO(issue 5)).
 */
#ifndef RL_HOSTLOCK_H
#define RL_HOSTLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "model.h"
#include "transport.h"
#include "util.h"

/* What an acquire found. Plain struct. */
struct rl_hostlock_result {
	bool acquired;
	char holder[256];	/* when not acquired: the owner line found */
};

/*
 * DIR is the lock directory on the target: NULL for ~/.relance/locks, else
 * an absolute path of [A-Za-z0-9._/-] (refused otherwise).
 * Appends the shell command that takes the lock of COMPONENT for OWNER
 * until now + TTL_S on the target. Its output is one line:
 * "relance-lock: acquired" or "relance-lock: held OWNER-LINE".
 * Errors: shell not supported, ttl not positive.
 */
int rl_hostlock_acquire_command(enum rl_shell shell, const char *dir,
				const char *component, const char *owner,
				int64_t ttl_s, struct rl_buf *out,
				struct rl_err *err);
/* The command that releases it if, and only if, OWNER still holds it. */
int rl_hostlock_release_command(enum rl_shell shell, const char *dir,
				const char *component, const char *owner,
				struct rl_buf *out, struct rl_err *err);

/*
 * Takes / releases the lock of C on its host through T before DEADLINE_MS.
 * Returns 0 with *res filled (acquired or held by whom), or -1 with err
 * naming the host when the command could not run or answered oddly.
 */
int rl_hostlock_acquire(struct rl_transport *t, const struct rl_component *c,
			const char *dir, const char *owner, int64_t ttl_s, int64_t deadline_ms,
			struct rl_hostlock_result *res, struct rl_err *err);
int rl_hostlock_release(struct rl_transport *t, const struct rl_component *c,
			const char *dir, const char *owner, int64_t deadline_ms,
			struct rl_err *err);

#endif
