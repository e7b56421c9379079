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

#include <stdbool.h>
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

/*
 * One remote command for many checks (issue 17): all the checks of a host
 * in one exec, each in its own process, in parallel, with its own
 * timeout, its stdout and stderr in files of its own under a private
 * temporary directory on the target, and a framed report on the
 * channel's stdout, one frame per check as each ends:
 *
 *   "RLB1 TOKEN IDX STATUS OUTLEN ERRLEN\n" OUTLEN bytes ERRLEN bytes
 *
 * IDX is the item's index, STATUS its exit status as the shell saw it
 * (128 + N: killed by signal N; 124: its timeout ended it), OUTLEN and
 * ERRLEN at most RL_BATCH_STREAM_MAX (a check that wrote more is cut
 * there). Only the batch's own shell writes to the channel, and each
 * frame says how long it is, so no check output can pass for a frame; the
 * TOKEN (random per batch) is checked in every header too. The timeouts
 * are one timer process for the batch (not a `timeout` per check: their
 * start cost a loaded target 100 ms for six): at a check's timeout its
 * process gets SIGTERM, a second later SIGKILL (what a check's own shell
 * started is killed when the channel closes). When the channel closes
 * (the client has every result, or gave up) the watcher removes the
 * directory and kills the session's process group, as compose_posix's
 * does for one command. Only when the whole session is killed at once
 * (SIGKILL to its group: sshd killed with its children) does the
 * directory stay behind in $TMPDIR (files of 0600, a directory of 0700).
 * The script exits 97 (no frame at all) when the target cannot make its
 * directory or FIFO (${TMPDIR:-/tmp}, mkfifo): the caller falls back.
 * POSIX shells only.
 */
#define RL_BATCH_TOKEN_LEN 16
/* one more than transport.h's RL_CMD_OUTPUT_MAX: the receiver sees the
 * cut */
#define RL_BATCH_STREAM_MAX (64 * 1024 + 1)

struct rl_batch_item {
	const char *command;   /* the config's text */
	const char *component; /* RELANCE_COMPONENT; NULL: not set */
	int64_t timeout_ms;    /* remote timeout; 0: none */
};

/* TOKEN: RL_BATCH_TOKEN_LEN characters of [0-9a-f]. Returns 0, or -1 with
 * err set (a component name that cannot be passed, no memory). */
int rl_shell_compose_batch(struct rl_buf *out, const char *token,
			   const struct rl_batch_item *items, size_t n,
			   struct rl_err *err);

/* The other side: an incremental parser of the report. Plain struct;
 * rl_batch_init, then rl_batch_feed as bytes arrive, rl_batch_free. */
struct rl_batch_parser {
	char token[RL_BATCH_TOKEN_LEN + 1];
	size_t n;	     /* frames expected */
	size_t done;	     /* frames complete */
	unsigned char *seen; /* per index */
	int state;	     /* 0: in a header, 1: stdout, 2: stderr */
	char head[96];
	size_t hlen;
	size_t idx;
	int status;
	size_t left; /* bytes left of the current stream */
	size_t err_len;
	bool failed;
	char error[160]; /* after a failure: what was wrong */
};

/* Called as a frame's bytes arrive (stream 1: stdout, 2: stderr), and
 * once when the frame of IDX is complete. */
struct rl_batch_sink {
	void (*output)(void *ctx, size_t idx, int stream, const char *data,
		       size_t n);
	void (*done)(void *ctx, size_t idx, int status);
	void *ctx;
};

/* Returns 0, or -1 on allocation failure. */
int rl_batch_init(struct rl_batch_parser *p, const char *token, size_t n);
void rl_batch_free(struct rl_batch_parser *p);
/* Returns 0, or -1 once the input is not a well-formed report (a bad or
 * forged header, an index out of range or repeated, a length over
 * RL_BATCH_STREAM_MAX, bytes after the last frame): p->error says what;
 * later calls return -1 and call nothing. */
int rl_batch_feed(struct rl_batch_parser *p, const char *data, size_t len,
		  const struct rl_batch_sink *sink);

#endif
