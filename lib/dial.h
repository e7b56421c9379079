/*
 * dial - a non-blocking TCP connect to a host, trying its addresses one
 * after another: the one connect path of the ssh backend (stepped by the
 * transport's event loop) and of the host-key probe (which waits).
 *
 * A leaf: depends on err and util only; knows nothing of SSH.
 */
#ifndef RL_DIAL_H
#define RL_DIAL_H

#include <stdint.h>

#include "err.h"

struct addrinfo;

/* Plain struct: rl_dial_init() it, read fd and where; rl_dial_close()
 * releases what it holds. */
struct rl_dial {
	struct addrinfo *list; /* owned; NULL until resolved */
	struct addrinfo *ai;   /* the address being tried */
	int fd;		       /* owned; -1 when none */
	char where[280];       /* "ADDR:PORT", "[ADDR]:PORT" for IPv6 */
	char last_error[160];  /* why the last address failed */
};

/* Writes "ADDR:PORT" (IPv6: "[ADDR]:PORT") into buf. */
void rl_dial_where(char *buf, size_t len, const char *addr, int port);

void rl_dial_init(struct rl_dial *d);

/*
 * Resolves ADDR (getaddrinfo: blocks for as long as the resolver does) and
 * starts a non-blocking connect to its first address that takes one
 * (TCP_NODELAY, close-on-exec). Returns 0 while connecting (wait for
 * POLLOUT on d->fd, then call rl_dial_step), -1 with err set ("cannot
 * resolve 'ADDR': ...", "cannot connect to ADDR:PORT: ..."; d->list is
 * NULL when resolving failed), or -2 with err set when DEADLINE_MS
 * (rl_now_ms() clock) passed while resolving.
 */
int rl_dial_start(struct rl_dial *d, const char *addr, int port,
		  int64_t deadline_ms, struct rl_err *err);

/*
 * Call once d->fd reported REVENTS (POLLOUT, POLLERR or POLLHUP). Returns
 * 1 when connected (d->fd is the socket, still owned by d), 0 when that
 * address failed and the next one is being tried (d->fd changed), -1 with
 * err set ("cannot connect to ADDR:PORT: Connection refused") when no
 * address is left. Never blocks.
 */
int rl_dial_step(struct rl_dial *d, short revents, struct rl_err *err);

/*
 * Finishes a started connect, waiting until DEADLINE_MS at most. Returns
 * 0 connected, -1 with err set as rl_dial_step, -2 with err set
 * ("timeout while connecting to ADDR:PORT") at the deadline.
 */
int rl_dial_wait(struct rl_dial *d, int64_t deadline_ms, struct rl_err *err);

/* Waits until FD has one of EVENTS or DEADLINE_MS passed. Returns 1 ready
 * (or poll failed: the caller's next call on the fd reports it), 0 at the
 * deadline. */
int rl_dial_poll(int fd, short events, int64_t deadline_ms);

/* Closes the socket and frees the addresses; d can be started again. */
void rl_dial_close(struct rl_dial *d);

#endif
