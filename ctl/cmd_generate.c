/*
 * cmd_generate - `relancectl generate nagios|icinga2`: the monitoring
 * objects on stdout, or one file per application in a directory (-o),
 * or whether that directory is up to date (--check).
 */
#include "build.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "ctl.h"
#include "generate.h"

struct generate_args {
	const char *out_dir;	/* -o */
	bool check;		/* --check */
	bool define_hosts;	/* --define-hosts */
	const char *app_host;	/* --app-host */
	const char *plugin_dir; /* --plugin-dir */
	const char *handler;	/* --handler */
	long interval_length;	/* --interval-length, 0: 60 */
	bool with_commands;	/* --with-commands */
};

static const struct rl_opt generate_opts[] = {
    RL_OPT('o', "output", RL_OPT_STRING,
	   offsetof(struct generate_args, out_dir)),
    RL_OPT(0, "check", RL_OPT_FLAG, offsetof(struct generate_args, check)),
    RL_OPT(0, "define-hosts", RL_OPT_FLAG,
	   offsetof(struct generate_args, define_hosts)),
    RL_OPT(0, "app-host", RL_OPT_STRING,
	   offsetof(struct generate_args, app_host)),
    RL_OPT(0, "plugin-dir", RL_OPT_STRING,
	   offsetof(struct generate_args, plugin_dir)),
    RL_OPT(0, "handler", RL_OPT_STRING,
	   offsetof(struct generate_args, handler)),
    RL_OPT(0, "interval-length", RL_OPT_LONG,
	   offsetof(struct generate_args, interval_length), .min = 1,
	   .max = 86400),
    RL_OPT(0, "with-commands", RL_OPT_FLAG,
	   offsetof(struct generate_args, with_commands)),
    {0},
};

/* -o DIR must be a directory that exists: one line naming it, else */
static int check_out_dir(const char *dir)
{
	struct stat st;
	char msg[300];

	if (stat(dir, &st) < 0) {
		if (errno == ENOENT)
			return usage_error("generate: -o '%.200s': no such "
					   "directory (create it first)",
					   dir);
		snprintf(msg, sizeof(msg), "generate: -o '%.200s': %s", dir,
			 strerror(errno));
		return fail(EXIT_INTERNAL, msg);
	}
	if (!S_ISDIR(st.st_mode))
		return usage_error("generate: -o '%.200s': not a directory",
				   dir);
	return EXIT_OK;
}

/*
 * The files relance generated in DIR that it no longer generates (an
 * application gone from the config): with CHECK listed as stale and
 * counted in *n_stale, else removed and listed. EXIT_OK or a failure.
 */
static int stale_files(const struct rl_generate_out *out,
		       enum rl_generate_target target, const char *dir,
		       bool check, size_t *n_stale)
{
	struct rl_err err = {""};
	char **names = NULL;
	size_t n = 0, i;
	int r = EXIT_OK;

	if (rl_generate_stale(out, target, dir, &names, &n, &err) < 0)
		return fail(EXIT_INTERNAL, err.msg);
	if (!check && rl_generate_prune(dir, names, n, &err) < 0)
		r = fail(EXIT_FAILED, err.msg);
	for (i = 0; i < n && r == EXIT_OK; i++)
		printf("%s/%s: %s\n", dir, names[i],
		       check ? "stale (no longer generated)"
			     : "removed (no longer generated)");
	if (check)
		*n_stale = n;
	rl_generate_names_free(names, n);
	return r;
}

/*
 * Nagios's installed commands run the programs with the installed config
 * (Icinga 2's services name their config: the generator sets it): the
 * objects of another config, without --with-commands, are checked with
 * that one. Says so on stderr.
 */
static void installed_config_note(enum rl_generate_target target,
				  const struct generate_args *a,
				  const char *config)
{
	const char *installed = SYSCONFDIR "/relance/relance.ini";
	char *real;

	if (target != RL_GENERATE_NAGIOS || a->with_commands)
		return;
	real = realpath(installed, NULL);
	if (strcmp(config, real ? real : installed) != 0)
		fprintf(stderr,
			"relancectl: warning: generate nagios: the installed "
			"commands (relance.cfg) run the plugins with -f %s, "
			"not %s (where they are not installed, give "
			"--with-commands)\n",
			installed, config);
	free(real);
}

static int cmd_generate(struct ctl *ctl, int argc, char **argv)
{
	struct rl_err err = {""};
	struct generate_args a;
	struct rl_generate_opts o;
	struct rl_generate_out out = {NULL, 0};
	enum rl_generate_target target;
	char *abs = NULL;
	size_t i, n_differ = 0, n_stale = 0;
	int r;

	memset(&a, 0, sizeof(a));
	r = ctl_parse(ctl, &ctl_cmd_generate, &a, &argc, &argv);
	if (r != CTL_GO_ON)
		return r;
	if (argc != 1)
		return usage_error("generate: expected nagios or icinga2");
	if (rl_generate_target_parse(argv[0], &target, &err) < 0)
		return usage_error("generate: %s", err.msg);
	if (a.check && !a.out_dir)
		return usage_error("generate: --check needs -o DIR");
	if (a.plugin_dir && a.plugin_dir[0] != '/')
		return usage_error("generate: --plugin-dir '%.200s': not an "
				   "absolute path",
				   a.plugin_dir);
	if (a.handler && a.handler[0] != '/')
		return usage_error("generate: --handler '%.200s': not an "
				   "absolute path",
				   a.handler);
	/* they name the programs in the commands, written only on demand */
	if ((a.plugin_dir || a.handler) && !a.with_commands)
		return usage_error("generate: %s is for the commands: add "
				   "--with-commands (without it the installed "
				   "definitions name the programs)",
				   a.plugin_dir ? "--plugin-dir" : "--handler");
	if (a.out_dir && (r = check_out_dir(a.out_dir)) != EXIT_OK)
		return r;
	r = load_config(ctl);
	if (r)
		return r;
	/* the cores run the programs from anywhere: embed an absolute path */
	abs = realpath(rl_config_default_path(ctl->config), NULL);
	if (!abs)
		return fail(EXIT_CONFIG, "cannot resolve the configuration "
					 "path");
	memset(&o, 0, sizeof(o));
	o.hosts = a.define_hosts ? RL_GENERATE_HOSTS_DEFINE
				 : RL_GENERATE_HOSTS_EXISTING;
	o.split = a.out_dir != NULL;
	o.config_path = abs;
	o.app_host = a.app_host;
	o.plugin_dir = a.plugin_dir;
	o.handler = a.handler;
	o.generator = "relancectl generate";
	o.interval_length_s = (int)a.interval_length;
	o.commands = a.with_commands;
	if (a.app_host && !rl_model_host(ctl->model, a.app_host) &&
	    a.define_hosts) {
		r = usage_error("generate: --app-host: unknown host '%.100s'",
				a.app_host);
		goto out;
	}
	if (rl_generate(ctl->model, target, &o, &out, &err) < 0) {
		r = fail(EXIT_CONFIG, err.msg);
		goto out;
	}
	installed_config_note(target, &a, abs);
	if (a.check) {
		if (rl_generate_check(&out, a.out_dir, &n_differ, &err) < 0) {
			r = fail(EXIT_INTERNAL, err.msg);
			goto out;
		}
		for (i = 0; i < out.n_files; i++)
			if (out.files[i].status != RL_GENERATE_SAME)
				printf(
				    "%s/%s: %s\n", a.out_dir, out.files[i].name,
				    out.files[i].status == RL_GENERATE_MISSING
					? "missing"
					: "differs");
		r = stale_files(&out, target, a.out_dir, true, &n_stale);
		if (r)
			goto out;
		if (n_differ)
			fprintf(stderr,
				"relancectl: %zu of %zu file%s in '%s' not "
				"up to date\n",
				n_differ, out.n_files,
				out.n_files == 1 ? "" : "s", a.out_dir);
		if (n_stale)
			fprintf(
			    stderr,
			    "relancectl: %zu stale file%s in '%s' (relance's, "
			    "no longer generated: -o without --check "
			    "removes them)\n",
			    n_stale, n_stale == 1 ? "" : "s", a.out_dir);
		r = n_differ || n_stale ? EXIT_FAILED : EXIT_OK;
	} else if (a.out_dir) {
		if (rl_generate_write(&out, a.out_dir, &err) < 0) {
			r = fail(EXIT_FAILED, err.msg);
			goto out;
		}
		for (i = 0; i < out.n_files; i++)
			printf("%s/%s\n", a.out_dir, out.files[i].name);
		r = stale_files(&out, target, a.out_dir, false, NULL);
	} else {
		for (i = 0; i < out.n_files; i++)
			fwrite(out.files[i].content, 1, out.files[i].len,
			       stdout);
		r = EXIT_OK;
	}
out:
	rl_generate_out_free(&out);
	free(abs);
	return r;
}

const struct ctl_cmd ctl_cmd_generate = {"generate", cmd_generate,
					 generate_opts};
