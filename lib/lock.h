/*
 * lock - one action at a time per component, across processes.
 *
 * A lock file per component in lock_dir ("fx%2Fpricer.lock"), held with a
 * non-blocking flock(LOCK_EX) for the life of the action; the kernel drops
 * it if the holder dies, so no stale lock survives a crash. The holder
 * writes who it is into the file (pid, user, node, what, since) so a
 * refused second comer can say who holds it. The lock across monitoring
 * nodes (on the component's host) is issue 5.
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
 */
int rl_lock_acquire(const char *lock_dir, const char *const *names, size_t n,
		    const char *what, struct rl_lock **out, struct rl_err *err);
/* Releases and frees; NULL is a no-op. */
void rl_lock_release(struct rl_lock *l);

#endif
