#include "build.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "guard.h"
#include "hold.h"
#include "hostlock.h"
#include "lock.h"
#include "util.h"

struct rl_guard {
	const struct rl_model *m;
	char *what;
	char *dir;   /* host lock directory, or NULL */
	char *owner; /* the host locks' owner line, from the first call */
	struct rl_transport *t; /* borrowed: the host locks' transport */
	struct rl_lock **locks; /* one per rl_guard_lock_local that took */
	size_t n_locks;
	const struct rl_component **local; /* held locally */
	size_t n_local;
	const struct rl_component **host; /* held on their hosts */
	size_t n_host;
	/* host locks taken over from a dead owner of this node, not yet
	 * reported: the component and the owner line found */
	struct takeover {
		const struct rl_component *c;
		char *previous;
	} * taken;
	size_t n_taken, cap_taken;
};

/* Makes room for ADD more elements of SIZE after N in *ARR. -1: no
 * memory, or the count would overflow; *ARR is unchanged then. */
static int reserve(void *arr, size_t n, size_t add, size_t size)
{
	void **p = arr;
	void *q;

	if (add == 0)
		return 0;
	if (add > SIZE_MAX / size - n)
		return -1;
	q = realloc(*p, (n + add) * size);
	if (q == NULL)
		return -1;
	*p = q;
	return 0;
}

/* ---- decisions ------------------------------------------------------- */

int64_t rl_guard_ttl_s(const struct rl_plan *plan)
{
	int64_t ttl = 0;
	size_t i, j;

	for (i = 0; i < plan->n_levels; i++) {
		int64_t lmax = 0;

		for (j = 0; j < plan->levels[i].n_steps; j++) {
			int64_t st =
			    rl_step_timeout_ms(&plan->levels[i].steps[j]);

			lmax = st > lmax ? st : lmax;
		}
		ttl += lmax;
	}
	return ttl / 1000 + RL_GUARD_SPARE_S;
}

static int by_name(const void *a, const void *b)
{
	const struct rl_component *const *x = a, *const *y = b;

	return strcmp((*x)->name, (*y)->name);
}

static bool named_in(const struct rl_component *const *set, size_t n,
		     const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(set[i]->name, name) == 0)
			return true;
	return false;
}

int rl_guard_beyond(const struct rl_plan *const *plans, size_t n_plans,
		    const struct rl_component *const *held, size_t n_held,
		    const struct rl_component ***out, size_t *n_out)
{
	const struct rl_component **set = NULL;
	size_t total = 0, n = 0, i, j;

	for (i = 0; i < n_plans; i++) {
		if (plans[i]->n_touched > SIZE_MAX - total)
			return -1;
		total += plans[i]->n_touched;
	}
	if (reserve(&set, 0, total, sizeof(*set)) < 0)
		return -1;
	for (i = 0; i < n_plans; i++)
		for (j = 0; j < plans[i]->n_touched; j++) {
			const struct rl_component *c = plans[i]->touched[j];

			if (!named_in(held, n_held, c->name))
				set[n++] = c;
		}
	if (n > 1)
		qsort(set, n, sizeof(*set), by_name);
	for (i = j = 0; i < n; i++) /* a component in two plans: once */
		if (j == 0 || strcmp(set[j - 1]->name, set[i]->name) != 0)
			set[j++] = set[i];
	if (j == 0) {
		free(set);
		set = NULL;
	}
	*out = set;
	*n_out = j;
	return 0;
}

int rl_guard_requirements(const struct rl_component *target,
			  const struct rl_component ***set, size_t *n)
{
	const struct rl_component **s = NULL;
	size_t len = 0, cap = 0, i, j;

	if (reserve(&s, 0, 1, sizeof(*s)) < 0)
		return -1;
	cap = 1;
	s[len++] = target;
	for (i = 0; i < len; i++) /* breadth first over requires */
		for (j = 0; j < s[i]->n_requires; j++) {
			const struct rl_component *r = s[i]->requires[j];
			size_t k;

			for (k = 0; k < len && s[k] != r; k++)
				;
			if (k < len)
				continue;
			if (len == cap) {
				if (reserve(&s, cap, cap, sizeof(*s)) < 0) {
					free(s);
					return -1;
				}
				cap *= 2;
			}
			s[len++] = r;
		}
	*set = s;
	*n = len;
	return 0;
}

int rl_guard_roots(const struct rl_component *const *set,
		   const struct rl_check_result *chk, size_t n,
		   const struct rl_component ***roots, size_t *n_roots)
{
	const struct rl_component **r = NULL;
	size_t nr = 0, i, j, k;

	if (reserve(&r, 0, n ? n : 1, sizeof(*r)) < 0)
		return -1;
	for (i = 1; i < n; i++) {
		bool down = chk[i].state == RL_STATE_CRITICAL &&
			    !chk[i].transport_failed,
		     reqs_up = true;

		if (!down)
			continue;
		for (j = 0; j < set[i]->n_requires && reqs_up; j++)
			for (k = 0; k < n; k++)
				if (set[k] == set[i]->requires[j] &&
				    chk[k].state == RL_STATE_CRITICAL)
					reqs_up = false;
		if (reqs_up)
			r[nr++] = set[i];
	}
	if (nr == 0)
		r[nr++] = set[0];
	*roots = r;
	*n_roots = nr;
	return 0;
}

/* ---- locks ----------------------------------------------------------- */

struct rl_guard *rl_guard_new(const struct rl_model *m, const char *what,
			      const char *hostlock_dir, struct rl_err *err)
{
	struct rl_guard *g = calloc(1, sizeof(*g));

	if (g == NULL)
		goto oom;
	g->m = m;
	g->what = rl_strdup0(what);
	if (g->what == NULL)
		goto oom;
	if (hostlock_dir != NULL && (g->dir = rl_strdup0(hostlock_dir)) == NULL)
		goto oom;
	return g;
oom:
	rl_guard_drop(g);
	rl_err_set(err, "out of memory");
	return NULL;
}

int rl_guard_lock_local(struct rl_guard *g, const struct rl_plan *const *plans,
			size_t n_plans, const char *what, char *why, size_t len,
			struct rl_err *err)
{
	const struct rl_component **todo = NULL;
	const char **names = NULL;
	struct rl_lock *lock = NULL;
	struct rl_err lerr = {""};
	size_t n = 0, i;
	int ret = -1;

	if (rl_guard_beyond(plans, n_plans, g->local, g->n_local, &todo, &n) <
		0 ||
	    reserve(&g->locks, g->n_locks, 1, sizeof(*g->locks)) < 0 ||
	    reserve(&g->local, g->n_local, n, sizeof(*g->local)) < 0) {
		rl_err_set(err, "out of memory");
		goto out;
	}
	ret = 0;
	if (n == 0)
		goto out;
	names = calloc(n, sizeof(*names));
	if (names == NULL) {
		ret = rl_err_set(err, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++)
		names[i] = todo[i]->name;
	ret = rl_lock_acquire(g->m->site.lock_dir, names, n,
			      what != NULL ? what : g->what, &lock, &lerr);
	if (ret == RL_LOCK_HELD) {
		snprintf(why, len, "%s", lerr.msg);
		ret = 1;
		goto out;
	}
	if (ret < 0) { /* not held by anyone: lock_dir cannot be used */
		ret = rl_err_set(err, "%s", lerr.msg);
		goto out;
	}
	g->locks[g->n_locks++] = lock;
	memcpy(g->local + g->n_local, todo, n * sizeof(*todo));
	g->n_local += n;
out:
	free(names);
	free(todo);
	return ret;
}

int rl_guard_lock_hosts(struct rl_guard *g, struct rl_transport *t,
			const struct rl_plan *plan, char *why, size_t len,
			struct rl_err *err)
{
	const struct rl_site *s = &g->m->site;
	const struct rl_component **todo = NULL;
	struct rl_hostlock_result held;
	size_t n = 0, i;
	int64_t ttl = rl_guard_ttl_s(plan);
	int ret = -1;

	if (rl_guard_beyond(&plan, 1, g->host, g->n_host, &todo, &n) < 0 ||
	    reserve(&g->host, g->n_host, n, sizeof(*g->host)) < 0) {
		rl_err_set(err, "out of memory");
		goto out;
	}
	if (g->owner == NULL) {
		struct rl_buf b = RL_BUF_INIT;

		/* with the pid's start time and the boot id, so that the
		 * next comer on this node can tell when we are gone */
		if (rl_hostlock_owner(s->node, g->what, &b, err) < 0) {
			rl_buf_free(&b);
			goto out;
		}
		g->owner = rl_buf_detach(&b);
		if (g->owner == NULL) {
			rl_err_set(err, "out of memory");
			goto out;
		}
	}
	g->t = t;
	for (i = 0; i < n; i++) {
		const struct rl_component *c = todo[i];

		if (rl_hostlock_acquire(t, c, g->dir, g->owner, ttl,
					rl_now_ms() + s->ssh.timeout_ms +
					    c->check_timeout_ms,
					&held, err) < 0)
			goto out;
		if (!held.acquired) {
			snprintf(why, len, "host lock of %s on %s held by %s",
				 c->name, c->host_name, held.holder);
			ret = 1;
			goto out;
		}
		g->host[g->n_host++] = c;
		if (held.taken_over) {
			struct takeover *tk;

			if (rl_grow(&g->taken, &g->cap_taken, g->n_taken + 1,
				    sizeof(*g->taken)) < 0) {
				rl_err_set(err, "out of memory");
				goto out;
			}
			tk = &g->taken[g->n_taken];
			if ((tk->previous = strdup(held.previous)) == NULL) {
				rl_err_set(err, "out of memory");
				goto out;
			}
			tk->c = c;
			g->n_taken++;
		}
	}
	ret = 0;
out:
	free(todo);
	return ret;
}

int rl_guard_acquire(struct rl_guard *g, struct rl_transport *t,
		     const struct rl_plan *plan, char *why, size_t len,
		     struct rl_err *err)
{
	int r = rl_guard_lock_local(g, &plan, 1, NULL, why, len, err);

	if (r == 0)
		r = rl_guard_lock_hosts(g, t, plan, why, len, err);
	return r;
}

void rl_guard_takeovers(struct rl_guard *g, rl_guard_failed_fn *fn, void *ctx)
{
	size_t i;

	if (g == NULL)
		return;
	for (i = 0; i < g->n_taken; i++) {
		fn(ctx, g->taken[i].c, g->taken[i].previous);
		free(g->taken[i].previous);
	}
	g->n_taken = 0;
}

void rl_guard_unlock_hosts(struct rl_guard *g, rl_guard_failed_fn *failed,
			   void *ctx)
{
	size_t i;
	int cancel;

	if (g == NULL || g->n_host == 0)
		return;
	/* released even when a signal cancels the run: the transport must
	 * not cancel these commands too (each is bounded by the ssh
	 * timeout) */
	cancel = rl_transport_set_cancel(g->t, -1);
	for (i = 0; i < g->n_host; i++) {
		const struct rl_component *c = g->host[i];
		struct rl_err err = {""};

		if (rl_hostlock_release(g->t, c, g->dir, g->owner,
					rl_now_ms() + g->m->site.ssh.timeout_ms,
					&err) < 0 &&
		    failed != NULL)
			failed(ctx, c, err.msg);
	}
	rl_transport_set_cancel(g->t, cancel);
	g->n_host = 0;
}

/* Frees G; RELEASE: its local locks too (else only this process's fds). */
static void guard_free(struct rl_guard *g, bool release)
{
	size_t i;

	if (g == NULL)
		return;
	for (i = 0; i < g->n_locks; i++)
		if (release)
			rl_lock_release(g->locks[i]);
		else
			rl_lock_drop(g->locks[i]);
	for (i = 0; i < g->n_taken; i++)
		free(g->taken[i].previous);
	free(g->taken);
	free(g->locks);
	free(g->local);
	free(g->host);
	free(g->owner);
	free(g->dir);
	free(g->what);
	free(g);
}

void rl_guard_release(struct rl_guard *g, rl_guard_failed_fn *failed, void *ctx)
{
	rl_guard_unlock_hosts(g, failed, ctx);
	guard_free(g, true);
}

void rl_guard_drop(struct rl_guard *g)
{
	if (g != NULL && g->n_host > 0)
		RL_BUG("rl_guard_drop with host locks held");
	guard_free(g, false);
}

/* ---- the heal's orchestration ---------------------------------------- */

int rl_guard_find_roots(struct rl_transport *t,
			const struct rl_component *target,
			const struct rl_component ***roots, size_t *n_roots,
			char *reason, size_t len, struct rl_err *err)
{
	const struct rl_component **set = NULL;
	struct rl_check_result *chk = NULL;
	size_t n = 0, i;
	int64_t deadline = 0;
	int ret = -1;

	if (rl_guard_requirements(target, &set, &n) < 0)
		return rl_err_set(err, "out of memory");
	for (i = 0; i < n; i++)
		if (set[i]->check_timeout_ms > deadline)
			deadline = set[i]->check_timeout_ms;
	if (rl_run_checks(t, set, n, rl_now_ms() + deadline, &chk, err) < 0)
		goto out;
	if (chk[0].state == RL_STATE_OK) {
		snprintf(reason, len, "already up: %s",
			 chk[0].output ? chk[0].output : "check OK");
		ret = 1;
		goto out;
	}
	if (rl_guard_roots(set, chk, n, roots, n_roots) < 0) {
		rl_err_set(err, "out of memory");
		goto out;
	}
	ret = 0;
out:
	if (chk != NULL)
		rl_check_results_free(chk, n);
	free(set);
	return ret;
}

void rl_guard_plans_free(struct rl_plan **plans, size_t n)
{
	size_t i;

	if (plans == NULL)
		return;
	for (i = 0; i < n; i++)
		rl_plan_free(plans[i]);
	free(plans);
}

int rl_guard_escalate(struct rl_guard *g,
		      const struct rl_component *const *roots, size_t n_roots,
		      const char *what, struct rl_plan ***plans, char *reason,
		      size_t len, struct rl_err *err)
{
	const struct rl_site *s = &g->m->site;
	struct rl_plan **p;
	struct rl_hold h;
	char why[RL_ERR_MAX];
	size_t i;
	int ret = -1;

	*plans = NULL;
	p = calloc(n_roots ? n_roots : 1, sizeof(*p));
	if (p == NULL)
		return rl_err_set(err, "out of memory");
	for (i = 0; i < n_roots; i++) {
		const struct rl_component *r = roots[i];
		char held[600];

		if (r->heal == RL_HEAL_NEVER) {
			snprintf(reason, len,
				 "requires %s, which is down (heal = never "
				 "there)",
				 r->name);
			ret = 1;
			goto out;
		}
		if (rl_hold_get(s->hold_dir, r->name, &h, err) < 0)
			goto out;
		if (h.set) {
			rl_hold_describe(&h, held, sizeof(held));
			snprintf(reason, len,
				 "requires %s, which is down and %.500s",
				 r->name, held);
			ret = 1;
			goto out;
		}
		if (rl_plan_build(g->m, RL_ACTION_RESTART, r->name, &p[i],
				  err) < 0)
			goto out;
	}
	ret = rl_guard_lock_local(g, (const struct rl_plan *const *)p, n_roots,
				  what, why, sizeof(why), err);
	if (ret == 1)
		snprintf(reason, len, "in progress: %s", why);
out:
	if (ret == 0)
		*plans = p;
	else
		rl_guard_plans_free(p, n_roots);
	return ret;
}
