/*
 * ssh_hostkey - SSH host keys: reading known_hosts, choosing the host-key
 * types to ask for, judging the key a server offers, its fingerprint, and
 * the operator's probe and add (relancectl hostkey, issue 4).
 *
 * Depends on: libssh2, dial (the one connect path, shared with the ssh
 * backend), base64, model. Used by the ssh backend (transport_ssh.c, for
 * every session) and by relancectl. It never authenticates and never runs
 * a command.
 */
#ifndef RL_SSH_HOSTKEY_H
#define RL_SSH_HOSTKEY_H

#include <stddef.h>
#include <stdint.h>

#include <libssh2.h>

#include "err.h"
#include "model.h"

enum rl_ssh_hostkey_state {
	RL_SSH_HOSTKEY_UNKNOWN = 0, /* known_hosts has no key for the host */
	RL_SSH_HOSTKEY_KNOWN,	    /* it has this very key */
	RL_SSH_HOSTKEY_MISMATCH,    /* it has another key of this type */
};

/* Plain struct filled by rl_ssh_hostkey_probe() and
 * rl_ssh_hostkey_offered(); release the blob with rl_ssh_hostkey_free(). */
struct rl_ssh_hostkey {
	char type[32];	      /* "ssh-ed25519", as in known_hosts */
	char fingerprint[64]; /* "SHA256:...", as ssh-keygen -l prints it */
	char name[300];	      /* known_hosts name: "ADDR" or "[ADDR]:PORT" */
	enum rl_ssh_hostkey_state state;
	unsigned char *key; /* the raw public key blob (owned; NULL from
			       rl_ssh_hostkey_offered) */
	size_t key_len;
	char warning[RL_ERR_MAX]; /* "" or the known_hosts lines skipped
				     ("PATH:3: cannot parse this
				     known_hosts line, skipped (and 1
				     more)") */
};

/* ---- the pieces the ssh backend and the probe share ------------------ */

/* The lines of known_hosts that could not be parsed and were skipped. */
struct rl_ssh_hostkey_skipped {
	size_t lines; /* how many (0: none) */
	size_t first; /* the first one's number, from 1 */
};

/*
 * Reads the known_hosts file PATH into a new collection of session S
 * (*out; the caller frees it with libssh2_knownhost_free). A missing file
 * counts as empty. Each line is read on its own, as OpenSSH does: a line
 * libssh2 cannot parse is skipped and counted in *SKIPPED (may be NULL).
 * Returns 0, or -1 with err set ("cannot read known_hosts 'PATH': ...",
 * "out of memory"). Reads a local file: does not block for long.
 */
int rl_ssh_hostkey_load(LIBSSH2_SESSION *s, const char *path,
			LIBSSH2_KNOWNHOSTS **out,
			struct rl_ssh_hostkey_skipped *skipped,
			struct rl_err *err);

/* Writes " (and N more)" into buf when more than one line was skipped,
 * else ""; returns buf. */
const char *rl_ssh_hostkey_more(const struct rl_ssh_hostkey_skipped *sk,
				char *buf, size_t len);

/*
 * Tells session S (before its handshake) which host-key types to ask for:
 * those KH holds for ADDR:PORT, ed25519 first (RECIPES.md: else libssh2
 * takes ECDSA where `ssh` wrote ed25519); for a host KH does not know, all
 * the types ssh would offer. Returns 0, or -1 with err set (no memory).
 */
int rl_ssh_hostkey_prefer(LIBSSH2_SESSION *s, LIBSSH2_KNOWNHOSTS *kh,
			  const char *addr, int port, struct rl_err *err);

/*
 * After the handshake of S: fills out's type, fingerprint, name, state
 * (the key judged against KH for ADDR:PORT) and key_len; out->key stays
 * NULL (the blob is the session's) and out->warning as it was. Returns
 * 0; -1 when the server sent no host key; -2 when libssh2 could not check
 * it (type and fingerprint are filled). Sets no error text: the caller
 * words it. Never blocks.
 */
int rl_ssh_hostkey_offered(LIBSSH2_SESSION *s, LIBSSH2_KNOWNHOSTS *kh,
			   const char *addr, int port,
			   struct rl_ssh_hostkey *out);

/*
 * Writes "SHA256:" and the unpadded base64 of a 32-byte SHA-256 digest,
 * as OpenSSH prints fingerprints, into buf (at least 51 bytes).
 */
void rl_ssh_hostkey_fingerprint(const unsigned char sha256[32], char *buf,
				size_t len);

/* ---- relancectl hostkey ----------------------------------------------- */

/*
 * Connects to host H (an ssh host of M: its address and port), does the
 * SSH key exchange only - never authenticates - and reports the host key
 * offered and how the [ssh] known_hosts of M judges it. The key types
 * asked for are those the backend asks for (rl_ssh_hostkey_prefer), so
 * the key shown is the key a check would see. A missing known_hosts file
 * counts as empty; skipped lines are in out->warning. Blocks until
 * DEADLINE_MS (rl_now_ms() clock) at most. Returns 0 and fills *out (the
 * caller releases it with rl_ssh_hostkey_free), or -1 with err naming the
 * stage ("cannot connect to 127.0.0.1:2222: Connection refused", "timeout
 * during the SSH handshake with ...").
 */
int rl_ssh_hostkey_probe(const struct rl_model *m, const struct rl_host *h,
			 int64_t deadline_ms, struct rl_ssh_hostkey *out,
			 struct rl_err *err);

/*
 * Appends K (from rl_ssh_hostkey_probe) to known_hosts of M as one plain
 * OpenSSH line "NAME TYPE BASE64" (the file is created mode 0644 when
 * absent). Reads known_hosts again first and refuses (-1) when it now
 * holds another key of that type for the host, or does nothing (0) when
 * it holds this one. Returns 0, or -1 with err set. Does no network I/O.
 */
int rl_ssh_hostkey_add(const struct rl_model *m, const struct rl_host *h,
		       const struct rl_ssh_hostkey *k, struct rl_err *err);

/* Frees k's key blob (not k itself). NULL is a no-op. */
void rl_ssh_hostkey_free(struct rl_ssh_hostkey *k);

#endif
