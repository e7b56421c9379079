/*
 * transport_ssh - the `ssh` backend of the transport (libssh2 1.10,
 * non-blocking). The backend itself is reached through transport_impl.h
 * (rl_backend_ssh_new); this header exposes the pure helpers it is built
 * from, so that unit tests can check them without a network.
 */
#ifndef RL_TRANSPORT_SSH_H
#define RL_TRANSPORT_SSH_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "model.h"
#include "util.h"

/*
 * Appends to out the exec request line that runs COMMAND (the config's
 * text) on a host whose login shell is SHELL, with RELANCE_COMPONENT set
 * to COMPONENT (NULL: not set) and, when timeout_ms > 0, the remote side
 * killing the command after that long where the shell allows:
 *
 *  posix:      RELANCE_COMPONENT='C'; export RELANCE_COMPONENT; \
 *              command -v timeout >/dev/null 2>&1 || exec sh -c 'CMD'; \
 *              exec timeout -k 1 SECS sh -c 'CMD'
 *              (without a timeout: the env part, then exec sh -c 'CMD';
 *              CMD is single-quoted, a ' inside becomes '\'')
 *  powershell: the command travels base64-encoded (no quoting layer of
 *              Win32-OpenSSH or cmd.exe can alter it); with a timeout it
 *              runs in a child powershell that is killed with its tree
 *              (taskkill /T /F) and the result is exit 124
 *  cmd:        set "RELANCE_COMPONENT=C" && CMD
 *              (no remote timeout: the channel is closed at the timeout,
 *              the command may survive on the target)
 *
 * A component name with characters outside [A-Za-z0-9._/-] is refused.
 * Returns 0, or -1 with err set (bad component name, no memory).
 */
int rl_ssh_compose(struct rl_buf *out, enum rl_shell shell, const char *command,
		   const char *component, int64_t timeout_ms,
		   struct rl_err *err);

/* Appends s to out between single quotes, each ' written as '\''. */
void rl_ssh_sh_quote(struct rl_buf *out, const char *s);

/* Appends standard base64 of data (with '=' padding when pad). */
void rl_ssh_base64(struct rl_buf *out, const unsigned char *data, size_t n,
		   int pad);

/*
 * Writes "SHA256:" and the unpadded base64 of a 32-byte SHA-256 digest,
 * as OpenSSH prints fingerprints, into buf (at least 51 bytes).
 */
void rl_ssh_fingerprint(const unsigned char sha256[32], char *buf, size_t len);

/*
 * Reads the private key file PATH and writes its key type ("ssh-ed25519",
 * "ssh-rsa", "ecdsa-sha2-nistp256", ...) into type. Understands the
 * OpenSSH format (whose public part is readable even when the key is
 * encrypted) and the old PEM RSA/EC/DSA headers. Returns 0, or -1 with
 * err set (unreadable file, unknown format). Never blocks for long (a
 * local file of at most 64 KiB).
 */
int rl_ssh_key_type(const char *path, char *type, size_t len,
		    struct rl_err *err);

/* ---- host keys for relancectl hostkey (issue 4) ----------------------- */

enum rl_ssh_hostkey_state {
	RL_SSH_HOSTKEY_UNKNOWN = 0, /* known_hosts has no key for the host */
	RL_SSH_HOSTKEY_KNOWN,	    /* it has this very key */
	RL_SSH_HOSTKEY_MISMATCH,    /* it has another key of this type */
};

/* Plain struct filled by rl_ssh_hostkey_probe(); release the blob with
 * rl_ssh_hostkey_free(). */
struct rl_ssh_hostkey {
	char type[32];	      /* "ssh-ed25519", as in known_hosts */
	char fingerprint[64]; /* "SHA256:...", as ssh-keygen -l prints it */
	char name[300];	      /* known_hosts name: "ADDR" or "[ADDR]:PORT" */
	enum rl_ssh_hostkey_state state;
	unsigned char *key; /* the raw public key blob (caller frees) */
	size_t key_len;
};

/*
 * Connects to host H (an ssh host of M: its address and port), does the
 * SSH key exchange only - never authenticates - and reports the host key
 * offered and how the [ssh] known_hosts of M judges it. The key types
 * asked for are those the backend asks for (the types known_hosts holds
 * for the host, else ed25519 first), so the key shown is the key a check
 * would see. A missing known_hosts file counts as empty. Blocks until
 * DEADLINE_MS (rl_now_ms() clock) at most. Returns 0 and fills *out, or
 * -1 with err naming the stage ("cannot connect to 127.0.0.1:2222:
 * Connection refused", "timeout during the handshake with ...").
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

void rl_ssh_hostkey_free(struct rl_ssh_hostkey *k);

#endif
