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
    "          [--journal FILE]...  the journal, newest last (its rotated\n"
    "                               files too); --journal: these journals\n"
    "                               (several nodes'), merged by time\n"
    "  config check                 load and validate the configuration\n"
    "                               (--json: the findings; exit 0 clean,\n"
    "                               1 warnings, 2 errors)\n"
    "  graph [APP...] [--format dot|svg|png] [--status] [-o FILE]\n"
    "                               the dependency map, by host; --status:\n"
    "                               coloured by the checks, holds marked\n"
    "                               (exits as status)\n"
    "  config diff [HASH1 [HASH2]]  what changed between two configs kept\n"
    "                               beside the journal (default: the\n"
    "                               newest other one, and the one now)\n"
    "  generate nagios|icinga2 [-o DIR [--check]] [--define-hosts]\n"
    "           [--app-host HOST] [--with-commands [--plugin-dir DIR]\n"
    "           [--handler PATH]] [--interval-length SECONDS]\n"
    "                               the monitoring objects: one file on\n"
    "                               stdout, or with -o one file per\n"
    "                               application in DIR; --check compares\n"
    "                               DIR with them (exit 1 on a difference);\n"
    "                               --with-commands: the commands too (for\n"
    "                               a core without relance's installed\n"
    "                               relance.cfg / relance.conf);\n"
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
    "  -t, --timeout DUR   status, graph --status: deadline for all checks\n"
    "                      (10s, 500ms; a bare number is seconds); hostkey:\n"
    "                      deadline of the key exchange (default 10s)\n"
    "  -v, --verbose       more detail (long check output, step messages)\n"
    "  -h, --help          this text\n"
    "  -V, --version       the version\n"
    "\n"
    "exit status:\n"
    "  0 success   1 action failed (the components down are named)\n"
    "  2 configuration error (or a local host's user relancectl cannot\n"
    "    become: nothing done)   3 usage error (or unknown component)\n"
    "  4 refused: another action holds a lock   5 journal not writable\n"
    "  6 internal or system error (e.g. lock_dir unusable)\n"
    "  7 journal failed mid-action: stopped, the state left is named\n"
    "  status exits as a plugin: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN,\n"
    "  the worst state wins (CRITICAL > WARNING > UNKNOWN > OK)\n";

/* Each command's own help: `relancectl COMMAND --help`, `relancectl help
 * COMMAND`. The global options (above) apply to every command. */
static const struct {
	const char *name;
	const char *text;
} command_help[] = {
    {"status",
     "usage: relancectl status [APP|COMPONENT] [-t TIMEOUT] [-v] "
     "[--json]\n"
     "\n"
     "Runs the checks of every component (or of APP, or of one\n"
     "COMPONENT) at once and shows a tree per application, in\n"
     "dependency order. Exits as a plugin: 0 OK, 1 WARNING, 2\n"
     "CRITICAL, 3 UNKNOWN, the worst state wins.\n"
     "\n"
     "  -t, --timeout DUR  deadline for all the checks (default 10s)\n"
     "  -v, --verbose      each check's long output too\n"
     "      --json         one JSON object\n"
     "\n"
     "example: relancectl status fx -t 30s\n"},
    {"start", "usage: relancectl start APP|COMPONENT [-v] [--json]\n"
	      "\n"
	      "Starts it and what it requires, requirements first, each step\n"
	      "verified by the component's check; components already up are\n"
	      "skipped. Journaled before and after each step.\n"
	      "\n"
	      "example: relancectl start fx/pricer\n"},
    {"stop", "usage: relancectl stop APP|COMPONENT [-v] [--json]\n"
	     "\n"
	     "Stops it and what requires it, dependents first, each step\n"
	     "verified. Journaled before and after each step.\n"
	     "\n"
	     "example: relancectl stop fx/marketdata\n"},
    {"restart", "usage: relancectl restart APP|COMPONENT [-v] [--json]\n"
		"\n"
		"Targeted restart: what requires it is stopped first, it is\n"
		"restarted, then the dependents are started again; nothing\n"
		"else is touched.\n"
		"\n"
		"example: relancectl restart fx/cache\n"},
    {"plan", "usage: relancectl plan start|stop|restart APP|COMPONENT "
	     "[--json]\n"
	     "\n"
	     "Shows the numbered steps the action would take; runs and\n"
	     "journals nothing.\n"
	     "\n"
	     "example: relancectl plan restart fx/cache\n"},
    {"history",
     "usage: relancectl history [APP|COMPONENT] [--since DURATION] "
     "[--limit N]\n"
     "                          [--all] [--journal FILE]... [--json]\n"
     "\n"
     "The journal, newest last (its rotated files too): decisions,\n"
     "steps, holds, write-backs, and where the config changed.\n"
     "\n"
     "      --since DUR     only what is more recent (1h, 2d)\n"
     "      --limit N       the last N records\n"
     "      --all           every record, not only the main events\n"
     "      --journal FILE  read FILE instead (again for several\n"
     "                      nodes' journals, merged by time)\n"
     "      --json          JSON Lines\n"
     "\n"
     "example: relancectl history fx/pricer --since 1d\n"},
    {"config",
     "usage: relancectl config check [--json]\n"
     "       relancectl config diff [HASH1 [HASH2]]\n"
     "\n"
     "check: loads and validates the configuration and every file\n"
     "it includes: \"config OK: ...\" and the warnings, or the first\n"
     "error as FILE:LINE: ...; --json: the findings as one JSON\n"
     "document. Exit 0 clean, 1 warnings only, 2 an error.\n"
     "diff: what changed between two configurations kept beside\n"
     "the journal (default: the newest other one and the one now).\n"
     "\n"
     "example: relancectl -f /tmp/new/relance.ini config check\n"},
    {"graph",
     "usage: relancectl graph [APP...] [--format dot|svg|png] [--status]\n"
     "                        [-o FILE]\n"
     "\n"
     "The dependency map of the applications: a box per host, an\n"
     "arrow from each component to what it requires.\n"
     "\n"
     "      --format F  dot (the default), svg or png (Graphviz)\n"
     "      --status    coloured by the checks, holds marked (exits as\n"
     "                  status does)\n"
     "      -o FILE     replace FILE atomically (default: stdout)\n"
     "\n"
     "example: relancectl graph fx --status --format svg -o fx.svg\n"},
    {"generate",
     "usage: relancectl generate nagios|icinga2 [-o DIR [--check]] "
     "[--define-hosts]\n"
     "           [--app-host HOST] [--with-commands [--plugin-dir DIR]\n"
     "           [--handler PATH]] [--interval-length SECONDS]\n"
     "\n"
     "The monitoring objects of the configuration: one file on stdout, or\n"
     "with -o one file per application in DIR (which must exist); files\n"
     "relance wrote there and no longer generates are removed. The\n"
     "commands are left out: relance installs them (relance.cfg,\n"
     "relance.conf) and a core refuses a command defined twice.\n"
     "\n"
     "  -o, --output DIR         write into DIR\n"
     "      --check              compare DIR with them: exit 1 on a\n"
     "                           difference, a missing or a stale file\n"
     "      --define-hosts       a host object per host, with a host check\n"
     "      --app-host HOST      the host of the application services\n"
     "      --with-commands      the commands too, for a core that does\n"
     "                           not load the installed definitions\n"
     "      --plugin-dir DIR     (with --with-commands) where the core\n"
     "                           finds the plugins (default\n"
     "                           " PLUGINDIR ")\n"
     "      --handler PATH       the event handler (default:\n"
     "                           DIR/handle_component)\n"
     "      --interval-length S  Nagios's interval_length (default 60)\n"
     "\n"
     "example: relancectl generate nagios -o /etc/nagios4/conf.d/relance\n"},
    {"hostkey",
     "usage: relancectl hostkey HOST [--add] [-t TIMEOUT]\n"
     "\n"
     "The SSH host key HOST offers and whether known_hosts has it\n"
     "(known, unknown, MISMATCH).\n"
     "\n"
     "      --add  append an unknown key as a plain [addr]:port line;\n"
     "             never replaces a mismatching one\n"
     "\n"
     "example: relancectl hostkey fx-app-01 --add\n"},
    {"hold", "usage: relancectl hold [COMPONENT --reason TEXT]\n"
	     "\n"
	     "Keeps the event handler away from COMPONENT until released;\n"
	     "without arguments, lists the holds.\n"
	     "\n"
	     "      --reason TEXT  why (required to set a hold)\n"
	     "\n"
	     "example: relancectl hold fx/pricer --reason \"disk swap at "
	     "22:00\"\n"},
    {"release", "usage: relancectl release COMPONENT\n"
		"\n"
		"Removes its hold (set by hand or by an acknowledgement).\n"
		"\n"
		"example: relancectl release fx/pricer\n"},
};

/* Prints CMD's own help (the global help when it has none). */
static void print_help(const char *cmd)
{
	size_t i;

	for (i = 0; cmd && i < sizeof(command_help) / sizeof(command_help[0]);
	     i++)
		if (!strcmp(cmd, command_help[i].name)) {
			fputs(command_help[i].text, stdout);
			fputs(
			    "\nglobal options: -f CONFIG, --json, --no-color, "
			    "-t TIMEOUT, -v\n(relancectl --help)\n",
			    stdout);
			return;
		}
	fputs(usage_text, stdout);
}

/* --json was given: errors are one JSON object on stdout too. */
static bool json_errors;

/* An error: a line on stderr, or {"error": MSG, "exit": CODE} on stdout
 * under --json. Returns CODE. */
static int error_out(int code, const char *msg)
{
	struct rl_buf b = RL_BUF_INIT;

	if (!json_errors) {
		fprintf(stderr, "relancectl: %s\n", msg);
		return code;
	}
	rl_buf_puts(&b, "{\"error\": ");
	rl_buf_json_str(&b, msg);
	rl_buf_printf(&b, ", \"exit\": %d}\n", code);
	fputs(b.oom ? "{\"error\": \"out of memory\"}\n" : rl_buf_str(&b),
	      stdout);
	rl_buf_free(&b);
	return code;
}

int usage_error(const char *fmt, ...)
{
	char msg[1200];
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	n = strlen(msg);
	snprintf(msg + n, sizeof(msg) - n, " (see relancectl --help)");
	return error_out(EXIT_USAGE, msg);
}

int fail(int code, const char *msg)
{
	return error_out(code, msg);
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
    &ctl_cmd_hostkey, &ctl_cmd_hold,	&ctl_cmd_release, &ctl_cmd_graph,
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
		print_help(cmd ? cmd->name : NULL);
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
	/* before any parse: an error in the options is JSON too */
	for (i = 1; i < (size_t)argc && strcmp(argv[i], "--"); i++)
		json_errors |= !strcmp(argv[i], "--json");
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
		print_help(res.next + 1 < argc ? argv[res.next + 1] : NULL);
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
