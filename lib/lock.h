/*
 * lock - one action at a time per component, across processes.
 *
 * A lock file per component in lock_dir ("fx%2Fpricer.lock"), held with a
 * non-blocking flock(LOCK_EX) for the life of the action; the kernel drops
 * it if the holder dies, so no stale lock survives a crash. The holder
 * writes who it is into the file (pid, user, node, what, since) so a
 * refused second comer can say who holds it. The lock across monitoring
 * nodes (on the component's host) is issue 5.
 *
 * File names: every byte of the name outside [A-Za-z0-9._-] becomes %XX,
 * so "../x" is "..%2Fx.lock", inside lock_dir. The file holds, after the
 * holder has truncated it and written it in one pwrite():
 *   pid=4242\n user=alice\n node=mon-1\n since=2026-11-24 03:12:05\n
 *   what=relancectl restart fx/pricer by alice\n   (no spaces; "what" last,
 *   newlines in it become spaces; "since" is local time)
 * and is emptied (not removed: that would race with flock) on release.
 */
#ifndef RL_LOCK_H
#define RL_LOCK_H

#include <stddef.h>

#include "err.h"

struct rl_lock;

/*
 * Takes the locks of the N named components, in sorted order, without
 * waiting. WHAT describes the action for others ("relancectl restart
 * fx/pricer by alice"). lock_dir is created (0755) if missing. If one is
 * held: releases what it took and fails with
 *   "fx/pricer: another action is in progress: relancectl restart
 *    fx/pricer by alice (pid 4242 on mon-1) since 2026-11-24 03:12:05"
 * On success *out is the held set: rl_lock_release() frees it.
 * A name given twice is taken once; an empty name is refused. The same
 * process asking again for a component it holds is refused like anyone.
 * Never blocks on a lock, but a refused comer waits up to ~200 ms for a
 * holder that has just taken the lock to write who it is; if it never
 * does, the message says "(holder unknown)". Locks are opened O_CLOEXEC:
 * commands run by exec do not inherit them.
 *
 * Returns 0 when held, RL_LOCK_HELD when another holds one (the message
 * above), RL_LOCK_FAILED when a lock could not be tried at all: lock_dir
 * cannot be created or written, a lock file cannot be opened, locked or
 * written, an empty name, no memory (err names the path and the system
 * error). Both are negative: "< 0" still means "not held".
 */
#define RL_LOCK_HELD (-1)
#define RL_LOCK_FAILED (-2)
int rl_lock_acquire(const char *lock_dir, const char *const *names, size_t n,
		    const char *what, struct rl_lock **out, struct rl_err *err);
/* Releases and frees; NULL is a no-op. */
void rl_lock_release(struct rl_lock *l);
/*
 * Closes this process's descriptors and frees, without releasing: a flock
 * belongs to the open file, so a child forked while the locks were held
 * keeps them until it releases them or exits (the event handler hands its
 * locks to its detached worker this way). NULL is a no-op.
 */
void rl_lock_drop(struct rl_lock *l);

#endif
