/*
 * generate - Nagios Core 4 and Icinga 2 objects written from the model.
 *
 * One call, rl_generate(), turns a resolved model into a list of
 * (file name, content) pairs; rl_generate_write() puts them in a
 * directory, rl_generate_check() compares them with what is there. The
 * output is a pure function of the model and the options: no time stamp,
 * objects sorted by name, so the same input gives the same bytes.
 *
 * What is generated (both cores):
 *  - with opts.commands only: the commands of the check_component and
 *    check_application plugins, the handle_component event handler, and
 *    the acknowledgement notification command (handle_component
 *    --ack-notification). The package and `make install` install these
 *    four (conf/nagios/relance-commands.cfg, conf/icinga2/...conf) where
 *    the cores read them, and a core refuses a command defined twice, so
 *    they are left out by default: opts.commands is for a core without
 *    the installed definitions (tests' temporary cores, the demo). Without
 *    them Icinga 2's service templates set vars.relance_config to the
 *    config path (the installed commands read it); Nagios's installed
 *    commands name SYSCONFDIR/relance/relance.ini;
 *  - one service per component, named by the component's full name
 *    ("fx/pricer": both cores accept '/' in a service name), and one per
 *    application, named by the application's name ("fx"); the component
 *    services carry the event handler unless heal = never, and
 *    max_check_attempts is raised to N+1 for heal = soft:N so that the
 *    N-th SOFT attempt exists; the config's check_interval,
 *    retry_interval and max_check_attempts (struct rl_schedule: the
 *    component's, else its application's) are written into each service
 *    over the templates' defaults, Nagios's intervals in interval_length
 *    units (opts.interval_length_s);
 *  - one dependency object per requires edge: the dependent's service
 *    depends on the required component's service. Failure criteria: the
 *    required service in a HARD CRITICAL or UNKNOWN state suppresses both
 *    the checks (execution) and the notifications of the dependent, and
 *    dependencies are inherited (a chain down the graph is suppressed as
 *    a whole). WARNING does not count as down. Relance's targeted restart
 *    restarts the dependents of what it heals, so suppressing their own
 *    handler while what they require is down avoids a restart storm;
 *  - in RL_GENERATE_HOSTS_DEFINE mode, a host object per host of the
 *    model (address from the model) with a host check: monitoring-plugins'
 *    check_ssh on an SSH host's port (Nagios: command relance-host-ssh,
 *    $USER1$/check_ssh; Icinga 2: the ITL's "ssh"), so that a host whose
 *    sshd is dead is DOWN; a local host is this machine, always UP
 *    (relance-host-local, $USER1$/check_dummy; the ITL's "dummy"). In
 *    RL_GENERATE_HOSTS_EXISTING mode the services name hosts that the
 *    admin defines elsewhere, under the model's host names.
 *
 * One naming for both cores: the commands are "relance-component" and
 * "relance-application" (checks), "relance-handle-component" (event
 * handler) and "relance-ack-notification" (notification), as the Icinga 2
 * ITL names them; Nagios takes the same names (its own sample config names
 * commands check-host-alive, notify-service-by-email). Only the custom
 * variables follow each core's syntax: _RELANCE_COMPONENT in Nagios,
 * vars.relance_component in Icinga 2.
 *
 * Nagios: the four commands; templates relance-component,
 * relance-application (services) and relance-host; timeperiod relance-24x7;
 * contact relance (receives the notifications of component services; the
 * handler acts only on type ACKNOWLEDGEMENT). The component name travels as
 * the custom variable _RELANCE_COMPONENT ($_SERVICERELANCE_COMPONENT$), the
 * application name as _RELANCE_APPLICATION. Every macro is its own word of
 * command_line; the author, comment, host and service macros are in double
 * quotes, which Nagios itself splits (values cleaned by its
 * illegal_macro_output_chars).
 *
 * Icinga 2 (ITL style): CheckCommand "relance-component" and
 * "relance-application", EventCommand "relance-handle-component",
 * NotificationCommand "relance-ack-notification", named arguments, the
 * config path as the default of the custom variable relance_config;
 * templates "relance-component" / "relance-application" (Service);
 * objects Service and Dependency (named after the required component);
 * User "relance" and an apply rule Notification "relance-ack" for the
 * services that have vars.relance_component. A host with a `zone` puts
 * its services (and its Host object when generated) in that zone
 * (zone = "Z"), so that the satellites of Z run the check and the event
 * handler; the application service goes to the zone shared by all its
 * components' hosts, or to none. The zones must exist (Zone objects) where
 * the output is loaded; with the file-based config sync, place the output
 * in the master's zones.d and the commands file in a global zone.
 *
 * Files: with opts.split, one file per application ("relance-app-APP.cfg" /
 * ".conf") holding its services and the dependencies whose dependent is in
 * it, plus "relance-common.cfg" / ".conf" holding the commands (with
 * opts.commands), templates and generated hosts. Without it, one file
 * "relance.cfg" / "relance.conf". Every file starts with a header saying it was
 * generated, by what, and from which configuration files.
 */
#ifndef RL_GENERATE_H
#define RL_GENERATE_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "model.h"

enum rl_generate_target {
	RL_GENERATE_NAGIOS = 0,
	RL_GENERATE_ICINGA2,
};

enum rl_generate_hosts {
	RL_GENERATE_HOSTS_EXISTING = 0, /* attach to the admin's hosts */
	RL_GENERATE_HOSTS_DEFINE,	/* write a host object per host */
};

/* Plain struct; zero-initialise it, then set what you need. Strings are
 * borrowed for the duration of the call. */
struct rl_generate_opts {
	enum rl_generate_hosts hosts;
	bool split; /* one file per application + common file */
	/* true: write the four relance-* command objects too (false: the
	 * installed definitions provide them; see above) */
	bool commands;
	/* Embedded in the commands (config_path: without them, in Icinga 2's
	 * templates). Paths must be absolute and made of
	 * [A-Za-z0-9._/+:@%,=-] (a core would split or expand anything else).
	 */
	const char *config_path; /* required: the -f of every program */
	const char *plugin_dir;	 /* NULL: PLUGINDIR */
	const char *handler;	 /* NULL: PLUGIN_DIR/handle_component */
	/* Host the application services are attached to; NULL: the host of
	 * the application's first component in topological order. In
	 * RL_GENERATE_HOSTS_DEFINE mode it must be a host of the model. */
	const char *app_host;
	/* Says who generated, for the header (e.g. "relancectl generate
	 * nagios"); NULL: "relance". Must not contain a newline. */
	const char *generator;
	/* Nagios's interval_length in seconds, to write check_interval and
	 * retry_interval in its units; 0: 60, Nagios's default. */
	int interval_length_s;
};

enum rl_generate_status {
	RL_GENERATE_SAME = 0, /* on disk, byte for byte */
	RL_GENERATE_DIFFERS,  /* on disk, other content */
	RL_GENERATE_MISSING,  /* not on disk */
};

struct rl_generate_file {
	char *name;    /* file name, no directory part */
	char *content; /* NUL-terminated, len bytes */
	size_t len;
	enum rl_generate_status status; /* set by rl_generate_check() */
};

/* Plain struct: zero-initialise; rl_generate_out_free() releases it. */
struct rl_generate_out {
	struct rl_generate_file *files; /* sorted by name */
	size_t n_files;
};

/*
 * Generates the objects of a resolved model for TARGET. On success fills
 * *out (which must be zeroed or freed; the caller frees it with
 * rl_generate_out_free()) and returns 0. On failure returns -1, err says
 * why ("config path 'a b': character ' ' cannot be used in a command
 * line", "component 'fx/a': description: a newline cannot be written to a
 * nagios object"), and *out is left empty. Runs in O(n log n) of the
 * model's size; no I/O.
 */
int rl_generate(const struct rl_model *m, enum rl_generate_target target,
		const struct rl_generate_opts *opts,
		struct rl_generate_out *out, struct rl_err *err);

void rl_generate_out_free(struct rl_generate_out *out);

/*
 * Writes every file into DIR (which must exist), each replaced atomically
 * with rl_file_write_atomic_all() (safefile.h), mode 0644: a file already
 * up to date (same bytes, mode and owner) is left alone, mtime included,
 * so the core's reload and a make-like watcher see no change; the others
 * are synced in batches and the directory once. DIR is opened without
 * following a symlink and refused when writable by group or others
 * without the sticky bit (the core reads it as configuration). Returns
 * 0, or -1 with err naming the file or the directory ("DIR/relance.cfg:
 * write: No space left on device"); files already renamed stay.
 */
int rl_generate_write(const struct rl_generate_out *out, const char *dir,
		      struct rl_err *err);

/*
 * Compares every file with DIR/name and sets its status. *n_differ (may be
 * NULL) gets the number of files not RL_GENERATE_SAME. Returns 0 when the
 * comparison could be made (whatever its result), -1 with err set when a
 * file could not be read for another reason than absence.
 */
int rl_generate_check(struct rl_generate_out *out, const char *dir,
		      size_t *n_differ, struct rl_err *err);

/*
 * The files in DIR that relance generated for TARGET (a name "relance*"
 * with TARGET's extension, a regular file whose first line is the header,
 * "# Generated by ... for nagios: ...") and that OUT no longer has: an
 * application removed from the config, a single-file output left beside
 * -o's. *names gets them sorted (free with rl_generate_names_free), *n
 * their count. Returns 0, or -1 with err set ("DIR: not a directory or a
 * symbolic link", errno ENOENT when DIR is missing). Reads only.
 */
int rl_generate_stale(const struct rl_generate_out *out,
		      enum rl_generate_target target, const char *dir,
		      char ***names, size_t *n, struct rl_err *err);

/*
 * Removes NAMES (file names, from rl_generate_stale) from DIR, which is
 * opened and judged as rl_generate_write does. Returns 0, or -1 with err
 * naming the file; a file already gone is not an error.
 */
int rl_generate_prune(const char *dir, char *const *names, size_t n,
		      struct rl_err *err);

void rl_generate_names_free(char **names, size_t n);

/* "nagios" / "icinga2"; rl_generate_target_parse() returns 0 or -1. */
const char *rl_generate_target_name(enum rl_generate_target t);
int rl_generate_target_parse(const char *name, enum rl_generate_target *t,
			     struct rl_err *err);

#endif
