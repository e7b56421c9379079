/*
 * icinga_api_impl.h - between the loader (lib/icinga_api_load.c, in
 * librelance.a) and the Icinga 2 API module (lib/icinga_api.c built alone
 * with libcurl and jansson as icinga_api.so, installed in $(pkglibdir)).
 * Nothing else includes this.
 *
 * As for the XML module (xpath_impl.h): the module exports one symbol, a
 * table of its entry points, one for each function of icinga_api.h, and
 * the loader refuses a module of another version or with other structure
 * sizes. The client (struct rl_icinga_api) is the module's; the loader
 * only passes its pointer back.
 */
#ifndef RL_ICINGA_API_IMPL_H
#define RL_ICINGA_API_IMPL_H

#include <stddef.h>

#include "icinga_api.h"

#define RL_ICINGA_API_MODULE_SYMBOL "rl_icinga_api_module"

struct rl_icinga_api_module {
	const char *version; /* PACKAGE_VERSION of the module's build */
	size_t sizes[4];     /* RL_ICINGA_API_MODULE_SIZES */
	int (*body_comment)(char **body, const char *host, const char *service,
			    const char *author, const char *text,
			    struct rl_err *err);
	int (*body_result)(char **body, const char *host, const char *service,
			   int exit_status, const char *output,
			   const char *source, struct rl_err *err);
	int (*body_reschedule)(char **body, const char *host,
			       const char *service, struct rl_err *err);
	int (*body_query)(char **body, const char *host, const char *service,
			  struct rl_err *err);
	int (*parse_service)(const char *json, size_t len,
			     struct rl_icinga_api_service *out, bool *found,
			     struct rl_err *err);
	enum rl_icinga_api_verdict (*judge)(const char *url, const char *what,
					    const char *user,
					    const struct rl_icinga_api_reply *r,
					    struct rl_err *err);
	struct rl_icinga_api *(*new_client)(
	    const struct rl_icinga_api_settings *s, struct rl_err *err);
	void (*free_client)(struct rl_icinga_api *api);
	int (*action)(struct rl_icinga_api *api, const char *action,
		      const char *object, const char *body, int64_t deadline_ms,
		      struct rl_err *err);
	int (*service)(struct rl_icinga_api *api, const char *host,
		       const char *service, int64_t deadline_ms,
		       struct rl_icinga_api_service *out, bool *found,
		       struct rl_err *err);
	const char *(*detour)(const struct rl_icinga_api *api);
	void (*set_perform)(struct rl_icinga_api *api,
			    rl_icinga_api_perform_fn *fn, void *ctx);
};

#define RL_ICINGA_API_MODULE_SIZES                                             \
	{                                                                      \
		sizeof(struct rl_icinga_api_settings), sizeof(struct rl_err),  \
		    sizeof(struct rl_icinga_api_service),                      \
		    sizeof(struct rl_icinga_api_reply)                         \
	}

extern const struct rl_icinga_api_module rl_icinga_api_module;

#endif
