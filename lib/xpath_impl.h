/*
 * xpath_impl.h - between the loader (lib/xpath_load.c, in librelance.a)
 * and the XML module (lib/xpath.c built alone with libxml2 as xpath.so,
 * installed in $(pkglibdir)). Nothing else includes this.
 *
 * The module exports one symbol, RL_XPATH_MODULE_SYMBOL, a table of its
 * entry points; every other symbol in it is hidden. The loader refuses a
 * module whose version or structure sizes differ from its own: the table
 * takes relance's structures (struct rl_component, rl_err, verdict) by
 * pointer, so a module from another build must not be called.
 */
#ifndef RL_XPATH_IMPL_H
#define RL_XPATH_IMPL_H

#include <stddef.h>

#include "xpath.h"

#define RL_XPATH_MODULE_SYMBOL "rl_xpath_module"

struct rl_xpath_module {
	const char *version; /* PACKAGE_VERSION of the module's build */
	size_t sizes[4];     /* RL_XPATH_MODULE_SIZES */
	void (*init)(void);  /* xmlInitParser(), thread-safe in libxml2 */
	int (*validate)(const char *expr, struct rl_err *err);
	int (*judge)(const struct rl_component *c, const char *doc, size_t len,
		     struct rl_xpath_verdict *out, struct rl_err *err);
};

#define RL_XPATH_MODULE_SIZES                                                  \
	{                                                                      \
		sizeof(struct rl_component), sizeof(struct rl_xml_check),      \
		    sizeof(struct rl_err), sizeof(struct rl_xpath_verdict)     \
	}

extern const struct rl_xpath_module rl_xpath_module;

#endif
