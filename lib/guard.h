/*
 * guard - the locks of an action, and the orchestration of a heal, shared
 * by every program that changes a component (the event handler's worker
 * and relancectl alike: DESIGN.md, "Exactly once").
 *
 * An action on a plan holds two kinds of lock on every component the plan
 * touches:
 *   - the local lock (lib/lock: flock in lock_dir), which orders the
 *     programs of one monitoring node;
 *   - the host lock (lib/hostlock: on the component's own host), which
 *     orders the monitoring nodes. Its owner line is "NODE pid PID WHAT"
 *     ("mon-1 pid 4242 relancectl restart fx/pricer by alice"); it expires
 *     after the plan's own timeouts and a minute more (rl_guard_ttl_s),
 *     so a holder that died frees it at last.
 * Local locks come first (cheap, and they keep a node's own programs off
 * the network), host locks second, each set in the components' sorted
 * order so that two comers meet at the same first lock. A lock another
 * holds is a result, not an error: the calls return 1 and say who holds
 * it. Nothing here waits for a lock.
 *
 * The orchestration of a heal: the target's requirements are checked with
 * it (rl_guard_find_roots); when a component it requires is down, the heal
 * belongs to that one, whose restart restarts the target too
 * (rl_guard_escalate builds those plans and takes their local locks). The
 * decisions are pure functions (rl_guard_ttl_s, rl_guard_beyond,
 * rl_guard_requirements, rl_guard_roots) so each rule has a unit test.
 *
 * Arrays are sized from the model: no cap drops a component.
 */
#ifndef RL_GUARD_H
#define RL_GUARD_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "model.h"
#include "plan.h"
#include "run.h"
#include "transport.h"

/* Spare time on a host lock beyond the plan's own timeouts. */
#define RL_GUARD_SPARE_S 60

/* ---- decisions (pure) ------------------------------------------------ */

/*
 * The host lock's lifetime for PLAN, in seconds: the longest its levels
 * may take together (each level as long as its slowest step) plus
 * RL_GUARD_SPARE_S.
 */
int64_t rl_guard_ttl_s(const struct rl_plan *plan);

/*
 * The components touched by the N_PLANS PLANS that are not in HELD
 * (N_HELD, compared by name), each once, sorted by name. *OUT is a new
 * array of borrowed pointers (caller frees the array; NULL when *N_OUT is
 * 0). Returns 0, or -1 when out of memory (nothing written).
 */
int rl_guard_beyond(const struct rl_plan *const *plans, size_t n_plans,
		    const struct rl_component *const *held, size_t n_held,
		    const struct rl_component ***out, size_t *n_out);

/*
 * TARGET first, then what it requires, transitively, breadth first, each
 * once: the components a heal of TARGET checks. *SET is a new array of
 * borrowed pointers (caller frees). Returns 0, or -1 when out of memory.
 */
int rl_guard_requirements(const struct rl_component *target,
			  const struct rl_component ***set, size_t *n);

/*
 * Given SET from rl_guard_requirements and CHK[i], the check result of
 * SET[i]: the roots of the trouble, that is the components of SET[1..]
 * that are down (CRITICAL, and the check did run) while nothing they
 * require in SET is CRITICAL; or SET[0] alone when there is none. (Whether
 * SET[0] is up is the caller's question: then there is nothing to heal.)
 * *ROOTS is a new array of borrowed pointers (caller frees). Returns 0, or
 * -1 when out of memory.
 */
int rl_guard_roots(const struct rl_component *const *set,
		   const struct rl_check_result *chk, size_t n,
		   const struct rl_component ***roots, size_t *n_roots);

/* ---- locks ----------------------------------------------------------- */

struct rl_guard;

/*
 * A guard for the actions of M, holding nothing yet. WHAT describes the
 * action for others ("relancectl restart fx/pricer by alice",
 * "handle_component restart fx/pricer"): it goes into the local lock files
 * and, after "NODE pid PID ", into the host locks' owner line.
 * HOSTLOCK_DIR is rl_hostlock's DIR (NULL: ~/.relance/locks of the
 * account on each host). M must outlive the guard. Returns NULL with err
 * set when out of memory. Free with rl_guard_release or rl_guard_drop.
 */
struct rl_guard *rl_guard_new(const struct rl_model *m, const char *what,
			      const char *hostlock_dir, struct rl_err *err);

/*
 * Takes the local locks of every component the N_PLANS PLANS touch that
 * this guard does not hold yet, all at once or none, with WHAT (NULL: the
 * guard's). Returns 0 when held, 1 when refused (a lock is held: WHY says
 * so, as lib/lock words it: "fx/pricer: another action is in progress:
 * ..."), -1 when lock_dir or a lock file cannot be used (err: the path and
 * the system error) or out of memory (err).
 * Never waits for a lock (see rl_lock_acquire).
 */
int rl_guard_lock_local(struct rl_guard *g, const struct rl_plan *const *plans,
			size_t n_plans, const char *what, char *why, size_t len,
			struct rl_err *err);

/*
 * Takes, through T, the host lock of every component PLAN touches that
 * this guard does not hold yet, for rl_guard_ttl_s(PLAN), one after the
 * other; each may take the SSH timeout plus the component's check timeout.
 * The owner line is computed once, from the pid of the first call (the
 * handler's detached worker takes them, not its parent). Every call on a
 * guard must pass the same T, which must outlive the host locks. Returns
 * 0 when all are held; 1 when one is held by another owner (WHY: "host
 * lock of fx/pricer on fx-app-01 held by mon-2 pid 77 ...") and -1 when a
 * host could not be asked (err names it): in both cases those taken by
 * this call are kept, released by rl_guard_unlock_hosts.
 */
int rl_guard_lock_hosts(struct rl_guard *g, struct rl_transport *t,
			const struct rl_plan *plan, char *why, size_t len,
			struct rl_err *err);

/*
 * rl_guard_lock_local then rl_guard_lock_hosts for PLAN: the one call of a
 * program that acts at once (relancectl). Returns 0, 1 (WHY) or -1 (err);
 * on 1 and -1 whatever it took stays held until released.
 */
int rl_guard_acquire(struct rl_guard *g, struct rl_transport *t,
		     const struct rl_plan *plan, char *why, size_t len,
		     struct rl_err *err);

/* Told of a host lock that could not be released (it expires by itself). */
typedef void rl_guard_failed_fn(void *ctx, const struct rl_component *c,
				const char *msg);

/*
 * Tells FN, once each, of the host locks this guard took over since the
 * last call because their owner was a process of this node that is gone
 * (rl_hostlock: pid dead or reused): the component and the owner line
 * found (MSG). The caller journals them ("hostlock", "taken-over").
 */
void rl_guard_takeovers(struct rl_guard *g, rl_guard_failed_fn *fn, void *ctx);

/*
 * Releases the host locks this guard holds, if their owner line is still
 * ours, each before now + the SSH timeout; FAILED (may be NULL) hears of
 * each that could not be. The local locks stay held.
 */
void rl_guard_unlock_hosts(struct rl_guard *g, rl_guard_failed_fn *failed,
			   void *ctx);

/* rl_guard_unlock_hosts, then the local locks; frees G. NULL: no-op. */
void rl_guard_release(struct rl_guard *g, rl_guard_failed_fn *failed,
		      void *ctx);

/*
 * Frees G without releasing its local locks: a process that forked while
 * they were held leaves them to its child (see rl_lock_drop). G must hold
 * no host lock. NULL: no-op.
 */
void rl_guard_drop(struct rl_guard *g);

/* ---- the heal's orchestration ---------------------------------------- */

/*
 * Checks TARGET and its requirements (rl_guard_requirements) through T,
 * at once, within the longest of their check timeouts. Returns 1 when
 * TARGET is up (REASON: "already up: OUTPUT"); 0 with *ROOTS (as
 * rl_guard_roots; caller frees the array) when it is not; -1 on failure
 * (err).
 */
int rl_guard_find_roots(struct rl_transport *t,
			const struct rl_component *target,
			const struct rl_component ***roots, size_t *n_roots,
			char *reason, size_t len, struct rl_err *err);

/*
 * A target requires the N_ROOTS ROOTS, which are down: their restarts
 * replace its own. Stands down (returns 1 with REASON) when a root has
 * heal = never ("requires X, which is down (heal = never there)") or a
 * hold ("requires X, which is down and held by ..."). Else builds the
 * restart plan of each root and takes, through G, the local locks of what
 * they touch beyond what G holds already (the target's own plan), with
 * WHAT; refused, it returns 1 with REASON "in progress: ...". Returns 0
 * with *PLANS, a new array of N_ROOTS plans, PLANS[i] the restart of
 * ROOTS[i] (free with rl_guard_plans_free); *PLANS is NULL on 1 and on -1
 * (err).
 */
int rl_guard_escalate(struct rl_guard *g,
		      const struct rl_component *const *roots, size_t n_roots,
		      const char *what, struct rl_plan ***plans, char *reason,
		      size_t len, struct rl_err *err);

/* Frees N plans and the array; NULL: no-op. */
void rl_guard_plans_free(struct rl_plan **plans, size_t n);

#endif
