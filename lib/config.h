/*
 * config - reads INI files (the system inih) into a model.
 *
 * Layout (git-config style):
 *   [relance]            site settings; `include = GLOB` (also allowed
 *                        before the first section), relative to the file
 *   [ssh]                ssh defaults
 *   [host "NAME"]        one host
 *   [application "APP"]  optional: description, parallel
 *   [component "APP/NAME"] one component
 * Keys are listed in README.md ("Configuration reference"). Unknown keys and
 * sections, duplicates, bad values: errors. Comments stand on their own
 * line: a value containing whitespace then ';' is refused (inih would cut
 * it). Lines over 199 characters, section or key names over 49 are refused
 * (inih would cut them). Indented continuation lines join the value with a
 * space. Every error is one line "FILE:LINE: [section: ]key 'k': problem".
 */
#ifndef RL_CONFIG_H
#define RL_CONFIG_H

#include "err.h"
#include "model.h"

enum {
	/* Skip the ownership/permission check (tests that parse strings). */
	RL_CONFIG_NO_PERMS = 1 << 0,
};

/*
 * Reads PATH and every file it includes, then resolves the model. A file
 * writable by group or others, or owned by someone other than root or the
 * caller, is refused ("PATH: refused: writable by group or others (mode
 * 0664); chmod go-w PATH"). On success *out is a resolved model the caller
 * frees with rl_model_free(); on failure *out is untouched and err says
 * where. Blocks only on file I/O.
 */
int rl_config_load(const char *path, unsigned flags, struct rl_model **out,
		   struct rl_err *err);

/*
 * The same from a string; NAME stands for the file name in messages and
 * includes are relative to the current directory.
 */
int rl_config_load_string(const char *text, const char *name, unsigned flags,
			  struct rl_model **out, struct rl_err *err);

/* The config path to use: explicit, else $RELANCE_CONFIG, else
 * SYSCONFDIR/relance/relance.ini. Borrowed string. */
const char *rl_config_default_path(const char *explicit_path);

#endif
