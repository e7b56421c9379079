#include "build.h"

#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dial.h"
#include "util.h"

void rl_dial_where(char *buf, size_t len, const char *addr, int port)
{
	snprintf(buf, len, strchr(addr, ':') ? "[%s]:%d" : "%s:%d", addr, port);
}

void rl_dial_init(struct rl_dial *d)
{
	memset(d, 0, sizeof(*d));
	d->fd = -1;
}

void rl_dial_close(struct rl_dial *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
	if (d->list)
		freeaddrinfo(d->list);
	d->list = d->ai = NULL;
}

/* Starts connecting d->ai or the addresses after it; returns 0 while
 * connecting, -1 when none is left (last_error says why). */
static int connect_next(struct rl_dial *d)
{
	int one = 1;

	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
	for (; d->ai; d->ai = d->ai->ai_next) {
		int fd = socket(d->ai->ai_family,
				SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

		if (fd < 0) {
			snprintf(d->last_error, sizeof(d->last_error), "%s",
				 strerror(errno));
			continue;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (connect(fd, d->ai->ai_addr, d->ai->ai_addrlen) == 0 ||
		    errno == EINPROGRESS) {
			d->fd = fd;
			return 0;
		}
		snprintf(d->last_error, sizeof(d->last_error), "%s",
			 strerror(errno));
		close(fd);
	}
	return -1;
}

int rl_dial_start(struct rl_dial *d, const char *addr, int port,
		  int64_t deadline_ms, struct rl_err *err)
{
	struct addrinfo hints;
	char sport[16];
	int r;

	rl_dial_close(d);
	rl_dial_where(d->where, sizeof(d->where), addr, port);
	snprintf(d->last_error, sizeof(d->last_error), "no address");
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG;
	snprintf(sport, sizeof(sport), "%d", port);
	r = getaddrinfo(addr, sport, &hints, &d->list);
	if (r) {
		d->list = NULL;
		return rl_err_set(err, "cannot resolve '%s': %s", addr,
				  gai_strerror(r));
	}
	if (rl_now_ms() >= deadline_ms) {
		rl_err_set(err, "timeout while resolving '%s'", addr);
		return -2;
	}
	d->ai = d->list;
	if (connect_next(d))
		return rl_err_set(err, "cannot connect to %s: %s", d->where,
				  d->last_error);
	return 0;
}

int rl_dial_step(struct rl_dial *d, short revents, struct rl_err *err)
{
	int soerr = 0;
	socklen_t sl = sizeof(soerr);

	if (d->fd < 0)
		RL_BUG("rl_dial_step without a connect in progress");
	if (!(revents & (POLLOUT | POLLERR | POLLHUP)))
		return 0;
	if (getsockopt(d->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
		soerr = errno;
	if (!soerr)
		return 1;
	snprintf(d->last_error, sizeof(d->last_error), "%s", strerror(soerr));
	d->ai = d->ai->ai_next;
	if (connect_next(d))
		return rl_err_set(err, "cannot connect to %s: %s", d->where,
				  d->last_error);
	return 0;
}

int rl_dial_poll(int fd, short events, int64_t deadline_ms)
{
	struct pollfd p = {.fd = fd, .events = events};
	int64_t left;
	int r;

	for (;;) {
		left = deadline_ms - rl_now_ms();
		if (left <= 0)
			return 0;
		r = poll(&p, 1, left > INT_MAX ? INT_MAX : (int)left);
		if (r > 0)
			return 1;
		if (r < 0 && errno != EINTR)
			return 1;
	}
}

int rl_dial_wait(struct rl_dial *d, int64_t deadline_ms, struct rl_err *err)
{
	int r;

	for (;;) {
		if (!rl_dial_poll(d->fd, POLLOUT, deadline_ms)) {
			rl_err_set(err, "timeout while connecting to %s",
				   d->where);
			return -2;
		}
		r = rl_dial_step(d, POLLOUT, err);
		if (r)
			return r < 0 ? -1 : 0;
	}
}
