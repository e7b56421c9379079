/*
 * ctl - what relancectl's commands share: the context the global options
 * fill, the exit codes, and the helpers that print a failure or a result.
 *
 * Each command lives in its own file (cmd_*.c) with its own option table
 * and struct, and parses its arguments itself with ctl_parse(), which adds
 * the global options (they may follow the command: `status fx --json`).
 * relancectl.c holds main, the command list and the help.
 */
#ifndef CTL_H
#define CTL_H

#include <stdbool.h>
#include <stdint.h>

#include "journal.h"
#include "model.h"
#include "opts.h"
#include "util.h"

enum {
	EXIT_OK = 0,
	EXIT_FAILED = 1, /* the action failed: components are down */
	EXIT_CONFIG = 2,
	EXIT_USAGE = 3,
	EXIT_LOCKED = 4,   /* another action holds a lock */
	EXIT_JOURNAL = 5,  /* the journal cannot be written: nothing done */
	EXIT_INTERNAL = 6, /* a system error (a lock file that cannot be
			      opened, a hold that cannot be written) */
	EXIT_JOURNAL_MIDWAY = 7, /* the journal failed after an action
				    command ran: stopped there, the state
				    left is said */
};

/* The context: global options, who runs us, the model once loaded. */
struct ctl {
	const char *config; /* -f (-c), or NULL for the default */
	bool json;
	bool no_color;
	bool verbose;
	int64_t timeout_ms; /* -t; 0: the command's default */
	bool color;	    /* decided by ctl_parse: tty, no NO_COLOR */
	char user[256];
	struct rl_model *model; /* load_config; main frees it */
};

/*
 * A command: RUN gets argv from the command's name on and parses it with
 * ctl_parse; OPTS is its option table (NULL: none), which ctl_parse
 * also reads to say which command an option misplaced elsewhere is for.
 */
struct ctl_cmd {
	const char *name;
	int (*run)(struct ctl *ctl, int argc, char **argv);
	const struct rl_opt *opts;
};

extern const struct ctl_cmd ctl_cmd_status, ctl_cmd_start, ctl_cmd_stop,
    ctl_cmd_restart, ctl_cmd_plan, ctl_cmd_history, ctl_cmd_config,
    ctl_cmd_generate, ctl_cmd_hostkey, ctl_cmd_hold, ctl_cmd_release;
extern const struct ctl_cmd ctl_cmd_graph;

/* Returned by ctl_parse when the command goes on. */
#define CTL_GO_ON (-1)

/*
 * Parses the options of command CMD in ARGC/ARGV (argv[0]: its name)
 * with CMD's table into BASE and the global options into CTL, then points
 * them at the operands and decides ctl->color. Returns CTL_GO_ON,
 * or an exit code after printing: the help or version (EXIT_OK), or a
 * one-line usage error (EXIT_USAGE).
 */
int ctl_parse(struct ctl *ctl, const struct ctl_cmd *cmd, void *base, int *argc,
	      char ***argv);

/* "relancectl: MESSAGE (see relancectl --help)" on stderr; EXIT_USAGE. */
int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* `config diff [HASH1 [HASH2]]` (cmd_config_diff.c): ARGV the hashes,
 * the config loaded. Returns the exit code. */
int ctl_config_diff(struct ctl *ctl, int argc, char **argv);

/* "relancectl: MSG" on stderr; returns CODE. */
int fail(int code, const char *msg);

/* Loads the configuration into ctl->model; EXIT_OK or a failure printed. */
int load_config(struct ctl *ctl);

/* A journal record of this node and user, EVENT (may be NULL); the rest
 * as rl_journal_rec_init leaves it. */
void ctl_rec_init(const struct ctl *ctl, struct rl_journal_rec *r,
		  const char *event);

/* Writes B to stdout; EXIT_OK, or EXIT_INTERNAL if B ran out of memory. */
int print_buf(struct rl_buf *b);

#endif
