/*
 * The pure parts of lib/icinga_api (bodies, answers, errors), the
 * translation of relance's command lines into API actions (lib/monitor),
 * the password file's judge (lib/safefile) and the [icinga_api] section
 * (lib/config). The requests themselves run against a real Icinga 2 in
 * tests/e2e/test_heal_icinga_api.sh. Everything goes through the loader
 * (lib/icinga_api_load.c) to the build tree's module, lib/icinga_api.so,
 * which make check names in $RELANCE_API_MODULE; the last tests load
 * what is not the module.
 */
#include "build.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <dlfcn.h>
#include <jansson.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "icinga_api.h"
#include "monitor.h"
#include "rl_test.h"
#include "safefile.h"

static char dir[64];
static struct rl_err err;

static void setup(void)
{
	rl_test_tmpdir(dir, sizeof(dir), "icinga_api");
	memset(&err, 0, sizeof(err));
}

static void teardown(void)
{
	rl_test_rmtree(dir);
	rl_test_fini();
}

TestSuite(icinga_api, .init = setup, .fini = teardown);

/* BODY parsed back; the caller decrefs. */
static json_t *parsed(char *body)
{
	json_t *v = json_loads(body, 0, NULL);

	cr_assert_not_null(v, "not JSON: %s", body);
	free(body);
	return v;
}

static const char *str(json_t *o, const char *path)
{
	char key[64];
	const char *dot;

	while ((dot = strchr(path, '.')) != NULL) {
		snprintf(key, sizeof(key), "%.*s", (int)(dot - path), path);
		o = json_object_get(o, key);
		path = dot + 1;
	}
	return json_string_value(json_object_get(o, path));
}

Test(icinga_api, names_travel_in_filter_vars_never_in_the_filter)
{
	/* a name that would end a filter string literal and add code */
	const char *evil = "h1\" || true || \"x\\";
	char *body = NULL;
	json_t *v;

	cr_assert_eq(rl_icinga_api_body_comment(&body, evil, "fx/pricer\n;x",
						"relance", "a \"quoted\"\ttext",
						&err),
		     0, "%s", err.msg);
	v = parsed(body);
	cr_assert_str_eq(str(v, "type"), "Service");
	cr_assert_str_eq(str(v, "filter"),
			 "host.name == h && service.name == s");
	cr_assert_str_eq(str(v, "filter_vars.h"), evil);
	cr_assert_str_eq(str(v, "filter_vars.s"), "fx/pricer\n;x");
	cr_assert_str_eq(str(v, "author"), "relance");
	cr_assert_str_eq(str(v, "comment"), "a \"quoted\"\ttext");
	json_decref(v);
}

Test(icinga_api, result_reschedule_and_query_bodies)
{
	char *body = NULL;
	json_t *v, *a;

	cr_assert_eq(rl_icinga_api_body_result(&body, "h1", "fx/a", 2,
					       "COMPONENT CRITICAL - x | y",
					       "mon-1", &err),
		     0);
	v = parsed(body);
	cr_assert_eq(json_integer_value(json_object_get(v, "exit_status")), 2);
	cr_assert_str_eq(str(v, "plugin_output"), "COMPONENT CRITICAL - x | y");
	cr_assert_str_eq(str(v, "check_source"), "mon-1");
	cr_assert_str_eq(str(v, "filter_vars.s"), "fx/a");
	json_decref(v);

	cr_assert_eq(rl_icinga_api_body_reschedule(&body, "h1", "fx/a", &err),
		     0);
	v = parsed(body);
	cr_assert(json_is_true(json_object_get(v, "force")));
	cr_assert_str_eq(str(v, "type"), "Service");
	json_decref(v);

	cr_assert_eq(rl_icinga_api_body_query(&body, "h1", "fx/a", &err), 0);
	v = parsed(body);
	a = json_object_get(v, "attrs");
	cr_assert_eq(json_array_size(a), 4);
	cr_assert_str_eq(json_string_value(json_array_get(a, 0)),
			 "acknowledgement");
	cr_assert_str_eq(json_string_value(json_array_get(a, 3)), "state_type");
	cr_assert_null(json_object_get(v, "type"), "a query has no type");
	json_decref(v);
}

Test(icinga_api, a_name_that_is_not_utf8_is_refused)
{
	char *body = NULL;

	cr_assert_eq(
	    rl_icinga_api_body_comment(&body, "h\xff", "s", "a", "t", &err),
	    -1);
	cr_assert_null(body);
	cr_assert(strstr(err.msg, "cannot build the request") != NULL, "%s",
		  err.msg);
	cr_assert(strstr(err.msg, "UTF-8") != NULL, "%s", err.msg);
}

Test(icinga_api, the_state_of_a_service_is_read)
{
	/* as Icinga 2.13 answers: numbers as floats */
	const char *ans =
	    "{\"results\":[{\"attrs\":{\"acknowledgement\":2.0,"
	    "\"downtime_depth\":1.0,\"state\":2.0,\"state_type\":1.0},"
	    "\"joins\":{},\"meta\":{},\"name\":\"h1!fx/a\","
	    "\"type\":\"Service\"}]}";
	struct rl_icinga_api_service st;
	bool found = false;

	cr_assert_eq(
	    rl_icinga_api_parse_service(ans, strlen(ans), &st, &found, &err), 0,
	    "%s", err.msg);
	cr_assert(found);
	cr_assert_eq(st.acknowledgement, 2);
	cr_assert_eq(st.downtime_depth, 1);
	cr_assert_eq(st.state, 2);
	cr_assert(st.hard);

	cr_assert_eq(rl_icinga_api_parse_service("{\"results\":[]}", 14, &st,
						 &found, &err),
		     0);
	cr_assert(!found, "no result: not found");
}

Test(icinga_api, answers_that_are_not_the_apis_are_refused)
{
	static const struct {
		const char *answer, *msg;
	} bad[] = {
	    {"<html>502 Bad Gateway</html>", "answer is not JSON"},
	    {"{\"status\":\"x\"}", "answer without 'results'"},
	    {"{\"results\":[{\"name\":\"x\"}]}", "answer without 'attrs'"},
	    {"{\"results\":[{\"attrs\":{\"acknowledgement\":0,"
	     "\"downtime_depth\":0,\"state\":\"2\",\"state_type\":1}}]}",
	     "answer without a number 'state'"},
	    {"{\"results\":[{\"attrs\":{\"acknowledgement\":7,"
	     "\"downtime_depth\":0,\"state\":2,\"state_type\":1}}]}",
	     "'acknowledgement' is 7, not 0..2"},
	};
	struct rl_icinga_api_service st;
	bool found;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&err, 0, sizeof(err));
		cr_assert_eq(rl_icinga_api_parse_service(bad[i].answer,
							 strlen(bad[i].answer),
							 &st, &found, &err),
			     -1, "%s", bad[i].answer);
		cr_assert(strstr(err.msg, bad[i].msg) != NULL, "%s: got '%s'",
			  bad[i].answer, err.msg);
	}
}

/* The verdict and message for a reply. */
static enum rl_icinga_api_verdict judge(int curl, const char *curl_msg,
					long status, const char *body)
{
	struct rl_icinga_api_reply r = {curl, curl_msg,	    status,
					body, strlen(body), 5000};

	memset(&err, 0, sizeof(err));
	return rl_icinga_api_judge("https://mon-1:5665",
				   "add-comment on h1!fx/a", "relance", &r,
				   &err);
}

Test(icinga_api, errors_name_the_endpoint_and_what_failed)
{
	static const struct {
		int curl;
		const char *curl_msg;
		long status;
		const char *body;
		enum rl_icinga_api_verdict v;
		const char *msg;
	} cases[] = {
	    {CURLE_COULDNT_CONNECT, "Failed to connect to mon-1 port 5665", 0,
	     "", RL_ICINGA_API_NEXT,
	     "https://mon-1:5665: add-comment on h1!fx/a: cannot connect (is "
	     "Icinga 2 running, with the api feature?): Failed to connect"},
	    {CURLE_OPERATION_TIMEDOUT, "Operation timed out", 0, "",
	     RL_ICINGA_API_NEXT,
	     "https://mon-1:5665: add-comment on h1!fx/a: no answer within "
	     "5.0s"},
	    {CURLE_PEER_FAILED_VERIFICATION,
	     "SSL certificate problem: unable to get local issuer", 0, "",
	     RL_ICINGA_API_NEXT,
	     "https://mon-1:5665: add-comment on h1!fx/a: TLS: the "
	     "certificate of mon-1:5665 is not trusted (ca_file?): SSL "
	     "certificate problem"},
	    {CURLE_SSL_CACERT_BADFILE, "error setting certificate file", 0, "",
	     RL_ICINGA_API_FINAL, "TLS: cannot use ca_file"},
	    {CURLE_COULDNT_RESOLVE_HOST, "", 0, "", RL_ICINGA_API_NEXT,
	     "cannot resolve the host name: Couldn't resolve host name"},
	    {0, "", 401, "", RL_ICINGA_API_FINAL,
	     "https://mon-1:5665: add-comment on h1!fx/a: 401 unauthorized: "
	     "wrong password for ApiUser 'relance', or no such user"},
	    {0, "", 403, "{\"error\":403,\"status\":\"No permission.\"}",
	     RL_ICINGA_API_FINAL,
	     "403 forbidden: ApiUser 'relance' lacks the permission (see "
	     "`relancectl generate icinga2`) (No permission.)"},
	    {0, "", 404, "{\"error\":404,\"status\":\"No objects found.\"}",
	     RL_ICINGA_API_FINAL,
	     "https://mon-1:5665: add-comment on h1!fx/a: 404 not found: the "
	     "core knows no such object (No objects found.)"},
	    {0, "", 503, "{\"error\":503,\"status\":\"starting\\nup\"}",
	     RL_ICINGA_API_NEXT, "HTTP 503 (starting up)"},
	    {0, "", 400, "not\njson", RL_ICINGA_API_FINAL,
	     "HTTP 400 (not json)"},
	    /* Icinga 2.13: an action whose filter matches nothing */
	    {0, "", 500, "{\"results\":[]}", RL_ICINGA_API_FINAL,
	     "add-comment on h1!fx/a: HTTP 500, no result: the core knows no "
	     "such object"},
	    {CURLE_SSL_CONNECT_ERROR, "rsa routines::invalid padding", 0, "",
	     RL_ICINGA_API_NEXT,
	     "TLS handshake with mon-1:5665 failed (a certificate not signed "
	     "by ca_file?): rsa routines"},
	    /* 200 whose one result failed */
	    {0, "", 200,
	     "{\"results\":[{\"code\":409,\"status\":\"Object is "
	     "acknowledged.\"}]}",
	     RL_ICINGA_API_FINAL, "HTTP 200 (Object is acknowledged.)"},
	    {0, "", 200,
	     "{\"results\":[{\"code\":200.0,\"status\":\"Successfully added "
	     "comment\"}]}",
	     RL_ICINGA_API_OK, ""},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum rl_icinga_api_verdict v =
		    judge(cases[i].curl, cases[i].curl_msg, cases[i].status,
			  cases[i].body);

		cr_assert_eq(v, cases[i].v, "case %zu: verdict %d: %s", i,
			     (int)v, err.msg);
		cr_assert(strstr(err.msg, cases[i].msg) != NULL,
			  "case %zu: '%s' not in '%s'", i, cases[i].msg,
			  err.msg);
		cr_assert(strchr(err.msg, '\n') == NULL, "one line");
	}
}

Test(icinga_api, command_lines_become_actions)
{
	struct rl_buf b = RL_BUF_INIT;
	struct rl_monitor_api_cmd c;
	const char *p;

	cr_assert_eq(rl_monitor_cmd_comment(&b, "h1", "fx/a", "relance",
					    "restarted; all good\nreally",
					    &err),
		     0);
	cr_assert_eq(rl_monitor_cmd_result(&b, "h1", "fx/b", RL_STATE_OK,
					   "COMPONENT OK - up | x=1", &err),
		     0);
	cr_assert_eq(rl_monitor_cmd_forced_check(&b, "h1", "fx/a", &err), 0);

	p = rl_buf_str(&b);
	cr_assert_eq(rl_monitor_api_cmd(p, &c, &err), 0, "%s", err.msg);
	cr_assert_str_eq(c.action, "add-comment");
	cr_assert_str_eq(c.host, "h1");
	cr_assert_str_eq(c.service, "fx/a");
	cr_assert_str_eq(c.author, "relance");
	cr_assert_str_eq(c.text, "restarted; all good really");

	p = strchr(p, '\n') + 1;
	cr_assert_eq(rl_monitor_api_cmd(p, &c, &err), 0, "%s", err.msg);
	cr_assert_str_eq(c.action, "process-check-result");
	cr_assert_str_eq(c.service, "fx/b");
	cr_assert_eq(c.state, 0);
	cr_assert_str_eq(c.text, "COMPONENT OK - up / x=1");

	p = strchr(p, '\n') + 1;
	cr_assert_eq(rl_monitor_api_cmd(p, &c, &err), 0, "%s", err.msg);
	cr_assert_str_eq(c.action, "reschedule-check");
	cr_assert_str_eq(c.service, "fx/a");
	rl_buf_free(&b);

	cr_assert_eq(rl_monitor_api_cmd("[1] ACKNOWLEDGE_SVC_PROBLEM;h;s;2;1;1;"
					"a;c\n",
					&c, &err),
		     -1);
	cr_assert(strstr(err.msg, "ACKNOWLEDGE_SVC_PROBLEM has no Icinga 2 "
				  "API action") != NULL,
		  "%s", err.msg);
	cr_assert_eq(rl_monitor_api_cmd("[1] ADD_SVC_COMMENT;h;s\n", &c, &err),
		     -1);
	cr_assert(strstr(err.msg, "missing fields") != NULL, "%s", err.msg);
	cr_assert_eq(rl_monitor_api_cmd("PROCESS_SERVICE_CHECK_RESULT;h;s;0;x",
					&c, &err),
		     -1);
	cr_assert(strstr(err.msg, "not an external command") != NULL);
	cr_assert_eq(
	    rl_monitor_api_cmd("[1] PROCESS_SERVICE_CHECK_RESULT;h;s;9;x\n", &c,
			       &err),
	    -1);
	cr_assert(strstr(err.msg, "invalid state '9'") != NULL, "%s", err.msg);
}

/* Writes the password file FILE with MODE; its path in PATH. */
static void password_file(char *path, size_t len, const char *text, mode_t mode)
{
	FILE *f;

	snprintf(path, len, "%s/api.pw", dir);
	unlink(path);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
	cr_assert_eq(chmod(path, mode), 0);
}

Test(icinga_api, the_password_file_only_its_owner_may_read)
{
	char path[128], *secret = NULL;

	password_file(path, sizeof(path), "s3cret\nignored\n", 0600);
	cr_assert_eq(rl_file_read_secret(path, &secret, &err), 0, "%s",
		     err.msg);
	cr_assert_str_eq(secret, "s3cret");
	rl_file_secret_free(secret);

	password_file(path, sizeof(path), "s3cret\n", 0644);
	cr_assert_eq(rl_file_read_secret(path, &secret, &err), -1);
	cr_assert(strstr(err.msg, "refused: readable by group or others "
				  "(mode 0644); chmod 600") != NULL,
		  "%s", err.msg);

	password_file(path, sizeof(path), "s3cret\n", 0640);
	cr_assert_eq(rl_file_read_secret(path, &secret, &err), -1);
	cr_assert(strstr(err.msg, "(mode 0640)") != NULL, "%s", err.msg);

	password_file(path, sizeof(path), "\n", 0600);
	cr_assert_eq(rl_file_read_secret(path, &secret, &err), -1);
	cr_assert(strstr(err.msg, "empty") != NULL, "%s", err.msg);
}

/* Loads the config TEXT (with @PW@ replaced by the password file). */
static int load(const char *text, struct rl_model **m)
{
	char path[128], conf[2048];
	const char *at = strstr(text, "@PW@");

	password_file(path, sizeof(path), "s3cret\n", 0600);
	if (at != NULL)
		snprintf(conf, sizeof(conf), "%.*s%s%s", (int)(at - text), text,
			 path, at + 4);
	else
		snprintf(conf, sizeof(conf), "%s", text);
	memset(&err, 0, sizeof(err));
	return rl_config_load_string(conf, "t.ini", 0, m, &err);
}

Test(icinga_api, the_section_is_read)
{
	struct rl_model *m = NULL;

	cr_assert_eq(load("[relance]\nnode = n\n[icinga_api]\n"
			  "url = https://mon-1:5665 https://mon-2:5665/\n"
			  "  https://[::1]:5665\n"
			  "user = relance\npassword_file = @PW@\n"
			  "ca_file = /etc/ca.crt\ntimeout = 3s\n",
			  &m),
		     0, "%s", err.msg);
	cr_assert_eq(m->site.icinga_api.n_urls, 3);
	cr_assert_str_eq(m->site.icinga_api.urls[0], "https://mon-1:5665");
	cr_assert_str_eq(m->site.icinga_api.urls[1], "https://mon-2:5665/");
	cr_assert_str_eq(m->site.icinga_api.urls[2], "https://[::1]:5665");
	cr_assert_str_eq(m->site.icinga_api.user, "relance");
	cr_assert_str_eq(m->site.icinga_api.ca_file, "/etc/ca.crt");
	cr_assert_eq(m->site.icinga_api.timeout_ms, 3000);
	cr_assert(rl_monitor_enabled(&m->site));
	rl_model_free(m);
}

Test(icinga_api, the_section_refuses_what_cannot_work)
{
	static const struct {
		const char *text, *msg;
	} bad[] = {
	    {"[icinga_api]\nurl = http://mon-1:5665\n",
	     "t.ini:2: section 'icinga_api': key 'url': 'http://mon-1:5665': "
	     "use https://HOST[:PORT] (the Icinga 2 API speaks HTTPS only)"},
	    {"[icinga_api]\nurl = https://mon-1:5665/v1/actions\n",
	     "(no path, user or query)"},
	    {"[icinga_api]\nurl = https://u:p@mon-1:5665\n",
	     "(no path, user or query)"},
	    {"[icinga_api]\nurl = https://mon-1:5665\nuser = r\n",
	     "t.ini:1: section 'icinga_api': missing key 'password_file'"},
	    {"[icinga_api]\nuser = r\npassword_file = @PW@\n",
	     "missing key 'url'"},
	    {"[icinga_api]\nurl = https://m\nuser = r\npassword_file = "
	     "/nonexistent/pw\n",
	     "t.ini:4: section 'icinga_api': key 'password_file': "
	     "/nonexistent/pw: No such file or directory"},
	    {"[relance]\ncommand_file = /x/cmd\n[icinga_api]\nurl = "
	     "https://m\nuser = r\npassword_file = @PW@\n",
	     "t.ini:3: section 'icinga_api': command_file is set too"},
	    {"[icinga_api]\nurl = https://m\nurl = https://n\n",
	     "duplicate key 'url'"},
	    {"[icinga_api \"x\"]\n", "section 'icinga_api' takes no name"},
	};
	struct rl_model *m = NULL;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(load(bad[i].text, &m), -1, "%s", bad[i].text);
		cr_assert(strstr(err.msg, bad[i].msg) != NULL,
			  "%s: '%s' not in '%s'", bad[i].text, bad[i].msg,
			  err.msg);
	}
}

Test(icinga_api, a_password_file_others_may_read_is_refused_at_load)
{
	struct rl_model *m = NULL;
	char path[128], conf[512];

	password_file(path, sizeof(path), "s3cret\n", 0644);
	snprintf(conf, sizeof(conf),
		 "[icinga_api]\nurl = https://m\nuser = r\npassword_file = "
		 "%s\n",
		 path);
	cr_assert_eq(rl_config_load_string(conf, "t.ini", 0, &m, &err), -1);
	cr_assert(strstr(err.msg, "t.ini:4: section 'icinga_api': key "
				  "'password_file': ") != NULL,
		  "%s", err.msg);
	cr_assert(strstr(err.msg, "refused: readable by group or others (mode "
				  "0644)") != NULL,
		  "%s", err.msg);
}

/* A loopback port nothing listens on (bound, then closed). */
static int dead_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

Test(icinga_api, deliver_tries_each_endpoint_in_turn)
{
	struct rl_site site;
	struct rl_buf b = RL_BUF_INIT;
	char path[128], u1[64], u2[64], want[200];
	char node[] = "mon-1", user[] = "relance";
	char *urls[2] = {u1, u2};

	memset(&site, 0, sizeof(site));
	cr_assert_eq(rl_monitor_deliver(&site, "x\n", 0, NULL, &err), 0,
		     "nothing configured: nothing done");
	cr_assert(!rl_monitor_enabled(&site));

	password_file(path, sizeof(path), "s3cret\n", 0600);
	snprintf(u1, sizeof(u1), "https://127.0.0.1:%d", dead_port());
	snprintf(u2, sizeof(u2), "https://127.0.0.1:%d/", dead_port());
	site.node = node;
	site.icinga_api.urls = urls;
	site.icinga_api.n_urls = 2;
	site.icinga_api.user = user;
	site.icinga_api.password_file = path;
	site.icinga_api.timeout_ms = 5000;
	cr_assert(rl_monitor_enabled(&site));
	cr_assert_eq(rl_monitor_cmd_forced_check(&b, "h1", "fx/a", &err), 0);
	cr_assert_eq(rl_monitor_deliver(&site, rl_buf_str(&b),
					rl_now_ms() + 10000, NULL, &err),
		     -1);
	/* both tried, each named, on one line */
	snprintf(want, sizeof(want),
		 "%s: reschedule-check on h1!fx/a: cannot connect", u1);
	cr_assert(strstr(err.msg, want) == err.msg, "%s", err.msg);
	snprintf(want, sizeof(want),
		 "; %s: reschedule-check on h1!fx/a: cannot connect", u2);
	cr_assert(strstr(err.msg, want) != NULL, "%s", err.msg);
	cr_assert(strchr(err.msg, '\n') == NULL);

	/* a deadline already passed: nothing is tried */
	cr_assert_eq(rl_monitor_deliver(&site, rl_buf_str(&b), rl_now_ms() - 1,
					NULL, &err),
		     -1);
	cr_assert(strstr(err.msg, "not tried, the deadline passed") != NULL,
		  "%s", err.msg);

	/* the password file is judged again when it is used */
	cr_assert_eq(chmod(path, 0604), 0);
	cr_assert_eq(rl_monitor_deliver(&site, rl_buf_str(&b),
					rl_now_ms() + 10000, NULL, &err),
		     -1);
	cr_assert(strstr(err.msg, "refused: readable by group or others") !=
		      NULL,
		  "%s", err.msg);
	rl_buf_free(&b);
}

/* ---- the detour: a later URL took what the first did not (issue 15) ---- */

/* Stands in for libcurl: what each endpoint answers, and who was asked. */
struct fake_ep {
	int curl;
	long status;
	const char *body;
};
struct fake {
	struct fake_ep ep[3];
	int asked[3];
};

static const char *const fake_urls[] = {
    "https://master-1:5665", "https://sat-1:5665", "https://sat-2:5665"};

static void fake_perform(void *ctx, const char *url, const char *body,
			 struct rl_icinga_api_reply *r)
{
	struct fake *f = ctx;
	size_t i;

	(void)body;
	for (i = 0; i < 3; i++)
		if (strncmp(url, fake_urls[i], strlen(fake_urls[i])) == 0)
			break;
	cr_assert_lt(i, 3, "unknown URL %s", url);
	f->asked[i]++;
	r->curl = f->ep[i].curl;
	r->curl_msg = "";
	r->status = f->ep[i].status;
	r->body = f->ep[i].body != NULL ? f->ep[i].body : "";
	r->len = strlen(r->body);
}

#define ANSWER_OK "{\"results\":[{\"code\":200,\"status\":\"done\"}]}"

static struct rl_icinga_api *fake_client(struct rl_icinga_api_settings *s,
					 char *path, size_t n_urls,
					 struct fake *f)
{
	static char user[] = "relance";
	struct rl_icinga_api *api;

	password_file(path, 128, "s3cret\n", 0600);
	memset(s, 0, sizeof(*s));
	s->urls = (char **)fake_urls;
	s->n_urls = n_urls;
	s->user = user;
	s->password_file = path;
	s->timeout_ms = 5000;
	api = rl_icinga_api_new(s, &err);
	cr_assert_not_null(api, "%s", err.msg);
	rl_icinga_api_set_perform(api, fake_perform, f);
	return api;
}

static int comment(struct rl_icinga_api *api)
{
	return rl_icinga_api_action(api, "add-comment", "h1!fx/a", "{}",
				    rl_now_ms() + 10000, &err);
}

Test(icinga_api, the_first_url_answering_is_no_detour)
{
	struct rl_icinga_api_settings s;
	struct fake f = {{{0, 200, ANSWER_OK}, {0, 200, ANSWER_OK}}, {0}};
	char path[128];
	struct rl_icinga_api *api = fake_client(&s, path, 2, &f);

	cr_assert_eq(comment(api), 0, "%s", err.msg);
	cr_assert_null(rl_icinga_api_detour(api));
	cr_assert_eq(f.asked[0], 1);
	cr_assert_eq(f.asked[1], 0, "the second URL is not asked");
	rl_icinga_api_free(api);
}

Test(icinga_api, each_failure_of_the_first_url_is_a_detour_saying_why)
{
	static const struct {
		int curl;
		long status;
		const char *body, *why;
	} modes[] = {
	    {CURLE_COULDNT_CONNECT, 0, NULL,
	     "cannot connect (is Icinga 2 running, with the api feature?)"},
	    {CURLE_OPERATION_TIMEDOUT, 0, NULL, "no answer within 5.0s"},
	    {CURLE_COULDNT_RESOLVE_HOST, 0, NULL, "cannot resolve the host"},
	    {CURLE_PEER_FAILED_VERIFICATION, 0, NULL,
	     "TLS: the certificate of master-1:5665 is not trusted"},
	    {CURLE_SSL_CONNECT_ERROR, 0, NULL,
	     "TLS handshake with master-1:5665 failed"},
	    {CURLE_OK, 503, "{\"error\":503,\"status\":\"shutting down\"}",
	     "HTTP 503 (shutting down)"},
	};
	char path[128], want[300];

	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		struct rl_icinga_api_settings s;
		struct fake f = {
		    {{modes[i].curl, modes[i].status, modes[i].body},
		     {0, 200, ANSWER_OK}},
		    {0}};
		struct rl_icinga_api *api = fake_client(&s, path, 2, &f);
		const char *d;

		cr_assert_eq(comment(api), 0, "%s: %s", modes[i].why, err.msg);
		d = rl_icinga_api_detour(api);
		cr_assert_not_null(d, "%s: no detour", modes[i].why);
		snprintf(want, sizeof(want),
			 "through https://sat-1:5665, skipped "
			 "https://master-1:5665: add-comment on h1!fx/a: %s",
			 modes[i].why);
		cr_assert(strncmp(d, want, strlen(want)) == 0,
			  "'%s' does not start with '%s'", d, want);
		cr_assert(strchr(d, '\n') == NULL, "one line: %s", d);
		cr_assert_eq(f.asked[1], 1);
		rl_icinga_api_free(api);
	}
}

Test(icinga_api, a_final_answer_of_the_first_url_is_no_detour)
{
	static const long final[] = {401, 403, 404};
	char path[128];

	for (size_t i = 0; i < sizeof(final) / sizeof(final[0]); i++) {
		struct rl_icinga_api_settings s;
		struct fake f = {
		    {{0, final[i], "{\"status\":\"no\"}"}, {0, 200, ANSWER_OK}},
		    {0}};
		struct rl_icinga_api *api = fake_client(&s, path, 2, &f);

		cr_assert_eq(comment(api), -1, "HTTP %ld", final[i]);
		cr_assert(strncmp(err.msg, "https://master-1:5665: ", 23) == 0,
			  "%s", err.msg);
		cr_assert_eq(f.asked[1], 0, "HTTP %ld: not tried elsewhere",
			     final[i]);
		cr_assert_null(rl_icinga_api_detour(api));
		rl_icinga_api_free(api);
	}
}

Test(icinga_api, the_detour_stays_said_while_the_client_goes_on_there)
{
	struct rl_icinga_api_settings s;
	struct fake f = {
	    {{CURLE_COULDNT_CONNECT, 0, NULL}, {0, 200, ANSWER_OK}}, {0}};
	char path[128];
	struct rl_icinga_api *api = fake_client(&s, path, 2, &f);

	cr_assert_eq(comment(api), 0, "%s", err.msg);
	cr_assert_not_null(rl_icinga_api_detour(api));
	/* the next request goes where the last one was answered... */
	cr_assert_eq(comment(api), 0, "%s", err.msg);
	cr_assert_eq(f.asked[0], 1, "the first URL not asked again");
	cr_assert_eq(f.asked[1], 2);
	/* ...and is still a detour, for the reason seen */
	cr_assert_not_null(rl_icinga_api_detour(api));
	cr_assert(strstr(rl_icinga_api_detour(api), "cannot connect") != NULL);
	rl_icinga_api_free(api);

	/* a new client (each delivery) asks the first URL first again */
	f.ep[0].curl = 0;
	f.ep[0].status = 200;
	f.ep[0].body = ANSWER_OK;
	api = fake_client(&s, path, 2, &f);
	cr_assert_eq(comment(api), 0, "%s", err.msg);
	cr_assert_eq(f.asked[0], 2);
	cr_assert_null(rl_icinga_api_detour(api), "the first URL is back");
	rl_icinga_api_free(api);
}

Test(icinga_api, a_detour_past_two_urls_names_both)
{
	struct rl_icinga_api_settings s;
	struct fake f = {{{CURLE_COULDNT_CONNECT, 0, NULL},
			  {0, 502, "{\"status\":\"bad gateway\"}"},
			  {0, 200, ANSWER_OK}},
			 {0}};
	char path[128];
	struct rl_icinga_api *api = fake_client(&s, path, 3, &f);
	const char *d;

	cr_assert_eq(comment(api), 0, "%s", err.msg);
	d = rl_icinga_api_detour(api);
	cr_assert_not_null(d);
	cr_assert(strstr(d, "through https://sat-2:5665, skipped "
			    "https://master-1:5665: add-comment on h1!fx/a: "
			    "cannot connect") == d,
		  "%s", d);
	cr_assert(strstr(d, "; https://sat-1:5665: add-comment on h1!fx/a: "
			    "HTTP 502 (bad gateway)") != NULL,
		  "%s", d);
	rl_icinga_api_free(api);
}

Test(icinga_api, a_state_read_through_a_detour_is_said_and_read)
{
	struct rl_icinga_api_settings s;
	struct fake f = {
	    {{CURLE_OPERATION_TIMEDOUT, 0, NULL},
	     {0, 200,
	      "{\"results\":[{\"attrs\":{\"acknowledgement\":2,"
	      "\"downtime_depth\":0,\"state\":2,\"state_type\":1}}]}"}},
	    {0}};
	struct rl_icinga_api_service st;
	char path[128];
	bool found = false;
	struct rl_icinga_api *api = fake_client(&s, path, 2, &f);

	cr_assert_eq(rl_icinga_api_service(api, "h1", "fx/a",
					   rl_now_ms() + 10000, &st, &found,
					   &err),
		     0, "%s", err.msg);
	cr_assert(found);
	cr_assert_eq(st.acknowledgement, 2);
	cr_assert(strstr(rl_icinga_api_detour(api),
			 "skipped https://master-1:5665: query of h1!fx/a: no "
			 "answer within") != NULL,
		  "%s", rl_icinga_api_detour(api));
	rl_icinga_api_free(api);
}

Test(icinga_api, every_url_failing_is_an_error_not_a_detour)
{
	struct rl_icinga_api_settings s;
	struct fake f = {{{CURLE_COULDNT_CONNECT, 0, NULL},
			  {CURLE_COULDNT_CONNECT, 0, NULL}},
			 {0}};
	char path[128];
	struct rl_icinga_api *api = fake_client(&s, path, 2, &f);

	cr_assert_eq(comment(api), -1);
	cr_assert(strstr(err.msg, "; https://sat-1:5665: add-comment") != NULL,
		  "%s", err.msg);
	cr_assert_null(rl_icinga_api_detour(api));
	rl_icinga_api_free(api);
}

/* ---- the module (lib/icinga_api_load.c) --------------------------------- */

/* make check points $RELANCE_API_MODULE at the build tree's module: the
   tests above ran the real lib/icinga_api.so through the loader. */
Test(icinga_api, the_module_of_the_build_tree_loads)
{
	const char *path = getenv("RELANCE_API_MODULE");
	char *body = NULL;

	cr_assert_not_null(path, "run by make check");
	cr_assert(strstr(path, "/lib/icinga_api.so") != NULL, "%s", path);
	cr_assert_eq(rl_icinga_api_body_reschedule(&body, "h", "s", &err), 0,
		     "%s", err.msg);
	free(body);
}

/* MSG starts with WANT and is one line. */
static void starts(const char *msg, const char *want)
{
	cr_assert(strncmp(msg, want, strlen(want)) == 0,
		  "'%s' does not start "
		  "with '%s'",
		  msg, want);
	cr_assert_null(strchr(msg, '\n'), "%s", msg);
}

/* With the module at PATH, every entry point fails, saying "Icinga 2 API
   unavailable: cannot load 'PATH': " and WHY; so do a write-back and a
   state read of a site with [icinga_api]. Nothing is loaded for a site
   without it. */
static void unavailable(const char *path, const char *why)
{
	struct rl_icinga_api_reply rep = {0};
	struct rl_icinga_api_service st;
	struct rl_service_status ss;
	struct rl_site site;
	struct rl_buf b = RL_BUF_INIT;
	char want[400], want_judge[500], pw[128], url[] = "https://m:5665";
	char user[] = "r", *urls[1] = {url}, *body = NULL;
	bool found, have;

	cr_assert_eq(setenv("RELANCE_API_MODULE", path, 1), 0);
	snprintf(want, sizeof(want),
		 "Icinga 2 API unavailable: cannot load '%s': %s", path, why);
	cr_assert_eq(
	    rl_icinga_api_body_comment(&body, "h", "s", "a", "t", &err), -1);
	starts(err.msg, want);
	cr_assert_eq(
	    rl_icinga_api_body_result(&body, "h", "s", 0, "o", "n", &err), -1);
	starts(err.msg, want);
	cr_assert_eq(rl_icinga_api_body_reschedule(&body, "h", "s", &err), -1);
	starts(err.msg, want);
	cr_assert_eq(rl_icinga_api_body_query(&body, "h", "s", &err), -1);
	starts(err.msg, want);
	cr_assert_null(body);
	cr_assert_eq(rl_icinga_api_parse_service("{}", 2, &st, &found, &err),
		     -1);
	starts(err.msg, want);
	snprintf(want_judge, sizeof(want_judge), "%s: query of h!s: %s", url,
		 want);
	cr_assert_eq(rl_icinga_api_judge(url, "query of h!s", "r", &rep, &err),
		     RL_ICINGA_API_FINAL);
	starts(err.msg, want_judge);
	rl_icinga_api_free(NULL);

	memset(&site, 0, sizeof(site));
	cr_assert_eq(rl_monitor_deliver(&site, "x\n", 0, NULL, &err), 0,
		     "no [icinga_api]: no module needed");
	password_file(pw, sizeof(pw), "s3cret\n", 0600);
	site.icinga_api.urls = urls;
	site.icinga_api.n_urls = 1;
	site.icinga_api.user = user;
	site.icinga_api.password_file = pw;
	site.icinga_api.timeout_ms = 5000;
	cr_assert_null(rl_icinga_api_new(&site.icinga_api, &err));
	starts(err.msg, want);
	cr_assert_eq(rl_monitor_cmd_forced_check(&b, "h", "s", &err), 0);
	cr_assert_eq(rl_monitor_deliver(&site, rl_buf_str(&b),
					rl_now_ms() + 5000, NULL, &err),
		     -1);
	starts(err.msg, want);
	rl_buf_free(&b);
	cr_assert_eq(rl_monitor_status(&site, "h", "s", rl_now_ms() + 5000, &ss,
				       &have, NULL, &err),
		     -1);
	starts(err.msg, want);
}

Test(icinga_api, a_missing_module_fails_each_use_and_says_where)
{
	unavailable("/nonexistent/relance/icinga_api.so",
		    "cannot open shared object file: No such file or "
		    "directory");
}

Test(icinga_api, a_file_that_is_not_a_library_is_refused)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/icinga_api.so", dir);
	rl_test_not_elf(path);
	unavailable(path, "invalid ELF header");
}

Test(icinga_api, a_library_that_is_not_the_module_is_refused)
{
	Dl_info info;

	/* jansson itself: a real library, without our table */
	cr_assert(dladdr((void *)json_loads, &info) != 0);
	cr_assert_not_null(info.dli_fname);
	cr_assert_eq(info.dli_fname[0], '/', "%s", info.dli_fname);
	unavailable(info.dli_fname, "not relance's Icinga 2 API module (no "
				    "rl_icinga_api_module)");
}

Test(icinga_api, a_relative_module_path_is_ignored)
{
	char *body = NULL;

	/* the installed path instead: loads if installed, else names it */
	cr_assert_eq(setenv("RELANCE_API_MODULE", "lib/icinga_api.so", 1), 0);
	if (rl_icinga_api_body_reschedule(&body, "h", "s", &err) < 0)
		cr_assert(strstr(err.msg, "'" APIMODULE "'") != NULL, "%s",
			  err.msg);
	free(body);
}
