/*
 * opts - one option-parser convention for every program: options are
 * described in tables (static const data: a name, a type, where the value
 * goes in the program's options struct), and one call over getopt_long
 * parses argv into those structs with relance's value parsers (duration,
 * whole number in a range, a program's own parser).
 *
 * A program may hand several tables at once, each with its own struct:
 * relancectl parses a command's arguments with the command's table and
 * the global one; the plugins with the common table (pluginmain) and
 * their own. Errors come back as one line without the program's name:
 * the program frames it (a stderr line, a plugin status line) and picks
 * the exit code.
 *
 * Uses getopt_long, and so its globals (optind, opterr, optarg): not for
 * two threads at once. Never prints, never exits.
 */
#ifndef RL_OPTS_H
#define RL_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

enum rl_opt_type {
	RL_OPT_FLAG,	 /* bool: set to true */
	RL_OPT_COUNT,	 /* int: one more each time (-v -v) */
	RL_OPT_STRING,	 /* const char *: the argument, borrowed from argv */
	RL_OPT_DURATION, /* int64_t ms: rl_parse_duration with unit_ms, and
			    at least min */
	RL_OPT_LONG,	 /* long: rl_parse_long in [min, max] */
	RL_OPT_CALL,	 /* parse(opt, arg, base, err): the program's parser */
	RL_OPT_HELP,	 /* stops the parse: RL_OPTS_HELP */
	RL_OPT_VERSION,	 /* stops the parse: RL_OPTS_VERSION */
};

/*
 * One option. A table is an array of them ending with an entry with
 * neither name ({0}). Plain struct.
 */
struct rl_opt {
	int short_name;	       /* 'c', or 0: long only */
	const char *long_name; /* "config", or NULL: short only */
	enum rl_opt_type type;
	size_t off;	  /* where the value goes: offsetof(struct x, field) */
	int64_t min, max; /* LONG: the range; DURATION: min is the least */
	int64_t unit_ms;  /* DURATION: a bare number counts in this unit;
			     0: a unit is required */
	/* CALL: parses ARG into the struct at BASE (at off, or wherever
	 * it likes: OPT is this entry); returns 0, or -1 with err set to
	 * why (the option's name is put in front of it) */
	int (*parse)(const struct rl_opt *opt, const char *arg, void *base,
		     struct rl_err *err);
};

/*
 * A table entry: RL_OPT('t', "timeout", RL_OPT_DURATION,
 * offsetof(struct x, timeout_ms), .min = 1, .unit_ms = 1000). The fields
 * not named are 0.
 */
#define RL_OPT(s, l, t, o, ...)                                                \
	{                                                                      \
		.short_name = (s), .long_name = (l), .type = (t), .off = (o),  \
		__VA_ARGS__                                                    \
	}

/* A table and the struct its offsets point into. Plain struct. */
struct rl_opts_set {
	const struct rl_opt *opts;
	void *base;
};

/* rl_opts_parse's flags */
#define RL_OPTS_IN_ORDER                                                       \
	1u /* stop at the first operand (the options                           \
	      before a command); else operands and options                     \
	      may mix, and operands are moved to the end */

enum rl_opts_result {
	RL_OPTS_OK = 0,		/* parsed: the operands start at res->next */
	RL_OPTS_HELP = 1,	/* an RL_OPT_HELP option was given */
	RL_OPTS_VERSION = 2,	/* an RL_OPT_VERSION option was given */
	RL_OPTS_E_OPTION = -1,	/* unknown option, or a value missing or not
				   wanted: res->option names it */
	RL_OPTS_E_VALUE = -2,	/* a value its parser refused */
	RL_OPTS_E_INTERNAL = -3 /* out of memory */
};

/* What rl_opts_parse found beside its result. Plain struct. */
struct rl_opts_res {
	int next;	 /* argv index of the first operand */
	char option[64]; /* RL_OPTS_E_OPTION: the option as written,
			    "--since" or "-x", without any "=value" */
};

/*
 * Parses argv[1..argc-1] with the N tables of SETS (the first table that
 * names an option wins) and writes each value where its table says. On an
 * error sets err to one line: "unknown option '--x'", "option '-t' needs
 * a value", "option '--all' takes no value", "option '--ver' is ambiguous", or
 * "NAME: why" for a value refused (NAME in the form the user chose, in full:
 * "-t", or "--timeout" also for "--time"), e.g. "--limit: 0 out of range
 * (1..1000000)". Values already parsed stay written. Returns an enum
 * rl_opts_result; res->next is set on RL_OPTS_OK (on the others it is
 * undefined). Not reentrant (getopt's globals); allocates only for the call.
 * Permutes argv unless RL_OPTS_IN_ORDER.
 */
int rl_opts_parse(const struct rl_opts_set *sets, size_t n, unsigned flags,
		  int argc, char **argv, struct rl_opts_res *res,
		  struct rl_err *err);

/*
 * Whether TABLE has the option NAME, given as written: "--since" (or an
 * abbreviation getopt_long would take, "--sin"), or "-o". For messages
 * that say which command an option belongs to.
 */
bool rl_opts_has(const struct rl_opt *table, const char *name);

#endif
