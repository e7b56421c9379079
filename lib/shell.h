/*
 * shell - composing the command line a remote login shell runs.
 *
 * Pure text work: no I/O, never blocks. Everything is appended to a
 * struct rl_buf that the caller owns and frees; on allocation failure the
 * buffer's oom flag is set (rl_buf's convention) and the functions that
 * return a status say so.
 *
 * Depends on: util (rl_buf), base64, model (enum rl_shell). Used by the ssh
 * backend (transport_ssh.c: the exec request of every command) and by
 * hostlock (the lock commands). It knows nothing of SSH itself.
 */
#ifndef RL_SHELL_H
#define RL_SHELL_H

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
 *              exec 3<&0 </dev/null; \
 *              if command -v timeout >/dev/null 2>&1; then \
 *              timeout -k 1 SECS sh -c 'CMD' 3<&- & c=$!; \
 *              else sh -c 'CMD' 3<&- & c=$!; fi; \
 *              { while read -r _; do :; done; kill -KILL -$c; \
 *              kill -KILL 0; } <&3 >/dev/null 2>&1 & w=$!; exec 3<&-; \
 *              wait $c; s=$?; kill $w 2>/dev/null; \
 *              [ $s -gt 128 ] && kill -$((s - 128)) $$ 2>/dev/null; exit $s
 *              (without a timeout: no if, only sh -c 'CMD' 3<&- & c=$!;
 *              CMD is single-quoted, a ' inside becomes '\''). The
 *              command's stdin is /dev/null; when the channel closes
 *              before it ends (our deadline, an interruption, the client
 *              killed), the watcher sees EOF on the session's stdin and
 *              kills the command's process group and the session's: what
 *              it started outlives it only if it left that group (setsid).
 *              A command killed by a signal is reported as that signal.
 *  powershell: the command travels base64-encoded (no quoting layer of
 *              Win32-OpenSSH or cmd.exe can alter it); with a timeout it
 *              runs in a child powershell that is killed with its tree
 *              (taskkill /T /F) and the result is exit 124
 *  cmd:        set "RELANCE_COMPONENT=C" && CMD
 *              (no remote timeout: the channel is closed at the timeout,
 *              the command may survive on the target; so may a
 *              powershell or cmd command whose channel closes early)
 *
 * A component name with characters outside [A-Za-z0-9._/-] is refused.
 * Returns 0, or -1 with err set (bad component name, no memory).
 */
int rl_shell_compose(struct rl_buf *out, enum rl_shell shell,
		     const char *command, const char *component,
		     int64_t timeout_ms, struct rl_err *err);

/* Appends s to out between single quotes for a POSIX shell, each '
 * written as '\''. */
void rl_shell_sh_quote(struct rl_buf *out, const char *s);

/* Appends the UTF-16LE form of the UTF-8 text s (no terminator; a byte
 * sequence that is not UTF-8 becomes U+FFFD), as PowerShell's
 * -EncodedCommand wants before base64. */
void rl_shell_utf16le(struct rl_buf *out, const char *s);

#endif
