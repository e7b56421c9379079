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

#endif
