/*
 * transport_ssh - the `ssh` backend: libssh2 1.10 in non-blocking mode.
 *
 * One session per host, kept for the life of the backend and reused by
 * every batch. A connection goes IDLE -> WAIT (for a handshake slot) ->
 * CONNECT (the non-blocking connect of dial.h) -> HANDSHAKE (then the
 * host key is checked against known_hosts by ssh_hostkey.h, before any
 * authentication) -> AUTH -> READY, where commands run on channels, at
 * most max_channels at once; each command's exec line comes from shell.h.
 *
 * The facts this relies on are in RECIPES.md ("libssh2 1.10 against
 * OpenSSH 9.2"): every channel is run until a whole pass makes no
 * progress before we let the loop poll; a call that returned EAGAIN in
 * the middle of a send is repeated before any other call on its session;
 * only one channel open is in flight per session; a refused open (-21) is
 * retried after one of the session's channels finished; on a deadline the
 * socket is dropped and the session freed without a goodbye.
 */
#include "build.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libssh2.h>

#include "base64.h"
#include "dial.h"
#include "shell.h"
#include "ssh_hostkey.h"
#include "transport_impl.h"
#include "transport_ssh.h"

#define DEFAULT_TIMEOUT_MS 5000
#define DEFAULT_MAX_CHANNELS 8
#define DEFAULT_MAX_HANDSHAKES 8
/* After a refused channel open, wait this long past a channel's end. */
#define REOPEN_DELAY_MS 5
/* ... or this long when the session had no channel to wait for. */
#define REOPEN_IDLE_MS 20
#define STREAM_OUT 1
#define STREAM_ERR 2
/* One remote command runs at most this many checks ... */
#define BATCH_MAX 64
/* ... and its exec request stays under libssh2's packet limit (35000) */
#define BATCH_LINE_MAX 30000
/* The batch shell's own stderr kept, to say why a batch failed */
#define BATCH_ERR_KEPT 512

enum conn_state {
	C_IDLE = 0, /* no session */
	C_WAIT,	    /* has work, waits for a handshake slot */
	C_CONNECT,
	C_HANDSHAKE,
	C_AUTH,
	C_READY,
};

enum chan_state {
	CH_OPEN = 0, /* libssh2_channel_open_session in flight */
	CH_EXEC,
	CH_READ,
	CH_CLOSE,
	CH_WAITCLOSE,
	CH_FREE,
};

/* What one call on a channel did. */
enum { NO_PROGRESS = 0, PROGRESS, BLOCKED_SEND, SESSION_LOST };

struct chan {
	struct rl_cmd *cmd; /* NULL once the command has its result
			       (the channel is still being closed) */
	LIBSSH2_CHANNEL *ch;
	enum chan_state st;
	char *line; /* the composed exec request */
	int64_t start_us;
	int64_t deadline_ms; /* the command's own timeout */
	int64_t remote_ms;   /* the remote `timeout` it runs under; 0: none */

	/* A batch (issue 17): the checks of one remote command. cmd is NULL
	 * for a batch; batch[j] becomes NULL once check j has its result. */
	struct rl_cmd **batch;
	int64_t *bdeadline; /* each check's own deadline (ms) */
	int64_t *bremote;   /* each check's remote timeout (ms); 0: none */
	size_t nb;
	struct rl_batch_parser bp;
	struct rl_buf berr; /* the batch shell's own stderr, its start */
	char bwhy[160];	    /* why the batch failed, when it did */
};

struct ssh_backend;

struct conn {
	struct ssh_backend *b;
	const struct rl_host *host;
	enum conn_state st;
	struct rl_dial dial; /* the socket: dial.fd */
	bool dead;	     /* I/O callbacks refuse: freeing, no goodbye */
	LIBSSH2_SESSION *s;
	LIBSSH2_KNOWNHOSTS *kh;
	LIBSSH2_AGENT *agent;
	struct libssh2_agent_publickey *agent_key;
	char *pass;	     /* key passphrase during AUTH; zeroed */
	int64_t deadline_ms; /* connect + handshake + auth */
	int64_t began_us;    /* this batch's start, for durations */
	char where[280];     /* "ADDR:PORT" for messages */
	char user[256];
	struct rl_ssh_hostkey_skipped kh_skipped; /* unparsable lines */

	struct rl_cmd **queue; /* commands without a channel yet */
	size_t qhead, nq, capq;
	struct chan **chans;
	size_t nch, capch;
	struct chan *blocked; /* repeat its call first (partial send) */
	bool refused;	      /* an open was refused: wait for retry_at */
	int64_t retry_at;     /* INT64_MAX: until a channel finishes */
	bool reused;	      /* READY before this batch */
	bool batch_started;   /* a command of this batch was exec'd */
	bool nobatch;	      /* a remote batch failed here: from then on
				 every command gets a channel of its own */
	char batch_why[160];  /* why */
};

struct ssh_backend {
	struct rl_backend base;
	const struct rl_ssh_settings *set; /* the model's, or all defaults */
	struct conn **conns;
	size_t nconns, capconns;
	int64_t deadline_ms;
	int max_channels, max_handshakes;
	int64_t timeout_ms;
	bool lib_init;
};

/* ---- the private key's type (transport_ssh.h) ------------------------ */

/* Reads the string at *p (uint32 length, then bytes) of an SSH blob. */
static int blob_string(const unsigned char **p, const unsigned char *end,
		       const unsigned char **s, size_t *n)
{
	size_t len;

	if (end - *p < 4)
		return -1;
	len = ((size_t)(*p)[0] << 24) | ((size_t)(*p)[1] << 16) |
	      ((size_t)(*p)[2] << 8) | (*p)[3];
	*p += 4;
	if ((size_t)(end - *p) < len)
		return -1;
	*s = *p;
	*n = len;
	*p += len;
	return 0;
}

static int openssh_key_type(char *body, size_t n, char *type, size_t len)
{
	static const char magic[] = "openssh-key-v1"; /* with its NUL */
	size_t dn = rl_base64_decode(body, n), sn;
	const unsigned char *p = (const unsigned char *)body;
	const unsigned char *end = p + dn, *s, *pub, *pend;

	if (dn < sizeof(magic) || memcmp(p, magic, sizeof(magic)))
		return -1;
	p += sizeof(magic);
	if (blob_string(&p, end, &s, &sn) || /* cipher */
	    blob_string(&p, end, &s, &sn) || /* kdf */
	    blob_string(&p, end, &s, &sn) || /* kdf options */
	    end - p < 4)
		return -1;
	p += 4; /* number of keys */
	if (blob_string(&p, end, &pub, &sn))
		return -1;
	pend = pub + sn;
	if (blob_string(&pub, pend, &s, &sn) || sn == 0 || sn >= len)
		return -1;
	memcpy(type, s, sn);
	type[sn] = '\0';
	return 0;
}

int rl_ssh_key_type(const char *path, char *type, size_t len,
		    struct rl_err *err)
{
	static const struct {
		const char *header, *type;
	} pem[] = {
	    {"-----BEGIN RSA PRIVATE KEY-----", "ssh-rsa"},
	    {"-----BEGIN EC PRIVATE KEY-----", "ecdsa-sha2"},
	    {"-----BEGIN DSA PRIVATE KEY-----", "ssh-dss"},
	};
	static const char oh[] = "-----BEGIN OPENSSH PRIVATE KEY-----";
	char *text = NULL, *body, *stop;
	size_t n = 0, i;
	int r = -1;
	FILE *f;

	if (!(f = fopen(path, "re")))
		return rl_err_set(err, "cannot open identity '%s': %s", path,
				  strerror(errno));
	if (!(text = malloc(65537))) {
		r = rl_err_set(err, "out of memory");
		goto out;
	}
	n = fread(text, 1, 65536, f);
	text[n] = '\0';
	for (i = 0; i < sizeof(pem) / sizeof(pem[0]); i++) {
		if (strstr(text, pem[i].header)) {
			snprintf(type, len, "%s", pem[i].type);
			r = 0;
			goto out;
		}
	}
	if ((body = strstr(text, oh))) {
		body += sizeof(oh) - 1;
		stop = strstr(body, "-----END");
		if (stop &&
		    !openssh_key_type(body, (size_t)(stop - body), type, len)) {
			r = 0;
			goto out;
		}
	}
	r = rl_err_set(err, "identity '%s': unknown private key format", path);
out:
	if (text) {
		memset(text, 0, n);
		free(text);
	}
	fclose(f);
	return r;
}

/* ---- small helpers ---------------------------------------------------- */

static int64_t min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

static enum rl_cmd_stage conn_stage(const struct conn *c)
{
	switch (c->st) {
	case C_IDLE:
	case C_WAIT:
		return c->dial.list ? RL_STAGE_CONNECT : RL_STAGE_RESOLVE;
	case C_CONNECT:
		return RL_STAGE_CONNECT;
	case C_HANDSHAKE:
		return RL_STAGE_HANDSHAKE;
	case C_AUTH:
		return RL_STAGE_AUTH;
	case C_READY:
		return RL_STAGE_EXEC;
	}
	return RL_STAGE_CONNECT;
}

static const char *session_error(LIBSSH2_SESSION *s, char *buf, size_t len)
{
	char *msg = NULL;
	int code = s ? libssh2_session_last_error(s, &msg, NULL, 0) : 0;

	snprintf(buf, len, "%.120s (libssh2 %d)", msg ? msg : "unknown error",
		 code);
	return buf;
}

/* The command's time ran out at STAGE; start_us 0: it never started. */
static void cmd_timeout(struct rl_cmd *cmd, enum rl_cmd_stage stage,
			int64_t start_us, int64_t began_us)
{
	rl_cmd_timeout(cmd, stage,
		       rl_now_us() - (start_us ? start_us : began_us));
}

/* ---- I/O callbacks: TCP_QUICKACK after every receive ------------------ */

static LIBSSH2_RECV_FUNC(conn_recv)
{
	struct conn *c = *abstract;
	ssize_t r;
	int one = 1;

	if (c->dead)
		return -ECONNABORTED;
	r = recv(socket, buffer, length, flags);
	if (r < 0)
		return -errno;
	/* Linux clears QUICKACK after a while; re-arm it so that our
	 * acknowledgements never wait for the delayed-ACK timer. */
	setsockopt(socket, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
	return r;
}

static LIBSSH2_SEND_FUNC(conn_send)
{
	struct conn *c = *abstract;
	ssize_t r;

	if (c->dead)
		return -ECONNABORTED;
	r = send(socket, buffer, length, flags | MSG_NOSIGNAL);
	if (r < 0)
		return -errno;
	return r;
}

/* ---- connections ------------------------------------------------------ */

static void chan_free(struct chan *ch)
{
	if (!ch)
		return;
	free(ch->line);
	free(ch->batch);
	free(ch->bdeadline);
	free(ch->bremote);
	rl_batch_free(&ch->bp);
	rl_buf_free(&ch->berr);
	free(ch);
}

/* How many of a channel's commands are without a result. */
static size_t chan_pending(const struct chan *ch)
{
	size_t j, n = ch->cmd ? 1 : 0;

	for (j = 0; j < ch->nb; j++)
		if (ch->batch[j])
			n++;
	return n;
}

static void zero_pass(struct conn *c)
{
	if (c->pass) {
		memset(c->pass, 0, strlen(c->pass));
		free(c->pass);
		c->pass = NULL;
	}
}

/* Drops the session at once: no goodbye, nothing that could block. */
static void conn_drop(struct conn *c)
{
	size_t i;

	c->dead = true;
	rl_dial_close(&c->dial);
	for (i = 0; i < c->nch; i++)
		chan_free(c->chans[i]); /* session_free frees theirs */
	c->nch = 0;
	c->blocked = NULL;
	zero_pass(c);
	if (c->kh)
		libssh2_knownhost_free(c->kh);
	c->kh = NULL;
	if (c->agent) {
		libssh2_agent_disconnect(c->agent);
		libssh2_agent_free(c->agent);
	}
	c->agent = NULL;
	c->agent_key = NULL;
	if (c->s)
		libssh2_session_free(c->s);
	c->s = NULL;
	c->st = C_IDLE;
	c->dead = false;
	c->refused = false;
	c->reused = false;
}

/*
 * Every unfinished command of c fails (or times out) at the stage it had
 * reached, and the session is dropped. fmt describes the cause.
 */
static void conn_fail(struct conn *c, enum rl_cmd_status status,
		      enum rl_cmd_stage stage, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void conn_fail(struct conn *c, enum rl_cmd_status status,
		      enum rl_cmd_stage stage, const char *fmt, ...)
{
	char why[256];
	size_t i;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	for (i = 0; i < c->nch; i++) {
		struct chan *ch = c->chans[i];
		enum rl_cmd_stage s = ch->st == CH_OPEN || ch->st == CH_EXEC
					  ? RL_STAGE_EXEC
					  : RL_STAGE_COMMAND;

		size_t j;

		for (j = 0; j <= ch->nb; j++) {
			struct rl_cmd **cp =
			    j < ch->nb ? &ch->batch[j] : &ch->cmd;

			if (!*cp)
				continue;
			if (status == RL_CMD_TIMEOUT) {
				cmd_timeout(*cp, s, ch->start_us, c->began_us);
			} else {
				rl_cmd_fail(*cp, s, "%s", why);
				if (ch->start_us)
					(*cp)->duration_us =
					    rl_now_us() - ch->start_us;
			}
			*cp = NULL;
		}
	}
	for (i = c->qhead; i < c->nq; i++) {
		if (status == RL_CMD_TIMEOUT)
			cmd_timeout(c->queue[i], stage, 0, c->began_us);
		else
			rl_cmd_fail(c->queue[i], stage, "%s", why);
	}
	c->qhead = c->nq = 0;
	conn_drop(c);
}

/* Where the host is reached: its address (default: its name) and port. */
static const char *host_addr(const struct rl_host *h)
{
	return h->address ? h->address : h->name;
}

static int host_port(const struct rl_host *h)
{
	return h->port ? h->port : 22;
}

static const char *conn_user(const struct conn *c)
{
	return c->user;
}

static const char *conn_identity(const struct conn *c)
{
	return c->host->identity ? c->host->identity : c->b->set->identity;
}

/* Fills c->user from the host, the site, or the caller's login name. */
static int fill_user(struct conn *c)
{
	const char *u = c->host->user ? c->host->user : c->b->set->user;
	struct passwd pw, *res = NULL;
	char buf[2048];

	if (!u) {
		if (getpwuid_r(geteuid(), &pw, buf, sizeof(buf), &res) || !res)
			return -1;
		u = res->pw_name;
	}
	snprintf(c->user, sizeof(c->user), "%s", u);
	return 0;
}

/* Resolves (blocking, measured against the deadline) and starts the
 * non-blocking connect. */
static void conn_begin(struct conn *c, int64_t now)
{
	struct rl_err err;
	int r;

	c->deadline_ms = min64(c->b->deadline_ms, now + c->b->timeout_ms);
	if (fill_user(c)) {
		conn_fail(c, RL_CMD_FAILED, RL_STAGE_AUTH,
			  "no ssh user configured and no login name for uid "
			  "%d",
			  (int)geteuid());
		return;
	}
	r = rl_dial_start(&c->dial, host_addr(c->host), host_port(c->host),
			  c->deadline_ms, &err);
	if (r == -2)
		conn_fail(c, RL_CMD_TIMEOUT, RL_STAGE_RESOLVE, "timeout");
	else if (r < 0)
		conn_fail(c, RL_CMD_FAILED,
			  c->dial.list ? RL_STAGE_CONNECT : RL_STAGE_RESOLVE,
			  "%s", err.msg);
	else
		c->st = C_CONNECT;
}

/* Reads known_hosts and asks for the key types it holds for this host.
 * Returns 0, or -1 after failing the commands. */
static int conn_known_hosts(struct conn *c)
{
	const char *path = c->b->set->known_hosts;
	struct rl_err err;

	if (!path) {
		conn_fail(c, RL_CMD_FAILED, RL_STAGE_HOSTKEY,
			  "no known_hosts file configured ([ssh] "
			  "known_hosts): the host key cannot be checked");
		return -1;
	}
	if (rl_ssh_hostkey_load(c->s, path, &c->kh, &c->kh_skipped, &err) ||
	    rl_ssh_hostkey_prefer(c->s, c->kh, host_addr(c->host),
				  host_port(c->host), &err)) {
		conn_fail(c, RL_CMD_FAILED, RL_STAGE_HOSTKEY, "%s", err.msg);
		return -1;
	}
	return 0;
}

static void conn_start_session(struct conn *c)
{
	c->s = libssh2_session_init_ex(NULL, NULL, NULL, c);
	if (!c->s) {
		conn_fail(c, RL_CMD_FAILED, RL_STAGE_HANDSHAKE,
			  "cannot create an SSH session");
		return;
	}
	libssh2_session_set_blocking(c->s, 0);
	libssh2_session_callback_set(c->s, LIBSSH2_CALLBACK_RECV,
				     (void *)conn_recv);
	libssh2_session_callback_set(c->s, LIBSSH2_CALLBACK_SEND,
				     (void *)conn_send);
	if (conn_known_hosts(c))
		return;
	c->st = C_HANDSHAKE;
}

static void step_connect(struct conn *c, const struct rl_pollset *ps)
{
	struct pollfd p = {.fd = c->dial.fd, .events = POLLOUT};
	struct rl_err err;
	size_t i;
	bool seen = false;
	int r;

	for (i = 0; ps && i < ps->n; i++)
		if (ps->fds[i].fd == c->dial.fd) {
			p.revents = ps->fds[i].revents;
			seen = true;
		}
	if (!seen && poll(&p, 1, 0) <= 0)
		return;
	r = rl_dial_step(&c->dial, p.revents, &err);
	if (r < 0)
		conn_fail(c, RL_CMD_FAILED, RL_STAGE_CONNECT, "%s", err.msg);
	else if (r > 0)
		conn_start_session(c);
}

/* " (unparsable known_hosts line 3 skipped)" when lines were skipped:
 * maybe the reason why a known host looks unknown */
static const char *kh_note(const struct conn *c, char *buf, size_t len)
{
	char more[64];

	if (!c->kh_skipped.lines) {
		buf[0] = '\0';
		return buf;
	}
	snprintf(buf, len, " (unparsable known_hosts line %zu skipped%s)",
		 c->kh_skipped.first,
		 rl_ssh_hostkey_more(&c->kh_skipped, more, sizeof(more)));
	return buf;
}

static void step_hostkey(struct conn *c)
{
	const char *path = c->b->set->known_hosts;
	struct rl_ssh_hostkey k;
	char note[128];

	memset(&k, 0, sizeof(k));
	switch (rl_ssh_hostkey_offered(c->s, c->kh, host_addr(c->host),
				       host_port(c->host), &k)) {
	case -1:
		conn_fail(c, RL_CMD_FAILED, RL_STAGE_HOSTKEY,
			  "the server sent no host key");
		return;
	case -2:
		conn_fail(c, RL_CMD_FAILED, RL_STAGE_HOSTKEY,
			  "cannot check the host key %s %s against '%s'",
			  k.type, k.fingerprint, path);
		return;
	}
	switch (k.state) {
	case RL_SSH_HOSTKEY_KNOWN:
		c->st = C_AUTH;
		return;
	case RL_SSH_HOSTKEY_UNKNOWN:
		conn_fail(c, RL_CMD_FAILED, RL_STAGE_HOSTKEY,
			  "unknown host key %s %s at %s — compare it and "
			  "add it with 'relancectl hostkey %s --add'%s",
			  k.type, k.fingerprint, c->where, c->host->name,
			  kh_note(c, note, sizeof(note)));
		return;
	case RL_SSH_HOSTKEY_MISMATCH:
		conn_fail(c, RL_CMD_FAILED, RL_STAGE_HOSTKEY,
			  "HOST KEY MISMATCH at %s: the host offered %s %s, "
			  "not the key known; someone may be intercepting: "
			  "verify it before changing '%s'%s",
			  c->where, k.type, k.fingerprint, path,
			  kh_note(c, note, sizeof(note)));
		return;
	}
}

static void step_handshake(struct conn *c)
{
	char e[200];
	int r = libssh2_session_handshake(c->s, c->dial.fd);

	if (r == LIBSSH2_ERROR_EAGAIN)
		return;
	if (r) {
		conn_fail(c, RL_CMD_FAILED, RL_STAGE_HANDSHAKE,
			  "SSH handshake with %s failed: %s", c->where,
			  session_error(c->s, e, sizeof(e)));
		return;
	}
	step_hostkey(c);
}

/* Reads the passphrase file into c->pass (newline cut). */
static int read_passphrase(struct conn *c, const char *path)
{
	char buf[1024];
	size_t n;
	FILE *f = fopen(path, "re");

	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	c->pass = strdup(buf);
	memset(buf, 0, sizeof(buf));
	return c->pass ? 0 : -1;
}

static void auth_refused(struct conn *c, const char *identity)
{
	char type[64];
	struct rl_err err;

	if (!rl_ssh_key_type(identity, type, sizeof(type), &err) &&
	    !strcmp(type, "ssh-rsa")) {
		conn_fail(c, RL_CMD_FAILED, RL_STAGE_AUTH,
			  "the server refused the RSA key '%s': libssh2 1.10 "
			  "cannot sign with rsa-sha2; use an ed25519 or ECDSA "
			  "key",
			  identity);
		return;
	}
	conn_fail(c, RL_CMD_FAILED, RL_STAGE_AUTH,
		  "the server refused the key '%s' for user '%s'", identity,
		  conn_user(c));
}

static void step_auth_agent(struct conn *c)
{
	int r;

	if (!c->agent) {
		if (!(c->agent = libssh2_agent_init(c->s)) ||
		    libssh2_agent_connect(c->agent) ||
		    libssh2_agent_list_identities(c->agent)) {
			conn_fail(c, RL_CMD_FAILED, RL_STAGE_AUTH,
				  "no identity configured ([ssh] identity) "
				  "and no ssh-agent to ask");
			return;
		}
		if (libssh2_agent_get_identity(c->agent, &c->agent_key, NULL)) {
			conn_fail(c, RL_CMD_FAILED, RL_STAGE_AUTH,
				  "no identity configured and the ssh-agent "
				  "holds no key");
			return;
		}
	}
	for (;;) {
		r = libssh2_agent_userauth(c->agent, conn_user(c),
					   c->agent_key);
		if (r == LIBSSH2_ERROR_EAGAIN)
			return;
		if (r == 0) {
			c->st = C_READY;
			return;
		}
		if (libssh2_agent_get_identity(c->agent, &c->agent_key,
					       c->agent_key)) {
			conn_fail(c, RL_CMD_FAILED, RL_STAGE_AUTH,
				  "the server refused every key of the "
				  "ssh-agent for user '%s'",
				  conn_user(c));
			return;
		}
	}
}

static void step_auth(struct conn *c)
{
	const char *identity = conn_identity(c);
	const char *pf = c->b->set->passphrase_file;
	char e[200];
	int r;

	if (!identity) {
		step_auth_agent(c);
		return;
	}
	if (pf && !c->pass && read_passphrase(c, pf)) {
		conn_fail(c, RL_CMD_FAILED, RL_STAGE_AUTH,
			  "cannot read passphrase file '%s': %s", pf,
			  strerror(errno));
		return;
	}
	r = libssh2_userauth_publickey_fromfile_ex(
	    c->s, conn_user(c), (unsigned int)strlen(conn_user(c)), NULL,
	    identity, c->pass);
	if (r == LIBSSH2_ERROR_EAGAIN)
		return;
	zero_pass(c);
	if (r == 0) {
		c->st = C_READY;
		return;
	}
	if (r == LIBSSH2_ERROR_AUTHENTICATION_FAILED ||
	    r == LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED) {
		auth_refused(c, identity);
		return;
	}
	if (r == LIBSSH2_ERROR_FILE) {
		conn_fail(c, RL_CMD_FAILED, RL_STAGE_AUTH,
			  "cannot use identity '%s' (wrong passphrase or "
			  "unreadable key): %s",
			  identity, session_error(c->s, e, sizeof(e)));
		return;
	}
	conn_fail(c, RL_CMD_FAILED, RL_STAGE_AUTH,
		  "authentication as '%s' failed: %s", conn_user(c),
		  session_error(c->s, e, sizeof(e)));
}

/* ---- channels --------------------------------------------------------- */

static bool sending(const struct conn *c)
{
	return libssh2_session_block_directions(c->s) &
	       LIBSSH2_SESSION_BLOCK_OUTBOUND;
}

static void chan_remove(struct conn *c, size_t i, int64_t now)
{
	if (c->blocked == c->chans[i])
		c->blocked = NULL;
	chan_free(c->chans[i]);
	c->chans[i] = c->chans[--c->nch];
	/* a slot freed: a refused open may try again shortly */
	if (c->refused && c->retry_at == INT64_MAX)
		c->retry_at = now + REOPEN_DELAY_MS;
}

/* CMD ended on the target: killed by signal CODE (SIGNALED), else exit
 * status CODE. */
static void cmd_ended(struct rl_cmd *cmd, int64_t start_us, int64_t remote_ms,
		      bool signaled, int code)
{
	cmd->duration_us = rl_now_us() - start_us;
	if (signaled) {
		cmd->status = RL_CMD_SIGNALED;
		cmd->signal = code;
	} else {
		cmd->status = RL_CMD_EXITED;
		cmd->exit_code = code;
	}
	cmd->stage = RL_STAGE_COMMAND;
	/* the remote `timeout` may end the command a moment before our own
	 * deadline does: its 124 (or the KILL of -k) is a timeout, not the
	 * command's answer */
	if (remote_ms > 0 && cmd->duration_us >= (remote_ms - 50) * 1000 &&
	    ((cmd->status == RL_CMD_EXITED &&
	      (cmd->exit_code == 124 || cmd->exit_code == 137)) ||
	     (cmd->status == RL_CMD_SIGNALED && cmd->signal == SIGKILL)))
		rl_cmd_timeout(cmd, RL_STAGE_COMMAND, cmd->duration_us);
}

/* ---- batches: one remote command for a host's checks (issue 17) ------- */

static void batch_output(void *ctx, size_t idx, int stream, const char *data,
			 size_t n)
{
	struct chan *ch = ctx;

	if (ch->batch[idx])
		rl_cmd_take_output(ch->batch[idx], stream, data, n);
}

/* Check IDX's frame is complete: its status as the shell saw it. */
static void batch_done(void *ctx, size_t idx, int status)
{
	struct chan *ch = ctx;
	struct rl_cmd *cmd = ch->batch[idx];

	if (!cmd)
		return; /* it had timed out here already */
	/* 128 + N: killed by signal N (the shell's convention, which the
	 * channel wrapper turns into a real death by N) */
	if (status > 128 && status - 128 < 65)
		cmd_ended(cmd, ch->start_us, ch->bremote[idx], true,
			  status - 128);
	else
		cmd_ended(cmd, ch->start_us, ch->bremote[idx], false, status);
	ch->batch[idx] = NULL;
}

static const struct rl_batch_sink batch_sink_ops = {batch_output, batch_done,
						    NULL};

static int queue_push(struct conn *c, struct rl_cmd *cmd);

/* The batch's channel is over. Checks still without a result (the target
 * could not run the batch, or its report was cut or malformed) run again,
 * each on a channel of its own, unless their time is up; the session
 * makes no more batches. */
static void batch_end(struct conn *c, struct chan *ch)
{
	int64_t now = rl_now_ms();
	size_t j;

	if (!chan_pending(ch))
		return;
	if (!ch->bwhy[0]) {
		int code = libssh2_channel_get_exit_status(ch->ch);
		char line[64];
		size_t k;

		snprintf(line, sizeof(line), "%.60s", rl_buf_str(&ch->berr));
		for (k = 0; line[k]; k++)
			if (line[k] == '\n' || line[k] == '\r' ||
			    (unsigned char)line[k] < 32)
				line[k] = ' ';
		snprintf(ch->bwhy, sizeof(ch->bwhy), "%s (exit %d)%s%s",
			 code == 97 ? "no temporary directory or FIFO on the "
				      "target"
				    : "the report ended early",
			 code, line[0] ? ": " : "", line);
	}
	c->nobatch = true;
	snprintf(c->batch_why, sizeof(c->batch_why), "%s", ch->bwhy);
	for (j = 0; j < ch->nb; j++) {
		struct rl_cmd *cmd = ch->batch[j];

		if (!cmd)
			continue;
		ch->batch[j] = NULL;
		if (now >= ch->bdeadline[j]) {
			cmd_timeout(cmd, RL_STAGE_COMMAND, ch->start_us, 0);
			continue;
		}
		snprintf(cmd->via, sizeof(cmd->via),
			 "a channel of its own: the batch failed: %.110s",
			 c->batch_why);
		if (queue_push(c, cmd) < 0)
			rl_cmd_fail(cmd, RL_STAGE_EXEC, "out of memory");
	}
}

/* Checks past their own time in a batch: timed out; when none is left
 * the channel is closed (the watcher kills what still runs there). */
static void batch_timeouts(struct chan *ch, int64_t now)
{
	size_t j;

	for (j = 0; j < ch->nb; j++) {
		if (!ch->batch[j] || now < ch->bdeadline[j])
			continue;
		cmd_timeout(ch->batch[j], RL_STAGE_COMMAND, ch->start_us, 0);
		ch->batch[j] = NULL;
	}
}

static void chan_result(struct conn *c, struct chan *ch)
{
	struct rl_cmd *cmd = ch->cmd;
	char *sig = NULL;
	size_t siglen = 0;
	static const struct {
		const char *name;
		int num;
	} sigs[] = {
	    {"HUP", SIGHUP},   {"INT", SIGINT},	  {"QUIT", SIGQUIT},
	    {"ILL", SIGILL},   {"ABRT", SIGABRT}, {"FPE", SIGFPE},
	    {"KILL", SIGKILL}, {"SEGV", SIGSEGV}, {"PIPE", SIGPIPE},
	    {"ALRM", SIGALRM}, {"TERM", SIGTERM}, {"USR1", SIGUSR1},
	    {"USR2", SIGUSR2}, {"BUS", SIGBUS},	  {"XCPU", SIGXCPU},
	};

	if (ch->nb) {
		batch_end(c, ch);
		return;
	}
	if (!cmd)
		return;
	libssh2_channel_get_exit_signal(ch->ch, &sig, &siglen, NULL, NULL, NULL,
					NULL);
	if (sig && siglen) {
		size_t i;
		int num = 0;

		for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
			if (!strcmp(sig, sigs[i].name))
				num = sigs[i].num;
		cmd_ended(cmd, ch->start_us, ch->remote_ms, true, num);
	} else {
		cmd_ended(cmd, ch->start_us, ch->remote_ms, false,
			  libssh2_channel_get_exit_status(ch->ch));
	}
	if (sig)
		libssh2_free(c->s, sig);
	ch->cmd = NULL;
}

static void batch_feed(struct chan *ch, const char *buf, size_t n)
{
	struct rl_batch_sink sink = batch_sink_ops;

	sink.ctx = ch;
	if (rl_batch_feed(&ch->bp, buf, n, &sink) < 0)
		snprintf(ch->bwhy, sizeof(ch->bwhy), "%s", ch->bp.error);
}

/* Reads what is there on both streams. */
static int chan_read(struct conn *c, struct chan *ch, int *eof)
{
	char buf[16384];
	int progress = NO_PROGRESS, stream, ends = 0;

	for (stream = 0; stream < 2; stream++) {
		for (;;) {
			ssize_t n = libssh2_channel_read_ex(ch->ch, stream, buf,
							    sizeof(buf));
			if (n > 0) {
				if (ch->cmd)
					rl_cmd_take_output(ch->cmd,
							   stream ? STREAM_ERR
								  : STREAM_OUT,
							   buf, (size_t)n);
				else if (ch->nb && !stream && !ch->bp.failed)
					batch_feed(ch, buf, (size_t)n);
				else if (ch->nb && stream &&
					 ch->berr.len < BATCH_ERR_KEPT)
					rl_buf_append(&ch->berr, buf,
						      (size_t)n);
				progress = PROGRESS;
				continue;
			}
			if (n == 0) {
				ends++;
				break;
			}
			if (n == LIBSSH2_ERROR_EAGAIN) {
				if (sending(c))
					return BLOCKED_SEND;
				break;
			}
			return SESSION_LOST;
		}
	}
	*eof = ends == 2 && libssh2_channel_eof(ch->ch);
	return progress;
}

/* Reads and drops what CH still has, both streams: 0 at the peer's EOF
 * (or close), LIBSSH2_ERROR_EAGAIN for more to come, or another error. */
static int drain_to_eof(LIBSSH2_CHANNEL *ch)
{
	char junk[4096];
	ssize_t n;
	int stream;

	for (stream = 0; stream < 2; stream++)
		do
			n = libssh2_channel_read_ex(ch, stream, junk,
						    sizeof(junk));
		while (n > 0);
	if (n < 0 && n != LIBSSH2_ERROR_EAGAIN)
		return (int)n;
	return libssh2_channel_eof(ch) ? 0 : LIBSSH2_ERROR_EAGAIN;
}

/* Does what one channel can do now; see the enum for the result. */
static int chan_step(struct conn *c, size_t i, int64_t now)
{
	struct chan *ch = c->chans[i];
	int r, eof = 0, progress = NO_PROGRESS;

	for (;;) {
		switch (ch->st) {
		case CH_OPEN:
			ch->ch = libssh2_channel_open_session(c->s);
			if (!ch->ch) {
				r = libssh2_session_last_errno(c->s);
				if (r == LIBSSH2_ERROR_EAGAIN)
					return sending(c) ? BLOCKED_SEND
							  : progress;
				if (r == LIBSSH2_ERROR_CHANNEL_FAILURE) {
					/* sshd's MaxSessions: put it back */
					size_t j = ch->nb;

					while (j > 0) {
						c->queue[--c->qhead] =
						    ch->batch[--j];
						ch->batch[j] = NULL;
					}
					if (ch->cmd)
						c->queue[--c->qhead] = ch->cmd;
					ch->cmd = NULL;
					c->refused = true;
					c->retry_at =
					    c->nch > 1 ? INT64_MAX
						       : now + REOPEN_IDLE_MS;
					chan_remove(c, i, now);
					return PROGRESS;
				}
				return SESSION_LOST;
			}
			c->refused = false;
			ch->st = CH_EXEC;
			ch->start_us = rl_now_us();
			/* rounded up: the duration is never below it */
			if (ch->cmd && ch->cmd->timeout_ms > 0)
				ch->deadline_ms = (ch->start_us + 999) / 1000 +
						  ch->cmd->timeout_ms;
			for (r = 0; (size_t)r < ch->nb; r++)
				ch->bdeadline[r] =
				    ch->batch[r]->timeout_ms > 0
					? (ch->start_us + 999) / 1000 +
					      ch->batch[r]->timeout_ms
					: INT64_MAX;
			progress = PROGRESS;
			break;
		case CH_EXEC:
			r = libssh2_channel_exec(ch->ch, ch->line);
			if (r == LIBSSH2_ERROR_EAGAIN)
				return sending(c) ? BLOCKED_SEND : progress;
			/* -1 "Failed waiting for channel success" came with
			 * commands that had started: read on (RECIPES.md) */
			if (r < 0 && r != LIBSSH2_ERROR_SOCKET_NONE) {
				char e[200];

				if (r == LIBSSH2_ERROR_SOCKET_SEND ||
				    r == LIBSSH2_ERROR_SOCKET_RECV ||
				    r == LIBSSH2_ERROR_SOCKET_DISCONNECT)
					return SESSION_LOST;
				if (ch->nb)
					snprintf(
					    ch->bwhy, sizeof(ch->bwhy),
					    "the server would not start "
					    "it: %.120s",
					    session_error(c->s, e, sizeof(e)));
				else
					rl_cmd_fail(
					    ch->cmd, RL_STAGE_EXEC,
					    "the server would not "
					    "start the command: %s",
					    session_error(c->s, e, sizeof(e)));
				ch->cmd = NULL;
				ch->st = CH_CLOSE;
				return PROGRESS;
			}
			c->batch_started = true;
			ch->st = CH_READ;
			progress = PROGRESS;
			break;
		case CH_READ:
			r = chan_read(c, ch, &eof);
			if (r == BLOCKED_SEND || r == SESSION_LOST)
				return r;
			if (r == PROGRESS)
				progress = PROGRESS;
			/* a batch whose checks all have their result, or
			 * whose report went wrong, is closed at once */
			if (ch->nb && (ch->bp.failed || !chan_pending(ch)))
				eof = 1;
			if (!eof)
				return progress;
			ch->st = CH_CLOSE;
			progress = PROGRESS;
			break;
		case CH_CLOSE:
			r = libssh2_channel_close(ch->ch);
			if (r == LIBSSH2_ERROR_EAGAIN)
				return sending(c) ? BLOCKED_SEND : progress;
			if (r)
				return SESSION_LOST;
			ch->st = CH_WAITCLOSE;
			progress = PROGRESS;
			break;
		case CH_WAITCLOSE:
			r = libssh2_channel_wait_closed(ch->ch);
			if (r == LIBSSH2_ERROR_EAGAIN)
				return sending(c) ? BLOCKED_SEND : progress;
			if (r == LIBSSH2_ERROR_INVAL) {
				/* libssh2 1.10's channel_close returns once
				 * any one packet came, and wait_closed then
				 * refuses a channel whose peer's EOF is still
				 * on its way: read (what came after we chose
				 * to close is dropped) until it comes */
				r = drain_to_eof(ch->ch);
				if (r == LIBSSH2_ERROR_EAGAIN)
					return sending(c) ? BLOCKED_SEND
							  : progress;
				if (r < 0)
					return SESSION_LOST;
				progress = PROGRESS;
				break;
			}
			if (r)
				return SESSION_LOST;
			chan_result(c, ch);
			ch->st = CH_FREE;
			progress = PROGRESS;
			break;
		case CH_FREE:
			r = libssh2_channel_free(ch->ch);
			if (r == LIBSSH2_ERROR_EAGAIN)
				return sending(c) ? BLOCKED_SEND : progress;
			if (r)
				return SESSION_LOST;
			ch->ch = NULL;
			chan_remove(c, i, now);
			return PROGRESS;
		}
	}
}

/* Commands past their own timeout end now; their channels are closed
 * (the remote wrapper kills what runs there). */
static void chan_timeouts(struct conn *c, int64_t now)
{
	size_t i;

	for (i = 0; i < c->nch; i++) {
		struct chan *ch = c->chans[i];

		if (ch->nb && ch->st >= CH_READ) {
			batch_timeouts(ch, now);
			if (ch->st == CH_READ && !chan_pending(ch))
				ch->st = CH_CLOSE;
			continue;
		}
		if (!ch->cmd || ch->st < CH_READ || now < ch->deadline_ms)
			continue;
		cmd_timeout(ch->cmd, RL_STAGE_COMMAND, ch->start_us, 0);
		ch->cmd = NULL;
		if (ch->st == CH_READ)
			ch->st = CH_CLOSE;
	}
}

/* The remote side ends a command by itself at its timeout, or at the batch
 * deadline, so that nothing hung survives there; 0: no remote timeout. */
static int64_t remote_timeout(const struct conn *c, const struct rl_cmd *cmd,
			      int64_t now)
{
	int64_t remote_ms = cmd->timeout_ms > 0 ? cmd->timeout_ms : INT64_MAX;

	if (c->b->deadline_ms != INT64_MAX)
		remote_ms = min64(remote_ms, c->b->deadline_ms - now);
	if (remote_ms == INT64_MAX || remote_ms < 1)
		remote_ms = remote_ms < 1 ? 1 : 0;
	return remote_ms;
}

/* Its length in a batch's exec request, at most (shell.h's quoting). */
static size_t batch_cost(const struct rl_cmd *cmd)
{
	size_t n = 160 + (cmd->component ? 4 * strlen(cmd->component) : 0);
	const char *p;

	for (p = cmd->command; *p; p++)
		n += *p == '\'' ? 4 : 1;
	return n;
}

/*
 * On a POSIX shell, while the session makes batches: the batchable
 * commands waiting (at least two) go into one remote command, up to
 * BATCH_MAX of them and BATCH_LINE_MAX bytes. Returns PROGRESS when it
 * made the channel, NO_PROGRESS when the queue's head is for a channel of
 * its own.
 */
static int batch_open(struct conn *c, int64_t now)
{
	struct rl_batch_item *items = NULL;
	struct rl_cmd **order = NULL;
	struct rl_buf line = RL_BUF_INIT;
	struct chan *ch = NULL;
	struct rl_err err;
	unsigned char rnd[RL_BATCH_TOKEN_LEN / 2];
	char token[RL_BATCH_TOKEN_LEN + 1];
	size_t left = c->nq - c->qhead, m = 0, k = 0, j, cost = 1500;

	if (c->host->shell != RL_SHELL_POSIX || c->nobatch)
		return NO_PROGRESS;
	for (j = c->qhead; j < c->nq; j++)
		if (c->queue[j]->batchable)
			k++;
	if (k < 2)
		return NO_PROGRESS;
	/* the batchable ones first, each side in its order */
	if (!(order = calloc(left, sizeof(*order))))
		return NO_PROGRESS;
	for (j = c->qhead; j < c->nq; j++)
		if (c->queue[j]->batchable && m < BATCH_MAX &&
		    (m < 2 ||
		     cost + batch_cost(c->queue[j]) <= BATCH_LINE_MAX)) {
			cost += batch_cost(c->queue[j]);
			order[m++] = c->queue[j];
		}
	k = m;
	for (j = c->qhead; j < c->nq; j++) {
		size_t x;

		for (x = 0; x < m && order[x] != c->queue[j]; x++)
			;
		if (x == m)
			order[k++] = c->queue[j];
	}
	memcpy(c->queue + c->qhead, order, left * sizeof(*order));
	free(order);

	if (getrandom(rnd, sizeof(rnd), GRND_NONBLOCK) != (ssize_t)sizeof(rnd))
		goto fail;
	for (j = 0; j < sizeof(rnd); j++) {
		token[2 * j] = "0123456789abcdef"[rnd[j] >> 4];
		token[2 * j + 1] = "0123456789abcdef"[rnd[j] & 15];
	}
	token[2 * j] = '\0';
	if (!(items = calloc(m, sizeof(*items))) ||
	    !(ch = calloc(1, sizeof(*ch))) ||
	    !(ch->batch = calloc(m, sizeof(*ch->batch))) ||
	    !(ch->bdeadline = calloc(m, sizeof(*ch->bdeadline))) ||
	    !(ch->bremote = calloc(m, sizeof(*ch->bremote))) ||
	    rl_batch_init(&ch->bp, token, m) < 0 ||
	    rl_grow(&c->chans, &c->capch, c->nch + 1, sizeof(*c->chans)) < 0)
		goto fail;
	for (j = 0; j < m; j++) {
		struct rl_cmd *cmd = c->queue[c->qhead + j];

		items[j].command = cmd->command;
		items[j].component = cmd->component;
		items[j].timeout_ms = remote_timeout(c, cmd, now);
		ch->bremote[j] = items[j].timeout_ms;
		ch->batch[j] = cmd;
		ch->bdeadline[j] = INT64_MAX;
		snprintf(cmd->via, sizeof(cmd->via),
			 "one remote command for the %zu checks on '%.60s'", m,
			 c->host->name);
	}
	if (rl_shell_compose_batch(&line, token, items, m, &err) < 0)
		goto fail;
	free(items);
	ch->nb = m;
	ch->line = rl_buf_detach(&line);
	ch->deadline_ms = INT64_MAX;
	ch->st = CH_OPEN;
	c->chans[c->nch++] = ch;
	c->qhead += m;
	return PROGRESS;
fail:
	/* no batch (no memory, no randomness, a name the shell cannot
	 * take): the commands go on channels of their own */
	for (j = 0; j < m; j++)
		c->queue[c->qhead + j]->via[0] = '\0';
	rl_buf_free(&line);
	free(items);
	chan_free(ch);
	c->nobatch = true;
	return NO_PROGRESS;
}

/* Starts a channel for the next queued command, if a slot is free. */
static int chan_open(struct conn *c, int64_t now)
{
	struct chan *ch;
	struct rl_cmd *cmd;
	struct rl_buf line = RL_BUF_INIT;
	struct rl_err err;
	size_t i;
	int64_t remote_ms;

	if (c->qhead == c->nq || c->nch >= (size_t)c->b->max_channels)
		return NO_PROGRESS;
	if (c->refused && now < c->retry_at)
		return NO_PROGRESS;
	for (i = 0; i < c->nch; i++)
		if (c->chans[i]->st == CH_OPEN)
			return NO_PROGRESS; /* one open in flight */
	if (batch_open(c, now) == PROGRESS)
		return PROGRESS;
	cmd = c->queue[c->qhead];
	remote_ms = remote_timeout(c, cmd, now);
	if (rl_shell_compose(&line, c->host->shell, cmd->command,
			     cmd->component, remote_ms, &err)) {
		rl_buf_free(&line);
		c->qhead++;
		rl_cmd_fail(cmd, RL_STAGE_EXEC, "%s", err.msg);
		return PROGRESS;
	}
	if (rl_grow(&c->chans, &c->capch, c->nch + 1, sizeof(*c->chans)) < 0)
		goto oom;
	if (!(ch = calloc(1, sizeof(*ch))))
		goto oom;
	ch->cmd = cmd;
	if (!cmd->via[0])
		snprintf(cmd->via, sizeof(cmd->via), "a channel of its own");
	ch->line = rl_buf_detach(&line);
	ch->deadline_ms = INT64_MAX;
	ch->remote_ms = c->host->shell == RL_SHELL_POSIX ? remote_ms : 0;
	ch->st = CH_OPEN;
	c->chans[c->nch++] = ch;
	c->qhead++;
	return PROGRESS;
oom:
	rl_buf_free(&line);
	c->qhead++;
	rl_cmd_fail(cmd, RL_STAGE_EXEC, "out of memory");
	return PROGRESS;
}

static void session_lost(struct conn *c, int64_t now)
{
	char e[200];
	size_t i;

	/* A session kept from an earlier batch may have been closed by the
	 * server meanwhile: connect again once, before anything ran. */
	if (c->reused && !c->batch_started) {
		for (i = 0; i < c->nch; i++) {
			struct chan *ch = c->chans[i];
			size_t j = ch->nb;

			while (j > 0)
				if (ch->batch[--j])
					c->queue[--c->qhead] = ch->batch[j];
			if (ch->cmd)
				c->queue[--c->qhead] = ch->cmd;
			ch->cmd = NULL;
			ch->nb = 0;
		}
		conn_drop(c);
		c->st = C_WAIT;
		(void)now;
		return;
	}
	conn_fail(c, RL_CMD_FAILED, RL_STAGE_COMMAND,
		  "connection to %s lost: %s", c->where,
		  session_error(c->s, e, sizeof(e)));
}

static void step_channels(struct conn *c, int64_t now)
{
	for (;;) {
		int progress = NO_PROGRESS, r;
		size_t i;

		chan_timeouts(c, now);
		if (c->blocked) {
			for (i = 0; i < c->nch && c->chans[i] != c->blocked;
			     i++)
				;
			if (i == c->nch)
				RL_BUG("blocked channel not on its session");
			r = chan_step(c, i, now);
			if (r == SESSION_LOST) {
				session_lost(c, now);
				return;
			}
			if (r == BLOCKED_SEND)
				return;
			c->blocked = NULL;
			progress |= r;
		}
		progress |= chan_open(c, now);
		for (i = 0; i < c->nch; i++) {
			struct chan *ch = c->chans[i];

			r = chan_step(c, i, now);
			if (r == SESSION_LOST) {
				session_lost(c, now);
				return;
			}
			if (r == BLOCKED_SEND) {
				c->blocked = ch;
				return;
			}
			progress |= r;
		}
		if (!progress)
			return;
	}
}

static size_t conn_unfinished(const struct conn *c)
{
	size_t i, n = c->nq - c->qhead;

	for (i = 0; i < c->nch; i++)
		n += chan_pending(c->chans[i]);
	return n;
}

static void conn_step(struct conn *c, const struct rl_pollset *ps, int64_t now)
{
	enum conn_state before;

	do {
		before = c->st;
		if (c->st >= C_CONNECT && c->st < C_READY &&
		    now >= c->deadline_ms) {
			conn_fail(c, RL_CMD_TIMEOUT, conn_stage(c), "timeout");
			return;
		}
		switch (c->st) {
		case C_IDLE:
		case C_WAIT:
			return;
		case C_CONNECT:
			step_connect(c, ps);
			break;
		case C_HANDSHAKE:
			step_handshake(c);
			break;
		case C_AUTH:
			step_auth(c);
			break;
		case C_READY:
			step_channels(c, now);
			return;
		}
	} while (c->st != before);
}

/* ---- the backend ------------------------------------------------------ */

static struct conn *conn_for(struct ssh_backend *b, const struct rl_host *h)
{
	struct conn *c;
	size_t i;

	for (i = 0; i < b->nconns; i++)
		if (b->conns[i]->host == h)
			return b->conns[i];
	if (rl_grow(&b->conns, &b->capconns, b->nconns + 1, sizeof(*b->conns)) <
	    0)
		return NULL;
	if (!(c = calloc(1, sizeof(*c))))
		return NULL;
	c->b = b;
	c->host = h;
	rl_dial_init(&c->dial);
	rl_dial_where(c->where, sizeof(c->where), host_addr(h), host_port(h));
	b->conns[b->nconns++] = c;
	return c;
}

static int queue_push(struct conn *c, struct rl_cmd *cmd)
{
	if (rl_grow(&c->queue, &c->capq, c->nq + 1, sizeof(*c->queue)) < 0)
		return -1;
	c->queue[c->nq++] = cmd;
	return 0;
}

/* Starts handshakes for waiting connections while slots are free. */
static void kick(struct ssh_backend *b, int64_t now)
{
	size_t i;
	int busy = 0;

	for (i = 0; i < b->nconns; i++)
		if (b->conns[i]->st >= C_CONNECT && b->conns[i]->st < C_READY)
			busy++;
	for (i = 0; i < b->nconns && busy < b->max_handshakes; i++) {
		struct conn *c = b->conns[i];

		if (c->st == C_IDLE && c->qhead < c->nq)
			c->st = C_WAIT;
		if (c->st != C_WAIT)
			continue;
		conn_begin(c, now);
		if (c->st == C_CONNECT)
			busy++;
	}
}

static size_t ssh_step(struct rl_backend *base, const struct rl_pollset *ps,
		       int64_t now)
{
	struct ssh_backend *b = (struct ssh_backend *)base;
	size_t i, n = 0;
	int rounds;

	/* a connection that became READY or failed frees a handshake slot:
	 * start the next ones and step them in the same turn */
	for (rounds = 0; rounds < 3; rounds++) {
		kick(b, now);
		for (i = 0; i < b->nconns; i++)
			conn_step(b->conns[i], rounds ? NULL : ps, now);
	}
	for (i = 0; i < b->nconns; i++)
		n += conn_unfinished(b->conns[i]);
	return n;
}

static int ssh_start(struct rl_backend *base, struct rl_cmd **cmds, size_t n,
		     int64_t deadline_ms, struct rl_err *err)
{
	struct ssh_backend *b = (struct ssh_backend *)base;
	size_t i;

	b->deadline_ms = deadline_ms;
	for (i = 0; i < b->nconns; i++) {
		b->conns[i]->qhead = b->conns[i]->nq = 0;
		b->conns[i]->reused = b->conns[i]->st == C_READY;
		b->conns[i]->batch_started = false;
		b->conns[i]->began_us = rl_now_us();
	}
	for (i = 0; i < n; i++) {
		struct conn *c = conn_for(b, cmds[i]->host);

		if (!c || queue_push(c, cmds[i]))
			return rl_err_set(err, "out of memory");
	}
	ssh_step(base, NULL, rl_now_ms());
	return 0;
}

static int ssh_pollfds(struct rl_backend *base, struct rl_pollset *ps,
		       int64_t *wake_ms)
{
	struct ssh_backend *b = (struct ssh_backend *)base;
	size_t i, j;

	for (i = 0; i < b->nconns; i++) {
		struct conn *c = b->conns[i];
		short ev = POLLIN;

		if (c->dial.fd < 0 || (!conn_unfinished(c) && !c->nch))
			continue;
		if (c->st == C_CONNECT)
			ev = POLLOUT;
		else if (c->s && sending(c))
			ev |= POLLOUT;
		if (rl_pollset_add(ps, c->dial.fd, ev) < 0)
			return -1;
		if (c->st < C_READY)
			*wake_ms = min64(*wake_ms, c->deadline_ms);
		if (c->refused && c->qhead < c->nq)
			*wake_ms = min64(*wake_ms, c->retry_at);
		for (j = 0; j < c->nch; j++) {
			struct chan *ch = c->chans[j];
			size_t k;

			if (ch->cmd)
				*wake_ms = min64(*wake_ms, ch->deadline_ms);
			for (k = 0; k < ch->nb; k++)
				if (ch->batch[k] && ch->st >= CH_READ)
					*wake_ms =
					    min64(*wake_ms, ch->bdeadline[k]);
		}
	}
	return 0;
}

static void ssh_expire(struct rl_backend *base, int64_t now)
{
	struct ssh_backend *b = (struct ssh_backend *)base;
	size_t i;

	(void)now;
	for (i = 0; i < b->nconns; i++) {
		struct conn *c = b->conns[i];

		if (conn_unfinished(c) || (c->st > C_IDLE && c->st < C_READY))
			conn_fail(c, RL_CMD_TIMEOUT, conn_stage(c), "timeout");
	}
}

static void ssh_free(struct rl_backend *base)
{
	struct ssh_backend *b = (struct ssh_backend *)base;
	size_t i;

	if (!b)
		return;
	for (i = 0; i < b->nconns; i++) {
		conn_drop(b->conns[i]);
		free(b->conns[i]->chans);
		free(b->conns[i]->queue);
		free(b->conns[i]);
	}
	free(b->conns);
	if (b->lib_init)
		libssh2_exit();
	free(b);
}

static const struct rl_backend_ops ssh_ops = {
    .start = ssh_start,
    .pollfds = ssh_pollfds,
    .step = ssh_step,
    .expire = ssh_expire,
    .free = ssh_free,
};

struct rl_backend *rl_backend_ssh_new(const struct rl_model *m,
				      struct rl_err *err)
{
	struct ssh_backend *b = calloc(1, sizeof(*b));
	static const struct rl_ssh_settings no_settings;
	const struct rl_ssh_settings *s = m ? &m->site.ssh : &no_settings;

	if (!b) {
		rl_err_set(err, "out of memory");
		return NULL;
	}
	b->base.ops = &ssh_ops;
	b->set = m ? &m->site.ssh : &no_settings;
	b->deadline_ms = INT64_MAX;
	b->timeout_ms = s->timeout_ms > 0 ? s->timeout_ms : DEFAULT_TIMEOUT_MS;
	b->max_channels =
	    s->max_channels > 0 ? s->max_channels : DEFAULT_MAX_CHANNELS;
	b->max_handshakes =
	    s->max_handshakes > 0 ? s->max_handshakes : DEFAULT_MAX_HANDSHAKES;
	if (libssh2_init(0)) {
		free(b);
		rl_err_set(err, "cannot initialise libssh2");
		return NULL;
	}
	b->lib_init = true;
	return &b->base;
}
