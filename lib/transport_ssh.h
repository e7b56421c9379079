/*
 * transport_ssh - the `ssh` backend of the transport (libssh2 1.10,
 * non-blocking): sessions, authentication and channels.
 *
 * The backend itself is reached through transport_impl.h
 * (rl_backend_ssh_new); this header exposes the one pure helper it is
 * built from, so that unit tests can check it without a network.
 *
 * Depends on: transport_impl.h (the backend interface), ssh_hostkey
 * (known_hosts and the host-key check), dial (the TCP connect), shell (the
 * remote command line), base64. Nothing depends on this file but the
 * transport, through its constructor.
 */
#ifndef RL_TRANSPORT_SSH_H
#define RL_TRANSPORT_SSH_H

#include <stddef.h>

#include "err.h"

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
