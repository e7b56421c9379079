/*
 * bench/delaylink - a point-to-point link with a fixed delay between two
 * network namespaces, for bench/plugins.sh's WAN mode (the kernel here has
 * no sch_netem). Not installed, not a test.
 *
 *   delaylink RTT_MS NETNS_A IFNAME_A NETNS_B IFNAME_B
 *
 * Creates a TUN device IFNAME_A in the namespace /run/netns/NETNS_A and
 * IFNAME_B in /run/netns/NETNS_B (the caller gives them addresses and
 * brings them up with `ip -n`), prints "ready" on stdout, then forwards
 * every packet read from one device to the other RTT_MS / 2 later (a
 * queue per direction: the delay is the same for all, so the order is
 * kept). Runs until SIGTERM or SIGINT; the devices vanish with it.
 * RTT_MS may have a fraction (0.5).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define MAX_PACKET 65536
#define MAX_QUEUED 100000 /* per direction; beyond it packets are lost */

struct packet {
	struct packet *next;
	int64_t due_us;
	size_t len;
	unsigned char data[];
};

struct queue {
	struct packet *head, *tail;
	size_t n;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void die(const char *what, const char *arg)
{
	fprintf(stderr, "delaylink: %s %s: %s\n", what, arg, strerror(errno));
	exit(1);
}

/* A TUN device named NAME in the network namespace NETNS. */
static int tun_in(const char *netns, const char *name, int home)
{
	char path[256];
	struct ifreq ifr;
	int ns, fd;

	snprintf(path, sizeof(path), "/run/netns/%s", netns);
	if ((ns = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		die("cannot open", path);
	if (setns(ns, CLONE_NEWNET) < 0)
		die("cannot enter", path);
	close(ns);
	if ((fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK)) < 0)
		die("cannot open", "/dev/net/tun");
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0)
		die("cannot create TUN device", name);
	if (setns(home, CLONE_NEWNET) < 0)
		die("cannot return to", "the first namespace");
	return fd;
}

/* Reads every packet waiting on FD into Q, due DELAY_US from now. */
static void take(int fd, struct queue *q, int64_t delay_us)
{
	static unsigned char buf[MAX_PACKET];

	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		struct packet *p;

		if (n <= 0)
			return;
		if (q->n >= MAX_QUEUED)
			continue;
		if (!(p = malloc(sizeof(*p) + (size_t)n)))
			continue;
		p->next = NULL;
		p->due_us = now_us() + delay_us;
		p->len = (size_t)n;
		memcpy(p->data, buf, (size_t)n);
		if (q->tail)
			q->tail->next = p;
		else
			q->head = p;
		q->tail = p;
		q->n++;
	}
}

/* Writes the packets of Q that are due to FD; returns the next due time
 * (INT64_MAX: none). A full device drops the packet, as a wire would. */
static int64_t give(int fd, struct queue *q, int64_t now)
{
	while (q->head && q->head->due_us <= now) {
		struct packet *p = q->head;

		if (write(fd, p->data, p->len) < 0 && errno == EINTR)
			continue;
		q->head = p->next;
		if (!q->head)
			q->tail = NULL;
		q->n--;
		free(p);
	}
	return q->head ? q->head->due_us : INT64_MAX;
}

int main(int argc, char **argv)
{
	struct queue ab = {NULL, NULL, 0}, ba = {NULL, NULL, 0};
	struct sigaction sa;
	int64_t delay_us;
	char *end;
	double rtt;
	int home, fa, fb;

	if (argc != 6) {
		fprintf(stderr, "usage: delaylink RTT_MS NETNS_A IFNAME_A "
				"NETNS_B IFNAME_B\n");
		return 2;
	}
	rtt = strtod(argv[1], &end);
	if (*end || end == argv[1] || rtt < 0 || rtt > 10000) {
		fprintf(stderr, "delaylink: bad RTT '%s' (ms, 0..10000)\n",
			argv[1]);
		return 2;
	}
	delay_us = (int64_t)(rtt * 500.0);
	if ((home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC)) < 0)
		die("cannot open", "/proc/self/ns/net");
	fa = tun_in(argv[2], argv[3], home);
	fb = tun_in(argv[4], argv[5], home);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	printf("ready\n");
	fflush(stdout);

	while (!stop) {
		struct pollfd p[2] = {{fa, POLLIN, 0}, {fb, POLLIN, 0}};
		int64_t now = now_us(), next, t;
		struct timespec ts, *timeout = NULL;

		next = give(fb, &ab, now);
		t = give(fa, &ba, now);
		if (t < next)
			next = t;
		if (next != INT64_MAX) {
			ts.tv_sec = (next - now) / 1000000;
			ts.tv_nsec = (long)((next - now) % 1000000) * 1000;
			timeout = &ts;
		}
		if (ppoll(p, 2, timeout, NULL) < 0 && errno != EINTR)
			die("poll", "failed");
		if (p[0].revents & POLLIN)
			take(fa, &ab, delay_us);
		if (p[1].revents & POLLIN)
			take(fb, &ba, delay_us);
	}
	return 0;
}
