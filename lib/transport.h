/*
 * transport - runs commands on hosts, many at once, with one deadline.
 *
 * One interface for every host kind: `local` (fork/exec on this machine:
 * an argv with no shell when the command is plain words, /bin/sh -c when
 * it uses shell syntax; minimal environment; every other fd closed) and
 * `ssh` (libssh2, non-blocking; issue 4). A batch mixes hosts of both
 * kinds; all commands of a batch run concurrently, within per-session caps.
 *
 * A transport keeps its connections between batches (SSH sessions are
 * reused), so create one per program run and free it at the end.
 *
 * Inside, dependencies point one way: transport.c (the event loop and the
 * backend table) -> the backends (transport_local.c, transport_ssh.c) ->
 * transport_impl.h, the backend interface, whose helpers and this
 * header's rl_cmd_* functions live in transport_cmd.c.
 */
#ifndef RL_TRANSPORT_H
#define RL_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "model.h"

/* Output kept per stream; beyond it the rest is read and dropped. */
#define RL_CMD_OUTPUT_MAX (64 * 1024)

enum rl_cmd_status {
	RL_CMD_PENDING = 0, /* not run yet (before rl_transport_run) */
	RL_CMD_EXITED,	    /* ran to its end: exit_code is valid */
	RL_CMD_SIGNALED,    /* ended by a signal: signal is valid */
	RL_CMD_TIMEOUT,	    /* its time ran out at `stage`; it was killed
			       (on the target where the shell allows) */
	RL_CMD_FAILED,	    /* could not be run: `stage` and `error` say */
};

/* How far a command got: where a failure or timeout happened. */
enum rl_cmd_stage {
	RL_STAGE_RESOLVE = 0,
	RL_STAGE_CONNECT,
	RL_STAGE_HANDSHAKE,
	RL_STAGE_HOSTKEY,
	RL_STAGE_AUTH,
	RL_STAGE_EXEC,	  /* starting the command (fork/exec, channel) */
	RL_STAGE_COMMAND, /* the command itself was running */
};

/* Plain struct: fill the inputs, zero the rest; rl_cmd_clear() after. */
struct rl_cmd {
	/* in */
	const struct rl_host *host; /* borrowed */
	const char *command;	    /* borrowed: the config's text */
	int64_t timeout_ms;	    /* 0: only the batch deadline */
	const char *component;	    /* exported as RELANCE_COMPONENT; may
				       be NULL */
	const char *user;	    /* local: the account to run as instead
				       of the host's `user`; NULL: the
				       host's (rl_transport_check_user) */
	bool batchable; /* a check (issue 17): on an ssh host with a POSIX
			   shell it may run in one remote command with the
			   host's other batchable commands of the batch
			   (shell.h: rl_shell_compose_batch), and, if that
			   command fails before its result came, once more
			   on a channel of its own. Never for actions. */
	/* out */
	enum rl_cmd_status status;
	enum rl_cmd_stage stage;
	int exit_code;
	int signal;
	char *out; /* NUL-terminated, owned: rl_cmd_clear;
		      never NULL after rl_transport_run
		      returned 0 */
	size_t out_len;
	bool out_cut; /* more than RL_CMD_OUTPUT_MAX came */
	char *err;
	size_t err_len;
	bool err_cut;
	int64_t duration_us; /* from start of exec to its end; for
				TIMEOUT, to the moment it timed out */
	char error[256];     /* FAILED/TIMEOUT: one line, names the
				host and the stage */
	char via[160];	     /* how it ran, for -v: "one remote command
				for the 6 checks on 'h1'", "a channel of
				its own", "a channel of its own: the batch
				failed: ..."; "" for local commands */
};

struct rl_transport;

/* NULL with err set on failure (e.g. libssh2 init). */
struct rl_transport *rl_transport_new(const struct rl_model *m,
				      struct rl_err *err);
/* Closes every connection without waiting for the peer. NULL is a no-op. */
void rl_transport_free(struct rl_transport *t);

/*
 * Runs the n commands at once and returns when each has a result, or at
 * DEADLINE_MS (rl_now_ms() clock), whichever comes first: commands still
 * running then are killed and marked RL_CMD_TIMEOUT; the call never
 * blocks past the deadline by more than a few ms. A command with its own
 * timeout_ms ends at the earlier of the two.
 * Per-command failures are in the commands, not the return value: returns
 * 0 when every command has a result, RL_TRANSPORT_INTERRUPTED when the
 * cancel fd (rl_transport_set_cancel) ended the batch, -1 only if the batch
 * itself could not be run (no memory), with err set.
 * Each command's outputs are cleared first (rl_cmd_clear), so a command may
 * be run again. The ssh backend is created on the first batch that has an
 * ssh host: a local-only program never needs it.
 * A local command that started a daemon which keeps its stdout/stderr is
 * reported when the command itself exits (at most ~20 ms later), without
 * waiting for EOF. A command's own timeout sends SIGTERM to its process
 * group, SIGKILL 200 ms later (or at the batch deadline if sooner); at the
 * batch deadline the group gets SIGKILL at once.
 */
int rl_transport_run(struct rl_transport *t, struct rl_cmd *cmds, size_t n,
		     int64_t deadline_ms, struct rl_err *err);

/*
 * Cancellation. FD is a descriptor the caller owns (the read end of the
 * pipe that rl_run_trap_signals' handlers write to), or -1 for none; the
 * transport only polls it, never reads or closes it, so once readable it
 * stays so and every later batch is cancelled too. While a batch runs and
 * FD becomes readable, the batch ends at once: what still runs is killed
 * as at the deadline (a local process group gets SIGKILL; an ssh channel
 * is closed and the remote wrapper kills its command), those commands are
 * RL_CMD_FAILED with the error "host 'H': interrupted", and
 * rl_transport_run returns RL_TRANSPORT_INTERRUPTED. Returns the previous
 * fd (so that a caller that must finish something, e.g. release its
 * locks, can run without it and put it back).
 */
#define RL_TRANSPORT_INTERRUPTED 1
int rl_transport_set_cancel(struct rl_transport *t, int fd);
/* Whether the cancel fd is readable now (never blocks; false without one). */
bool rl_transport_interrupted(const struct rl_transport *t);
/* Sleeps until UNTIL_MS (rl_now_ms clock) or until the cancel fd is
 * readable, whichever is first. Returns true when interrupted. */
bool rl_transport_sleep(const struct rl_transport *t, int64_t until_ms);

/*
 * A local host with `user = NAME` (issue 13): its commands run as NAME
 * (USER instead when not NULL: a component's own `user`).
 * When this process runs as NAME they run as they are; as root, the child
 * switches to NAME (its groups, gid, uid; HOME, USER and LOGNAME; its home
 * as working directory) before exec. Any other caller cannot switch:
 * returns -1 with err "host 'monitor': commands run as 'fxsvc', relance
 * runs as 'nagios' and cannot switch (run as root or fxsvc, or use
 * transport = ssh)", or "host 'monitor': no user 'fxsvc' on this machine".
 * 0 for a host without user or of another transport. Reads the password
 * database; never blocks otherwise. The local backend refuses each
 * command of such a host the same way; a caller that changes components
 * asks first, before its locks, so that nothing is done.
 */
int rl_transport_check_user(const struct rl_host *h, const char *user,
			    struct rl_err *err);
/* The same for each of the N components (its user, else its host's):
 * the first refusal. */
int rl_transport_check_users(const struct rl_component *const *c, size_t n,
			     struct rl_err *err);

/* Frees a command's outputs and resets its outputs to zero. */
void rl_cmd_clear(struct rl_cmd *c);

/* "exit 3", "killed by signal 9 (SIGKILL)", "timed out after 2.0s while
 * running the command", "failed at exec: cannot run 'foo': No such file or
 * directory" (the error without its "host 'H': " prefix), "not run". */
void rl_cmd_describe(const struct rl_cmd *c, char *buf, size_t len);
const char *rl_cmd_stage_name(enum rl_cmd_stage s); /* "connect" ... */

/*
 * Splits a command into an argv when it is plain words (letters, digits,
 * and -_./=:,+@%^ ; single or double quotes with no $ ` \ inside double
 * quotes; not a builtin, keyword or `NAME=value` in first place, since sh
 * would give those another meaning). Returns 1 and a NULL-terminated argv
 * (caller frees with rl_argv_free) for plain words, 0 when the command needs a
 * shell, -1 on allocation failure. Exposed for tests.
 */
int rl_command_split(const char *command, char ***argv);
void rl_argv_free(char **argv);

#endif
