/*
 * relancectl - the on-call engineer's tool: status, start, stop, restart,
 * plan, history, config check, generate, hostkey, hold, release. This
 * file: the global options, the command list, the help and main; each
 * command is a cmd_*.c with its own options (see ctl.h).
 */
#include "build.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "ctl.h"
#include "opts.h"

static const char usage_text[] =
    "usage: relancectl [-f CONFIG] [--json] [--no-color] [-t TIMEOUT] [-v]"
    " COMMAND ...\n"
    "\n"
    "commands:\n"
    "  status [APP|COMPONENT]       run the checks, show a tree per "
    "application\n"
    "  start APP|COMPONENT          start it and what it requires\n"
    "  stop APP|COMPONENT           stop it and what requires it\n"
    "  restart APP|COMPONENT        targeted restart (dependents too)\n"
    "  plan start|stop|restart X    show the steps, run nothing\n"
    "  history [APP|COMPONENT] [--since DURATION] [--limit N] [--all]\n"
    "                               the journal, newest last\n"
    "  config check                 load and validate the configuration\n"
    "  generate nagios|icinga2 [-o DIR [--check]] [--define-hosts]\n"
    "           [--app-host HOST] [--plugin-dir DIR] [--handler PATH]\n"
    "           [--interval-length SECONDS]\n"
    "                               the monitoring objects: one file on\n"
    "                               stdout, or with -o one file per\n"
    "                               application in DIR; --check compares\n"
    "                               DIR with them (exit 1 on a difference);\n"
    "                               --plugin-dir: where the core finds the\n"
    "                               plugins (default " PLUGINDIR ");\n"
    "                               --interval-length: Nagios's, to\n"
    "                               write check_interval in its units\n"
    "                               (default 60)\n"
    "  hostkey HOST [--add]         the SSH host key HOST offers and whether\n"
    "                               known_hosts has it (known, unknown,\n"
    "                               MISMATCH); --add appends an unknown key\n"
    "                               as a plain [addr]:port line, never\n"
    "                               replaces a mismatching one\n"
    "  hold [COMPONENT --reason TEXT]\n"
    "                               keep the event handler away from\n"
    "                               COMPONENT until released; without\n"
    "                               arguments: list the holds\n"
    "  release COMPONENT            remove its hold (set by hand or by\n"
    "                               an acknowledgement)\n"
    "  help                         this text\n"
    "\n"
    "options:\n"
    "  -f, --config FILE   configuration (default: $RELANCE_CONFIG, else\n"
    "                      " SYSCONFDIR "/relance/relance.ini); -c works\n"
    "                      too\n"
    "      --json          output for scripts (JSON; history: JSON Lines)\n"
    "      --no-color      no colours (also: NO_COLOR set, or not a tty)\n"
    "  -t, --timeout DUR   status: deadline for all checks (10s, 500ms;\n"
    "                      a bare number is seconds); hostkey: deadline\n"
    "                      of the key exchange (default 10s)\n"
    "  -v, --verbose       more detail (long check output, step messages)\n"
    "  -h, --help          this text\n"
    "  -V, --version       the version\n"
    "\n"
    "exit status:\n"
    "  0 success   1 action failed (the components down are named)\n"
    "  2 configuration error   3 usage error (or unknown component)\n"
    "  4 refused: another action holds a lock   5 journal not writable\n"
    "  6 internal or system error (e.g. lock_dir unusable)\n"
    "  7 journal failed mid-action: stopped, the state left is named\n"
    "  status exits as a plugin: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN,\n"
    "  the worst state wins (CRITICAL > WARNING > UNKNOWN > OK)\n";

int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("relancectl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (see relancectl --help)\n", stderr);
	return EXIT_USAGE;
}

int fail(int code, const char *msg)
{
	fprintf(stderr, "relancectl: %s\n", msg);
	return code;
}

int load_config(struct ctl *ctl)
{
	struct rl_err err = {""};
	const char *path = rl_config_default_path(ctl->config);

	if (rl_config_load(path, 0, &ctl->model, &err) < 0)
		return fail(EXIT_CONFIG, err.msg);
	return EXIT_OK;
}

void ctl_rec_init(const struct ctl *ctl, struct rl_journal_rec *r,
		  const char *event)
{
	rl_journal_rec_init(r);
	r->node = ctl->model->site.node;
	r->user = ctl->user;
	r->event = event;
}

int print_buf(struct rl_buf *b)
{
	if (b->oom)
		return fail(EXIT_INTERNAL, "out of memory");
	fputs(rl_buf_str(b), stdout);
	return EXIT_OK;
}

/* ---- options and commands ------------------------------------------- */

/* before the command or after it: `relancectl --json status`, `status
 * --json` */
static const struct rl_opt global_opts[] = {
    RL_OPT('f', "config", RL_OPT_STRING, offsetof(struct ctl, config)),
    /* -c as before -f, which the plugins took from -c (reserved there
     * for thresholds): every program takes -f */
    RL_OPT('c', NULL, RL_OPT_STRING, offsetof(struct ctl, config)),
    RL_OPT(0, "json", RL_OPT_FLAG, offsetof(struct ctl, json)),
    RL_OPT(0, "no-color", RL_OPT_FLAG, offsetof(struct ctl, no_color)),
    RL_OPT(0, "no-colour", RL_OPT_FLAG, offsetof(struct ctl, no_color)),
    RL_OPT('t', "timeout", RL_OPT_DURATION, offsetof(struct ctl, timeout_ms),
	   .min = 1, .unit_ms = 1000),
    RL_OPT('v', "verbose", RL_OPT_FLAG, offsetof(struct ctl, verbose)),
    RL_OPT('h', "help", RL_OPT_HELP, 0),
    RL_OPT('V', "version", RL_OPT_VERSION, 0),
    {0},
};

static const struct ctl_cmd *const commands[] = {
    &ctl_cmd_status,  &ctl_cmd_start,	&ctl_cmd_stop,	  &ctl_cmd_restart,
    &ctl_cmd_plan,    &ctl_cmd_history, &ctl_cmd_config,  &ctl_cmd_generate,
    &ctl_cmd_hostkey, &ctl_cmd_hold,	&ctl_cmd_release,
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

/* The one other command than CMD whose table has OPTION; NULL if none or
 * several. */
static const struct ctl_cmd *owner(const char *option,
				   const struct ctl_cmd *cmd)
{
	const struct ctl_cmd *found = NULL;
	size_t i;

	for (i = 0; i < N_COMMANDS; i++) {
		if (commands[i] == cmd || commands[i]->opts == NULL ||
		    !rl_opts_has(commands[i]->opts, option))
			continue;
		if (found)
			return NULL;
		found = commands[i];
	}
	return found;
}

/* What rl_opts_parse's result R means for relancectl, CMD's options or
 * (NULL) the global ones before the command: CTL_GO_ON or an exit code. */
static int parsed(int r, const struct rl_opts_res *res,
		  const struct rl_err *err, const struct ctl_cmd *cmd)
{
	const struct ctl_cmd *o;

	switch (r) {
	case RL_OPTS_OK:
		return CTL_GO_ON;
	case RL_OPTS_HELP:
		fputs(usage_text, stdout);
		return EXIT_OK;
	case RL_OPTS_VERSION:
		printf("relancectl (relance) %s\n", PACKAGE_VERSION);
		return EXIT_OK;
	case RL_OPTS_E_OPTION:
		o = owner(res->option, cmd);
		if (o && cmd)
			return usage_error("%s is for %s, not %s", res->option,
					   o->name, cmd->name);
		if (o)
			return usage_error("%s is for %s: give it after the "
					   "command",
					   res->option, o->name);
		return usage_error("%s", err->msg);
	case RL_OPTS_E_VALUE:
		return usage_error("%s", err->msg);
	default:
		return fail(EXIT_INTERNAL, err->msg);
	}
}

int ctl_parse(struct ctl *ctl, const struct ctl_cmd *cmd, void *base, int *argc,
	      char ***argv)
{
	struct rl_opts_set sets[2];
	struct rl_opts_res res;
	struct rl_err err = {""};
	size_t n = 0;
	int r;

	if (cmd->opts) {
		sets[n].opts = cmd->opts;
		sets[n++].base = base;
	}
	sets[n].opts = global_opts;
	sets[n++].base = ctl;
	r = rl_opts_parse(sets, n, 0, *argc, *argv, &res, &err);
	r = parsed(r, &res, &err, cmd);
	if (r != CTL_GO_ON)
		return r;
	*argc -= res.next;
	*argv += res.next;
	ctl->color = !ctl->no_color && !ctl->json && isatty(STDOUT_FILENO) &&
		     !(getenv("NO_COLOR") && *getenv("NO_COLOR"));
	return CTL_GO_ON;
}

/* ---- main --------------------------------------------------------------- */

int main(int argc, char **argv)
{
	struct ctl ctl;
	struct rl_opts_set global;
	struct rl_opts_res res;
	struct rl_err err = {""};
	const struct ctl_cmd *cmd = NULL;
	const char *name;
	size_t i;
	int r;

	memset(&ctl, 0, sizeof(ctl));
	global.opts = global_opts;
	global.base = &ctl;
	r = rl_opts_parse(&global, 1, RL_OPTS_IN_ORDER, argc, argv, &res, &err);
	r = parsed(r, &res, &err, NULL);
	if (r != CTL_GO_ON)
		return r;
	if (res.next >= argc)
		return usage_error("missing command");
	name = argv[res.next];
	if (!strcmp(name, "help")) {
		fputs(usage_text, stdout);
		return EXIT_OK;
	}
	for (i = 0; i < N_COMMANDS; i++)
		if (!strcmp(name, commands[i]->name))
			cmd = commands[i];
	if (!cmd)
		return usage_error("unknown command '%.100s'", name);
	rl_user_describe(ctl.user, sizeof(ctl.user));
	r = cmd->run(&ctl, argc - res.next, argv + res.next);
	rl_model_free(ctl.model);
	if (fflush(stdout) == EOF && errno != EPIPE && !r)
		r = fail(EXIT_INTERNAL, "cannot write the output");
	return r;
}
