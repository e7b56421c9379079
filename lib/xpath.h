/*
 * xpath - judges an XML document (a check command's output) with the
 * XPath expressions of a component in check_mode xml (issue 7).
 *
 * The document is untrusted. It is parsed by libxml2 with no network, no
 * DTD loading, no entity substitution and no XML_PARSE_HUGE (so libxml2's
 * depth limit of 256 and its amplification checks hold); a document larger
 * than RL_XPATH_MAX_DOC bytes is refused before parsing, and so is one
 * that declares entities or an external DTD. Nothing is printed: libxml2's
 * messages are collected, and its error handlers are set only for the
 * duration of a call and restored after it.
 *
 * Each expression gives a state, and the worst wins:
 *  - a number (count(), sum(), number(...), arithmetic): OK, WARNING or
 *    CRITICAL by its warning/critical ranges (rl_thresholds_check); NaN is
 *    UNKNOWN; every number is perfdata;
 *  - a boolean: true is OK, false is CRITICAL;
 *  - a string: with expect, equal is OK and anything else CRITICAL; with
 *    ranges, it is read as a number; otherwise it is shown, OK;
 *  - a node-set: empty is UNKNOWN ("matches nothing"); else the string
 *    value of its first node in document order, then as a string above
 *    (read as a number when it has ranges or looks like one).
 *  Ranges or expect on a boolean: UNKNOWN (the configuration is wrong).
 *
 * libxml2 is loaded only when needed: the programs link lib/xpath_load.c,
 * which dlopen()s the XML module (lib/xpath.c built with libxml2 as
 * $(pkglibdir)/xpath.so; $RELANCE_XPATH_MODULE, an absolute path, replaces
 * that path, and only `make check` sets it) on the first validate or judge
 * of the process. A program that meets no XPath expression never maps
 * libxml2 nor what it brings (ICU, libstdc++). A module that cannot be
 * loaded, or is of another build, gives "XML checks unavailable: cannot
 * load 'PATH': REASON": an error from validate, an UNKNOWN verdict from
 * judge. See lib/xpath_load.c.
 */
#ifndef RL_XPATH_H
#define RL_XPATH_H

#include <stddef.h>

#include "err.h"
#include "model.h"
#include "plugin.h"

#define RL_XPATH_MAX_DOC (4 * 1024 * 1024)

/* What a document is judged to be. Strings are the caller's to free with
 * rl_xpath_verdict_free(); never NULL after a successful judge. */
struct rl_xpath_verdict {
	enum rl_state state;
	char *text;	 /* one line, for the status line */
	char *long_text; /* one line per expression, '\n'-separated, with a
			    final newline; "" when the document was refused */
	char *perfdata;	 /* rl_perf_append items, "" when none */
};

/* Releases the strings and zeroes them; v may be NULL. */
void rl_xpath_verdict_free(struct rl_xpath_verdict *v);

/*
 * Does nothing now: libxml2 is initialised when the XML module is loaded
 * (xmlInitParser is thread-safe in libxml2 2.9 and later). Kept for its
 * callers; harmless to call.
 */
void rl_xpath_init(void);

/*
 * Loads the XML module now (it is otherwise loaded on first use). 0, or
 * -1 with err "XML checks unavailable: cannot load 'PATH': REASON".
 */
int rl_xpath_load(struct rl_err *err);

/*
 * Config time: checks that EXPR compiles and evaluates on an empty
 * document without error (this catches unknown functions and variables,
 * which libxml2 resolves only when evaluating). Error: "invalid XPath
 * expression 'count(/a': Missing closing parenthesis at column 8"; no
 * place (the caller adds it). Loads the XML module: -1 with its error when
 * it cannot be loaded.
 */
int rl_xpath_validate(const char *expr, struct rl_err *err);

/*
 * Judges DOC (LEN bytes, need not be NUL-terminated) with c->xml_checks.
 * Returns 0 with *out filled, whatever the document (a malformed, empty,
 * too large or refused document is UNKNOWN with the reason, for a
 * malformed one libxml2's message, line and column). Returns -1 with err
 * set only when out of memory or when c has no expression; *out is then
 * untouched. When the XML module cannot be loaded, the verdict is UNKNOWN
 * with its error as text (the caller names the component). Blocks on nothing;
 * time is linear in the document for the usual expressions.
 */
int rl_xpath_judge(const struct rl_component *c, const char *doc, size_t len,
		   struct rl_xpath_verdict *out, struct rl_err *err);

#endif
