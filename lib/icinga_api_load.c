/*
 * icinga_api_load - the icinga_api.h API as the programs link it: a
 * loader for the Icinga 2 API module (icinga_api.so, lib/icinga_api.c).
 *
 * libcurl brings some twenty libraries (OpenSSL, nghttp2, libssh, rtmp,
 * LDAP, Kerberos, ...), and relocating them cost every run of relancectl
 * and handle_component about 7 million cycles in the dynamic loader (3-5
 * ms), though only a site with an [icinga_api] section ever talks to the
 * API. So, like the XML module (see lib/xpath_load.c for the reasons and
 * the rules), the client is a module that lib/module dlopen()s on first
 * use: a body built, an answer judged, a client made. A module that
 * cannot be loaded makes that call fail with "Icinga 2 API unavailable:
 * cannot load 'PATH': WHY", which the caller reports as any failure of
 * the API (a write-back journaled as failed, a state not read).
 *
 * Where the module is: $RELANCE_API_MODULE when set to an absolute path
 * (ignored in a setuid or setgid program: secure_getenv), else APIMODULE,
 * where `make install` puts it ($(pkglibdir)/icinga_api.so). Only `make
 * check` sets the variable, to the build tree's lib/icinga_api.so.
 *
 * No state of our own: each call dlopen()s the module again (a reference
 * counted, nothing opened) and looks the table up. A client exists only
 * once the module is loaded, so the calls that take one find it.
 */
#include "build.h"

#include "icinga_api.h"

#include "icinga_api_impl.h"
#include "module.h"

#define UNAVAILABLE "Icinga 2 API unavailable: "

/* The module's table; NULL with err set ("Icinga 2 API unavailable: "). */
static const struct rl_icinga_api_module *load(struct rl_err *err)
{
	static const size_t sizes[] = RL_ICINGA_API_MODULE_SIZES;

	return rl_module_load(rl_module_path("RELANCE_API_MODULE", APIMODULE),
			      RL_ICINGA_API_MODULE_SYMBOL, UNAVAILABLE,
			      "Icinga 2 API", NULL, sizes,
			      sizeof(sizes) / sizeof(sizes[0]), err);
}

int rl_icinga_api_body_comment(char **body, const char *host,
			       const char *service, const char *author,
			       const char *text, struct rl_err *err)
{
	const struct rl_icinga_api_module *m = load(err);

	return m != NULL
		   ? m->body_comment(body, host, service, author, text, err)
		   : -1;
}

int rl_icinga_api_body_result(char **body, const char *host,
			      const char *service, int exit_status,
			      const char *output, const char *source,
			      struct rl_err *err)
{
	const struct rl_icinga_api_module *m = load(err);

	return m != NULL ? m->body_result(body, host, service, exit_status,
					  output, source, err)
			 : -1;
}

int rl_icinga_api_body_reschedule(char **body, const char *host,
				  const char *service, struct rl_err *err)
{
	const struct rl_icinga_api_module *m = load(err);

	return m != NULL ? m->body_reschedule(body, host, service, err) : -1;
}

int rl_icinga_api_body_query(char **body, const char *host, const char *service,
			     struct rl_err *err)
{
	const struct rl_icinga_api_module *m = load(err);

	return m != NULL ? m->body_query(body, host, service, err) : -1;
}

int rl_icinga_api_parse_service(const char *json, size_t len,
				struct rl_icinga_api_service *out, bool *found,
				struct rl_err *err)
{
	const struct rl_icinga_api_module *m = load(err);

	return m != NULL ? m->parse_service(json, len, out, found, err) : -1;
}

enum rl_icinga_api_verdict
rl_icinga_api_judge(const char *url, const char *what, const char *user,
		    const struct rl_icinga_api_reply *r, struct rl_err *err)
{
	const struct rl_icinga_api_module *m;
	struct rl_err why;

	m = load(&why);
	if (m != NULL)
		return m->judge(url, what, user, r, err);
	rl_err_set(err, "%s: %s: %s", url, what, why.msg);
	return RL_ICINGA_API_FINAL;
}

struct rl_icinga_api *rl_icinga_api_new(const struct rl_icinga_api_settings *s,
					struct rl_err *err)
{
	const struct rl_icinga_api_module *m = load(err);

	return m != NULL ? m->new_client(s, err) : NULL;
}

void rl_icinga_api_free(struct rl_icinga_api *api)
{
	const struct rl_icinga_api_module *m;
	struct rl_err why;

	if (api == NULL)
		return;
	/* loaded already: API is the module's */
	m = load(&why);
	if (m != NULL)
		m->free_client(api);
}

int rl_icinga_api_action(struct rl_icinga_api *api, const char *action,
			 const char *object, const char *body,
			 int64_t deadline_ms, struct rl_err *err)
{
	const struct rl_icinga_api_module *m = load(err);

	return m != NULL
		   ? m->action(api, action, object, body, deadline_ms, err)
		   : -1;
}

int rl_icinga_api_service(struct rl_icinga_api *api, const char *host,
			  const char *service, int64_t deadline_ms,
			  struct rl_icinga_api_service *out, bool *found,
			  struct rl_err *err)
{
	const struct rl_icinga_api_module *m = load(err);

	return m != NULL ? m->service(api, host, service, deadline_ms, out,
				      found, err)
			 : -1;
}

const char *rl_icinga_api_detour(const struct rl_icinga_api *api)
{
	struct rl_err why;
	const struct rl_icinga_api_module *m = load(&why);

	return m != NULL ? m->detour(api) : NULL;
}

void rl_icinga_api_set_perform(struct rl_icinga_api *api,
			       rl_icinga_api_perform_fn *fn, void *ctx)
{
	struct rl_err why;
	const struct rl_icinga_api_module *m = load(&why);

	if (m != NULL)
		m->set_perform(api, fn, ctx);
}
