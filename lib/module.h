/*
 * module - loading one of relance's optional modules (the XML module
 * xpath.so, the Graphviz module graphviz.so, the Icinga 2 API module
 * icinga_api.so) with dlopen(): a module is
 * built alone with its heavy library, so that only a program that needs
 * it maps that library (see lib/xpath_load.c).
 *
 * A module exports one symbol, a table that starts with struct
 * rl_module_head: the PACKAGE_VERSION of its build and the sizes of the
 * structures its entry points take. A module of another version or with
 * other sizes is refused: it must not be called with this build's
 * structures. Modules are never closed (their libraries keep state, and
 * LeakSanitizer must see their leaks).
 */
#ifndef RL_MODULE_H
#define RL_MODULE_H

#include <stddef.h>

#include "err.h"

struct rl_module_head {
	const char *version;
	size_t sizes[]; /* as many as the module's table says */
};

/*
 * The module's path: $ENV when set to an absolute path (ignored in a
 * setuid or setgid program: secure_getenv), else DEFAULT_PATH.
 */
const char *rl_module_path(const char *env, const char *default_path);

/*
 * dlopen()s PATH and returns its table SYMBOL after checking its head
 * against PACKAGE_VERSION and the N_SIZES SIZES; NULL with err set
 * otherwise: "PREFIXcannot load 'PATH': WHY" (the loader's reason, "not
 * relance's NAME module (no SYMBOL)", "module of relance V, not of this
 * build (W)"), then HINT when not NULL.
 */
const void *rl_module_load(const char *path, const char *symbol,
			   const char *prefix, const char *name,
			   const char *hint, const size_t *sizes,
			   size_t n_sizes, struct rl_err *err);

#endif
