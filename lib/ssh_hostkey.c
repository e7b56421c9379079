/*
 * ssh_hostkey - known_hosts and the host key a server offers.
 *
 * libssh2 reads a whole known_hosts file with libssh2_knownhost_readfile,
 * which gives up at the first line it cannot parse: one odd line (a key
 * type it does not know, a typo) would fail every ssh host. The file is
 * read here line by line instead and such a line is skipped, as OpenSSH
 * does, with a warning that names it.
 */
#include "build.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "base64.h"
#include "dial.h"
#include "safefile.h"
#include "ssh_hostkey.h"
#include "util.h"

static const struct {
	int kh; /* LIBSSH2_KNOWNHOST_KEY_* */
	const char *name;
} key_kinds[] = {
    {LIBSSH2_KNOWNHOST_KEY_ED25519, "ssh-ed25519"},
    {LIBSSH2_KNOWNHOST_KEY_ECDSA_256, "ecdsa-sha2-nistp256"},
    {LIBSSH2_KNOWNHOST_KEY_ECDSA_384, "ecdsa-sha2-nistp384"},
    {LIBSSH2_KNOWNHOST_KEY_ECDSA_521, "ecdsa-sha2-nistp521"},
    {LIBSSH2_KNOWNHOST_KEY_SSHRSA, "ssh-rsa"},
};
#define N_KEY_KINDS (sizeof(key_kinds) / sizeof(key_kinds[0]))

static int hostkey_to_kh(int type)
{
	switch (type) {
	case LIBSSH2_HOSTKEY_TYPE_ED25519:
		return LIBSSH2_KNOWNHOST_KEY_ED25519;
	case LIBSSH2_HOSTKEY_TYPE_ECDSA_256:
		return LIBSSH2_KNOWNHOST_KEY_ECDSA_256;
	case LIBSSH2_HOSTKEY_TYPE_ECDSA_384:
		return LIBSSH2_KNOWNHOST_KEY_ECDSA_384;
	case LIBSSH2_HOSTKEY_TYPE_ECDSA_521:
		return LIBSSH2_KNOWNHOST_KEY_ECDSA_521;
	case LIBSSH2_HOSTKEY_TYPE_RSA:
		return LIBSSH2_KNOWNHOST_KEY_SSHRSA;
	case LIBSSH2_HOSTKEY_TYPE_DSS:
		return LIBSSH2_KNOWNHOST_KEY_SSHDSS;
	}
	return LIBSSH2_KNOWNHOST_KEY_UNKNOWN;
}

static const char *kh_type_name(int kh)
{
	size_t i;

	if (kh == LIBSSH2_KNOWNHOST_KEY_SSHDSS)
		return "ssh-dss";
	for (i = 0; i < N_KEY_KINDS; i++)
		if (key_kinds[i].kh == kh)
			return key_kinds[i].name;
	return "unknown-key-type";
}

static int kh_type_of(const char *name)
{
	size_t i;

	for (i = 0; i < N_KEY_KINDS; i++)
		if (!strcmp(key_kinds[i].name, name))
			return key_kinds[i].kh;
	return LIBSSH2_KNOWNHOST_KEY_UNKNOWN;
}

static const char *host_addr(const struct rl_host *h)
{
	return h->address ? h->address : h->name;
}

static int host_port(const struct rl_host *h)
{
	return h->port ? h->port : 22;
}

void rl_ssh_hostkey_fingerprint(const unsigned char sha256[32], char *buf,
				size_t len)
{
	struct rl_buf b = RL_BUF_INIT;

	rl_buf_puts(&b, "SHA256:");
	rl_base64_encode(&b, sha256, 32, 0);
	snprintf(buf, len, "%s", b.oom ? "SHA256:?" : rl_buf_str(&b));
	rl_buf_free(&b);
}

int rl_ssh_hostkey_load(LIBSSH2_SESSION *s, const char *path,
			LIBSSH2_KNOWNHOSTS **out,
			struct rl_ssh_hostkey_skipped *skipped,
			struct rl_err *err)
{
	struct rl_ssh_hostkey_skipped sk = {0, 0};
	LIBSSH2_KNOWNHOSTS *kh = NULL;
	struct stat st = {0};
	FILE *f = NULL;
	int fd = -1;
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	ssize_t n;
	int r = -1;

	if (!(kh = libssh2_knownhost_init(s))) {
		rl_err_set(err, "out of memory");
		goto out;
	}
	/* a FIFO in its place must not block the caller (nor a device be
	 * read forever): opened O_NONBLOCK and judged before reading */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		if (errno == ENOENT)
			goto done;
		rl_err_set(err, "cannot read known_hosts '%s': %s", path,
			   strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    fcntl(fd, F_SETFL, O_RDONLY) < 0 || !(f = fdopen(fd, "r"))) {
		rl_err_set(err, "cannot read known_hosts '%s': %s", path,
			   S_ISREG(st.st_mode) ? strerror(errno)
					       : "not a regular file");
		goto out;
	}
	fd = -1; /* f's now */
	while ((n = getline(&line, &cap, f)) >= 0) {
		int k;

		lineno++;
		k = libssh2_knownhost_readline(kh, line, (size_t)n,
					       LIBSSH2_KNOWNHOST_FILE_OPENSSH);
		if (k == LIBSSH2_ERROR_ALLOC) {
			rl_err_set(err, "out of memory");
			goto out;
		}
		if (k < 0 && !sk.lines++)
			sk.first = lineno;
	}
	if (ferror(f) || !feof(f)) {
		rl_err_set(err, "cannot read known_hosts '%s': %s", path,
			   strerror(errno ? errno : EIO));
		goto out;
	}
done:
	if (skipped)
		*skipped = sk;
	*out = kh;
	kh = NULL;
	r = 0;
out:
	free(line);
	if (f)
		fclose(f);
	if (fd >= 0)
		close(fd);
	if (kh)
		libssh2_knownhost_free(kh);
	return r;
}

const char *rl_ssh_hostkey_more(const struct rl_ssh_hostkey_skipped *sk,
				char *buf, size_t len)
{
	if (sk->lines > 1)
		snprintf(buf, len, " (and %zu more)", sk->lines - 1);
	else if (len)
		buf[0] = '\0';
	return buf;
}

int rl_ssh_hostkey_prefer(LIBSSH2_SESSION *s, LIBSSH2_KNOWNHOSTS *kh,
			  const char *addr, int port, struct rl_err *err)
{
	struct rl_buf pref = RL_BUF_INIT;
	size_t i;
	int r = -1;

	/* libssh2 cannot list a hashed entry's name, so each type is probed
	 * with a key that cannot match: a host entry of that type answers
	 * MISMATCH, no entry NOTFOUND */
	for (i = 0; i < N_KEY_KINDS; i++)
		if (libssh2_knownhost_checkp(
			kh, addr, port, "-", 1,
			LIBSSH2_KNOWNHOST_TYPE_PLAIN |
			    LIBSSH2_KNOWNHOST_KEYENC_BASE64 | key_kinds[i].kh,
			NULL) == LIBSSH2_KNOWNHOST_CHECK_MISMATCH)
			rl_buf_printf(&pref, "%s%s", pref.len ? "," : "",
				      key_kinds[i].name);
	if (!pref.len) /* unknown host: show the key `ssh` would show */
		for (i = 0; i < N_KEY_KINDS; i++)
			rl_buf_printf(&pref, "%s%s", i ? "," : "",
				      key_kinds[i].name);
	if (pref.oom) {
		rl_err_set(err, "out of memory");
		goto out;
	}
	libssh2_session_method_pref(s, LIBSSH2_METHOD_HOSTKEY,
				    rl_buf_str(&pref));
	r = 0;
out:
	rl_buf_free(&pref);
	return r;
}

/* How KH judges KEY of type KH_TYPE for ADDR:PORT; -1: it cannot say. */
static int judge(LIBSSH2_KNOWNHOSTS *kh, const char *addr, int port,
		 const unsigned char *key, size_t len, int kh_type)
{
	int r =
	    libssh2_knownhost_checkp(kh, addr, port, (const char *)key, len,
				     LIBSSH2_KNOWNHOST_TYPE_PLAIN |
					 LIBSSH2_KNOWNHOST_KEYENC_RAW | kh_type,
				     NULL);

	switch (r) {
	case LIBSSH2_KNOWNHOST_CHECK_MATCH:
		return RL_SSH_HOSTKEY_KNOWN;
	case LIBSSH2_KNOWNHOST_CHECK_MISMATCH:
		return RL_SSH_HOSTKEY_MISMATCH;
	case LIBSSH2_KNOWNHOST_CHECK_NOTFOUND:
		return RL_SSH_HOSTKEY_UNKNOWN;
	}
	return -1;
}

/* The known_hosts name of ADDR:PORT: "ADDR" on port 22, else
 * "[ADDR]:PORT". */
static void kh_name(char *buf, size_t len, const char *addr, int port)
{
	if (port == 22)
		snprintf(buf, len, "%s", addr);
	else
		snprintf(buf, len, "[%s]:%d", addr, port);
}

int rl_ssh_hostkey_offered(LIBSSH2_SESSION *s, LIBSSH2_KNOWNHOSTS *kh,
			   const char *addr, int port,
			   struct rl_ssh_hostkey *out)
{
	const char *key, *hash;
	size_t len;
	int type, j;

	key = libssh2_session_hostkey(s, &len, &type);
	hash = libssh2_hostkey_hash(s, LIBSSH2_HOSTKEY_HASH_SHA256);
	if (!key || !hash || !len)
		return -1;
	snprintf(out->type, sizeof(out->type), "%s",
		 kh_type_name(hostkey_to_kh(type)));
	rl_ssh_hostkey_fingerprint((const unsigned char *)hash,
				   out->fingerprint, sizeof(out->fingerprint));
	kh_name(out->name, sizeof(out->name), addr, port);
	out->key = NULL;
	out->key_len = len;
	j = judge(kh, addr, port, (const unsigned char *)key, len,
		  hostkey_to_kh(type));
	if (j < 0)
		return -2;
	out->state = (enum rl_ssh_hostkey_state)j;
	return 0;
}

/* The handshake of S on FD, waiting until DEADLINE_MS at most. */
static int handshake(LIBSSH2_SESSION *s, int fd, const char *where,
		     int64_t deadline_ms, struct rl_err *err)
{
	char e[200];
	char *msg = NULL;
	int r;

	while ((r = libssh2_session_handshake(s, fd)) == LIBSSH2_ERROR_EAGAIN) {
		int dir = libssh2_session_block_directions(s);
		short ev = (dir & LIBSSH2_SESSION_BLOCK_INBOUND ? POLLIN : 0) |
			   (dir & LIBSSH2_SESSION_BLOCK_OUTBOUND ? POLLOUT : 0);

		if (!rl_dial_poll(fd, ev ? ev : POLLIN, deadline_ms))
			return rl_err_set(err,
					  "timeout during the SSH handshake "
					  "with %s",
					  where);
	}
	if (r) {
		int code = libssh2_session_last_error(s, &msg, NULL, 0);

		snprintf(e, sizeof(e), "%.120s (libssh2 %d)",
			 msg ? msg : "unknown error", code);
		return rl_err_set(err, "SSH handshake with %s failed: %s",
				  where, e);
	}
	return 0;
}

int rl_ssh_hostkey_probe(const struct rl_model *m, const struct rl_host *h,
			 int64_t deadline_ms, struct rl_ssh_hostkey *out,
			 struct rl_err *err)
{
	const char *path = m->site.ssh.known_hosts;
	LIBSSH2_SESSION *s = NULL;
	LIBSSH2_KNOWNHOSTS *kh = NULL;
	struct rl_ssh_hostkey k;
	struct rl_ssh_hostkey_skipped sk;
	struct rl_dial d;
	char more[64];
	const char *key;
	size_t len;
	int r = -1, type, inited = 0;

	memset(&k, 0, sizeof(k));
	rl_dial_init(&d);
	if (h->transport != RL_TRANSPORT_SSH) {
		rl_err_set(err, "host '%s' is not reached over ssh", h->name);
		goto out;
	}
	if (!path) {
		rl_err_set(err, "no known_hosts file configured ([ssh] "
				"known_hosts)");
		goto out;
	}
	if (libssh2_init(0)) {
		rl_err_set(err, "cannot initialise libssh2");
		goto out;
	}
	inited = 1;
	if (rl_dial_start(&d, host_addr(h), host_port(h), deadline_ms, err) ||
	    rl_dial_wait(&d, deadline_ms, err))
		goto out;
	if (!(s = libssh2_session_init())) {
		rl_err_set(err, "cannot create an SSH session");
		goto out;
	}
	libssh2_session_set_blocking(s, 0);
	if (rl_ssh_hostkey_load(s, path, &kh, &sk, err))
		goto out;
	if (sk.lines)
		snprintf(k.warning, sizeof(k.warning),
			 "%s:%zu: cannot parse this known_hosts line, "
			 "skipped%s",
			 path, sk.first,
			 rl_ssh_hostkey_more(&sk, more, sizeof(more)));
	if (rl_ssh_hostkey_prefer(s, kh, host_addr(h), host_port(h), err) ||
	    handshake(s, d.fd, d.where, deadline_ms, err))
		goto out;
	switch (rl_ssh_hostkey_offered(s, kh, host_addr(h), host_port(h), &k)) {
	case -1:
		rl_err_set(err, "%s sent no host key", d.where);
		goto out;
	case -2:
		rl_err_set(err, "cannot check the host key %s %s against '%s'",
			   k.type, k.fingerprint, path);
		goto out;
	}
	key = libssh2_session_hostkey(s, &len, &type);
	if (!(k.key = malloc(len))) {
		rl_err_set(err, "out of memory");
		goto out;
	}
	memcpy(k.key, key, len);
	k.key_len = len;
	*out = k;
	r = 0;
out:
	if (kh)
		libssh2_knownhost_free(kh);
	/* no goodbye: nothing that could block past the deadline */
	rl_dial_close(&d);
	if (s)
		libssh2_session_free(s);
	if (inited)
		libssh2_exit();
	return r;
}

/* Appends LINE to PATH in one write (O_APPEND keeps it whole beside
 * another writer); creates the file mode 0644. Root writes it: no link
 * followed, no FIFO, device or hard-linked file, and its directory
 * judged as a state directory (lib/safefile.h). */
static int append_line(const char *path, const struct rl_buf *line,
		       struct rl_err *err)
{
	struct rl_file_dir d = RL_FILE_DIR_INIT;
	const char *name;
	ssize_t w;
	int fd = -1, r = -1;

	if (rl_file_dir_open_parent(&d, path, RL_FILE_DIR_STATE, &name, err) <
		0 ||
	    (fd = rl_file_open_append(&d, name, 0644, err)) < 0) {
		rl_err_prefix(err, "cannot write known_hosts '%s'", path);
		goto out;
	}
	w = write(fd, rl_buf_str(line), line->len);
	if (w < 0 || (size_t)w != line->len) {
		rl_err_set(err, "cannot write known_hosts '%s': %s", path,
			   w < 0 ? strerror(errno) : "short write");
		goto out;
	}
	r = close(fd);
	fd = -1;
	if (r < 0)
		rl_err_set(err, "cannot write known_hosts '%s': %s", path,
			   strerror(errno));
out:
	if (fd >= 0)
		close(fd);
	rl_file_dir_close(&d);
	return r;
}

int rl_ssh_hostkey_add(const struct rl_model *m, const struct rl_host *h,
		       const struct rl_ssh_hostkey *k, struct rl_err *err)
{
	const char *path = m->site.ssh.known_hosts;
	LIBSSH2_SESSION *s = NULL;
	LIBSSH2_KNOWNHOSTS *kh = NULL;
	struct rl_buf line = RL_BUF_INIT;
	int r = -1, inited = 0, kt = kh_type_of(k->type);

	if (!path) {
		rl_err_set(err, "no known_hosts file configured ([ssh] "
				"known_hosts)");
		goto out;
	}
	if (kt == LIBSSH2_KNOWNHOST_KEY_UNKNOWN) {
		rl_err_set(err, "key type '%s' cannot be used", k->type);
		goto out;
	}
	if (libssh2_init(0)) {
		rl_err_set(err, "cannot initialise libssh2");
		goto out;
	}
	inited = 1;
	if (!(s = libssh2_session_init())) {
		rl_err_set(err, "cannot create an SSH session");
		goto out;
	}
	if (rl_ssh_hostkey_load(s, path, &kh, NULL, err))
		goto out;
	/* known_hosts may have changed since the probe: judge again */
	switch (judge(kh, host_addr(h), host_port(h), k->key, k->key_len, kt)) {
	case RL_SSH_HOSTKEY_KNOWN:
		r = 0;
		goto out;
	case RL_SSH_HOSTKEY_MISMATCH:
		rl_err_set(err,
			   "known_hosts '%s' holds another %s key for %s: "
			   "resolve the mismatch by hand",
			   path, k->type, k->name);
		goto out;
	case RL_SSH_HOSTKEY_UNKNOWN:
		break;
	default:
		rl_err_set(err, "cannot check the host key %s %s against '%s'",
			   k->type, k->fingerprint, path);
		goto out;
	}
	rl_buf_printf(&line, "%s %s ", k->name, k->type);
	rl_base64_encode(&line, k->key, k->key_len, 1);
	rl_buf_puts(&line, "\n");
	if (line.oom) {
		rl_err_set(err, "out of memory");
		goto out;
	}
	r = append_line(path, &line, err);
out:
	rl_buf_free(&line);
	if (kh)
		libssh2_knownhost_free(kh);
	if (s)
		libssh2_session_free(s);
	if (inited)
		libssh2_exit();
	return r;
}

void rl_ssh_hostkey_free(struct rl_ssh_hostkey *k)
{
	if (!k)
		return;
	free(k->key);
	k->key = NULL;
	k->key_len = 0;
}
