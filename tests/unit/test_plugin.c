#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugin.h"
#include "rl_test.h"

TestSuite(plugin, .fini = rl_test_fini);

/* --- states ------------------------------------------------------------- */

Test(plugin, state_names)
{
	enum rl_state s;

	cr_assert_str_eq(rl_state_name(RL_STATE_OK), "OK");
	cr_assert_str_eq(rl_state_name(RL_STATE_WARNING), "WARNING");
	cr_assert_str_eq(rl_state_name(RL_STATE_CRITICAL), "CRITICAL");
	cr_assert_str_eq(rl_state_name(RL_STATE_UNKNOWN), "UNKNOWN");
	cr_assert_str_eq(rl_state_name((enum rl_state)7), "UNKNOWN");
	cr_assert_str_eq(rl_state_name((enum rl_state) - 1), "UNKNOWN");

	cr_assert_eq(rl_state_parse("critical", &s), 0);
	cr_assert_eq(s, RL_STATE_CRITICAL);
	cr_assert_eq(rl_state_parse("Warning", &s), 0);
	cr_assert_eq(s, RL_STATE_WARNING);
	cr_assert_eq(rl_state_parse("OK", &s), 0);
	cr_assert_eq(s, RL_STATE_OK);
	cr_assert_eq(rl_state_parse("unknown", &s), 0);
	cr_assert_eq(s, RL_STATE_UNKNOWN);
	cr_assert_eq(rl_state_parse("2", &s), 0);
	cr_assert_eq(s, RL_STATE_CRITICAL);
	cr_assert_eq(rl_state_parse("0", &s), 0);
	cr_assert_eq(s, RL_STATE_OK);
	s = RL_STATE_WARNING;
	cr_assert_lt(rl_state_parse("4", &s), 0);
	cr_assert_lt(rl_state_parse("", &s), 0);
	cr_assert_lt(rl_state_parse("CRIT", &s), 0);
	cr_assert_lt(rl_state_parse("OKAY", &s), 0);
	cr_assert_lt(rl_state_parse("02", &s), 0);
	cr_assert_lt(rl_state_parse("-1", &s), 0);
	cr_assert_eq(s, RL_STATE_WARNING, "out-param written on failure");
}

Test(plugin, state_worst)
{
	const enum rl_state ok = RL_STATE_OK, w = RL_STATE_WARNING,
			    c = RL_STATE_CRITICAL, u = RL_STATE_UNKNOWN;

	cr_assert_eq(rl_state_worst(ok, ok), ok);
	cr_assert_eq(rl_state_worst(ok, u), u);
	cr_assert_eq(rl_state_worst(u, ok), u);
	cr_assert_eq(rl_state_worst(u, w), w);
	cr_assert_eq(rl_state_worst(w, u), w);
	cr_assert_eq(rl_state_worst(w, c), c);
	cr_assert_eq(rl_state_worst(c, u), c);
	cr_assert_eq(rl_state_worst(u, c), c);
	cr_assert_eq(rl_state_worst(c, ok), c);
	cr_assert_eq(rl_state_worst(ok, (enum rl_state)9), u);
}

Test(plugin, state_from_exit)
{
	cr_assert_eq(rl_state_from_exit(0), RL_STATE_OK);
	cr_assert_eq(rl_state_from_exit(1), RL_STATE_WARNING);
	cr_assert_eq(rl_state_from_exit(2), RL_STATE_CRITICAL);
	cr_assert_eq(rl_state_from_exit(3), RL_STATE_UNKNOWN);
	cr_assert_eq(rl_state_from_exit(4), RL_STATE_UNKNOWN);
	cr_assert_eq(rl_state_from_exit(127), RL_STATE_UNKNOWN);
	cr_assert_eq(rl_state_from_exit(255), RL_STATE_UNKNOWN);
	cr_assert_eq(rl_state_from_exit(-1), RL_STATE_UNKNOWN);
}

/* --- ranges ------------------------------------------------------------- */

static struct rl_range range(const char *text)
{
	struct rl_err err = {""};
	struct rl_range r;

	cr_assert_eq(rl_range_parse(text, &r, &err), 0, "'%s' refused: %s",
		     text, err.msg);
	cr_assert_str_eq(r.text, text);
	return r;
}

/* Each value of VALUES followed by whether it must alert. */
struct probe {
	double v;
	bool alert;
};

static void probes(const char *text, const struct probe *p, size_t n)
{
	struct rl_range r = range(text);
	size_t i;

	for (i = 0; i < n; i++)
		cr_assert_eq(rl_range_alert(&r, p[i].v), p[i].alert,
			     "range '%s', value %g: alert should be %d", text,
			     p[i].v, p[i].alert);
}
#define PROBES(text, ...)                                                      \
	do {                                                                   \
		const struct probe p_[] = {__VA_ARGS__};                       \
		probes(text, p_, sizeof(p_) / sizeof(p_[0]));                  \
	} while (0)

Test(plugin, range_plain_end)
{
	struct rl_range r = range("10");

	cr_assert(!r.start_infinite && !r.end_infinite && !r.alert_inside);
	cr_assert_eq(r.start, 0);
	cr_assert_eq(r.end, 10);
	/* outside 0..10 alerts; both edges are inside */
	PROBES("10", {-0.001, true}, {0, false}, {0.001, false}, {5, false},
	       {9.999, false}, {10, false}, {10.001, true}, {-1e9, true},
	       {1e9, true});
	PROBES("0", {-0.1, true}, {0, false}, {0.1, true});
	PROBES("2.5", {-0.1, true}, {0, false}, {2.5, false}, {2.51, true});
}

Test(plugin, range_start_only)
{
	struct rl_range r = range("10:");

	cr_assert(!r.start_infinite && r.end_infinite && !r.alert_inside);
	cr_assert_eq(r.start, 10);
	PROBES("10:", {9.999, true}, {10, false}, {10.001, false},
	       {1e12, false}, {-5, true});
	PROBES("-5:", {-5.001, true}, {-5, false}, {-4.999, false}, {0, false});
}

Test(plugin, range_up_to)
{
	struct rl_range r = range("~:10");

	cr_assert(r.start_infinite && !r.end_infinite && !r.alert_inside);
	cr_assert_eq(r.end, 10);
	PROBES("~:10", {-1e12, false}, {-3, false}, {9.999, false}, {10, false},
	       {10.001, true});
	PROBES("~:-2.5", {-3, false}, {-2.5, false}, {-2.499, true}, {0, true});
	/* both infinite: never alerts, and with @ always does */
	PROBES("~:", {-1e300, false}, {0, false}, {1e300, false});
	PROBES("@~:", {-1e300, true}, {0, true}, {1e300, true});
}

Test(plugin, range_between)
{
	struct rl_range r = range("10:20");

	cr_assert(!r.start_infinite && !r.end_infinite && !r.alert_inside);
	cr_assert_eq(r.start, 10);
	cr_assert_eq(r.end, 20);
	PROBES("10:20", {9.999, true}, {10, false}, {10.001, false},
	       {15, false}, {19.999, false}, {20, false}, {20.001, true});
	PROBES("-20:-10", {-20.001, true}, {-20, false}, {-15, false},
	       {-10, false}, {-9.999, true}, {0, true});
	PROBES("-1.5:0.25", {-1.501, true}, {-1.5, false}, {0, false},
	       {0.25, false}, {0.2501, true});
	/* a single point */
	PROBES("5:5", {4.999, true}, {5, false}, {5.001, true});
}

Test(plugin, range_inside)
{
	struct rl_range r = range("@10:20");

	cr_assert(r.alert_inside);
	cr_assert_eq(r.start, 10);
	cr_assert_eq(r.end, 20);
	/* inclusive on both edges */
	PROBES("@10:20", {9.999, false}, {10, true}, {10.001, true}, {20, true},
	       {20.001, false});
	PROBES("@10", {-0.001, false}, {0, true}, {10, true}, {10.001, false});
	PROBES("@10:", {9.999, false}, {10, true}, {1e9, true});
	PROBES("@~:10", {-1e9, true}, {10, true}, {10.001, false});
	PROBES("@-3:-1", {-3.001, false}, {-3, true}, {-1, true},
	       {-0.999, false});
}

Test(plugin, range_nan_alerts)
{
	struct rl_range r = range("10:20");

	cr_assert(rl_range_alert(&r, NAN));
	r = range("@10:20");
	cr_assert(rl_range_alert(&r, NAN));
}

Test(plugin, range_number_forms)
{
	struct rl_range r;

	r = range("+5:6");
	cr_assert_eq(r.start, 5);
	r = range(".5:1.");
	cr_assert_eq(r.start, 0.5);
	cr_assert_eq(r.end, 1.0);
	r = range("0.028");
	cr_assert_eq(r.end, 0.028);
}

static void range_bad(const char *text, const char *why)
{
	struct rl_err err = {""};
	struct rl_range r;
	char want[256];

	memset(&r, 0x5a, sizeof(r));
	cr_assert_lt(rl_range_parse(text, &r, &err), 0, "'%s' accepted", text);
	snprintf(want, sizeof(want), "invalid range '%s'", text);
	cr_assert_neq(strstr(err.msg, want), NULL, "'%s': error '%s'", text,
		      err.msg);
	if (why != NULL)
		cr_assert_neq(strstr(err.msg, why), NULL,
			      "'%s': error '%s' lacks '%s'", text, err.msg,
			      why);
	cr_assert_eq(((unsigned char *)&r)[0], 0x5a,
		     "out-param written on failure");
}

Test(plugin, range_refused)
{
	range_bad("", "empty");
	range_bad("1-2 3", NULL);
	range_bad("10:5", "start greater than end");
	range_bad("-1:-2", "start greater than end");
	range_bad("@10:5", "start greater than end");
	range_bad("-5", "start greater than end"); /* 0..-5 */
	range_bad("@", NULL);
	range_bad("~", NULL);
	range_bad(":", NULL);
	range_bad(":10", NULL);
	range_bad("@:", NULL);
	range_bad("abc", NULL);
	range_bad("nan", NULL);
	range_bad("NaN:", NULL);
	range_bad("inf", NULL);
	range_bad("-inf:0", NULL);
	range_bad("~:infinity", NULL);
	range_bad("1e3", NULL);
	range_bad("0x10", NULL);
	range_bad("10 ", NULL);
	range_bad(" 10", NULL);
	range_bad("10:20:30", NULL);
	range_bad("@@10", NULL);
	range_bad("~10", NULL);
	range_bad("10:~", NULL);
	range_bad("1..2", NULL);
	range_bad(".", NULL);
	range_bad("-", NULL);
	range_bad("-:5", NULL);
	range_bad("--1:5", NULL);
	range_bad("1,5", NULL);
}

Test(plugin, range_too_long)
{
	char text[200];
	struct rl_err err = {""};
	struct rl_range r;

	memset(text, '1', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	cr_assert_lt(rl_range_parse(text, &r, &err), 0);
	cr_assert_neq(strstr(err.msg, "too long"), NULL, "%s", err.msg);
}

/* --- thresholds --------------------------------------------------------- */

Test(plugin, thresholds)
{
	struct rl_thresholds t;
	struct rl_err err = {""};

	cr_assert_eq(rl_thresholds_parse("10", "20", &t, &err), 0, "%s",
		     err.msg);
	cr_assert(t.has_warning && t.has_critical);
	cr_assert_eq(rl_thresholds_check(&t, 5), RL_STATE_OK);
	cr_assert_eq(rl_thresholds_check(&t, 10), RL_STATE_OK);
	cr_assert_eq(rl_thresholds_check(&t, 10.5), RL_STATE_WARNING);
	cr_assert_eq(rl_thresholds_check(&t, 20), RL_STATE_WARNING);
	cr_assert_eq(rl_thresholds_check(&t, 20.5), RL_STATE_CRITICAL);
	cr_assert_eq(rl_thresholds_check(&t, -1), RL_STATE_CRITICAL);

	cr_assert_eq(rl_thresholds_parse(NULL, "~:1", &t, &err), 0);
	cr_assert(!t.has_warning && t.has_critical);
	cr_assert_eq(rl_thresholds_check(&t, 1), RL_STATE_OK);
	cr_assert_eq(rl_thresholds_check(&t, 2), RL_STATE_CRITICAL);

	cr_assert_eq(rl_thresholds_parse("@0:5", NULL, &t, &err), 0);
	cr_assert(t.has_warning && !t.has_critical);
	cr_assert_eq(rl_thresholds_check(&t, 3), RL_STATE_WARNING);
	cr_assert_eq(rl_thresholds_check(&t, 6), RL_STATE_OK);

	cr_assert_eq(rl_thresholds_parse(NULL, NULL, &t, &err), 0);
	cr_assert(!t.has_warning && !t.has_critical);
	cr_assert_eq(rl_thresholds_check(&t, 1e99), RL_STATE_OK);
}

Test(plugin, thresholds_errors_name_which)
{
	struct rl_thresholds t;
	struct rl_err err = {""};

	cr_assert_lt(rl_thresholds_parse("10:5", "20", &t, &err), 0);
	cr_assert_str_eq(err.msg, "warning: invalid range '10:5' (start "
				  "greater than end)");
	cr_assert_lt(rl_thresholds_parse("10", "abc", &t, &err), 0);
	cr_assert_eq(strncmp(err.msg, "critical: invalid range 'abc'", 29), 0,
		     "%s", err.msg);
}

/* --- perfdata ----------------------------------------------------------- */

static void perf_is(const char *label, double v, const char *uom, const char *w,
		    const char *c, const char *mn, const char *mx,
		    const char *want)
{
	struct rl_buf b = RL_BUF_INIT;

	rl_perf_append(&b, label, v, uom, w, c, mn, mx);
	cr_assert(!b.oom);
	cr_assert_str_eq(rl_buf_str(&b), want);
	rl_buf_free(&b);
}

Test(plugin, perf_fields)
{
	perf_is("time", 0.028, "s", "1", "5", "0", NULL, "time=0.028s;1;5;0");
	perf_is("time", 0.028, "s", NULL, NULL, NULL, NULL, "time=0.028s");
	perf_is("time", 0.028, "s", "", "", "", "", "time=0.028s");
	perf_is("time", 1, "s", NULL, "5", NULL, NULL, "time=1s;;5");
	perf_is("time", 1, "s", NULL, NULL, NULL, "10", "time=1s;;;;10");
	perf_is("time", 1, "s", "1", NULL, "0", NULL, "time=1s;1;;0");
	perf_is("up", 3, NULL, "@1:2", "~:5", NULL, NULL, "up=3;@1:2;~:5");
	perf_is("pct", 99.5, "%", "90", "95", "0", "100",
		"pct=99.5%;90;95;0;100");
}

Test(plugin, perf_numbers)
{
	perf_is("v", 0, NULL, NULL, NULL, NULL, NULL, "v=0");
	perf_is("v", -0.0, NULL, NULL, NULL, NULL, NULL, "v=0");
	perf_is("v", 42, NULL, NULL, NULL, NULL, NULL, "v=42");
	perf_is("v", -7.25, NULL, NULL, NULL, NULL, NULL, "v=-7.25");
	perf_is("v", 1.5, NULL, NULL, NULL, NULL, NULL, "v=1.5");
	perf_is("v", 0.1 + 0.2, NULL, NULL, NULL, NULL, NULL, "v=0.3");
	perf_is("v", 123456789, NULL, NULL, NULL, NULL, NULL, "v=123456789");
	perf_is("v", 1e20, NULL, NULL, NULL, NULL, NULL,
		"v=100000000000000000000");
	perf_is("v", 1e-7, NULL, NULL, NULL, NULL, NULL, "v=0.0000001");
	perf_is("v", -2.5e-6, NULL, NULL, NULL, NULL, NULL, "v=-0.0000025");
	perf_is("v", 0.0001, NULL, NULL, NULL, NULL, NULL, "v=0.0001");
	perf_is("v", NAN, NULL, NULL, NULL, NULL, NULL, "v=U");
	perf_is("v", INFINITY, NULL, NULL, NULL, NULL, NULL, "v=U");
}

Test(plugin, perf_number_has_no_exponent)
{
	const double vals[] = {1e300, -1e300, 1e-300, 5e-324,
			       1.7976931348623157e308};
	struct rl_buf b = RL_BUF_INIT;
	double back;
	size_t i;

	for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		rl_buf_reset(&b);
		rl_perf_append(&b, "v", vals[i], NULL, NULL, NULL, NULL, NULL);
		cr_assert(!b.oom);
		cr_assert_eq(strspn(b.data + 2, "-0123456789."),
			     strlen(b.data + 2), "%g gave '%s'", vals[i],
			     b.data);
		back = strtod(b.data + 2, NULL);
		/* the subnormal's relative bound underflows: compare */
		cr_assert(back == vals[i] ||
			      fabs(back - vals[i]) < fabs(vals[i]) * 1e-9,
			  "%g gave '%s'", vals[i], b.data);
	}
	rl_buf_free(&b);
}

Test(plugin, perf_labels)
{
	perf_is("a b", 1, NULL, NULL, NULL, NULL, NULL, "'a b'=1");
	perf_is("a=b", 1, NULL, NULL, NULL, NULL, NULL, "'a=b'=1");
	perf_is("it's", 1, NULL, NULL, NULL, NULL, NULL, "'it''s'=1");
	perf_is("fx/pricer", 1, "ms", NULL, NULL, NULL, NULL, "fx/pricer=1ms");
	perf_is("", 1, NULL, NULL, NULL, NULL, NULL, "''=1");
	/* a pipe or a newline would break the plugin output */
	perf_is("a|b\nc", 1, NULL, NULL, NULL, NULL, NULL, "a_b_c=1");
}

Test(plugin, perf_several)
{
	struct rl_buf b = RL_BUF_INIT;

	rl_perf_append(&b, "a", 1, "s", NULL, NULL, NULL, NULL);
	rl_perf_append(&b, "b c", 2, NULL, "1", NULL, NULL, NULL);
	cr_assert_str_eq(rl_buf_str(&b), "a=1s 'b c'=2;1");
	rl_buf_free(&b);
}

/* --- status line -------------------------------------------------------- */

static void status_is(const char *prefix, enum rl_state st, const char *text,
		      const char *perf, const char *want)
{
	struct rl_buf b = RL_BUF_INIT;

	rl_plugin_status_line(&b, prefix, st, text, perf);
	cr_assert(!b.oom);
	cr_assert_str_eq(rl_buf_str(&b), want);
	rl_buf_free(&b);
}

Test(plugin, status_line)
{
	status_is("fx/pricer", RL_STATE_OK, "running", "time=0.028s",
		  "fx/pricer OK - running | time=0.028s\n");
	status_is("fx/pricer", RL_STATE_CRITICAL, "down", NULL,
		  "fx/pricer CRITICAL - down\n");
	status_is("fx/pricer", RL_STATE_WARNING, "slow", "",
		  "fx/pricer WARNING - slow\n");
	status_is("APP", RL_STATE_UNKNOWN, "a|b||c", "x=1",
		  "APP UNKNOWN - a/b//c | x=1\n");
	status_is(NULL, RL_STATE_OK, "fine", NULL, "OK - fine\n");
	status_is("", RL_STATE_OK, "fine", NULL, "OK - fine\n");
	status_is("x", (enum rl_state)9, "odd", NULL, "x UNKNOWN - odd\n");
}

/* --- -t ----------------------------------------------------------------- */

static void timeout_ok(const char *text, int64_t want_ms, enum rl_state want)
{
	struct rl_err err = {""};
	enum rl_state st = RL_STATE_OK;
	int64_t ms = -1;

	cr_assert_eq(rl_plugin_parse_timeout(text, &ms, &st, &err), 0,
		     "'%s' refused: %s", text, err.msg);
	cr_assert_eq(ms, want_ms, "'%s' gave %lld ms", text, (long long)ms);
	cr_assert_eq(st, want, "'%s' gave state %d", text, st);
}

static void timeout_bad(const char *text, const char *needle)
{
	struct rl_err err = {""};
	enum rl_state st = RL_STATE_OK;
	int64_t ms = -1;

	cr_assert_lt(rl_plugin_parse_timeout(text, &ms, &st, &err), 0,
		     "'%s' accepted as %lld ms", text, (long long)ms);
	cr_assert_eq(ms, -1);
	cr_assert_eq(st, RL_STATE_OK);
	cr_assert_neq(strstr(err.msg, needle), NULL,
		      "'%s': error '%s' lacks '%s'", text, err.msg, needle);
}

Test(plugin, timeout_accepted)
{
	timeout_ok("10", 10000, RL_STATE_UNKNOWN);
	timeout_ok("1", 1000, RL_STATE_UNKNOWN);
	timeout_ok("86400", 86400000, RL_STATE_UNKNOWN);
	timeout_ok("30:CRITICAL", 30000, RL_STATE_CRITICAL);
	timeout_ok("30:critical", 30000, RL_STATE_CRITICAL);
	timeout_ok("30:ok", 30000, RL_STATE_OK);
	timeout_ok("30:2", 30000, RL_STATE_CRITICAL);
	timeout_ok("30:UNKNOWN", 30000, RL_STATE_UNKNOWN);
	timeout_ok("500ms", 500, RL_STATE_UNKNOWN);
	timeout_ok("1ms", 1, RL_STATE_UNKNOWN);
	timeout_ok("2m:WARNING", 120000, RL_STATE_WARNING);
	timeout_ok("24h", 86400000, RL_STATE_UNKNOWN);
	timeout_ok("1d", 86400000, RL_STATE_UNKNOWN);
}

Test(plugin, timeout_refused)
{
	timeout_bad("0", "out of range");
	timeout_bad("0s", "out of range");
	timeout_bad("0ms", "out of range");
	timeout_bad("86401", "out of range");
	timeout_bad("86400001ms", "out of range");
	timeout_bad("25h", "out of range");
	timeout_bad("2d", "out of range");
	timeout_bad("99999999999999999999", "invalid timeout");
	timeout_bad("-1", "invalid timeout '-1'");
	timeout_bad("-5s", "invalid timeout");
	timeout_bad("", "invalid timeout ''");
	timeout_bad("abc", "invalid timeout 'abc'");
	timeout_bad("10x", "invalid timeout");
	timeout_bad("1.5", "invalid timeout");
	timeout_bad(" 10", "invalid timeout");
	timeout_bad("10:", "unknown state ''");
	timeout_bad(":CRITICAL", "invalid timeout");
	timeout_bad("10:BAD", "unknown state 'BAD'");
	timeout_bad("10:CRITICAL:x", "unknown state");
	timeout_bad("10:5", "unknown state '5'");
}
