/*
 * bench/floor - the protocol floor: the least an SSH check can cost. A
 * bare libssh2 client, blocking, one thread per host, each doing what any
 * SSH check must do and nothing more: TCP connect (TCP_NODELAY), key
 * exchange, the host key checked against known_hosts, public key
 * authentication, one exec, its output read and dropped, its exit status.
 * Not installed, not a test: bench/plugins.sh times it beside the plugins.
 *
 *   floor -k KNOWN_HOSTS -u USER -i KEY ADDR:PORT COMMAND [ADDR:PORT
 * COMMAND]...
 *
 * The hosts run in parallel. Exits 0 when every command exited 0, else
 * prints one line per failure on stderr and exits 1.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libssh2.h>

struct job {
	const char *kh, *user, *key;
	char addr[64];
	int port;
	const char *command;
	int status; /* the command's exit status; -1: failed before */
	char error[512];
};

/* TCP_QUICKACK re-armed after every receive, as relance's backend does:
 * Linux's delayed ACK would otherwise hold our acknowledgements up to
 * 40 ms, which is the TCP stack's cost, not the protocol's. */
static LIBSSH2_RECV_FUNC(quick_recv)
{
	ssize_t r = recv(socket, buffer, length, flags);
	int one = 1;

	(void)abstract;
	if (r < 0)
		return -errno;
	setsockopt(socket, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
	return r;
}

static int fail(struct job *j, LIBSSH2_SESSION *s, const char *what)
{
	char *msg = NULL;

	if (s)
		libssh2_session_last_error(s, &msg, NULL, 0);
	snprintf(j->error, sizeof(j->error), "%s:%d: %s%s%.200s", j->addr,
		 j->port, what, msg ? ": " : "", msg ? msg : "");
	return -1;
}

static int hostkey_ok(struct job *j, LIBSSH2_SESSION *s)
{
	LIBSSH2_KNOWNHOSTS *kh = libssh2_knownhost_init(s);
	struct libssh2_knownhost *found = NULL;
	const char *key;
	size_t len;
	int type, r;

	if (!kh || libssh2_knownhost_readfile(
		       kh, j->kh, LIBSSH2_KNOWNHOST_FILE_OPENSSH) < 0)
		return fail(j, s, "cannot read known_hosts");
	key = libssh2_session_hostkey(s, &len, &type);
	r = key ? libssh2_knownhost_checkp(kh, j->addr, j->port, key, len,
					   LIBSSH2_KNOWNHOST_TYPE_PLAIN |
					       LIBSSH2_KNOWNHOST_KEYENC_RAW,
					   &found)
		: LIBSSH2_KNOWNHOST_CHECK_FAILURE;
	libssh2_knownhost_free(kh);
	if (r != LIBSSH2_KNOWNHOST_CHECK_MATCH)
		return fail(j, NULL, "host key not in known_hosts");
	return 0;
}

static int run(struct job *j)
{
	struct sockaddr_in sa;
	LIBSSH2_SESSION *s = NULL;
	LIBSSH2_CHANNEL *ch = NULL;
	char buf[16384];
	int fd, one = 1, r = -1;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)j->port);
	if (inet_pton(AF_INET, j->addr, &sa.sin_addr) != 1)
		return fail(j, NULL, "not an IPv4 address");
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return fail(j, NULL, "socket");
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fail(j, NULL, "cannot connect");
		goto out;
	}
	if (!(s = libssh2_session_init())) {
		fail(j, NULL, "libssh2_session_init");
		goto out;
	}
	libssh2_session_callback_set(s, LIBSSH2_CALLBACK_RECV,
				     (void *)quick_recv);
	/* known_hosts holds the ed25519 key (tests/sshd.sh) */
	libssh2_session_method_pref(s, LIBSSH2_METHOD_HOSTKEY,
				    "ssh-ed25519,ecdsa-sha2-nistp256,rsa-sha2-"
				    "256,ssh-rsa");
	if (libssh2_session_handshake(s, fd)) {
		fail(j, s, "handshake");
		goto out;
	}
	if (hostkey_ok(j, s))
		goto out;
	if (libssh2_userauth_publickey_fromfile(s, j->user, NULL, j->key,
						NULL)) {
		fail(j, s, "authentication");
		goto out;
	}
	if (!(ch = libssh2_channel_open_session(s))) {
		fail(j, s, "channel");
		goto out;
	}
	if (libssh2_channel_exec(ch, j->command)) {
		fail(j, s, "exec");
		goto out;
	}
	while (libssh2_channel_read(ch, buf, sizeof(buf)) > 0 ||
	       libssh2_channel_read_stderr(ch, buf, sizeof(buf)) > 0 ||
	       !libssh2_channel_eof(ch))
		;
	libssh2_channel_close(ch);
	libssh2_channel_wait_closed(ch);
	j->status = libssh2_channel_get_exit_status(ch);
	r = 0;
out:
	if (ch)
		libssh2_channel_free(ch);
	if (s) {
		libssh2_session_disconnect(s, "bye");
		libssh2_session_free(s);
	}
	close(fd);
	return r;
}

static void *thread(void *arg)
{
	run(arg);
	return NULL;
}

int main(int argc, char **argv)
{
	const char *kh = NULL, *user = NULL, *key = NULL;
	struct job *jobs;
	pthread_t *th;
	int opt, n, i, bad = 0;

	while ((opt = getopt(argc, argv, "k:u:i:")) != -1) {
		switch (opt) {
		case 'k':
			kh = optarg;
			break;
		case 'u':
			user = optarg;
			break;
		case 'i':
			key = optarg;
			break;
		default:
			goto usage;
		}
	}
	n = (argc - optind) / 2;
	if (!kh || !user || !key || n < 1 || (argc - optind) % 2)
		goto usage;
	jobs = calloc((size_t)n, sizeof(*jobs));
	th = calloc((size_t)n, sizeof(*th));
	if (!jobs || !th || libssh2_init(0))
		return 1;
	for (i = 0; i < n; i++) {
		struct job *j = &jobs[i];
		const char *hp = argv[optind + 2 * i];
		const char *colon = strrchr(hp, ':');

		if (!colon || (size_t)(colon - hp) >= sizeof(j->addr))
			goto usage;
		memcpy(j->addr, hp, (size_t)(colon - hp));
		j->port = atoi(colon + 1);
		j->command = argv[optind + 2 * i + 1];
		j->kh = kh;
		j->user = user;
		j->key = key;
		j->status = -1;
	}
	if (n == 1)
		run(&jobs[0]);
	else {
		for (i = 0; i < n; i++)
			if (pthread_create(&th[i], NULL, thread, &jobs[i]))
				return 1;
		for (i = 0; i < n; i++)
			pthread_join(th[i], NULL);
	}
	for (i = 0; i < n; i++) {
		if (jobs[i].status == 0)
			continue;
		bad = 1;
		if (jobs[i].status > 0)
			fprintf(stderr, "floor: %s:%d: exit %d\n", jobs[i].addr,
				jobs[i].port, jobs[i].status);
		else
			fprintf(stderr, "floor: %s\n", jobs[i].error);
	}
	libssh2_exit();
	free(jobs);
	free(th);
	return bad;
usage:
	fprintf(stderr, "usage: floor -k KNOWN_HOSTS -u USER -i KEY "
			"ADDR:PORT COMMAND [ADDR:PORT COMMAND]...\n");
	return 2;
}
