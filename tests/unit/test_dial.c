#include <criterion/criterion.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dial.h"
#include "rl_test.h"
#include "util.h"

TestSuite(dial, .fini = rl_test_fini);

/* A listening socket on 127.0.0.1; its port in *port. */
static int listener(int *port)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	cr_assert_geq(fd, 0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(listen(fd, 4), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

Test(dial, where)
{
	char w[64];

	rl_dial_where(w, sizeof(w), "10.1.2.3", 22);
	cr_assert_str_eq(w, "10.1.2.3:22");
	rl_dial_where(w, sizeof(w), "::1", 2222);
	cr_assert_str_eq(w, "[::1]:2222");
}

Test(dial, connects_and_waits)
{
	struct rl_dial d;
	struct rl_err err = {""};
	int port, lfd = listener(&port);
	char want[64];

	rl_dial_init(&d);
	cr_assert_eq(
	    rl_dial_start(&d, "127.0.0.1", port, rl_now_ms() + 5000, &err), 0,
	    "%s", err.msg);
	cr_assert_geq(d.fd, 0);
	cr_assert_eq(rl_dial_wait(&d, rl_now_ms() + 5000, &err), 0, "%s",
		     err.msg);
	snprintf(want, sizeof(want), "127.0.0.1:%d", port);
	cr_assert_str_eq(d.where, want);
	rl_dial_close(&d);
	cr_assert_eq(d.fd, -1);
	cr_assert_null(d.list);
	close(lfd);
}

Test(dial, refused_names_the_address)
{
	struct rl_dial d;
	struct rl_err err = {""};
	int port, lfd = listener(&port), r;
	char want[128];

	close(lfd); /* nothing listens there now */
	rl_dial_init(&d);
	r = rl_dial_start(&d, "127.0.0.1", port, rl_now_ms() + 5000, &err);
	if (r == 0)
		r = rl_dial_wait(&d, rl_now_ms() + 5000, &err);
	cr_assert_eq(r, -1);
	snprintf(want, sizeof(want),
		 "cannot connect to 127.0.0.1:%d: Connection refused", port);
	cr_assert_str_eq(err.msg, want);
	cr_assert_not_null(d.list, "resolved: the failure is the connect's");
	rl_dial_close(&d);
}

Test(dial, step_waits_for_an_event)
{
	struct rl_dial d;
	struct rl_err err = {""};
	int port, lfd = listener(&port), fd;

	rl_dial_init(&d);
	cr_assert_eq(
	    rl_dial_start(&d, "127.0.0.1", port, rl_now_ms() + 5000, &err), 0);
	fd = d.fd;
	cr_assert_eq(rl_dial_step(&d, 0, &err), 0, "no event: still going");
	cr_assert_eq(d.fd, fd);
	cr_assert(rl_dial_poll(d.fd, POLLOUT, rl_now_ms() + 5000));
	cr_assert_eq(rl_dial_step(&d, POLLOUT, &err), 1);
	rl_dial_close(&d);
	close(lfd);
}
