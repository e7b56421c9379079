#include "build.h"

#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/xmlerror.h>

#include "rl_test.h"
#include "util.h"
#include "xpath.h"
#include <criterion/redirect.h>

TestSuite(xpath, .fini = rl_test_fini);

/* A Tomcat-like status page (written for these tests). */
static const char tomcat[] =
    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
    "<status state=\"RUNNING\" version=\"9.0.83\">\n"
    "  <jvm>\n"
    "    <memory free=\"52428800\" total=\"268435456\" max=\"536870912\"/>\n"
    "  </jvm>\n"
    "  <connector name=\"http-nio-8080\">\n"
    "    <threadInfo maxThreads=\"200\" currentThreadCount=\"25\"\n"
    "                currentThreadsBusy=\"180\"/>\n"
    "    <requestInfo requestCount=\"4210\" errorCount=\"3\"/>\n"
    "  </connector>\n"
    "  <connector name=\"ajp-nio-8009\">\n"
    "    <threadInfo maxThreads=\"200\" currentThreadCount=\"10\"\n"
    "                currentThreadsBusy=\"0\"/>\n"
    "    <requestInfo requestCount=\"0\" errorCount=\"0\"/>\n"
    "  </connector>\n"
    "</status>\n";

static struct rl_xml_check chk(const char *name, const char *expr,
			       const char *warning, const char *critical)
{
	struct rl_xml_check x = {0};

	x.name = (char *)name;
	x.expr = (char *)expr;
	x.warning = (char *)warning;
	x.critical = (char *)critical;
	return x;
}

static void judge(struct rl_xml_check *checks, size_t n, const char *doc,
		  size_t len, struct rl_xpath_verdict *v)
{
	struct rl_component c = {0};
	struct rl_err err = {{0}};

	c.name = (char *)"web/tomcat";
	c.xml_checks = checks;
	c.n_xml_checks = n;
	cr_assert_eq(rl_xpath_judge(&c, doc, len, v, &err), 0, "%s", err.msg);
	cr_assert_not_null(v->text);
	cr_assert_not_null(v->long_text);
	cr_assert_not_null(v->perfdata);
}

static void judge_str(struct rl_xml_check *checks, size_t n, const char *doc,
		      struct rl_xpath_verdict *v)
{
	judge(checks, n, doc, strlen(doc), v);
}

/* --- numbers and ranges ----------------------------------------------- */

/* One value against one range form, as warning and as critical. */
static void range_case(const char *range, const char *value, bool alerts)
{
	char doc[128];
	struct rl_xml_check x;
	struct rl_xpath_verdict v = {0};

	snprintf(doc, sizeof(doc), "<s><v>%s</v></s>", value);
	x = chk("v", "number(/s/v)", range, NULL);
	judge_str(&x, 1, doc, &v);
	cr_expect_eq(v.state, alerts ? RL_STATE_WARNING : RL_STATE_OK,
		     "warning '%s', value %s: %s", range, value, v.text);
	rl_xpath_verdict_free(&v);

	x = chk("v", "number(/s/v)", NULL, range);
	judge_str(&x, 1, doc, &v);
	cr_expect_eq(v.state, alerts ? RL_STATE_CRITICAL : RL_STATE_OK,
		     "critical '%s', value %s: %s", range, value, v.text);
	rl_xpath_verdict_free(&v);
}

Test(xpath, each_range_form_on_each_side)
{
	/* "10": outside 0..10 */
	range_case("10", "-0.5", true);
	range_case("10", "0", false);
	range_case("10", "10", false);
	range_case("10", "10.01", true);
	/* "10:": below 10 */
	range_case("10:", "9.99", true);
	range_case("10:", "10", false);
	range_case("10:", "1000000", false);
	/* "~:10": above 10 */
	range_case("~:10", "-1000000", false);
	range_case("~:10", "10", false);
	range_case("~:10", "11", true);
	/* "10:20": outside 10..20 */
	range_case("10:20", "9", true);
	range_case("10:20", "10", false);
	range_case("10:20", "20", false);
	range_case("10:20", "21", true);
	/* "@10:20": inside 10..20 */
	range_case("@10:20", "9", false);
	range_case("@10:20", "10", true);
	range_case("@10:20", "15", true);
	range_case("@10:20", "20", true);
	range_case("@10:20", "20.5", false);
	/* negative and fractional bounds */
	range_case("-5:-1.5", "-1.4", true);
	range_case("-5:-1.5", "-3", false);
}

Test(xpath, critical_wins_over_warning_and_perfdata)
{
	struct rl_xml_check x =
	    chk("busy", "sum(/status/connector/threadInfo/@currentThreadsBusy)",
		"150", "190");
	struct rl_xpath_verdict v = {0};

	x.uom = (char *)"";
	judge_str(&x, 1, tomcat, &v);
	cr_assert_eq(v.state, RL_STATE_WARNING, "%s", v.text);
	cr_assert_str_eq(v.text, "WARNING: busy = 180 (warning range '150')");
	cr_assert_str_eq(v.long_text,
			 "WARNING: busy = 180 (warning range '150')\n");
	cr_assert_str_eq(v.perfdata, "busy=180;150;190");
	rl_xpath_verdict_free(&v);

	x.critical = (char *)"170";
	judge_str(&x, 1, tomcat, &v);
	cr_assert_eq(v.state, RL_STATE_CRITICAL);
	cr_assert_str_eq(v.text, "CRITICAL: busy = 180 (critical range '170')");
	rl_xpath_verdict_free(&v);
}

Test(xpath, numbers_with_label_and_uom)
{
	struct rl_xml_check x =
	    chk("heap", "/status/jvm/memory/@free div 1048576", "~:", NULL);
	struct rl_xpath_verdict v = {0};

	x.label = (char *)"heap free";
	x.uom = (char *)"MB";
	judge_str(&x, 1, tomcat, &v);
	cr_assert_eq(v.state, RL_STATE_OK);
	cr_assert_str_eq(v.text, "1 XPath check OK: heap free = 50MB");
	cr_assert_str_eq(v.perfdata, "'heap free'=50MB;~:");
	rl_xpath_verdict_free(&v);
}

Test(xpath, a_number_without_ranges_is_ok_and_perfdata)
{
	struct rl_xml_check x =
	    chk("connectors", "count(//connector)", NULL, NULL);
	struct rl_xpath_verdict v = {0};

	judge_str(&x, 1, tomcat, &v);
	cr_assert_eq(v.state, RL_STATE_OK);
	cr_assert_str_eq(v.perfdata, "connectors=2");
	rl_xpath_verdict_free(&v);
}

Test(xpath, nan_with_ranges_is_unknown)
{
	struct rl_xml_check x = chk("v", "number(/status/@state)", "10", NULL);
	struct rl_xpath_verdict v = {0};

	judge_str(&x, 1, tomcat, &v);
	cr_assert_eq(v.state, RL_STATE_UNKNOWN);
	cr_assert(strstr(v.text, "not a number") != NULL, "%s", v.text);
	cr_assert_str_eq(v.perfdata, "");
	rl_xpath_verdict_free(&v);

	x = chk("v", "string(/status/@state)", "10", NULL);
	judge_str(&x, 1, tomcat, &v);
	cr_assert_eq(v.state, RL_STATE_UNKNOWN);
	cr_assert(strstr(v.text, "'RUNNING' (not a number)") != NULL, "%s",
		  v.text);
	rl_xpath_verdict_free(&v);
}

/* --- booleans, strings, node-sets ------------------------------------- */

Test(xpath, booleans)
{
	struct rl_xml_check x =
	    chk("running", "/status/@state = 'RUNNING'", NULL, NULL);
	struct rl_xpath_verdict v = {0};

	judge_str(&x, 1, tomcat, &v);
	cr_assert_eq(v.state, RL_STATE_OK);
	cr_assert_str_eq(v.text, "1 XPath check OK: running = true");
	cr_assert_str_eq(v.perfdata, "");
	rl_xpath_verdict_free(&v);

	x = chk("stopped", "string(/status/@state) = 'STOPPED'", NULL, NULL);
	judge_str(&x, 1, tomcat, &v);
	cr_assert_eq(v.state, RL_STATE_CRITICAL);
	cr_assert_str_eq(v.text, "CRITICAL: stopped = false");
	rl_xpath_verdict_free(&v);

	/* ranges on a boolean are a mistake: said, and UNKNOWN */
	x = chk("b", "true()", "10", NULL);
	judge_str(&x, 1, tomcat, &v);
	cr_assert_eq(v.state, RL_STATE_UNKNOWN);
	cr_assert(strstr(v.text, "do not apply to a boolean") != NULL);
	rl_xpath_verdict_free(&v);
}

Test(xpath, strings_with_expect)
{
	struct rl_xml_check x =
	    chk("state", "string(/status/@state)", NULL, NULL);
	struct rl_xpath_verdict v = {0};

	x.expect = (char *)"RUNNING";
	judge_str(&x, 1, tomcat, &v);
	cr_assert_eq(v.state, RL_STATE_OK);
	cr_assert_str_eq(v.text, "1 XPath check OK: state = 'RUNNING'");
	rl_xpath_verdict_free(&v);

	x.expect = (char *)"running"; /* case matters */
	judge_str(&x, 1, tomcat, &v);
	cr_assert_eq(v.state, RL_STATE_CRITICAL);
	cr_assert_str_eq(v.text,
			 "CRITICAL: state = 'RUNNING' (expected 'running')");
	rl_xpath_verdict_free(&v);

	/* a string without expect is shown, OK */
	x = chk("version", "string(/status/@version)", NULL, NULL);
	judge_str(&x, 1, tomcat, &v);
	cr_assert_eq(v.state, RL_STATE_OK);
	cr_assert_str_eq(v.text, "1 XPath check OK: version = '9.0.83'");
	rl_xpath_verdict_free(&v);
}

Test(xpath, node_sets)
{
	struct rl_xml_check x =
	    chk("busy", "/status/connector/threadInfo/@currentThreadsBusy",
		NULL, "190");
	struct rl_xpath_verdict v = {0};

	judge_str(&x, 1, tomcat, &v);
	cr_assert_eq(v.state, RL_STATE_OK, "%s", v.text);
	cr_assert_str_eq(v.long_text, "OK: busy = 180 (first of 2 nodes)\n");
	cr_assert_str_eq(v.perfdata, "busy=180;;190");
	rl_xpath_verdict_free(&v);

	/* a numeric-looking node is perfdata even without ranges */
	x = chk("errors",
		"/status/connector[@name='http-nio-8080']/requestInfo/"
		"@errorCount",
		NULL, NULL);
	judge_str(&x, 1, tomcat, &v);
	cr_assert_str_eq(v.perfdata, "errors=3");
	rl_xpath_verdict_free(&v);

	x = chk("name", "/status/connector/@name", NULL, NULL);
	x.expect = (char *)"http-nio-8080";
	judge_str(&x, 1, tomcat, &v);
	cr_assert_eq(v.state, RL_STATE_OK, "%s", v.text);
	rl_xpath_verdict_free(&v);
}

Test(xpath, matching_nothing_is_unknown_and_says_which)
{
	struct rl_xml_check x[2] = {
	    chk("ok", "count(//connector)", NULL, NULL),
	    chk("pool", "/status/datasource/@active", "10", "20"),
	};
	struct rl_xpath_verdict v = {0};

	judge_str(x, 2, tomcat, &v);
	cr_assert_eq(v.state, RL_STATE_UNKNOWN);
	cr_assert_str_eq(v.text,
			 "UNKNOWN: pool = ? ('/status/datasource/@active' "
			 "matches nothing); 1 OK");
	rl_xpath_verdict_free(&v);
}

Test(xpath, several_expressions_mixed_states_worst_wins)
{
	struct rl_xml_check x[5] = {
	    chk("busy", "sum(//threadInfo/@currentThreadsBusy)", "150", "190"),
	    chk("stopped", "/status/@state = 'STOPPED'", NULL, NULL),
	    chk("pool", "/status/pool", NULL, NULL),
	    chk("errors", "sum(//requestInfo/@errorCount)", "10", "100"),
	    chk("connectors", "count(//connector)", "2:", "1:"),
	};
	struct rl_xpath_verdict v = {0};

	judge_str(x, 5, tomcat, &v);
	cr_assert_eq(v.state, RL_STATE_CRITICAL);
	cr_assert_str_eq(v.text,
			 "CRITICAL: stopped = false; "
			 "WARNING: busy = 180 (warning range '150'); "
			 "UNKNOWN: pool = ? ('/status/pool' matches nothing); "
			 "2 OK");
	cr_assert_str_eq(v.long_text,
			 "WARNING: busy = 180 (warning range '150')\n"
			 "CRITICAL: stopped = false\n"
			 "UNKNOWN: pool = ? ('/status/pool' matches nothing)\n"
			 "OK: errors = 3\n"
			 "OK: connectors = 2\n");
	cr_assert_str_eq(v.perfdata,
			 "busy=180;150;190 errors=3;10;100 connectors=2;2:;1:");
	rl_xpath_verdict_free(&v);

	/* the worst without CRITICAL */
	judge_str(&x[2], 3, tomcat, &v);
	cr_assert_eq(v.state, RL_STATE_UNKNOWN);
	rl_xpath_verdict_free(&v);
	judge_str(x, 1, tomcat, &v);
	cr_assert_eq(v.state, RL_STATE_WARNING);
	rl_xpath_verdict_free(&v);
	judge_str(&x[3], 2, tomcat, &v);
	cr_assert_eq(v.state, RL_STATE_OK);
	cr_assert_str_eq(v.text,
			 "2 XPath checks OK: errors = 3, connectors = 2");
	rl_xpath_verdict_free(&v);
}

Test(xpath, document_text_is_cleaned_and_bounded)
{
	static const char doc[] =
	    "<s><m>a|b\ttab&#10;line two</m>"
	    "<long>xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\xc3\xa9</long></s>";
	struct rl_xml_check x[2] = {
	    chk("m", "string(/s/m)", NULL, NULL),
	    chk("long", "string(/s/long)", NULL, NULL),
	};
	struct rl_xpath_verdict v = {0};

	judge_str(x, 2, doc, &v);
	cr_assert_eq(v.state, RL_STATE_OK);
	cr_assert(strchr(v.text, '|') == NULL, "%s", v.text);
	cr_assert(strchr(v.long_text, '|') == NULL);
	cr_assert(strstr(v.long_text, "'a/b tab line two'") != NULL, "%s",
		  v.long_text);
	cr_assert(strstr(v.long_text, "xxx...'") != NULL, "%s", v.long_text);
	cr_assert(strstr(v.long_text, "\xc3") == NULL, "cut inside a char");
	rl_xpath_verdict_free(&v);
}

/* --- documents that are refused --------------------------------------- */

Test(xpath, empty_document)
{
	struct rl_xml_check x = chk("n", "count(/*)", NULL, NULL);
	struct rl_xpath_verdict v = {0};

	judge(&x, 1, "", 0, &v);
	cr_assert_eq(v.state, RL_STATE_UNKNOWN);
	cr_assert_str_eq(v.text, "empty document (the check printed no XML)");
	cr_assert_str_eq(v.long_text, "");
	cr_assert_str_eq(v.perfdata, "");
	rl_xpath_verdict_free(&v);

	judge_str(&x, 1, " \n\t\r\n", &v);
	cr_assert_eq(v.state, RL_STATE_UNKNOWN);
	cr_assert_str_eq(v.text, "empty document (the check printed no XML)");
	rl_xpath_verdict_free(&v);
}

Test(xpath, huge_documents)
{
	struct rl_xml_check x = chk("n", "count(/s/i)", NULL, NULL);
	struct rl_xpath_verdict v = {0};
	struct rl_buf b = RL_BUF_INIT;
	size_t items = 0;

	/* just under the bound: parsed and counted */
	rl_buf_puts(&b, "<s>");
	while (b.len + 8 + 4 <= RL_XPATH_MAX_DOC) {
		rl_buf_puts(&b, "<i>1</i>");
		items++;
	}
	rl_buf_puts(&b, "</s>");
	cr_assert(!b.oom);
	judge(&x, 1, b.data, b.len, &v);
	cr_assert_eq(v.state, RL_STATE_OK, "%s", v.text);
	cr_assert_eq(strtoul(strchr(v.perfdata, '=') + 1, NULL, 10), items);
	rl_xpath_verdict_free(&v);

	/* one byte over: refused before parsing */
	while (b.len <= RL_XPATH_MAX_DOC)
		rl_buf_puts(&b, " ");
	cr_assert_eq(b.len, RL_XPATH_MAX_DOC + 1);
	judge(&x, 1, b.data, b.len, &v);
	cr_assert_eq(v.state, RL_STATE_UNKNOWN);
	cr_assert(strstr(v.text, "document too large") != NULL, "%s", v.text);
	rl_xpath_verdict_free(&v);
	rl_buf_free(&b);
}

Test(xpath, malformed_xml_has_line_and_column)
{
	struct rl_xml_check x = chk("n", "count(/*)", NULL, NULL);
	struct rl_xpath_verdict v = {0};

	judge_str(&x, 1, "<status>\n  <a>1</b>\n</status>\n", &v);
	cr_assert_eq(v.state, RL_STATE_UNKNOWN);
	cr_assert_str_eq(v.text,
			 "malformed XML at line 2, column 11: opening and "
			 "ending tag mismatch: a line 2 and b");
	cr_assert_str_eq(v.perfdata, "");
	rl_xpath_verdict_free(&v);

	judge_str(&x, 1, "not xml at all", &v);
	cr_assert_eq(v.state, RL_STATE_UNKNOWN);
	cr_assert(strncmp(v.text, "malformed XML at line 1, column 1: ", 35) ==
		      0,
		  "%s", v.text);
	rl_xpath_verdict_free(&v);

	judge_str(&x, 1, "<a></a><b/>", &v);
	cr_assert_eq(v.state, RL_STATE_UNKNOWN);
	cr_assert(strstr(v.text, "extra content") != NULL, "%s", v.text);
	rl_xpath_verdict_free(&v);
}

Test(xpath, nothing_on_stderr, .init = cr_redirect_stderr)
{
	struct rl_xml_check x = chk("n", "count(/*)", NULL, NULL);
	struct rl_xpath_verdict v = {0};

	judge_str(&x, 1, "<a><b></a>", &v);
	cr_assert_eq(v.state, RL_STATE_UNKNOWN);
	rl_xpath_verdict_free(&v);
	x = chk("n", "/a/b", NULL, NULL);
	judge_str(&x, 1, "<a xmlns:p='x'><p:b/><c undeclared:x='1'/></a>", &v);
	rl_xpath_verdict_free(&v);
	fflush(stderr);
	cr_assert_stderr_eq_str("");
}

static int noted;

static void note(void *data, xmlErrorPtr e)
{
	(void)data;
	(void)e;
	noted++;
}

Test(xpath, the_callers_error_handler_is_restored)
{
	struct rl_xml_check x = chk("n", "count(/*)", NULL, NULL);
	struct rl_xpath_verdict v = {0};
	struct rl_err err;
	int ctx;

	xmlSetStructuredErrorFunc(&ctx, note);
	judge_str(&x, 1, "<a><b></a>", &v);
	rl_xpath_verdict_free(&v);
	cr_assert_eq(rl_xpath_validate("count(", &err), -1);
	cr_assert_eq(noted, 0, "our errors went to the caller's handler");
	cr_assert_eq(xmlStructuredError, note);
	cr_assert_eq(xmlStructuredErrorContext, &ctx);
	xmlSetStructuredErrorFunc(NULL, NULL);
}

Test(xpath, too_deep_is_refused)
{
	struct rl_xml_check x = chk("n", "count(//*)", NULL, NULL);
	struct rl_xpath_verdict v = {0};
	struct rl_buf b = RL_BUF_INIT;
	int i;

	for (i = 0; i < 300; i++)
		rl_buf_puts(&b, "<d>");
	for (i = 0; i < 300; i++)
		rl_buf_puts(&b, "</d>");
	judge(&x, 1, b.data, b.len, &v);
	cr_assert_eq(v.state, RL_STATE_UNKNOWN);
	cr_assert(strstr(v.text, "malformed XML at line 1") != NULL, "%s",
		  v.text);
	cr_assert(strstr(v.text, "depth") != NULL, "%s", v.text);
	rl_xpath_verdict_free(&v);
	rl_buf_free(&b);
}

/*
 * XXE: the entity names a FIFO. Opening a FIFO for reading blocks until a
 * writer comes, so if libxml2 ever tried to read it the test would hang
 * and fail on its timeout. A regular file with a secret checks the output.
 */
Test(xpath, external_entities_are_never_read, .timeout = 10)
{
	char dir[] = "/tmp/rl-xxe-XXXXXX", fifo[64], secret[64], doc[512];
	struct rl_xml_check x = chk("v", "string(/s)", NULL, NULL);
	struct rl_xpath_verdict v = {0};
	FILE *f;
	const char *forms[] = {
	    "<!DOCTYPE s [<!ENTITY x SYSTEM \"file://%s\">]><s>&x;</s>",
	    "<!DOCTYPE s [<!ENTITY %% p SYSTEM \"file://%s\"> %%p;]><s>a</s>",
	    "<!DOCTYPE s SYSTEM \"file://%s\"><s>a</s>",
	    "<!DOCTYPE s [<!ENTITY x SYSTEM \"%s\">]><s>&x;</s>",
	};
	size_t i;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	snprintf(secret, sizeof(secret), "%s/secret", dir);
	cr_assert_eq(mkfifo(fifo, 0600), 0);
	f = fopen(secret, "w");
	cr_assert_not_null(f);
	fputs("TOPSECRET\n", f);
	fclose(f);

	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		const char *targets[] = {fifo, secret};
		size_t j;

		for (j = 0; j < 2; j++) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
			snprintf(doc, sizeof(doc), forms[i], targets[j]);
#pragma GCC diagnostic pop
			judge_str(&x, 1, doc, &v);
			cr_expect(strstr(v.text, "TOPSECRET") == NULL, "%s",
				  v.text);
			cr_expect(strstr(v.long_text, "TOPSECRET") == NULL);
			/* every form is refused outright, the external
			 * DTD too */
			cr_expect_eq(v.state, RL_STATE_UNKNOWN, "%s: %s", doc,
				     v.text);
			rl_xpath_verdict_free(&v);
		}
	}
	unlink(fifo);
	unlink(secret);
	rmdir(dir);
}

/* An external DTD is refused as the README says, by SYSTEM or PUBLIC
 * name; a DOCTYPE that names none (nor declares entities) is fine. */
Test(xpath, external_dtd_is_refused)
{
	struct rl_xml_check x = chk("v", "string(/r)", NULL, NULL);
	struct rl_xpath_verdict v = {0};
	const char *refused[] = {
	    "<!DOCTYPE r SYSTEM \"r.dtd\"><r>a</r>",
	    "<!DOCTYPE r SYSTEM \"http://127.0.0.1:1/r.dtd\"><r>a</r>",
	    "<!DOCTYPE r PUBLIC \"-//X//DTD R//EN\" \"r.dtd\"><r>a</r>",
	    "<!DOCTYPE r SYSTEM \"r.dtd\" [<!ELEMENT r (#PCDATA)>]><r>a</r>",
	};
	size_t i;

	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		judge_str(&x, 1, refused[i], &v);
		cr_expect_eq(v.state, RL_STATE_UNKNOWN, "%s: %s", refused[i],
			     v.text);
		cr_expect_str_eq(v.text,
				 "document refused: it declares entities or an "
				 "external DTD, which relance never expands",
				 "%s", refused[i]);
		rl_xpath_verdict_free(&v);
	}
	judge_str(&x, 1, "<!DOCTYPE r [<!ELEMENT r (#PCDATA)>]><r>a</r>", &v);
	cr_assert_eq(v.state, RL_STATE_OK, "%s", v.text);
	rl_xpath_verdict_free(&v);
	judge_str(&x, 1, "<!DOCTYPE r><r>a</r>", &v);
	cr_assert_eq(v.state, RL_STATE_OK, "%s", v.text);
	rl_xpath_verdict_free(&v);
}

Test(xpath, billion_laughs_is_refused_quickly_in_bounded_memory, .timeout = 10)
{
	static const char doc[] =
	    "<?xml version=\"1.0\"?>\n"
	    "<!DOCTYPE lolz [\n"
	    " <!ENTITY lol \"lol\">\n"
	    " <!ENTITY lol1 "
	    "\"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
	    " <!ENTITY lol2 "
	    "\"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">"
	    "\n"
	    " <!ENTITY lol3 "
	    "\"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">"
	    "\n"
	    " <!ENTITY lol4 "
	    "\"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">"
	    "\n"
	    " <!ENTITY lol5 "
	    "\"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">"
	    "\n"
	    " <!ENTITY lol6 "
	    "\"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">"
	    "\n"
	    " <!ENTITY lol7 "
	    "\"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">"
	    "\n"
	    " <!ENTITY lol8 "
	    "\"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">"
	    "\n"
	    " <!ENTITY lol9 "
	    "\"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">"
	    "\n"
	    "]>\n"
	    "<lolz><a>&lol9;</a><b a=\"&lol9;\"/></lolz>\n";
	struct rl_xml_check x[3] = {
	    chk("len", "string-length(/lolz)", NULL, NULL),
	    chk("a", "string(/lolz/b/@a)", NULL, NULL),
	    chk("n", "count(//*)", NULL, NULL),
	};
	struct rl_xpath_verdict v = {0};
	struct rusage before, after;
	int64_t t0 = rl_now_ms();

	getrusage(RUSAGE_SELF, &before);
	judge_str(x, 3, doc, &v);
	getrusage(RUSAGE_SELF, &after);
	cr_assert_eq(v.state, RL_STATE_UNKNOWN, "%s", v.text);
	cr_assert(rl_now_ms() - t0 < 2000, "took %lldms",
		  (long long)(rl_now_ms() - t0));
	/* ru_maxrss is in KiB: the expansion would be gigabytes */
	cr_assert(after.ru_maxrss - before.ru_maxrss < 64 * 1024,
		  "grew by %ld KiB", after.ru_maxrss - before.ru_maxrss);
	rl_xpath_verdict_free(&v);
}

/* --- config time ------------------------------------------------------ */

Test(xpath, validate)
{
	struct rl_err err = {{0}};

	cr_assert_eq(rl_xpath_validate("count(/status/connector)", &err), 0,
		     "%s", err.msg);
	cr_assert_eq(rl_xpath_validate("/status/@state = 'RUNNING'", &err), 0);
	cr_assert_eq(rl_xpath_validate("sum(//x) div 1048576", &err), 0);

	cr_assert_eq(rl_xpath_validate("count(/status", &err), -1);
	cr_assert_str_eq(err.msg, "invalid XPath expression 'count(/status': "
				  "invalid expression at column 14");
	cr_assert_eq(rl_xpath_validate("/status/[", &err), -1);
	cr_assert(
	    strncmp(err.msg, "invalid XPath expression '/status/[': ", 37) == 0,
	    "%s", err.msg);
	cr_assert_eq(rl_xpath_validate("nosuch(/a)", &err), -1);
	cr_assert_str_eq(err.msg, "invalid XPath expression 'nosuch(/a)': "
				  "unknown function at column 1");
	cr_assert_eq(rl_xpath_validate("$v > 1", &err), -1);
	cr_assert(strstr(err.msg, "variable") != NULL, "%s", err.msg);
	cr_assert_eq(rl_xpath_validate("", &err), -1);
	cr_assert_eq(rl_xpath_validate("count(1)", &err), -1);
}

Test(xpath, no_expression_is_an_error)
{
	struct rl_component c = {0};
	struct rl_xpath_verdict v = {0};
	struct rl_err err = {{0}};

	c.name = (char *)"web/tomcat";
	cr_assert_eq(rl_xpath_judge(&c, "<a/>", 4, &v, &err), -1);
	cr_assert_str_eq(err.msg, "component 'web/tomcat': check_mode xml "
				  "without any xpath expression");
	cr_assert_null(v.text);
}

/* --- the XML module (lib/xpath_load.c) -------------------------------- */

/* make check points $RELANCE_XPATH_MODULE at the build tree's module: the
   tests above ran the real lib/xpath.so through the loader. */
Test(xpath, the_module_of_the_build_tree_loads)
{
	const char *path = getenv("RELANCE_XPATH_MODULE");
	struct rl_err err = {{0}};

	cr_assert_not_null(path, "run by make check");
	cr_assert(strstr(path, "/lib/xpath.so") != NULL, "%s", path);
	cr_assert_eq(rl_xpath_load(&err), 0, "%s", err.msg);
	cr_assert_eq(rl_xpath_load(&err), 0, "%s", err.msg);
}

/* With the module at PATH: validate fails and judge is UNKNOWN, both with
   "XML checks unavailable: cannot load 'PATH': " and WHY. */
static void unavailable(const char *path, const char *why)
{
	struct rl_xml_check x = chk("n", "count(/*)", NULL, NULL);
	struct rl_xpath_verdict v = {0};
	struct rl_err err = {{0}};
	char want[300];

	cr_assert_eq(setenv("RELANCE_XPATH_MODULE", path, 1), 0);
	snprintf(want, sizeof(want),
		 "XML checks unavailable: cannot load '%s': %s", path, why);
	cr_assert_eq(rl_xpath_load(&err), -1);
	cr_assert(strncmp(err.msg, want, strlen(want)) == 0, "%s", err.msg);
	cr_assert_eq(rl_xpath_validate("count(/*)", &err), -1);
	cr_assert(strncmp(err.msg, want, strlen(want)) == 0, "%s", err.msg);
	cr_assert_null(strchr(err.msg, '\n'), "%s", err.msg);

	judge_str(&x, 1, "<a/>", &v);
	cr_assert_eq(v.state, RL_STATE_UNKNOWN);
	cr_assert(strncmp(v.text, want, strlen(want)) == 0, "%s", v.text);
	cr_assert_null(strchr(v.text, '\n'), "%s", v.text);
	cr_assert_str_eq(v.long_text, "");
	cr_assert_str_eq(v.perfdata, "");
	rl_xpath_verdict_free(&v);
}

Test(xpath, a_missing_module_is_unknown_and_says_where)
{
	unavailable("/nonexistent/relance/xpath.so",
		    "cannot open shared object file: No such file or "
		    "directory");
}

Test(xpath, a_file_that_is_not_a_library_is_refused)
{
	char dir[64], path[96];

	rl_test_tmpdir(dir, sizeof(dir), "xpathmod");
	snprintf(path, sizeof(path), "%s/xpath.so", dir);
	rl_test_not_elf(path);
	unavailable(path, "invalid ELF header");
	rl_test_rmtree(dir);
}

Test(xpath, a_library_that_is_not_the_module_is_refused)
{
	Dl_info info;

	/* libxml2 itself: a real library, without our table */
	cr_assert(dladdr((void *)xmlInitParser, &info) != 0);
	cr_assert_not_null(info.dli_fname);
	cr_assert_eq(info.dli_fname[0], '/', "%s", info.dli_fname);
	unavailable(info.dli_fname,
		    "not relance's XML module (no rl_xpath_module)");
}

Test(xpath, a_relative_module_path_is_ignored)
{
	struct rl_err err = {{0}};

	/* the installed path instead: loads if installed, else names it */
	cr_assert_eq(setenv("RELANCE_XPATH_MODULE", "lib/xpath.so", 1), 0);
	if (rl_xpath_load(&err) < 0)
		cr_assert(strstr(err.msg, "'" XPATHMODULE "'") != NULL, "%s",
			  err.msg);
}
