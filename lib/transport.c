/*
 * transport - the event loop that runs a batch on every backend at once.
 *
 * It knows a backend only by its row in the table below (a constructor,
 * declared in transport_impl.h) and its ops; the backends know only
 * transport_impl.h, whose helpers live in transport_cmd.c. So the
 * dependencies point one way: transport.c -> backends -> transport_cmd.c.
 */
#include "build.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "transport.h"
#include "transport_impl.h"
#include "util.h"

/* The backend table, in the order a batch starts them: local commands
 * run while ssh sessions connect. */
static const struct {
	enum rl_transport_kind kind;
	struct rl_backend *(*create)(const struct rl_model *m,
				     struct rl_err *err);
	enum rl_cmd_stage fail_stage; /* where a command fails when the
					 backend cannot be created */
} backends[] = {
    {RL_TRANSPORT_LOCAL, rl_backend_local_new, RL_STAGE_EXEC},
    {RL_TRANSPORT_SSH, rl_backend_ssh_new, RL_STAGE_CONNECT},
};
#define NPARTS (sizeof(backends) / sizeof(backends[0]))

struct rl_transport {
	const struct rl_model *model; /* borrowed; may be NULL */
	struct rl_backend *b[NPARTS]; /* each created on first use: a
					 local-only program never starts
					 libssh2 */
	int cancel_fd;		      /* borrowed; -1: none */
};

struct rl_transport *rl_transport_new(const struct rl_model *m,
				      struct rl_err *err)
{
	struct rl_transport *t = calloc(1, sizeof(*t));

	if (t == NULL) {
		rl_err_set(err, "out of memory");
		return NULL;
	}
	t->model = m;
	t->cancel_fd = -1;
	return t;
}

int rl_transport_set_cancel(struct rl_transport *t, int fd)
{
	int old = t->cancel_fd;

	t->cancel_fd = fd;
	return old;
}

/* Waits at most TIMEOUT ms for the cancel fd; true when it is readable. */
static bool cancel_wait(int fd, int timeout)
{
	struct pollfd p = {fd, POLLIN, 0};
	int r;

	if (fd < 0)
		return false;
	do
		r = poll(&p, 1, timeout);
	while (r < 0 && errno == EINTR && timeout == 0);
	return r > 0 && (p.revents & (POLLIN | POLLHUP | POLLERR)) != 0;
}

bool rl_transport_interrupted(const struct rl_transport *t)
{
	return cancel_wait(t->cancel_fd, 0);
}

bool rl_transport_sleep(const struct rl_transport *t, int64_t until_ms)
{
	int64_t now;

	while ((now = rl_now_ms()) < until_ms) {
		int64_t d = until_ms - now;

		if (t->cancel_fd < 0)
			poll(NULL, 0, d > 60000 ? 60000 : (int)d);
		else if (cancel_wait(t->cancel_fd, d > 60000 ? 60000 : (int)d))
			return true;
	}
	return rl_transport_interrupted(t);
}

void rl_transport_free(struct rl_transport *t)
{
	size_t k;

	if (t == NULL)
		return;
	for (k = 0; k < NPARTS; k++)
		if (t->b[k] != NULL)
			t->b[k]->ops->free(t->b[k]);
	free(t);
}

/* ---------------------------------------------------------------------- */
/* the event loop */

struct batch_part {
	struct rl_backend *b;
	struct rl_cmd **cmds;
	size_t n;
	bool started;
};

static struct rl_backend *get_backend(struct rl_transport *t, size_t k,
				      struct rl_err *err)
{
	if (t->b[k] == NULL)
		t->b[k] = backends[k].create(t->model, err);
	return t->b[k];
}

/* The row of the table that runs commands for hosts of KIND. */
static size_t part_of(enum rl_transport_kind kind)
{
	size_t k;

	for (k = 0; k < NPARTS; k++)
		if (backends[k].kind == kind)
			return k;
	RL_BUG("no backend for transport kind %d", (int)kind);
}

static int poll_timeout(int64_t wake_ms, int64_t now_ms)
{
	int64_t d = wake_ms - now_ms;

	if (d < 0)
		return 0;
	if (d > 60000)
		return 60000;
	return (int)d;
}

int rl_transport_run(struct rl_transport *t, struct rl_cmd *cmds, size_t n,
		     int64_t deadline_ms, struct rl_err *err)
{
	struct batch_part parts[NPARTS];
	struct rl_pollset ps = {NULL, 0, 0};
	struct rl_err berr;
	bool failed = false, interrupted = false;
	bool *running = NULL; /* at an interruption: still without result */
	int cancel_idx;
	size_t i, k;
	int r = -1;

	memset(parts, 0, sizeof(parts));
	for (i = 0; i < n; i++)
		rl_cmd_clear(&cmds[i]);
	for (k = 0; k < NPARTS; k++) {
		parts[k].cmds = calloc(n ? n : 1, sizeof(*parts[k].cmds));
		if (parts[k].cmds == NULL) {
			rl_err_set(err, "out of memory");
			goto out;
		}
	}

	if (rl_transport_interrupted(t)) {
		/* told to stop before it began: nothing is started */
		for (i = 0; i < n; i++)
			rl_cmd_fail(&cmds[i], RL_STAGE_RESOLVE, "interrupted");
		r = RL_TRANSPORT_INTERRUPTED;
		goto finish;
	}
	for (i = 0; i < n; i++) {
		struct rl_cmd *c = &cmds[i];

		if (c->host == NULL) {
			rl_cmd_fail(c, RL_STAGE_RESOLVE, "command has no host");
			continue;
		}
		if (c->command == NULL) {
			rl_cmd_fail(c, RL_STAGE_EXEC, "no command to run");
			continue;
		}
		k = part_of(c->host->transport);
		parts[k].cmds[parts[k].n++] = c;
	}

	for (k = 0; k < NPARTS; k++) {
		if (parts[k].n == 0)
			continue;
		rl_err_clear(&berr);
		parts[k].b = get_backend(t, k, &berr);
		if (parts[k].b == NULL) {
			/* the backend cannot exist: each command says why */
			for (i = 0; i < parts[k].n; i++)
				rl_cmd_fail(parts[k].cmds[i],
					    backends[k].fail_stage, "%s",
					    berr.msg);
			continue;
		}
		if (parts[k].b->ops->start(parts[k].b, parts[k].cmds,
					   parts[k].n, deadline_ms, err) < 0) {
			failed = true;
			goto expire;
		}
		parts[k].started = true;
	}

	for (;;) {
		int64_t now = rl_now_ms(), wake = deadline_ms;
		size_t unfinished = 0;
		int pr;

		for (k = 0; k < NPARTS; k++)
			if (parts[k].started)
				unfinished +=
				    parts[k].b->ops->step(parts[k].b, &ps, now);
		if (unfinished == 0)
			break;
		if (now >= deadline_ms)
			goto expire;

		ps.n = 0;
		for (k = 0; k < NPARTS; k++) {
			if (!parts[k].started)
				continue;
			if (parts[k].b->ops->pollfds(parts[k].b, &ps, &wake) <
			    0) {
				rl_err_set(err, "out of memory");
				failed = true;
				goto expire;
			}
		}
		cancel_idx = -1;
		if (t->cancel_fd >= 0) {
			cancel_idx = rl_pollset_add(&ps, t->cancel_fd, POLLIN);
			if (cancel_idx < 0) {
				rl_err_set(err, "out of memory");
				failed = true;
				goto expire;
			}
		}
		if (wake > deadline_ms)
			wake = deadline_ms;
		pr = poll(ps.fds, ps.n, poll_timeout(wake, rl_now_ms()));
		if (pr < 0) {
			/* EINTR (or worse): no fd is known ready this turn */
			for (i = 0; i < ps.n; i++)
				ps.fds[i].revents = 0;
			if (errno != EINTR && errno != EAGAIN) {
				rl_err_set(err, "cannot wait for commands: %s",
					   strerror(errno));
				failed = true;
				goto expire;
			}
		}
		if (pr > 0 && cancel_idx >= 0 && ps.fds[cancel_idx].revents) {
			interrupted = true;
			goto expire;
		}
	}
	r = 0;
	goto finish;

expire:
	if (interrupted) {
		/* which commands the interruption cut: expire marks them
		 * timed out, they were not */
		running = calloc(n ? n : 1, sizeof(*running));
		for (i = 0; running != NULL && i < n; i++)
			running[i] = cmds[i].status == RL_CMD_PENDING;
	}
	/* the deadline passed, or the batch cannot go on: nothing may run on */
	for (k = 0; k < NPARTS; k++)
		if (parts[k].started)
			parts[k].b->ops->expire(parts[k].b, rl_now_ms());
	if (failed)
		goto out; /* r stays -1 */
	r = 0;
	if (interrupted) {
		for (i = 0; i < n; i++)
			if (running == NULL || running[i])
				if (cmds[i].status == RL_CMD_TIMEOUT ||
				    cmds[i].status == RL_CMD_PENDING)
					rl_cmd_fail(&cmds[i], cmds[i].stage,
						    "interrupted");
		r = RL_TRANSPORT_INTERRUPTED;
	}

finish:
	/* callers may print out and err: never leave them NULL */
	for (i = 0; i < n; i++) {
		if (cmds[i].out == NULL)
			cmds[i].out = calloc(1, 1);
		if (cmds[i].err == NULL)
			cmds[i].err = calloc(1, 1);
		if (cmds[i].out == NULL || cmds[i].err == NULL) {
			rl_err_set(err, "out of memory");
			r = -1;
		}
	}
out:
	free(running);
	for (k = 0; k < NPARTS; k++)
		free(parts[k].cmds);
	free(ps.fds);
	return r;
}
