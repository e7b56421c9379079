/*
 * xpath_load - the xpath.h API as the programs link it: a loader for the
 * XML module.
 *
 * libxml2 (on Debian linked with ICU, which brings libicuuc, libicudata
 * and libstdc++) costs a plugin about 2.5 MiB of RSS just by being mapped
 * and relocated, whether or not a component is checked in xml mode. So
 * the implementation (lib/xpath.c) is built alone, with libxml2, as a
 * shared object, and this loader dlopen()s it on the first validate or
 * judge: a program that meets no XPath expression never maps libxml2.
 *
 * Where the module is: $RELANCE_XPATH_MODULE when set to an absolute path
 * (ignored in a setuid or setgid program: secure_getenv), else
 * XPATHMODULE, the absolute path where `make install` puts it
 * ($(pkglibdir)/xpath.so), set at build time. Only `make check` sets the
 * variable, to the build tree's lib/xpath.so; a program run from the build
 * tree without it uses the installed module, or says it cannot load it.
 *
 * No state of our own: every call dlopen()s the module, which for an
 * object already loaded only counts a reference (the dynamic loader finds
 * it by its name; no file is opened), and looks the table up. The module
 * is never closed: libxml2 keeps per-thread and global state that must
 * not go away under its callers, and a closed module would hide its
 * leaks from LeakSanitizer.
 */
#include "build.h"

#include "xpath.h"

#include <stdlib.h>
#include <string.h>

#include "module.h"
#include "xpath_impl.h"

#define UNAVAILABLE "XML checks unavailable: "

/* The module's table; NULL with err set ("XML checks unavailable: ..."). */
static const struct rl_xpath_module *load(struct rl_err *err)
{
	static const size_t sizes[] = RL_XPATH_MODULE_SIZES;
	const struct rl_xpath_module *m =
	    rl_module_load(rl_module_path("RELANCE_XPATH_MODULE", XPATHMODULE),
			   RL_XPATH_MODULE_SYMBOL, UNAVAILABLE, "XML", NULL,
			   sizes, sizeof(sizes) / sizeof(sizes[0]), err);

	if (m != NULL)
		m->init();
	return m;
}

void rl_xpath_init(void)
{
	/* the module initialises libxml2 when it is loaded */
}

int rl_xpath_load(struct rl_err *err)
{
	return load(err) != NULL ? 0 : -1;
}

void rl_xpath_verdict_free(struct rl_xpath_verdict *v)
{
	if (v == NULL)
		return;
	free(v->text);
	free(v->long_text);
	free(v->perfdata);
	v->text = v->long_text = v->perfdata = NULL;
}

int rl_xpath_validate(const char *expr, struct rl_err *err)
{
	const struct rl_xpath_module *m = load(err);

	return m != NULL ? m->validate(expr, err) : -1;
}

int rl_xpath_judge(const struct rl_component *c, const char *doc, size_t len,
		   struct rl_xpath_verdict *out, struct rl_err *err)
{
	const struct rl_xpath_module *m;
	struct rl_err why;
	struct rl_xpath_verdict v = {RL_STATE_UNKNOWN, NULL, NULL, NULL};

	if (c->n_xml_checks == 0)
		return rl_err_set(err,
				  "component '%s': check_mode xml without "
				  "any xpath expression",
				  c->name);
	m = load(&why);
	if (m != NULL)
		return m->judge(c, doc, len, out, err);
	/* a verdict like a refused document's: the caller names c */
	v.text = strdup(why.msg);
	v.long_text = strdup("");
	v.perfdata = strdup("");
	if (v.text == NULL || v.long_text == NULL || v.perfdata == NULL) {
		rl_xpath_verdict_free(&v);
		return rl_err_set(err, "out of memory");
	}
	*out = v;
	return 0;
}
