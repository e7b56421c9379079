#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "rl_test.h"
#include "util.h"

TestSuite(util, .fini = rl_test_fini);

/* --- durations ---------------------------------------------------------- */

static void dur_ok(const char *text, int64_t unit, int64_t want)
{
	struct rl_err err = {""};
	int64_t ms = -42;

	cr_assert_eq(rl_parse_duration(text, unit, &ms, &err), 0,
		     "'%s' refused: %s", text, err.msg);
	cr_assert_eq(ms, want, "'%s' gave %lld, want %lld", text, (long long)ms,
		     (long long)want);
}

static void dur_bad(const char *text, int64_t unit, const char *needle)
{
	struct rl_err err = {""};
	int64_t ms = -42;

	cr_assert_lt(rl_parse_duration(text, unit, &ms, &err), 0,
		     "'%s' accepted as %lld", text, (long long)ms);
	cr_assert_eq(ms, -42, "'%s': out-param written on failure", text);
	cr_assert_neq(strstr(err.msg, needle), NULL,
		      "'%s': error '%s' lacks '%s'", text, err.msg, needle);
}

Test(util, duration_units)
{
	dur_ok("500ms", 0, 500);
	dur_ok("0ms", 0, 0);
	dur_ok("0s", 0, 0);
	dur_ok("30s", 0, 30000);
	dur_ok("5m", 0, 300000);
	dur_ok("1h", 0, 3600000);
	dur_ok("2d", 0, 2 * 86400000LL);
	dur_ok("007s", 0, 7000);
	dur_ok("9223372036854775807ms", 0, INT64_MAX);
	dur_ok("9223372036854775s", 0, 9223372036854775000LL);
}

Test(util, duration_bare_number)
{
	dur_ok("10", 1000, 10000);
	dur_ok("10", 1, 10);
	dur_bad("10", 0, "has no unit");
	dur_bad("0", 0, "'0'");
}

Test(util, duration_refused)
{
	dur_bad("5x", 0, "invalid duration '5x'");
	dur_bad("-1s", 0, "invalid duration '-1s'");
	dur_bad("+1s", 0, "invalid duration");
	dur_bad("1.5s", 0, "invalid duration '1.5s'");
	dur_bad("", 0, "invalid duration ''");
	dur_bad("", 1000, "invalid duration ''");
	dur_bad("s", 0, "invalid duration 's'");
	dur_bad(" 5s", 0, "invalid duration");
	dur_bad("5 s", 0, "invalid duration");
	dur_bad("5s ", 0, "invalid duration");
	dur_bad("5S", 0, "invalid duration");
	dur_bad("5sec", 0, "invalid duration");
	dur_bad("5mss", 0, "invalid duration");
	dur_bad("0x10s", 0, "invalid duration");
}

Test(util, duration_overflow)
{
	dur_bad("99999999999999999999s", 0, "too large");
	dur_bad("9223372036854775807d", 0, "too large");
	dur_bad("9223372036854775808ms", 0, "too large");
	dur_bad("9223372036854776s", 0, "too large");
	dur_bad("99999999999999999999", 1000, "too large");
	dur_bad("106751991168d", 0, "too large");
	dur_ok("106751991167d", 0, 106751991167LL * 86400000LL);
}

static void fmt_dur(int64_t ms, const char *want)
{
	struct rl_buf b = RL_BUF_INIT;

	rl_buf_duration(&b, ms);
	cr_assert(!b.oom);
	cr_assert_str_eq(rl_buf_str(&b), want, "%lld ms", (long long)ms);
	rl_buf_free(&b);
}

Test(util, buf_duration)
{
	fmt_dur(0, "0ms");
	fmt_dur(-5, "0ms");
	fmt_dur(850, "850ms");
	fmt_dur(999, "999ms");
	fmt_dur(1000, "1.0s");
	fmt_dur(4200, "4.2s");
	fmt_dur(4299, "4.2s");
	fmt_dur(59999, "59.9s");
	fmt_dur(60000, "1m00s");
	fmt_dur(192000, "3m12s");
	fmt_dur(3599999, "59m59s");
	fmt_dur(3600000, "1h00m");
	fmt_dur(7500000, "2h05m");
	fmt_dur(100 * 3600000LL, "100h00m");
}

Test(util, buf_duration_appends)
{
	struct rl_buf b = RL_BUF_INIT;

	rl_buf_puts(&b, "took ");
	rl_buf_duration(&b, 1500);
	cr_assert_str_eq(rl_buf_str(&b), "took 1.5s");
	rl_buf_free(&b);
}

/* --- rl_parse_long ------------------------------------------------------ */

static void long_ok(const char *text, long min, long max, long want)
{
	struct rl_err err = {""};
	long v = -42;

	cr_assert_eq(rl_parse_long(text, min, max, &v, &err), 0,
		     "'%s' refused: %s", text, err.msg);
	cr_assert_eq(v, want, "'%s' gave %ld", text, v);
}

static void long_bad(const char *text, long min, long max, const char *needle)
{
	struct rl_err err = {""};
	long v = -42;

	cr_assert_lt(rl_parse_long(text, min, max, &v, &err), 0,
		     "'%s' accepted as %ld", text, v);
	cr_assert_eq(v, -42);
	cr_assert_neq(strstr(err.msg, needle), NULL,
		      "'%s': error '%s' lacks '%s'", text, err.msg, needle);
}

Test(util, parse_long)
{
	long_ok("0", 0, 10, 0);
	long_ok("10", 0, 10, 10);
	long_ok("22", 1, 65535, 22);
	long_ok("-5", -10, 10, -5);
	long_ok("-10", -10, 10, -10);
	long_ok("9223372036854775807", 0, LONG_MAX, LONG_MAX);
	long_ok("-9223372036854775808", LONG_MIN, 0, LONG_MIN);

	long_bad("", 0, 10, "invalid number ''");
	long_bad("abc", 0, 10, "invalid number 'abc'");
	long_bad("1x", 0, 10, "invalid number '1x'");
	long_bad("1 ", 0, 10, "invalid number");
	long_bad(" 1", 0, 10, "invalid number");
	long_bad("+1", 0, 10, "invalid number");
	long_bad("-1", 0, 10, "invalid number '-1'");
	long_bad("-", -10, 10, "invalid number");
	long_bad("--1", -10, 10, "invalid number");
	long_bad("- 1", -10, 10, "invalid number");
	long_bad("0x10", 0, 100, "invalid number");
	long_bad("1.0", 0, 10, "invalid number");
	long_bad("11", 0, 10, "11 out of range (0..10)");
	long_bad("-11", -10, 10, "out of range (-10..10)");
	long_bad("0", 1, 65535, "out of range (1..65535)");
	long_bad("99999999999999999999", 0, LONG_MAX, "out of range");
	long_bad("-99999999999999999999", LONG_MIN, 0, "out of range");
}

/* --- rl_buf ------------------------------------------------------------- */

Test(util, buf_basics)
{
	struct rl_buf b = RL_BUF_INIT;
	char *s;
	int i;

	cr_assert_str_eq(rl_buf_str(&b), "");
	rl_buf_puts(&b, "ab");
	rl_buf_append(&b, "cdef", 2);
	rl_buf_printf(&b, "%d-%s", 42, "x");
	cr_assert_str_eq(rl_buf_str(&b), "abcd42-x");
	cr_assert_eq(b.len, 8);
	rl_buf_reset(&b);
	cr_assert_str_eq(rl_buf_str(&b), "");
	cr_assert_eq(b.len, 0);
	/* grow well past the first allocation */
	for (i = 0; i < 1000; i++)
		rl_buf_printf(&b, "%04d", i);
	cr_assert_eq(b.len, 4000);
	cr_assert(!b.oom);
	cr_assert_eq(strncmp(b.data + 3996, "0999", 4), 0);
	cr_assert_eq(b.data[4000], '\0');
	s = rl_buf_detach(&b);
	cr_assert_eq(strlen(s), 4000);
	cr_assert_eq(b.data, NULL);
	cr_assert_eq(b.len, 0);
	cr_assert_str_eq(rl_buf_str(&b), "");
	free(s);
	/* detaching an empty buffer still gives a string */
	s = rl_buf_detach(&b);
	cr_assert_not_null(s);
	cr_assert_str_eq(s, "");
	free(s);
	rl_buf_free(&b);
}

Test(util, buf_embedded_nul_and_printf_empty)
{
	struct rl_buf b = RL_BUF_INIT;

	rl_buf_printf(&b, "%s", "");
	cr_assert_not_null(b.data);
	cr_assert_str_eq(rl_buf_str(&b), "");
	rl_buf_append(&b, "a\0b", 3);
	cr_assert_eq(b.len, 3);
	cr_assert_eq(memcmp(b.data, "a\0b", 4), 0);
	rl_buf_free(&b);
}

Test(util, buf_oom_sticks)
{
	struct rl_buf b = RL_BUF_INIT;
	char *s;

	rl_buf_puts(&b, "x");
	/* an append that cannot be sized sets oom and is ignored */
	rl_buf_append(&b, "y", SIZE_MAX - 8);
	cr_assert(b.oom);
	rl_buf_puts(&b, "z");
	cr_assert_str_eq(rl_buf_str(&b), "x");
	s = rl_buf_detach(&b);
	cr_assert_null(s);
	rl_buf_free(&b);
}

static void json_is(const char *in, const char *want)
{
	struct rl_buf b = RL_BUF_INIT;

	rl_buf_json_str(&b, in);
	cr_assert(!b.oom);
	cr_assert_str_eq(rl_buf_str(&b), want);
	rl_buf_free(&b);
}

Test(util, json_escaping)
{
	json_is("", "\"\"");
	json_is("plain", "\"plain\"");
	json_is("say \"hi\"", "\"say \\\"hi\\\"\"");
	json_is("C:\\dir\\", "\"C:\\\\dir\\\\\"");
	json_is("a\nb\rc\td", "\"a\\nb\\rc\\td\"");
	json_is("\x01\x1f", "\"\\u0001\\u001f\"");
	json_is("\b\f", "\"\\u0008\\u000c\"");
	json_is("del\x7f", "\"del\\u007f\"");
	json_is("x</y>", "\"x</y>\"");
	/* UTF-8 passes through as is */
	json_is("caf\xc3\xa9 \xe2\x82\xac", "\"caf\xc3\xa9 \xe2\x82\xac\"");
}

Test(util, json_appends)
{
	struct rl_buf b = RL_BUF_INIT;

	rl_buf_puts(&b, "{\"k\":");
	rl_buf_json_str(&b, "v\"");
	rl_buf_puts(&b, "}");
	cr_assert_str_eq(rl_buf_str(&b), "{\"k\":\"v\\\"\"}");
	rl_buf_free(&b);
}

Test(util, strdup0_and_clocks)
{
	char *s = rl_strdup0("abc");
	int64_t a, b, w;

	cr_assert_str_eq(s, "abc");
	free(s);
	cr_assert_null(rl_strdup0(NULL));
	a = rl_now_ms();
	b = rl_now_ms();
	cr_assert_geq(b, a);
	cr_assert_geq(rl_now_us() / 1000, a);
	w = rl_wall_ms();
	/* after 2020-01-01 and before 2100-01-01 */
	cr_assert_gt(w, 1577836800000LL);
	cr_assert_lt(w, 4102444800000LL);
}

/* --- untrusted text on one line ------------------------------------------ */

static void oneline_is(const char *s, size_t max, char repl, unsigned flags,
		       const char *want, bool want_cut)
{
	struct rl_buf b = RL_BUF_INIT;
	bool cut;

	rl_buf_puts(&b, "<");
	cut = rl_buf_oneline(&b, s, max, repl, flags);
	rl_buf_puts(&b, ">");
	cr_assert_str_eq(rl_buf_str(&b), want, "'%s' max %zu", s ? s : "(null)",
			 max);
	cr_assert_eq(cut, want_cut, "'%s' max %zu: cut %d", s ? s : "(null)",
		     max, cut);
	rl_buf_free(&b);
}

Test(util, oneline_replaces_controls_and_del)
{
	oneline_is("a\tb\nc\rd\033[2Je\x7f"
		   "f",
		   100, ' ', 0, "<a b c d [2Je f>", false);
	oneline_is("a\nb", 100, '?', 0, "<a?b>", false);
	oneline_is("\x01\x1f", 100, '_', 0, "<__>", false);
	/* bytes >= 0x80 are text, not controls */
	oneline_is("caf\xc3\xa9", 100, ' ', 0, "<caf\xc3\xa9>", false);
	oneline_is(NULL, 100, ' ', RL_ONELINE_ELLIPSIS, "<>", false);
	oneline_is("", 100, ' ', RL_ONELINE_ELLIPSIS, "<>", false);
}

Test(util, oneline_pipe)
{
	oneline_is("a|b", 100, ' ', 0, "<a|b>", false);
	oneline_is("a|b\tc", 100, ' ', RL_ONELINE_PIPE, "<a/b c>", false);
}

Test(util, oneline_cut)
{
	oneline_is("abcdef", 3, ' ', 0, "<abc>", true);
	oneline_is("abcdef", 3, ' ', RL_ONELINE_ELLIPSIS, "<abc...>", true);
	oneline_is("abc", 3, ' ', RL_ONELINE_ELLIPSIS, "<abc>", false);
	oneline_is("abc", 0, ' ', RL_ONELINE_ELLIPSIS, "<...>", true);
	/* never inside a UTF-8 character: "é" is two bytes */
	oneline_is("ab\xc3\xa9", 3, ' ', RL_ONELINE_ELLIPSIS, "<ab...>", true);
	oneline_is("ab\xc3\xa9", 4, ' ', RL_ONELINE_ELLIPSIS, "<ab\xc3\xa9>",
		   false);
}

Test(util, oneline_first_line)
{
	oneline_is("one\ntwo", 100, '?', RL_ONELINE_FIRST | RL_ONELINE_ELLIPSIS,
		   "<one>", false);
	oneline_is("one\ntwo", 3, '?', RL_ONELINE_FIRST | RL_ONELINE_ELLIPSIS,
		   "<one>", false);
	oneline_is("one\ntwo", 2, '?', RL_ONELINE_FIRST | RL_ONELINE_ELLIPSIS,
		   "<on...>", true);
	oneline_is("one\ntwo", 100, '?', 0, "<one?two>", false);
}

/* --- growable arrays ----------------------------------------------------- */

Test(util, grow_doubles_and_keeps_contents)
{
	int *a = NULL;
	size_t cap = 0, n, prev;

	for (n = 0; n < 1000; n++) {
		prev = cap;
		cr_assert_eq(rl_grow(&a, &cap, n + 1, sizeof(*a)), 0);
		cr_assert_geq(cap, n + 1);
		if (prev != cap && prev != 0)
			cr_assert_eq(cap, 2 * prev, "grew %zu to %zu", prev,
				     cap);
		a[n] = (int)n;
	}
	cr_assert_eq(cap, 1024);
	for (n = 0; n < 1000; n++)
		cr_assert_eq(a[n], (int)n);
	/* room already: nothing moves */
	prev = cap;
	cr_assert_eq(rl_grow(&a, &cap, 10, sizeof(*a)), 0);
	cr_assert_eq(cap, prev);
	/* a jump past twice the capacity gets what it asked */
	cr_assert_eq(rl_grow(&a, &cap, 5000, sizeof(*a)), 0);
	cr_assert_eq(cap, 5000);
	a[4999] = 1;
	free(a);
}

Test(util, grow_refuses_overflow)
{
	long *a = NULL, *before;
	size_t cap = 0;

	cr_assert_eq(rl_grow(&a, &cap, 4, sizeof(*a)), 0);
	before = a;
	a[3] = 7;
	errno = 0;
	cr_assert_eq(rl_grow(&a, &cap, SIZE_MAX / sizeof(*a) + 1, sizeof(*a)),
		     -1);
	cr_assert_eq(errno, ENOMEM);
	cr_assert_eq(a, before, "the array must stay as it was");
	cr_assert_eq(cap, 8);
	cr_assert_eq(a[3], 7);
	cr_assert_eq(rl_grow(&a, &cap, SIZE_MAX, 2), -1);
	cr_assert_eq(cap, 8);
	free(a);
}

Test(util, resize_exact_and_overflow)
{
	char **v = NULL;

	cr_assert_eq(rl_resize(&v, 3, sizeof(*v)), 0);
	cr_assert_not_null(v);
	v[2] = NULL;
	cr_assert_eq(rl_resize(&v, SIZE_MAX / 2, sizeof(*v)), -1);
	cr_assert_not_null(v);
	cr_assert_eq(rl_resize(&v, 0, sizeof(*v)), 0);
	cr_assert_null(v);
}

/* --- closing inherited fds ----------------------------------------------- */

Test(util, close_from)
{
	int p[2], lo;

	/* fds 3..: take a low one and a high one, keep the one below */
	lo = dup(2);
	cr_assert_geq(lo, 3);
	cr_assert_eq(pipe(p), 0);
	cr_assert_eq(dup2(p[0], 200), 200);
	rl_close_from(lo + 1);
	cr_assert_neq(fcntl(lo, F_GETFD), -1, "fd below the bound closed");
	cr_assert_eq(fcntl(p[0], F_GETFD), -1);
	cr_assert_eq(fcntl(p[1], F_GETFD), -1);
	cr_assert_eq(fcntl(200, F_GETFD), -1);
	cr_assert_eq(errno, EBADF);
	close(lo);
}
