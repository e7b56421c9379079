/*
 * transport_cmd - the command record (struct rl_cmd): its results, their
 * text, the helpers backends fill them with (transport_impl.h), and the
 * split of a plain command into an argv.
 *
 * Depends on nothing of the transport: transport.c and the backends both
 * use it, so the backends never call into transport.c.
 */
#include "build.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "transport.h"
#include "transport_impl.h"
#include "util.h"

int rl_pollset_add(struct rl_pollset *ps, int fd, short events)
{
	if (rl_grow(&ps->fds, &ps->cap, ps->n + 1, sizeof(*ps->fds)) < 0)
		return -1;
	ps->fds[ps->n].fd = fd;
	ps->fds[ps->n].events = events;
	ps->fds[ps->n].revents = 0;
	return (int)ps->n++;
}

/* Output buffers grow in powers of two, so the capacity follows from the
 * length and the command needs no capacity field. */
static size_t output_cap(size_t len)
{
	size_t cap = 256;

	while (cap < len + 1)
		cap *= 2;
	if (cap > RL_CMD_OUTPUT_MAX + 1)
		cap = RL_CMD_OUTPUT_MAX + 1;
	return cap;
}

void rl_cmd_take_output(struct rl_cmd *c, int stream, const char *data,
			size_t n)
{
	char **buf = stream == 2 ? &c->err : &c->out;
	size_t *len = stream == 2 ? &c->err_len : &c->out_len;
	bool *cut = stream == 2 ? &c->err_cut : &c->out_cut;
	size_t room, take;

	if (n == 0)
		return;
	room = RL_CMD_OUTPUT_MAX - *len;
	take = n < room ? n : room;
	if (take < n)
		*cut = true;
	if (take == 0)
		return;
	if (*buf == NULL || output_cap(*len + take) > output_cap(*len)) {
		char *p = realloc(*buf, output_cap(*len + take));

		if (p == NULL) {
			/* keep what we have; say that some was lost */
			*cut = true;
			return;
		}
		if (*buf == NULL)
			p[0] = '\0';
		*buf = p;
	}
	memcpy(*buf + *len, data, take);
	*len += take;
	(*buf)[*len] = '\0';
}

static const char *const stage_names[] = {
    [RL_STAGE_RESOLVE] = "resolve",	[RL_STAGE_CONNECT] = "connect",
    [RL_STAGE_HANDSHAKE] = "handshake", [RL_STAGE_HOSTKEY] = "hostkey",
    [RL_STAGE_AUTH] = "auth",		[RL_STAGE_EXEC] = "exec",
    [RL_STAGE_COMMAND] = "command",
};

/* "timed out after 2.0s while <this>" */
static const char *const stage_doing[] = {
    [RL_STAGE_RESOLVE] = "resolving the address",
    [RL_STAGE_CONNECT] = "connecting",
    [RL_STAGE_HANDSHAKE] = "in the ssh handshake",
    [RL_STAGE_HOSTKEY] = "checking the host key",
    [RL_STAGE_AUTH] = "authenticating",
    [RL_STAGE_EXEC] = "starting the command",
    [RL_STAGE_COMMAND] = "running the command",
};

const char *rl_cmd_stage_name(enum rl_cmd_stage s)
{
	if ((unsigned)s >= sizeof(stage_names) / sizeof(stage_names[0]))
		return "unknown";
	return stage_names[s];
}

static const char *stage_doing_text(enum rl_cmd_stage s)
{
	if ((unsigned)s >= sizeof(stage_doing) / sizeof(stage_doing[0]))
		return "in an unknown stage";
	return stage_doing[s];
}

/* Writes "host 'NAME': " into buf; returns its length. */
static size_t host_prefix(const struct rl_cmd *c, char *buf, size_t len)
{
	int r;

	if (c->host == NULL || c->host->name == NULL)
		return 0;
	r = snprintf(buf, len, "host '%s': ", c->host->name);
	if (r < 0)
		return 0;
	return (size_t)r < len ? (size_t)r : len - 1;
}

void rl_cmd_fail(struct rl_cmd *c, enum rl_cmd_stage stage, const char *fmt,
		 ...)
{
	size_t off = host_prefix(c, c->error, sizeof(c->error));
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->error + off, sizeof(c->error) - off, fmt, ap);
	va_end(ap);
	c->status = RL_CMD_FAILED;
	c->stage = stage;
}

void rl_cmd_timeout(struct rl_cmd *c, enum rl_cmd_stage stage,
		    int64_t duration_us)
{
	c->status = RL_CMD_TIMEOUT;
	c->stage = stage;
	c->duration_us = duration_us;
	rl_cmd_fail(c, stage, "timed out after %.1fs while %s",
		    (double)duration_us / 1e6, stage_doing_text(stage));
	c->status = RL_CMD_TIMEOUT;
}

#if defined(__GLIBC__) && __GLIBC_PREREQ(2, 32)
#define RL_HAVE_SIGABBREV_NP 1
#endif

/* "SIGKILL"; strsignal's description where sigabbrev_np is missing */
static void signal_text(int sig, char *buf, size_t len)
{
	const char *name;

#ifdef RL_HAVE_SIGABBREV_NP
	name = sigabbrev_np(sig);
	if (name != NULL) {
		snprintf(buf, len, "SIG%s", name);
		return;
	}
#endif
	name = strsignal(sig);
	snprintf(buf, len, "%s", name != NULL ? name : "unknown signal");
}

void rl_cmd_describe(const struct rl_cmd *c, char *buf, size_t len)
{
	char prefix[RL_ERR_MAX];
	char sig[64];
	size_t plen;

	if (len == 0)
		return;
	switch (c->status) {
	case RL_CMD_PENDING:
		snprintf(buf, len, "not run");
		break;
	case RL_CMD_EXITED:
		snprintf(buf, len, "exit %d", c->exit_code);
		break;
	case RL_CMD_SIGNALED:
		signal_text(c->signal, sig, sizeof(sig));
		snprintf(buf, len, "killed by signal %d (%s)", c->signal, sig);
		break;
	case RL_CMD_TIMEOUT:
		snprintf(buf, len, "timed out after %.1fs while %s",
			 (double)c->duration_us / 1e6,
			 stage_doing_text(c->stage));
		break;
	case RL_CMD_FAILED:
		/* c->error names the host; the caller's line already does */
		plen = host_prefix(c, prefix, sizeof(prefix));
		if (plen == 0 || strncmp(c->error, prefix, plen) != 0)
			plen = 0;
		snprintf(buf, len, "failed at %s: %s",
			 rl_cmd_stage_name(c->stage), c->error + plen);
		break;
	default:
		snprintf(buf, len, "unknown status %d", (int)c->status);
		break;
	}
}

void rl_cmd_clear(struct rl_cmd *c)
{
	free(c->out);
	free(c->err);
	c->status = RL_CMD_PENDING;
	c->stage = RL_STAGE_RESOLVE;
	c->exit_code = 0;
	c->signal = 0;
	c->out = NULL;
	c->out_len = 0;
	c->out_cut = false;
	c->err = NULL;
	c->err_len = 0;
	c->err_cut = false;
	c->duration_us = 0;
	c->error[0] = '\0';
	c->via[0] = '\0';
}

/* ---------------------------------------------------------------------- */
/* rl_command_split */

/*
 * Words that sh would treat specially in command position: reserved words
 * and builtins (POSIX, dash and bash). With one of these first, the
 * command goes to the shell, even quoted: `exit 3` must exit 3, `echo -e`
 * must behave as the shell's echo, never as /bin/echo.
 */
static const char *const shell_words[] = {
    "!",	 ".",	     ":",	"[",	    "[[",      "]]",
    "{",	 "}",	     "alias",	"bg",	    "bind",    "break",
    "builtin",	 "caller",   "case",	"cd",	    "chdir",   "command",
    "compgen",	 "complete", "compopt", "continue", "coproc",  "declare",
    "dirs",	 "disown",   "do",	"done",	    "echo",    "elif",
    "else",	 "enable",   "esac",	"eval",	    "exec",    "exit",
    "export",	 "false",    "fc",	"fg",	    "fi",      "for",
    "function",	 "getopts",  "hash",	"help",	    "history", "if",
    "in",	 "jobs",     "kill",	"let",	    "local",   "logout",
    "mapfile",	 "popd",     "printf",	"pushd",    "pwd",     "read",
    "readarray", "readonly", "return",	"select",   "set",     "shift",
    "shopt",	 "source",   "suspend", "test",	    "then",    "time",
    "times",	 "trap",     "true",	"type",	    "typeset", "ulimit",
    "umask",	 "unalias",  "unset",	"until",    "wait",    "while",
};

static bool is_shell_word(const char *w)
{
	for (size_t i = 0; i < sizeof(shell_words) / sizeof(shell_words[0]);
	     i++)
		if (strcmp(w, shell_words[i]) == 0)
			return true;
	return false;
}

/* Characters that stand for themselves outside quotes. */
static bool is_plain(unsigned char ch)
{
	if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9'))
		return true;
	return ch != '\0' && strchr("-_./=:,+@%^", ch) != NULL;
}

void rl_argv_free(char **argv)
{
	if (argv == NULL)
		return;
	for (size_t i = 0; argv[i] != NULL; i++)
		free(argv[i]);
	free(argv);
}

/*
 * Reads one word at *pp into word (at least strlen(*pp)+1 bytes).
 * Returns 1 for a word, 0 when the text needs a shell.
 */
static int split_word(const char **pp, char *word)
{
	const char *p = *pp;
	size_t n = 0;

	while (*p != '\0' && *p != ' ' && *p != '\t') {
		if (*p == '\'') {
			/* everything up to the next ' is literal in sh */
			const char *end = strchr(p + 1, '\'');

			if (end == NULL)
				return 0;
			memcpy(word + n, p + 1, (size_t)(end - p - 1));
			n += (size_t)(end - p - 1);
			p = end + 1;
		} else if (*p == '"') {
			p++;
			while (*p != '"') {
				/* $ ` \ expand inside double quotes; ! is
				 * history in an interactive bash: refuse */
				if (*p == '\0' || strchr("$`\\!", *p) != NULL)
					return 0;
				word[n++] = *p++;
			}
			p++;
		} else if (is_plain((unsigned char)*p)) {
			word[n++] = *p++;
		} else {
			return 0;
		}
	}
	word[n] = '\0';
	*pp = p;
	return 1;
}

int rl_command_split(const char *command, char ***argv)
{
	size_t len = strlen(command);
	char *word = malloc(len + 1);
	char **v = NULL;
	size_t n = 0;
	const char *p = command;
	int r = -1;

	*argv = NULL;
	if (word == NULL)
		goto out;
	/* at most one word per two characters, plus the NULL */
	v = calloc(len / 2 + 2, sizeof(*v));
	if (v == NULL)
		goto out;
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		if (split_word(&p, word) == 0) {
			r = 0;
			goto out;
		}
		if (n == 0 && (is_shell_word(word) || strchr(word, '=')))
			/* a builtin, a keyword, or maybe `NAME=value cmd` */
			r = 0;
		if (r == 0)
			goto out;
		v[n] = strdup(word);
		if (v[n] == NULL)
			goto out;
		n++;
	}
	if (n == 0) {
		r = 0; /* an empty command: let sh say what it means */
		goto out;
	}
	*argv = v;
	v = NULL;
	r = 1;
out:
	rl_argv_free(v);
	free(word);
	return r;
}
