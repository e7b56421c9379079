/*
 * hostlock - one action at a time per component across monitoring nodes:
 * a lock kept on the component's own host (DESIGN.md, "Exactly once").
 *
 * The lock is a directory, made with mkdir (atomic on every POSIX file
 * system), in ~/.relance/locks of the account relance logs in as, so every
 * monitoring node that reaches the host through that account meets the
 * same lock. Inside, a file `owner` holds two lines: who holds it (node,
 * pid, what) and when it expires (seconds since the epoch, the target's
 * clock). An expired lock is taken over. A fresh one is taken over only
 * when its owner is a process of this very node that is gone: owner lines
 * made by rl_hostlock_owner carry the node, the pid, the process's start
 * time and the boot id, and the node (not the target, where that pid
 * means nothing) judges them; the target then replaces the lock only if
 * it still holds that exact owner line. An owner line of another form
 * (an older relance's "NODE pid PID ...") is judged by its expiry alone.
 *
 * The commands are composed here and run through the transport like any
 * other, except on a host of transport local (shell posix): there the
 * same protocol is carried out in this process with system calls (the
 * same directory, ~ as the local transport's commands would find it;
 * the same mkdir, owner file, expiry and moves aside; the same holder
 * lines), without the ~20 processes the commands cost a restart. A lock
 * taken in process and one taken by the commands on the same machine
 * (over SSH, by another node) exclude each other both ways. Only values relance
 * made itself (a component name the model has validated, an owner line reduced
 * to safe characters) reach them, each single-quoted for its shell all the
 * same.
 *
 * Windows hosts (OpenSSH for Windows). shell = powershell: a Windows
 * PowerShell 5.1 script (PowerShell 7 runs it too). The lock there is a
 * file, NAME.lock in %USERPROFILE%\.relance\locks (or DIR), created
 * with FileMode CreateNew, which is atomic and fails if the file exists
 * (New-Item -ItemType Directory is not atomic: it looks first, then
 * creates, and the create succeeds on an existing directory). The file
 * holds the same two lines; expiry compares with
 * [DateTimeOffset]::UtcNow.ToUnixTimeSeconds(); an expired lock is
 * moved aside with MoveFile (atomic, one mover wins) and taken over as
 * on POSIX. shell = cmd: cmd has no arithmetic on the clock nor a safe
 * quoting, so a cmd host runs the same PowerShell script through
 * "powershell.exe -NoProfile -NonInteractive -EncodedCommand BASE64"
 * (base64 of its UTF-16LE text: no quote or %VAR% for cmd to read);
 * every Windows relance supports has powershell.exe. The answers are the
 * same lines, ended with CRLF. No Windows host nor pwsh package exists
 * where relance is built and tested: the Windows commands are checked as
 * exact strings, never run.
 */
#ifndef RL_HOSTLOCK_H
#define RL_HOSTLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "model.h"
#include "transport.h"
#include "util.h"

/* What an acquire found. Plain struct. */
struct rl_hostlock_result {
	bool acquired;
	char holder[256];   /* when not acquired: the owner line found */
	bool taken_over;    /* acquired from a dead owner of this node */
	char previous[256]; /* when taken_over: that owner's line */
};

/*
 * Appends this process's owner line to OUT:
 * "NODE pid PID start TICKS boot BOOT-ID WHAT", NODE with anything but
 * [A-Za-z0-9._-:@] as '_' (it is one word), TICKS the process's start time
 * (/proc/PID/stat field 22), BOOT-ID /proc/sys/kernel/random/boot_id.
 * With it, a lock left by this process once it is dead (or its pid
 * reused) is taken over by the next acquire on the same node at once.
 * Returns 0, or -1 with err when /proc cannot be read or memory runs out.
 */
int rl_hostlock_owner(const char *node, const char *what, struct rl_buf *out,
		      struct rl_err *err);

/*
 * DIR is the lock directory on the target: NULL for ~/.relance/locks
 * (Windows: %USERPROFILE%\.relance\locks), else an absolute path of
 * [A-Za-z0-9._/-] (refused otherwise); on Windows shells '\' and a
 * drive ("D:/relance/locks") are allowed too.
 * Appends the shell command that takes the lock of COMPONENT for OWNER
 * until now + TTL_S on the target. Its output is one line:
 * "relance-lock: acquired" or "relance-lock: held OWNER-LINE".
 * Errors: invalid component name or directory, ttl not positive.
 */
int rl_hostlock_acquire_command(enum rl_shell shell, const char *dir,
				const char *component, const char *owner,
				int64_t ttl_s, struct rl_buf *out,
				struct rl_err *err);
/*
 * The acquire command, which also takes the lock over when its owner line
 * is exactly DEAD (an owner this node found dead; reduced to the safe
 * characters like OWNER). Same answers.
 */
int rl_hostlock_takeover_command(enum rl_shell shell, const char *dir,
				 const char *component, const char *owner,
				 const char *dead, int64_t ttl_s,
				 struct rl_buf *out, struct rl_err *err);
/* The command that releases it if, and only if, OWNER still holds it. */
int rl_hostlock_release_command(enum rl_shell shell, const char *dir,
				const char *component, const char *owner,
				struct rl_buf *out, struct rl_err *err);

/*
 * Takes / releases the lock of C on its host through T before DEADLINE_MS.
 * Returns 0 with *res filled (acquired or held by whom), or -1 with err
 * naming the host when the command could not run or answered oddly.
 * When OWNER is a line of rl_hostlock_owner and the lock is held by such
 * a line of the same node and boot whose process is gone or is another
 * process now, a second command takes it over (res->taken_over and
 * res->previous say so, for the caller's journal). Blocks for up to two
 * commands on the host; on a local host, for a few system calls on the
 * lock directory (errors then say "cannot create DIR: ...", "cannot write
 * DIR", without an exit status).
 */
int rl_hostlock_acquire(struct rl_transport *t, const struct rl_component *c,
			const char *dir, const char *owner, int64_t ttl_s,
			int64_t deadline_ms, struct rl_hostlock_result *res,
			struct rl_err *err);
int rl_hostlock_release(struct rl_transport *t, const struct rl_component *c,
			const char *dir, const char *owner, int64_t deadline_ms,
			struct rl_err *err);

/*
 * The same, always through T's commands, even on a host of transport
 * local (which the calls above serve in process): what a remote host
 * runs. For tests that set the two against each other.
 */
int rl_hostlock_acquire_by_command(struct rl_transport *t,
				   const struct rl_component *c,
				   const char *dir, const char *owner,
				   int64_t ttl_s, int64_t deadline_ms,
				   struct rl_hostlock_result *res,
				   struct rl_err *err);
int rl_hostlock_release_by_command(struct rl_transport *t,
				   const struct rl_component *c,
				   const char *dir, const char *owner,
				   int64_t deadline_ms, struct rl_err *err);

#endif
