/*
 * icinga_api - the Icinga 2 REST API client (icinga_api.h).
 *
 * This file is the Icinga 2 API module: it alone is linked with libcurl
 * and jansson, built with lib/util.c, lib/safefile.c and lib/err.c as
 * lib/icinga_api.so (the loader's table at the end is its one exported
 * symbol), and reached by the programs through lib/icinga_api_load.c,
 * so that only a run that talks to the API maps them.
 */
#include "build.h"

#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "icinga_api.h"
#include "icinga_api_impl.h"
#include "safefile.h"

/* the only filter ever sent: the names travel in filter_vars */
#define FILTER "host.name == h && service.name == s"
/* an answer larger than this is not one the API sends us */
#define MAX_ANSWER (1024 * 1024)

/* ---- bodies ------------------------------------------------------------- */

/* Dumps V (which it takes) into *BODY. */
static int dump(json_t *v, const json_error_t *jerr, char **body,
		struct rl_err *err)
{
	char *s;

	if (v == NULL)
		return rl_err_set(err, "cannot build the request: %s",
				  jerr->text);
	s = json_dumps(v, JSON_COMPACT);
	json_decref(v);
	if (s == NULL)
		return rl_err_set(err, "out of memory");
	*body = s;
	return 0;
}

int rl_icinga_api_body_comment(char **body, const char *host,
			       const char *service, const char *author,
			       const char *text, struct rl_err *err)
{
	json_error_t jerr;

	return dump(json_pack_ex(&jerr, 0, "{s:s, s:s, s:{s:s, s:s}, s:s, s:s}",
				 "type", "Service", "filter", FILTER,
				 "filter_vars", "h", host, "s", service,
				 "author", author, "comment", text),
		    &jerr, body, err);
}

int rl_icinga_api_body_result(char **body, const char *host,
			      const char *service, int exit_status,
			      const char *output, const char *source,
			      struct rl_err *err)
{
	json_error_t jerr;

	return dump(
	    json_pack_ex(&jerr, 0, "{s:s, s:s, s:{s:s, s:s}, s:i, s:s, s:s}",
			 "type", "Service", "filter", FILTER, "filter_vars",
			 "h", host, "s", service, "exit_status", exit_status,
			 "plugin_output", output, "check_source", source),
	    &jerr, body, err);
}

int rl_icinga_api_body_reschedule(char **body, const char *host,
				  const char *service, struct rl_err *err)
{
	json_error_t jerr;

	return dump(json_pack_ex(&jerr, 0, "{s:s, s:s, s:{s:s, s:s}, s:b}",
				 "type", "Service", "filter", FILTER,
				 "filter_vars", "h", host, "s", service,
				 "force", 1),
		    &jerr, body, err);
}

int rl_icinga_api_body_query(char **body, const char *host, const char *service,
			     struct rl_err *err)
{
	json_error_t jerr;

	return dump(json_pack_ex(&jerr, 0, "{s:s, s:{s:s, s:s}, s:[s,s,s,s]}",
				 "filter", FILTER, "filter_vars", "h", host,
				 "s", service, "attrs", "acknowledgement",
				 "downtime_depth", "state", "state_type"),
		    &jerr, body, err);
}

/* ---- answers ------------------------------------------------------------ */

static int number(json_t *attrs, const char *name, int lo, int hi, int *out,
		  struct rl_err *err)
{
	json_t *v = json_object_get(attrs, name);
	double d;

	if (!json_is_number(v))
		return rl_err_set(err, "answer without a number '%s'", name);
	d = json_number_value(v);
	if (!(d >= lo && d <= hi)) /* also NaN */
		return rl_err_set(err, "answer: '%s' is %g, not %d..%d", name,
				  d, lo, hi);
	*out = (int)d;
	return 0;
}

int rl_icinga_api_parse_service(const char *json, size_t len,
				struct rl_icinga_api_service *out, bool *found,
				struct rl_err *err)
{
	struct rl_icinga_api_service st = {0};
	json_error_t jerr;
	json_t *root = json_loadb(json, len, 0, &jerr), *results, *attrs;
	int type = 0, r = -1;

	if (root == NULL)
		return rl_err_set(err, "answer is not JSON: %s", jerr.text);
	results = json_object_get(root, "results");
	if (!json_is_array(results)) {
		rl_err_set(err, "answer without 'results'");
		goto out;
	}
	if (json_array_size(results) == 0) {
		*found = false;
		r = 0;
		goto out;
	}
	attrs = json_object_get(json_array_get(results, 0), "attrs");
	if (!json_is_object(attrs)) {
		rl_err_set(err, "answer without 'attrs'");
		goto out;
	}
	if (number(attrs, "acknowledgement", 0, 2, &st.acknowledgement, err) <
		0 ||
	    number(attrs, "downtime_depth", 0, 1000000, &st.downtime_depth,
		   err) < 0 ||
	    number(attrs, "state", 0, 3, &st.state, err) < 0 ||
	    number(attrs, "state_type", 0, 1, &type, err) < 0)
		goto out;
	st.hard = type == 1;
	*out = st;
	*found = true;
	r = 0;
out:
	json_decref(root);
	return r;
}

/* The status text of an answer: its own "status", or that of its first
 * failed result (code >= 300), on one line, in B; *NONE: its results are
 * an empty list. */
static void answer_status(struct rl_buf *b, const char *body, size_t len,
			  bool *failed_result, bool *none)
{
	json_t *root = json_loadb(body, len, 0, NULL), *results, *res;
	const char *st = NULL;
	size_t i;

	*failed_result = false;
	*none = false;
	if (root == NULL)
		return;
	results = json_object_get(root, "results");
	*none = json_is_array(results) && json_array_size(results) == 0;
	json_array_foreach(results, i, res)
	{
		json_t *code = json_object_get(res, "code");

		if (json_is_number(code) && json_number_value(code) >= 300) {
			st = json_string_value(json_object_get(res, "status"));
			*failed_result = true;
			break;
		}
	}
	if (st == NULL)
		st = json_string_value(json_object_get(root, "status"));
	if (st != NULL)
		rl_buf_oneline(b, st, 200, ' ', RL_ONELINE_ELLIPSIS);
	json_decref(root);
}

enum rl_icinga_api_verdict
rl_icinga_api_judge(const char *url, const char *what, const char *user,
		    const struct rl_icinga_api_reply *r, struct rl_err *err)
{
	struct rl_buf why = RL_BUF_INIT, st = RL_BUF_INIT;
	enum rl_icinga_api_verdict v = RL_ICINGA_API_NEXT;
	const char *host = strncmp(url, "https://", 8) == 0 ? url + 8 : url;
	const char *msg = r->curl_msg != NULL && r->curl_msg[0] != '\0'
			      ? r->curl_msg
			      : curl_easy_strerror((CURLcode)r->curl);
	bool failed_result = false, none = false;

	switch ((CURLcode)r->curl) {
	case CURLE_OK:
		break;
	case CURLE_COULDNT_CONNECT:
		rl_buf_printf(&why,
			      "cannot connect (is Icinga 2 running, with the "
			      "api feature?): %s",
			      msg);
		goto out;
	case CURLE_OPERATION_TIMEDOUT:
		rl_buf_puts(&why, "no answer within ");
		rl_buf_duration(&why, r->timeout_ms);
		rl_buf_printf(&why, " (%s)", msg);
		goto out;
	case CURLE_COULDNT_RESOLVE_HOST:
		rl_buf_printf(&why, "cannot resolve the host name: %s", msg);
		goto out;
	case CURLE_PEER_FAILED_VERIFICATION:
		rl_buf_printf(&why,
			      "TLS: the certificate of %.*s is not trusted "
			      "(ca_file?): %s",
			      (int)strcspn(host, "/"), host, msg);
		goto out;
	case CURLE_SSL_CACERT_BADFILE:
		rl_buf_printf(&why, "TLS: cannot use ca_file: %s", msg);
		v = RL_ICINGA_API_FINAL; /* ours, the same for every one */
		goto out;
	case CURLE_SSL_CONNECT_ERROR:
		rl_buf_printf(&why,
			      "TLS handshake with %.*s failed (a certificate "
			      "not signed by ca_file?): %s",
			      (int)strcspn(host, "/"), host, msg);
		goto out;
	case CURLE_WRITE_ERROR:
		rl_buf_printf(&why, "answer larger than %d bytes", MAX_ANSWER);
		goto out;
	default:
		rl_buf_printf(&why, "%s", msg);
		goto out;
	}
	answer_status(&st, r->body, r->len, &failed_result, &none);
	if (r->status >= 200 && r->status < 300 && !failed_result) {
		v = RL_ICINGA_API_OK;
		goto out;
	}
	v = RL_ICINGA_API_FINAL;
	switch (r->status) {
	case 401:
		rl_buf_printf(&why,
			      "401 unauthorized: wrong password for ApiUser "
			      "'%s', or no such user",
			      user);
		break;
	case 403:
		rl_buf_printf(&why,
			      "403 forbidden: ApiUser '%s' lacks the "
			      "permission (see `relancectl generate "
			      "icinga2`)",
			      user);
		break;
	case 404:
		rl_buf_puts(&why, "404 not found: the core knows no such "
				  "object");
		break;
	default:
		/* Icinga 2.13 answers an action on nothing so */
		if (none) {
			rl_buf_printf(&why,
				      "HTTP %ld, no result: the core knows "
				      "no such object",
				      r->status);
			break;
		}
		rl_buf_printf(&why, "HTTP %ld", r->status);
		if (r->status >= 500)
			v = RL_ICINGA_API_NEXT;
	}
	if (st.len == 0 && !none && r->len > 0) /* not the API's JSON */
		rl_buf_oneline(&st, r->body, 120, ' ', RL_ONELINE_ELLIPSIS);
	if (st.len > 0)
		rl_buf_printf(&why, " (%s)", rl_buf_str(&st));
out:
	if (v != RL_ICINGA_API_OK)
		rl_err_set(err, "%s: %s: %s", url, what,
			   why.oom ? "out of memory" : rl_buf_str(&why));
	rl_buf_free(&why);
	rl_buf_free(&st);
	return v;
}

/* ---- the client --------------------------------------------------------- */

struct rl_icinga_api {
	const struct rl_icinga_api_settings *set;
	char *password;
	CURL *curl;
	struct curl_slist *headers, *headers_get;
	size_t good; /* the endpoint that answered last */
	struct rl_buf answer;
	char errbuf[CURL_ERROR_SIZE];
	/* why the first URL was skipped: "" while it answers */
	struct rl_err detour;
	rl_icinga_api_perform_fn *perform; /* NULL: libcurl */
	void *perform_ctx;
};

static size_t on_data(char *p, size_t size, size_t n, void *ctx)
{
	struct rl_buf *b = ctx;

	(void)size; /* always 1 */
	if (b->len + n > MAX_ANSWER)
		return 0; /* CURLE_WRITE_ERROR */
	rl_buf_append(b, p, n);
	return b->oom ? 0 : n;
}

struct rl_icinga_api *rl_icinga_api_new(const struct rl_icinga_api_settings *s,
					struct rl_err *err)
{
	struct rl_icinga_api *api = calloc(1, sizeof(*api));

	if (api == NULL) {
		rl_err_set(err, "out of memory");
		return NULL;
	}
	api->set = s;
	if (rl_file_read_secret(s->password_file, &api->password, err) < 0)
		goto fail;
	api->curl = curl_easy_init();
	api->headers = curl_slist_append(NULL, "Accept: application/json");
	if (api->headers != NULL)
		api->headers = curl_slist_append(
		    api->headers, "Content-Type: application/json");
	api->headers_get =
	    curl_slist_append(NULL, "X-HTTP-Method-Override: GET");
	if (api->headers_get != NULL)
		api->headers_get = curl_slist_append(
		    api->headers_get, "Accept: application/json");
	if (api->headers_get != NULL)
		api->headers_get = curl_slist_append(
		    api->headers_get, "Content-Type: application/json");
	if (api->curl == NULL || api->headers == NULL ||
	    api->headers_get == NULL) {
		rl_err_set(err, "cannot set up libcurl (out of memory)");
		goto fail;
	}
	return api;
fail:
	rl_icinga_api_free(api);
	return NULL;
}

void rl_icinga_api_free(struct rl_icinga_api *api)
{
	if (api == NULL)
		return;
	if (api->curl != NULL)
		curl_easy_cleanup(api->curl);
	curl_slist_free_all(api->headers);
	curl_slist_free_all(api->headers_get);
	rl_file_secret_free(api->password);
	rl_buf_free(&api->answer);
	free(api);
}

/* The options of one request to URL; 0 or the first failing CURLcode. */
static CURLcode setup(struct rl_icinga_api *api, const char *url,
		      const char *body, bool get, int64_t timeout_ms)
{
	const struct rl_icinga_api_settings *s = api->set;
	CURL *c = api->curl;
	CURLcode r;

#define SET(opt, val)                                                          \
	do {                                                                   \
		if ((r = curl_easy_setopt(c, opt, val)) != CURLE_OK)           \
			return r;                                              \
	} while (0)
	SET(CURLOPT_URL, url);
	SET(CURLOPT_PROTOCOLS_STR, "https");
	SET(CURLOPT_REDIR_PROTOCOLS_STR, "https");
	SET(CURLOPT_FOLLOWLOCATION, 0L);
	SET(CURLOPT_PROXY, ""); /* none, whatever the environment says */
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	if (s->ca_file != NULL)
		SET(CURLOPT_CAINFO, s->ca_file);
	SET(CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
	SET(CURLOPT_USERNAME, s->user);
	SET(CURLOPT_PASSWORD, api->password);
	SET(CURLOPT_POST, 1L);
	SET(CURLOPT_POSTFIELDS, body);
	SET(CURLOPT_HTTPHEADER, get ? api->headers_get : api->headers);
	SET(CURLOPT_TIMEOUT_MS, (long)timeout_ms);
	SET(CURLOPT_CONNECTTIMEOUT_MS, (long)timeout_ms);
	SET(CURLOPT_ERRORBUFFER, api->errbuf);
	SET(CURLOPT_WRITEFUNCTION, on_data);
	SET(CURLOPT_WRITEDATA, &api->answer);
#undef SET
	return CURLE_OK;
}

/*
 * Endpoint I (BASE) answered, after the failures in ERRS of the ones
 * tried before it in this request: the detour is noted, or forgotten when
 * I is the first URL. From a later endpoint with nothing skipped this
 * time (the client goes on where it answered last), the earlier note
 * stays: the first URL is still the one that failed.
 */
static void note_detour(struct rl_icinga_api *api, size_t i, const char *base,
			const struct rl_buf *errs)
{
	if (i == 0)
		api->detour.msg[0] = '\0';
	else if (errs->len > 0)
		rl_err_set(&api->detour, "through %s, skipped %s", base,
			   errs->oom ? "(out of memory)" : rl_buf_str(errs));
}

/*
 * POSTs BODY to PATH at each endpoint in turn, from the one that
 * answered last, until one answers. The answer is in api->answer.
 */
static int request(struct rl_icinga_api *api, const char *path,
		   const char *body, bool get, const char *what,
		   int64_t deadline_ms, struct rl_err *err)
{
	const struct rl_icinga_api_settings *s = api->set;
	struct rl_buf url = RL_BUF_INIT, errs = RL_BUF_INIT;
	struct rl_err one = {""};
	size_t k, i;
	int r = -1;

	for (k = 0; k < s->n_urls; k++) {
		const char *base = s->urls[(api->good + k) % s->n_urls];
		size_t blen = strlen(base);
		struct rl_icinga_api_reply rep = {0};
		int64_t left = deadline_ms - rl_now_ms();
		enum rl_icinga_api_verdict v;

		i = (api->good + k) % s->n_urls;
		if (left <= 0) {
			rl_buf_printf(&errs,
				      "%s%s: %s: not tried, the "
				      "deadline passed",
				      errs.len ? "; " : "", base, what);
			break;
		}
		rl_buf_reset(&url);
		rl_buf_printf(&url, "%.*s%s",
			      (int)(base[blen - 1] == '/' ? blen - 1 : blen),
			      base, path);
		rl_buf_reset(&api->answer);
		api->errbuf[0] = '\0';
		rep.timeout_ms = left < s->timeout_ms ? left : s->timeout_ms;
		if (url.oom) {
			rl_err_set(err, "out of memory");
			goto out;
		}
		if (api->perform != NULL) {
			api->perform(api->perform_ctx, rl_buf_str(&url), body,
				     &rep);
			if (rep.len > 0)
				rl_buf_append(&api->answer, rep.body, rep.len);
		} else {
			rep.curl = (int)setup(api, rl_buf_str(&url), body, get,
					      rep.timeout_ms);
			if (rep.curl == CURLE_OK)
				rep.curl = (int)curl_easy_perform(api->curl);
			if (rep.curl == CURLE_OK)
				curl_easy_getinfo(api->curl,
						  CURLINFO_RESPONSE_CODE,
						  &rep.status);
			rep.curl_msg = api->errbuf;
		}
		rep.body = rl_buf_str(&api->answer);
		rep.len = api->answer.len;
		v = rl_icinga_api_judge(base, what, s->user, &rep, &one);
		if (v == RL_ICINGA_API_OK) {
			note_detour(api, i, base, &errs);
			api->good = i;
			r = 0;
			goto out;
		}
		rl_buf_printf(&errs, "%s%s", errs.len ? "; " : "", one.msg);
		if (v == RL_ICINGA_API_FINAL)
			break;
	}
	rl_err_set(err, "%s", errs.oom ? "out of memory" : rl_buf_str(&errs));
out:
	rl_buf_free(&url);
	rl_buf_free(&errs);
	return r;
}

const char *rl_icinga_api_detour(const struct rl_icinga_api *api)
{
	return api->detour.msg[0] != '\0' ? api->detour.msg : NULL;
}

void rl_icinga_api_set_perform(struct rl_icinga_api *api,
			       rl_icinga_api_perform_fn *fn, void *ctx)
{
	api->perform = fn;
	api->perform_ctx = ctx;
}

int rl_icinga_api_action(struct rl_icinga_api *api, const char *action,
			 const char *object, const char *body,
			 int64_t deadline_ms, struct rl_err *err)
{
	struct rl_buf path = RL_BUF_INIT, what = RL_BUF_INIT;
	int r;

	rl_buf_printf(&path, "/v1/actions/%s", action);
	rl_buf_printf(&what, "%s on %s", action, object);
	if (path.oom || what.oom)
		r = rl_err_set(err, "out of memory");
	else
		r = request(api, rl_buf_str(&path), body, false,
			    rl_buf_str(&what), deadline_ms, err);
	rl_buf_free(&path);
	rl_buf_free(&what);
	return r;
}

int rl_icinga_api_service(struct rl_icinga_api *api, const char *host,
			  const char *service, int64_t deadline_ms,
			  struct rl_icinga_api_service *out, bool *found,
			  struct rl_err *err)
{
	struct rl_buf what = RL_BUF_INIT;
	char *body = NULL;
	int r = -1;

	rl_buf_printf(&what, "query of %s!%s", host, service);
	if (what.oom) {
		rl_err_set(err, "out of memory");
		goto out;
	}
	if (rl_icinga_api_body_query(&body, host, service, err) < 0 ||
	    request(api, "/v1/objects/services", body, true, rl_buf_str(&what),
		    deadline_ms, err) < 0)
		goto out;
	if (rl_icinga_api_parse_service(rl_buf_str(&api->answer),
					api->answer.len, out, found, err) < 0) {
		rl_err_prefix(err, "%s: %s", api->set->urls[api->good],
			      rl_buf_str(&what));
		goto out;
	}
	r = 0;
out:
	free(body);
	rl_buf_free(&what);
	return r;
}

/* ---- the module's table ---------------------------------------------------
 */

/* The loader's table, the only symbol exported (everything else is
   compiled with -fvisibility=hidden). */
__attribute__((visibility("default")))
const struct rl_icinga_api_module rl_icinga_api_module = {
    .version = PACKAGE_VERSION,
    .sizes = RL_ICINGA_API_MODULE_SIZES,
    .body_comment = rl_icinga_api_body_comment,
    .body_result = rl_icinga_api_body_result,
    .body_reschedule = rl_icinga_api_body_reschedule,
    .body_query = rl_icinga_api_body_query,
    .parse_service = rl_icinga_api_parse_service,
    .judge = rl_icinga_api_judge,
    .new_client = rl_icinga_api_new,
    .free_client = rl_icinga_api_free,
    .action = rl_icinga_api_action,
    .service = rl_icinga_api_service,
    .detour = rl_icinga_api_detour,
    .set_perform = rl_icinga_api_set_perform,
};
