#include "build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostlock.h"

#define ANSWER "relance-lock: "

/* The lock's file name: the component name with '/' as "%2F". Component
 * names are [A-Za-z0-9._-]+/[A-Za-z0-9._-]+ (model), so nothing else
 * needs escaping; anything else is refused rather than escaped wrongly. */
static int lock_name(const char *component, struct rl_buf *b,
		     struct rl_err *err)
{
	const char *p;

	for (p = component; *p != '\0'; p++) {
		char c = *p;

		if (c == '/')
			rl_buf_puts(b, "%2F");
		else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			 (c >= '0' && c <= '9') || c == '.' || c == '_' ||
			 c == '-')
			rl_buf_append(b, &c, 1);
		else
			return rl_err_set(err,
				"component '%.100s': invalid name for a host lock",
				component);
	}
	return 0;
}

/* The owner line, reduced to characters that are safe and readable. */
static void owner_text(const char *owner, struct rl_buf *b)
{
	const char *p;

	for (p = owner; *p != '\0' && b->len < 200; p++) {
		char c = *p;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || strchr(" ._-:/@()=,+", c)))
			c = '_';
		rl_buf_append(b, &c, 1);
	}
}

static int posix_only(enum rl_shell shell, struct rl_err *err)
{
	if (shell == RL_SHELL_POSIX)
		return 0;
	/* TODO(issue 5): the same lock for cmd and powershell hosts */
	return rl_err_set(err, "host lock not available for shell '%s' yet",
			  rl_shell_name(shell));
}

/* d, l and o: the lock directory, this lock, and our owner line. */
static int prologue(struct rl_buf *out, const char *dir, const char *name,
		    const char *owner, struct rl_err *err)
{
	const char *p;

	if (dir == NULL) {
		rl_buf_puts(out, "umask 077; d=\"${HOME:-/tmp}/.relance/locks\"; ");
	} else {
		for (p = dir; *p != '\0'; p++)
			if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			      (*p >= '0' && *p <= '9') || strchr("._/-", *p)))
				return rl_err_set(err,
					"host lock directory '%.100s': use letters, "
					"digits, '.', '_', '-' and '/'", dir);
		if (dir[0] != '/')
			return rl_err_set(err,
				"host lock directory '%.100s' is not absolute", dir);
		rl_buf_printf(out, "umask 077; d='%s'; ", dir);
	}
	rl_buf_printf(out, "l=\"$d/%s.lock\"; o='%s'; ", name, owner);
	return 0;
}

/*
 * The start of every lock command: checks the shell and the names, then
 * sets d, l and o. Returns 0 or -1 with err set.
 */
static int begin(enum rl_shell shell, const char *dir, const char *component,
		 const char *owner, struct rl_buf *out, struct rl_err *err)
{
	struct rl_buf name = RL_BUF_INIT, who = RL_BUF_INIT;
	int r = -1;

	if (posix_only(shell, err) < 0)
		return -1;
	if (lock_name(component, &name, err) < 0)
		goto out;
	owner_text(owner, &who);
	r = prologue(out, dir, rl_buf_str(&name), rl_buf_str(&who), err);
out:
	rl_buf_free(&name);
	rl_buf_free(&who);
	return r;
}

int rl_hostlock_acquire_command(enum rl_shell shell, const char *dir,
				const char *component, const char *owner,
				int64_t ttl_s, struct rl_buf *out,
				struct rl_err *err)
{
	if (ttl_s <= 0 && posix_only(shell, err) == 0)
		return rl_err_set(err, "host lock: ttl must be positive");
	if (begin(shell, dir, component, owner, out, err) < 0)
		return -1;
	/*
	 * take: mkdir is the atomic step; the owner file follows. A lock
	 * without its owner file yet is being taken right now: held.
	 * An expired lock is moved aside (rename is atomic: one taker wins)
	 * and, if what was moved turns out not to be the expired lock we
	 * read (someone took over in between), it is put back.
	 */
	rl_buf_printf(out,
		"mkdir -p \"$d\" || exit 3; now=$(date +%%s); "
		"take() { mkdir \"$l\" 2>/dev/null || return 1; "
		"printf '%%s\\n%%s\\n' \"$o\" $((now + %lld)) >\"$l/owner\"; "
		"echo '" ANSWER "acquired'; exit 0; }; "
		"take; "
		"h=$(sed -n 1p \"$l/owner\" 2>/dev/null); "
		"e=$(sed -n 2p \"$l/owner\" 2>/dev/null); "
		"case $e in ''|*[!0-9]*) e=;; esac; "
		"if [ -n \"$e\" ] && [ \"$e\" -lt \"$now\" ]; then "
		"s=\"$l.stale.$$\"; "
		"if mv \"$l\" \"$s\" 2>/dev/null; then "
		"if [ \"$(sed -n 2p \"$s/owner\" 2>/dev/null)\" = \"$e\" ]; then "
		"rm -rf \"$s\"; take; else mv \"$s\" \"$l\" 2>/dev/null; fi; "
		"fi; fi; "
		"echo \"" ANSWER "held ${h:-(being taken)}\"; exit 1",
		(long long)ttl_s);
	return out->oom ? rl_err_set(err, "out of memory") : 0;
}

int rl_hostlock_release_command(enum rl_shell shell, const char *dir,
				const char *component, const char *owner,
				struct rl_buf *out, struct rl_err *err)
{
	if (begin(shell, dir, component, owner, out, err) < 0)
		return -1;
	rl_buf_puts(out,
		"if [ \"$(sed -n 1p \"$l/owner\" 2>/dev/null)\" = \"$o\" ]; then "
		"rm -rf \"$l\"; echo '" ANSWER "released'; "
		"else echo '" ANSWER "not ours'; fi");
	return out->oom ? rl_err_set(err, "out of memory") : 0;
}

/* Runs one lock command on c's host; *cmd holds the result. */
static int run_one(struct rl_transport *t, const struct rl_component *c,
		   const char *command, int64_t deadline_ms, struct rl_cmd *cmd,
		   struct rl_err *err)
{
	char desc[300];

	memset(cmd, 0, sizeof(*cmd));
	cmd->host = c->host;
	cmd->command = command;
	cmd->component = c->name;
	if (rl_transport_run(t, cmd, 1, deadline_ms, err) < 0)
		return -1;
	if (cmd->status != RL_CMD_EXITED || cmd->out == NULL ||
	    strncmp(cmd->out, ANSWER, strlen(ANSWER)) != 0) {
		rl_cmd_describe(cmd, desc, sizeof(desc));
		rl_err_set(err, "host '%s': lock of '%s': %s%s%.100s",
			   c->host_name, c->name, desc,
			   cmd->err != NULL && cmd->err[0] ? ": " : "",
			   cmd->err != NULL ? cmd->err : "");
		rl_cmd_clear(cmd);
		return -1;
	}
	return 0;
}

int rl_hostlock_acquire(struct rl_transport *t, const struct rl_component *c,
			const char *dir, const char *owner, int64_t ttl_s, int64_t deadline_ms,
			struct rl_hostlock_result *res, struct rl_err *err)
{
	struct rl_buf command = RL_BUF_INIT;
	struct rl_cmd cmd;
	const char *answer;
	size_t n;
	int r = -1;

	if (rl_hostlock_acquire_command(c->host->shell, dir, c->name, owner,
					ttl_s, &command, err) < 0)
		goto out;
	if (run_one(t, c, rl_buf_str(&command), deadline_ms, &cmd, err) < 0)
		goto out;
	answer = cmd.out + strlen(ANSWER);
	memset(res, 0, sizeof(*res));
	if (strncmp(answer, "acquired", 8) == 0) {
		res->acquired = true;
	} else if (strncmp(answer, "held ", 5) == 0) {
		n = strcspn(answer + 5, "\n");
		snprintf(res->holder, sizeof(res->holder), "%.*s", (int)n,
			 answer + 5);
	} else {
		rl_err_set(err, "host '%s': lock of '%s': unexpected answer",
			   c->host_name, c->name);
		rl_cmd_clear(&cmd);
		goto out;
	}
	rl_cmd_clear(&cmd);
	r = 0;
out:
	rl_buf_free(&command);
	return r;
}

int rl_hostlock_release(struct rl_transport *t, const struct rl_component *c,
			const char *dir, const char *owner, int64_t deadline_ms,
			struct rl_err *err)
{
	struct rl_buf command = RL_BUF_INIT;
	struct rl_cmd cmd;
	int r = -1;

	if (rl_hostlock_release_command(c->host->shell, dir, c->name, owner,
					&command, err) < 0)
		goto out;
	if (run_one(t, c, rl_buf_str(&command), deadline_ms, &cmd, err) < 0)
		goto out;
	rl_cmd_clear(&cmd);
	r = 0;
out:
	rl_buf_free(&command);
	return r;
}
