#include "build.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include "module.h"

const char *rl_module_path(const char *env, const char *default_path)
{
	const char *p = secure_getenv(env);

	return p != NULL && p[0] == '/' ? p : default_path;
}

const void *rl_module_load(const char *path, const char *symbol,
			   const char *prefix, const char *name,
			   const char *hint, const size_t *sizes,
			   size_t n_sizes, struct rl_err *err)
{
	const struct rl_module_head *m;
	const char *why;
	size_t n = strlen(path);
	void *h;

	h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (h == NULL) {
		why = dlerror();
		if (why == NULL)
			why = "unknown error";
		/* glibc's message starts with the path: say it once */
		if (strncmp(why, path, n) == 0 &&
		    strncmp(why + n, ": ", 2) == 0)
			why += n + 2;
		rl_err_set(err, "%scannot load '%s': %s%s", prefix, path, why,
			   hint ? hint : "");
		return NULL;
	}
	/* not closed on error either: dlopen() has run its constructors */
	m = dlsym(h, symbol);
	if (m == NULL) {
		rl_err_set(err,
			   "%scannot load '%s': not relance's %s module (no "
			   "%s)",
			   prefix, path, name, symbol);
		return NULL;
	}
	if (m->version == NULL || strcmp(m->version, PACKAGE_VERSION) != 0 ||
	    memcmp(m->sizes, sizes, n_sizes * sizeof(*sizes)) != 0) {
		rl_err_set(err,
			   "%scannot load '%s': module of relance %.20s, not "
			   "of this build (%s)",
			   prefix, path, m->version != NULL ? m->version : "?",
			   PACKAGE_VERSION);
		return NULL;
	}
	return m;
}
