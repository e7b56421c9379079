/*
 * base64 - standard base64 (RFC 4648, the alphabet with + and /).
 *
 * A leaf: it depends on util (struct rl_buf) only. Users: shell (the
 * PowerShell wrappers carry commands base64-encoded), hostlock,
 * ssh_hostkey (fingerprints, known_hosts lines) and transport_ssh
 * (reading a private key's type). Nothing here blocks or allocates beyond
 * the rl_buf it appends to.
 */
#ifndef RL_BASE64_H
#define RL_BASE64_H

#include <stddef.h>

#include "util.h"

/* Appends the base64 of the N bytes at DATA to OUT, with '=' padding when
 * PAD. On allocation failure out->oom is set (rl_buf's convention). */
void rl_base64_encode(struct rl_buf *out, const unsigned char *data, size_t n,
		      int pad);

/*
 * Decodes the base64 text of the N bytes at S in place (the result is
 * never longer than the text), skipping spaces, tabs and line ends, and
 * stopping at '=', NUL or any other character outside the alphabet.
 * Returns the decoded length.
 */
size_t rl_base64_decode(char *s, size_t n);

#endif
