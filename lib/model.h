/*
 * model - applications, components and hosts; the requirement graph.
 *
 * The model is built by config (or by tests through the rl_model_add_*
 * calls), then rl_model_resolve() links the graph, rejects cycles and
 * unknown requirements, and computes levels and topological order. After
 * that the model is read-only: the structs below are plain so that every
 * module can read them, but only model.c and config.c write them.
 *
 * Every string in the model is owned by the model and freed by
 * rl_model_free(). Pointers between objects (component->host, ->requires,
 * ->dependents, app->components) are borrowed and live as long as the model.
 */
#ifndef RL_MODEL_H
#define RL_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* Where a thing was defined, for error messages ("file:line"). */
struct rl_where {
	const char *file; /* owned by the model; NULL if unknown */
	int line;
};

enum rl_transport_kind {
	RL_TRANSPORT_SSH = 0,
	RL_TRANSPORT_LOCAL,
};

enum rl_shell {
	RL_SHELL_POSIX = 0,
	RL_SHELL_POWERSHELL,
	RL_SHELL_CMD,
};

enum rl_heal {
	RL_HEAL_HARD = 0, /* act on the first CRITICAL HARD */
	RL_HEAL_SOFT,	  /* act on the heal_soft_attempt-th SOFT attempt */
	RL_HEAL_NEVER,	  /* only report */
};

enum rl_check_mode {
	RL_CHECK_EXIT = 0, /* exit 0 is OK, anything else CRITICAL */
	RL_CHECK_PLUGIN,   /* the command is a plugin: 0..3 pass through */
	RL_CHECK_XML,	   /* output is XML, judged by XPath (issue 7) */
};

/* [ssh] settings; a host may override user, identity and port. */
struct rl_ssh_settings {
	char *user;	       /* NULL: the caller's login name */
	char *identity;	       /* private key file; NULL: use the agent */
	char *passphrase_file; /* NULL: key has no passphrase */
	char *known_hosts;     /* required for ssh hosts */
	int64_t timeout_ms;    /* connect+handshake+auth, default 5s */
	int max_channels;      /* per session, default 8 (< sshd MaxSessions) */
	int max_handshakes;    /* concurrent handshakes, default 8 */
};

/*
 * [icinga_api]: the Icinga 2 REST API (issue 14), used instead of the
 * command pipe and status.dat when n_urls > 0. Strings as written.
 */
struct rl_icinga_api_settings {
	char **urls;	     /* https://HOST[:PORT], tried in turn (HA zone) */
	size_t n_urls;	     /* 0: the API is not used */
	char *user;	     /* the ApiUser */
	char *password_file; /* only its owner may read it (safefile) */
	char *ca_file;	     /* NULL: the system's trust store */
	int64_t timeout_ms;  /* per request, default 5s */
	struct rl_where where; /* the section, for messages */
};

/* [relance] site settings. */
struct rl_site {
	char *journal;	     /* default /var/lib/relance/journal.jsonl */
	char *lock_dir;	     /* default /run/relance */
	char *command_file;  /* Nagios/Icinga command pipe; NULL if unset */
	char *status_file;   /* Nagios status.dat (acks, downtime); or NULL */
	char *hold_dir;	     /* holds; default: the journal's dir + /holds */
	char *host_lock_dir; /* on each target; NULL: ~/.relance/locks */
	char *node;	     /* this monitoring node's name; default hostname */
	char *graph_dir; /* the handler refreshes APP.dot/.svg here; or NULL */
	char *graph_url; /* generate links each application to
			    GRAPH_URL/APP.svg; or NULL */
	struct rl_where graph_url_where; /* where graph_url was set */
	char *core_user; /* the monitoring core's account, whose access
			    to the state dirs `config check` judges;
			    NULL: nagios when that account exists */
	int parallel;	 /* steps of one level run at once, default 4 */
	int64_t
	    check_interval_ms; /* between verification checks, default 250ms */
	int64_t heal_retry_ms; /* the core asks the handler again after
				  this long in CRITICAL HARD (generate's
				  re-notification), default 5m; 0: off */
	int64_t journal_max_size; /* rotate beyond (bytes); 0: never;
				     default 16M */
	int journal_keep;	  /* rotated journal files kept, default 8 */
	int config_keep;	  /* config copies kept, default 32; 0: none */
	struct rl_ssh_settings ssh;
	struct rl_icinga_api_settings icinga_api;
	struct rl_where where;
};

struct rl_host {
	char *name;
	enum rl_transport_kind transport;
	char *address;	/* ssh: name or IP; default: the host's name */
	int port;	/* default 22 */
	char *user;	/* ssh: the login, NULL: site ssh.user; local: the
			   account commands run as, NULL: the caller */
	int user_line;	/* line of `user` in where.file, 0: absent */
	char *identity; /* NULL: site ssh.identity */
	enum rl_shell shell;
	char *zone; /* Icinga 2 zone, or NULL */
	struct rl_where where;
	size_t index; /* position in model->hosts */
};

struct rl_app;

/*
 * One XPath expression of a component in check_mode xml (issue 7), from
 * the keys xpath.NAME, xpath.NAME.warning, .critical, .label, .uom and
 * .expect. Strings are as written (NULL when the key is absent); config
 * has already checked that the expression compiles and the ranges parse.
 */
enum rl_xml_key {
	RL_XML_KEY_EXPR = 0,
	RL_XML_KEY_WARNING,
	RL_XML_KEY_CRITICAL,
	RL_XML_KEY_LABEL,
	RL_XML_KEY_UOM,
	RL_XML_KEY_EXPECT,
	RL_XML_KEY_COUNT,
};

struct rl_xml_check {
	char *name;	/* NAME in xpath.NAME */
	char *expr;	/* the XPath expression */
	char *warning;	/* range text, or NULL */
	char *critical; /* range text, or NULL */
	char *label;	/* for output and perfdata; NULL: NAME */
	char *uom;	/* perfdata unit, or NULL */
	char *expect;	/* a string result must equal this, or NULL */
	int lines[RL_XML_KEY_COUNT]; /* line of each key (0: absent), in
					the component's file */
};

/*
 * How the monitoring core schedules a service: the [application] and
 * [component] keys check_interval, retry_interval, max_check_attempts,
 * written into the generated objects (lib/generate). 0: not set (the
 * application's, else the generated template's). Plain struct.
 */
struct rl_schedule {
	int64_t check_interval_ms;
	int64_t retry_interval_ms;
	int max_check_attempts;
	struct rl_where attempts_where; /* where max_check_attempts was set */
};

struct rl_component {
	char *name;	  /* full name "APP/NAME" */
	char *short_name; /* NAME */
	struct rl_app *app;
	char *host_name;
	struct rl_host *host; /* set by resolve */

	char *check; /* commands from the config, verbatim */
	char *stop;
	char *start;
	char *restart; /* NULL: stop then start */
	char *user;    /* local host only: the account its commands run as
			  instead of the host's `user`; NULL: the host's */
	int user_line; /* line of `user` in where.file, 0: absent */
	enum rl_check_mode check_mode;
	char *description; /* NULL if none */

	/* requirement names as written (full names after resolve), and where
	   each was written */
	char **requires_names;
	struct rl_where *requires_where;
	size_t n_requires;
	/* set by resolve */
	struct rl_component **requires; /* n_requires entries */
	struct rl_component **dependents;
	size_t n_dependents;
	int level;   /* 0: requires nothing; else 1 + max(requires) */
	size_t topo; /* position in model->topo */

	int64_t check_timeout_ms; /* default 10s */
	int64_t start_timeout_ms; /* start + verification, default 60s */
	int64_t stop_timeout_ms;  /* stop + verification, default 60s */
	enum rl_heal heal;
	int heal_soft_attempt;		 /* for RL_HEAL_SOFT */
	int restart_limit_count;	 /* default 3 */
	int64_t restart_limit_window_ms; /* default 1h */
	struct rl_schedule sched;	 /* the core's; 0: the app's */

	/* check_mode xml: the expressions, in the order they were first
	   named; an array owned by the model */
	struct rl_xml_check *xml_checks;
	size_t n_xml_checks;

	struct rl_where where;
	size_t index; /* position in model->components */
};

struct rl_app {
	char *name;
	bool declared;		  /* has its own [application] section */
	char *description;	  /* NULL if none */
	int parallel;		  /* 0: site's */
	struct rl_schedule sched; /* the core's, for its components too */
	struct rl_component **components; /* in topological order */
	size_t n_components;
	struct rl_where where; /* of [application] or of its first component */
};

struct rl_model {
	struct rl_site site;
	struct rl_host **hosts; /* in definition order */
	size_t n_hosts;
	struct rl_component **components; /* in definition order */
	size_t n_components;
	struct rl_component **topo; /* topological order, stable: by level,
				       then by name */
	struct rl_app **apps;	    /* sorted by name */
	size_t n_apps;
	char **files; /* every file read, for messages */
	size_t n_files;
	/* the configuration as loaded (lib/confstore.h): every file read,
	   in order, bundled; and its SHA-256 in hex ("" if none) */
	char *config_bundle;
	size_t config_bundle_len;
	char config_hash[65];
};

/* A new empty model with the site defaults. NULL on allocation failure. */
struct rl_model *rl_model_new(void);
void rl_model_free(struct rl_model *m);

/*
 * Adds a host / component / application with defaults filled in; returns
 * the new object (owned by the model) for the caller to fill, or NULL with
 * err set (duplicate name with both places, invalid name, no memory).
 * Names: a component is "APP/NAME"; APP and NAME are [A-Za-z0-9._-]+.
 * Host names are [A-Za-z0-9._-]+.
 * where.file must be a string the model owns (rl_model_intern_file).
 */
struct rl_host *rl_model_add_host(struct rl_model *m, const char *name,
				  struct rl_where where, struct rl_err *err);
struct rl_component *rl_model_add_component(struct rl_model *m,
					    const char *name,
					    struct rl_where where,
					    struct rl_err *err);
/* An application is created by its first component; rl_model_add_app is
 * for an [application] section, and returns the existing app if only
 * components created it so far (a second section is a duplicate). */
struct rl_app *rl_model_add_app(struct rl_model *m, const char *name,
				struct rl_where where, struct rl_err *err);

/*
 * Adds one requirement name to c (a full name, or NAME within c's app),
 * written at WHERE (the `requires` line; cycle errors point there). The
 * same requirement twice is an error.
 */
int rl_model_add_require(struct rl_model *m, struct rl_component *c,
			 const char *name, struct rl_where where,
			 struct rl_err *err);

/* Keeps a copy of a file name for rl_where; returns it, NULL on OOM. */
const char *rl_model_intern_file(struct rl_model *m, const char *file);

/*
 * Links hosts and requirements, builds apps, dependents, levels and the
 * topological order. Errors (first one found, in definition order):
 *  "fx.ini:30: component 'fx/pricer': requires unknown component 'fx/cach'"
 *  "fx.ini:30: component 'fx/pricer': unknown host 'fx-app-9'"
 *  "fx.ini:41: requirement cycle: fx/a -> fx/b -> fx/c -> fx/a"
 *    (the place is that of the requirement that closes the cycle)
 * Runs in O(components + requirements).
 */
int rl_model_resolve(struct rl_model *m, struct rl_err *err);

/*
 * qsort comparator of two struct rl_component * elements: by level (the
 * requirements first), then by name. The model's topological order and
 * a plan's steps within a level go by it.
 */
int rl_model_cmp_level_name(const void *a, const void *b);

/* Lookups after resolve; NULL if absent. O(log n). */
struct rl_component *rl_model_component(const struct rl_model *m,
					const char *name);
struct rl_host *rl_model_host(const struct rl_model *m, const char *name);
struct rl_app *rl_model_app(const struct rl_model *m, const char *name);

/* "hard", "soft:3", "never"; "posix"...; "ssh"/"local": for messages. */
const char *rl_shell_name(enum rl_shell s);
const char *rl_transport_name(enum rl_transport_kind t);

#endif
