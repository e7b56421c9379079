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
 * Every key is shown, with its default, in conf/relance.ini.example.
 *
 * The dialect, stricter than inih so that nothing is ever cut silently:
 *  - Unknown sections and keys, a key twice in one section (include
 *    excepted), bad values: errors. [relance] and [ssh] may appear again
 *    (in another file); their keys still may be set only once.
 *  - Comments stand on their own line ('#' or ';' first). A value whose
 *    line has whitespace then ';' is refused (inih would cut it there).
 *  - Lines over 199 characters, section headers (the text between the
 *    brackets) or key names over 49 are refused (inih would cut them).
 *  - Indented lines continue the value before them, joined with one space;
 *    an indented line starting with '#' or ';' inside a value is refused
 *    (inih would drop it as a comment). `key: value` is refused.
 *  - include = GLOB...: space-separated patterns, relative to the
 *    including file's directory (to the current directory for a string),
 *    read in sorted order where the include stands. A pattern without a
 *    wildcard must name an existing file; one with a wildcard may match
 *    nothing (an empty conf.d/ is fine). An include cycle is an error.
 *  - check_mode xml (issue 7): in a component, xpath.NAME = EXPRESSION
 *    and, optionally, xpath.NAME.warning / .critical (ranges), .label,
 *    .uom and .expect, in any order; NAME is [A-Za-z0-9_-]+; at most 64
 *    per component, kept in first-named order in c->xml_checks. The
 *    expression must compile (rl_xpath_validate) and the ranges parse, at
 *    their own line; a component in check_mode xml needs at least one,
 *    and xpath keys need check_mode xml; expect and ranges exclude each
 *    other; labels (default NAME) are unique within the component.
 *  - After reading: a component needs host, check, start and stop; an ssh
 *    host needs known_hosts in [ssh]; an ssh host's address defaults to
 *    its name; node defaults to this machine's hostname. Then the model is
 *    resolved (unknown requirements, cycles), its message passed up as is.
 *
 * Every error is one line "FILE:LINE: [SECTION: ]problem", SECTION being
 * "component 'fx/a'", "host 'h'", "application 'fx'" or "section 'ssh'":
 *   fx.ini:12: component 'fx/pricer': unknown key 'retrys'
 *   fx.ini:14: component 'fx/pricer': key 'stop': ' ;' would start a
 *     comment and cut the command; put comments on their own line
 *   fx.ini:9: line too long (max 199 characters); continue the value on an
 *     indented next line
 *   b.ini:3: duplicate component 'fx/a' (first defined at a.ini:7)
 */
#ifndef RL_CONFIG_H
#define RL_CONFIG_H

#include "err.h"
#include "model.h"

enum {
	/* Skip the ownership/permission check (tests that parse strings). */
	RL_CONFIG_NO_PERMS = 1 << 0,
	/* Do not compile xpath.NAME expressions (that loads libxml2, 3 MiB
	 * for every plugin run of a site that has one XML check): the
	 * plugins, which judge one component, take it; `relancectl config
	 * check` and the handler do not. The ranges are still parsed. */
	RL_CONFIG_LAZY_XPATH = 1 << 1,
};

/*
 * Reads PATH and every file it includes, then resolves the model. A file
 * writable by group or others, or owned by someone other than root or the
 * caller (effective uid), is refused ("PATH: refused: writable by group or
 * others (mode 0664); chmod go-w PATH", "PATH: refused: owned by uid 1000,
 * neither root nor the caller (uid 0); chown root PATH"); flags
 * RL_CONFIG_NO_PERMS skips that check and the one of directories: the
 * directory holding each file's name and the one holding the file a link
 * leads to are refused when group or others may write them without the
 * sticky bit, or another user than root and the caller owns them
 * ("cannot read 'PATH': refused: DIR: writable by group or others (mode
 * 0777) and not sticky"; for an include with its file, line and key).
 * Only a regular file is opened: a FIFO, socket or device is refused
 * from its stat ("cannot read 'PATH': not a regular file (a FIFO)"),
 * always. A file that cannot be opened gives
 * "cannot open 'PATH': no such file". On success *out is a resolved model the
 * caller frees with rl_model_free(); on failure *out is untouched and err says
 * where. Blocks only on file I/O.
 */
int rl_config_load(const char *path, unsigned flags, struct rl_model **out,
		   struct rl_err *err);

/*
 * The same from a string; NAME stands for the file name in messages and
 * includes are relative to the current directory (included files are
 * checked as above unless RL_CONFIG_NO_PERMS).
 */
int rl_config_load_string(const char *text, const char *name, unsigned flags,
			  struct rl_model **out, struct rl_err *err);

/* The config path to use: explicit, else $RELANCE_CONFIG, else
 * SYSCONFDIR/relance/relance.ini. Borrowed string. */
const char *rl_config_default_path(const char *explicit_path);

#endif
