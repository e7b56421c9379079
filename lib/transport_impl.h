/*
 * transport_impl - the backend interface: what transport.c and its
 * backends (transport_local.c, transport_ssh.c) share. Not for other
 * modules.
 *
 * transport.c owns the event loop: it hands each backend its commands,
 * collects the fds each backend wants to wait on, polls them with the
 * nearest deadline, and lets each backend step. A backend never blocks.
 *
 * Dependencies point one way:
 *
 *   transport.c ---------> backends (only their constructors, below)
 *        |                    |
 *        +--> this header <---+   (the helpers it declares live in
 *                                  transport_cmd.c, which knows neither)
 *
 * A backend includes this header and never transport.c's internals; it
 * declares nothing transport.c calls but its constructor.
 */
#ifndef RL_TRANSPORT_IMPL_H
#define RL_TRANSPORT_IMPL_H

#include <poll.h>

#include "transport.h"
#include "util.h"

/* A growable pollfd array shared by the backends during one loop turn. */
struct rl_pollset {
	struct pollfd *fds;
	size_t n;
	size_t cap;
};

/* Adds fd (transport_cmd.c); returns its index in ps->fds, or -1 on
 * allocation failure. */
int rl_pollset_add(struct rl_pollset *ps, int fd, short events);

struct rl_backend;

struct rl_backend_ops {
	/* Takes these commands (all for this backend's hosts) and starts what
	 * it can without blocking. Returns 0, or -1 (no memory) with err. */
	int (*start)(struct rl_backend *b, struct rl_cmd **cmds, size_t n,
		     int64_t deadline_ms, struct rl_err *err);
	/* Adds the fds it waits on; lowers *wake_ms to the earliest time it
	 * must be stepped again even without fd activity. Returns -1 on OOM. */
	int (*pollfds)(struct rl_backend *b, struct rl_pollset *ps,
		       int64_t *wake_ms);
	/* Does all the work possible without blocking (ps holds revents of
	 * this turn). Returns how many of its commands are unfinished. */
	size_t (*step)(struct rl_backend *b, const struct rl_pollset *ps,
		       int64_t now_ms);
	/* The batch deadline passed: every unfinished command becomes
	 * RL_CMD_TIMEOUT; release what cannot be reused. Never blocks. */
	void (*expire)(struct rl_backend *b, int64_t now_ms);
	/* Frees everything, closing connections without a graceful close. */
	void (*free)(struct rl_backend *b);
};

struct rl_backend {
	const struct rl_backend_ops *ops;
};

/* The constructors, one per host kind (transport.c's backend table). Each
 * returns NULL with err set; the backend is freed through its ops. */
struct rl_backend *rl_backend_local_new(const struct rl_model *m,
					struct rl_err *err);
struct rl_backend *rl_backend_ssh_new(const struct rl_model *m,
				      struct rl_err *err);

/* Helpers for backends (transport_cmd.c): fill a command's result fields.
 * rl_cmd_fail sets RL_CMD_FAILED at STAGE and error to "host 'H':
 * MESSAGE". */
void rl_cmd_fail(struct rl_cmd *c, enum rl_cmd_stage stage, const char *fmt,
		 ...) __attribute__((format(printf, 3, 4)));
/* Marks a command RL_CMD_TIMEOUT at STAGE after DURATION_US, with an error
 * line "host 'H': timed out after 2.0s while running the command". */
void rl_cmd_timeout(struct rl_cmd *c, enum rl_cmd_stage stage,
		    int64_t duration_us);
/* Appends output to c->out (stream 1) / c->err (stream 2), bounded by
 * RL_CMD_OUTPUT_MAX: beyond it the data is dropped and out_cut/err_cut set.
 * Keep reading and passing the rest, so that the command never blocks. */
void rl_cmd_take_output(struct rl_cmd *c, int stream, const char *data,
			size_t n);

#endif
