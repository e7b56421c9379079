/*
 * icinga_api - a client of the Icinga 2 REST API (issue 14): the
 * write-back actions relance uses (add-comment, process-check-result,
 * reschedule-check) and the state of one service (acknowledgement,
 * downtime_depth, state, state_type), over HTTPS with libcurl and JSON
 * with jansson. No HTTP or TLS of our own.
 *
 * Safety:
 *  - The server's certificate is always verified (peer and host name),
 *    against ca_file or the system's trust store; there is no switch to
 *    turn that off. Only https:// is spoken; redirects are not followed;
 *    proxies from the environment are ignored (the API is on the
 *    monitoring network, and a handler's environment is the core's).
 *  - Host and service names never become filter code: the filter is the
 *    constant "host.name == h && service.name == s" and the names travel
 *    in filter_vars, escaped by the JSON library. A name that is not
 *    valid UTF-8 is refused (JSON cannot carry it).
 *  - The password is read from password_file (only its owner may read it:
 *    lib/safefile rl_file_read_secret) when the client is made, and zeroed
 *    when it is freed.
 *
 * Several URLs (the endpoints of an HA zone) are tried in turn: a request
 * goes to the endpoint that answered last, and on a failure of the
 * connection (refused, timeout, TLS) or a 5xx answer, to the next one.
 * An answer 401, 403, 404 or another 4xx is final: the endpoints of a
 * zone share their objects and users. The order also serves a satellite
 * (README, Distributed Icinga 2): the master's API first, so that what
 * relance writes is seen on the master and synced down to the satellite's
 * zone, and the satellite's own API second, for when the master cannot be
 * reached. A request that went past the first URL is a detour, which
 * rl_icinga_api_detour says.
 *
 * Errors are one line naming the endpoint, what was asked and what failed:
 *   "https://mon-1:5665: add-comment on h1!fx/pricer: 401 unauthorized:
 *    wrong password for ApiUser 'relance', or no such user"
 * and, when several were tried, each of them, joined by "; ".
 */
#ifndef RL_ICINGA_API_H
#define RL_ICINGA_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "model.h"
#include "util.h"

/* What the API says of one service. Plain struct. */
struct rl_icinga_api_service {
	int acknowledgement; /* 0 none, 1 normal, 2 sticky */
	int downtime_depth;
	int state; /* 0..3 */
	bool hard; /* state_type 1 */
};

/* ---- the pure parts: bodies, answers, errors --------------------------- */

/*
 * The JSON body of an action on the service HOST!SERVICE, in *BODY (the
 * caller frees it). Returns 0, or -1 with err set (a name or text that is
 * not valid UTF-8, out of memory).
 *   add-comment:          author, comment
 *   process-check-result: exit_status, plugin_output, check_source
 *   reschedule-check:     force (now)
 * and the query of the service's state (/v1/objects/services with
 * X-HTTP-Method-Override: GET): attrs acknowledgement, downtime_depth,
 * state, state_type.
 */
int rl_icinga_api_body_comment(char **body, const char *host,
			       const char *service, const char *author,
			       const char *text, struct rl_err *err);
int rl_icinga_api_body_result(char **body, const char *host,
			      const char *service, int exit_status,
			      const char *output, const char *source,
			      struct rl_err *err);
int rl_icinga_api_body_reschedule(char **body, const char *host,
				  const char *service, struct rl_err *err);
int rl_icinga_api_body_query(char **body, const char *host, const char *service,
			     struct rl_err *err);

/*
 * Reads the answer to rl_icinga_api_body_query (LEN bytes of JSON). No
 * result is *found = false. Returns 0, or -1 with err set when the
 * answer is not what the API sends ("not JSON: ...", "no attribute
 * 'state'").
 */
int rl_icinga_api_parse_service(const char *json, size_t len,
				struct rl_icinga_api_service *out, bool *found,
				struct rl_err *err);

/* What one request to one endpoint came to. Plain struct. */
struct rl_icinga_api_reply {
	int curl;	      /* a CURLcode; 0: an answer came */
	const char *curl_msg; /* libcurl's error text, or "" */
	long status;	      /* the HTTP status */
	const char *body;     /* the answer, LEN bytes */
	size_t len;
	int64_t timeout_ms; /* the request's timeout, for the message */
};

enum rl_icinga_api_verdict {
	RL_ICINGA_API_OK = 0,
	RL_ICINGA_API_NEXT,  /* failed here: another endpoint may answer */
	RL_ICINGA_API_FINAL, /* failed for every endpoint */
};

/*
 * Judges reply R of endpoint URL to WHAT ("add-comment on h1!fx/a") made
 * as USER. A 2xx whose results hold a failed one is a failure too. On a
 * failure, err says "URL: WHAT: WHY" (the answer's own status text, cut to
 * one line, is part of WHY).
 */
enum rl_icinga_api_verdict
rl_icinga_api_judge(const char *url, const char *what, const char *user,
		    const struct rl_icinga_api_reply *r, struct rl_err *err);

/* ---- the client -------------------------------------------------------- */

struct rl_icinga_api;

/*
 * A client for the settings S (borrowed: they must outlive it): reads the
 * password file and makes the libcurl handle. NULL with err set ("PATH:
 * refused: readable by group or others ...").
 */
struct rl_icinga_api *rl_icinga_api_new(const struct rl_icinga_api_settings *s,
					struct rl_err *err);

/* Zeroes the password and frees; NULL is a no-op. */
void rl_icinga_api_free(struct rl_icinga_api *api);

/*
 * POSTs BODY to /v1/actions/ACTION, naming OBJECT ("h1!fx/pricer") in
 * errors. Blocks until an answer, each request at most the settings'
 * timeout and all of them together until DEADLINE_MS (rl_now_ms clock).
 * Returns 0, or -1 with err set as above.
 */
int rl_icinga_api_action(struct rl_icinga_api *api, const char *action,
			 const char *object, const char *body,
			 int64_t deadline_ms, struct rl_err *err);

/*
 * The state of HOST!SERVICE (/v1/objects/services, filtered to it). A
 * service the core does not know is *found = false. Blocks as above.
 * Returns 0, or -1 with err set.
 */
int rl_icinga_api_service(struct rl_icinga_api *api, const char *host,
			  const char *service, int64_t deadline_ms,
			  struct rl_icinga_api_service *out, bool *found,
			  struct rl_err *err);

/*
 * After a request that succeeded: NULL when the first URL answered it;
 * else the detour, one line naming the endpoint that answered and each
 * one skipped before it with why:
 *   "through https://sat-1:5665, skipped https://master-1:5665:
 *    add-comment on h1!fx/pricer: cannot connect (...)"
 * A request that starts at a later endpoint (the one that answered last)
 * keeps the note of the request that went there. Owned by API, valid
 * until its next request.
 */
const char *rl_icinga_api_detour(const struct rl_icinga_api *api);

/*
 * For tests: FN stands in for libcurl, filling R (curl, curl_msg, status,
 * body and len, which it owns until its next call) for a request of BODY
 * to URL; every other step (the order, the judge, the detour) is the
 * client's own. FN NULL: libcurl again.
 */
typedef void rl_icinga_api_perform_fn(void *ctx, const char *url,
				      const char *body,
				      struct rl_icinga_api_reply *r);
void rl_icinga_api_set_perform(struct rl_icinga_api *api,
			       rl_icinga_api_perform_fn *fn, void *ctx);

#endif
