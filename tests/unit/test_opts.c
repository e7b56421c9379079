#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "opts.h"
#include "rl_test.h"

TestSuite(opts, .fini = rl_test_fini);

struct g {
	const char *config;
	bool json;
	int verbose;
	int64_t timeout_ms;
};

struct h {
	int64_t since_ms;
	long limit;
	bool all;
	const char *pair; /* "a:b" by parse_pair */
};

static int parse_pair(const struct rl_opt *opt, const char *arg, void *base,
		      struct rl_err *err)
{
	if (strchr(arg, ':') == NULL)
		return rl_err_set(err, "invalid pair '%s' (A:B)", arg);
	*(const char **)((char *)base + opt->off) = arg;
	return 0;
}

static const struct rl_opt global_opts[] = {
    RL_OPT('c', "config", RL_OPT_STRING, offsetof(struct g, config)),
    RL_OPT(0, "json", RL_OPT_FLAG, offsetof(struct g, json)),
    RL_OPT('v', "verbose", RL_OPT_COUNT, offsetof(struct g, verbose)),
    RL_OPT('t', "timeout", RL_OPT_DURATION, offsetof(struct g, timeout_ms),
	   .min = 1, .unit_ms = 1000),
    RL_OPT('h', "help", RL_OPT_HELP, 0),
    RL_OPT('V', "version", RL_OPT_VERSION, 0),
    {0},
};

static const struct rl_opt history_opts[] = {
    RL_OPT(0, "since", RL_OPT_DURATION, offsetof(struct h, since_ms)),
    RL_OPT('n', "limit", RL_OPT_LONG, offsetof(struct h, limit), .min = 1,
	   .max = 100),
    RL_OPT(0, "all", RL_OPT_FLAG, offsetof(struct h, all)),
    RL_OPT('p', "pair", RL_OPT_CALL, offsetof(struct h, pair),
	   .parse = parse_pair),
    {0},
};

/* One parse: an argv getopt_long may permute, made from string literals,
 * and what came out. */
struct run {
	char s[16][40];
	char *argv[17];
	int argc;
	struct g g;
	struct h h;
	struct rl_opts_res res;
	struct rl_err err;
};

/* Parses the words of AP (argv[0] first, then NULL) with the history and
 * global tables (IN_ORDER: history's only) into R. */
static int vparse(struct run *r, unsigned flags, va_list ap)
{
	struct rl_opts_set sets[] = {{history_opts, &r->h},
				     {global_opts, &r->g}};
	const char *a;

	memset(r, 0, sizeof(*r));
	while ((a = va_arg(ap, const char *)) != NULL && r->argc < 16) {
		snprintf(r->s[r->argc], sizeof(r->s[r->argc]), "%s", a);
		r->argv[r->argc] = r->s[r->argc];
		r->argc++;
	}
	return rl_opts_parse(sets, flags & RL_OPTS_IN_ORDER ? 1 : 2, flags,
			     r->argc, r->argv, &r->res, &r->err);
}

static int parse(struct run *r, unsigned flags, ...)
{
	va_list ap;
	int ret;

	va_start(ap, flags);
	ret = vparse(r, flags, ap);
	va_end(ap);
	return ret;
}

Test(opts, every_type_and_operands_mixed)
{
	struct run r;

	cr_assert_eq(parse(&r, 0, "history", "fx/a", "--since", "1h", "-vv",
			   "-n", "5", "--all", "-c", "x.ini", "--json",
			   "--pair=a:b", "-t", "500ms", "more", NULL),
		     RL_OPTS_OK, "%s", r.err.msg);
	cr_assert_eq(r.h.since_ms, 3600000);
	cr_assert_eq(r.h.limit, 5);
	cr_assert(r.h.all);
	cr_assert_str_eq(r.h.pair, "a:b");
	cr_assert_str_eq(r.g.config, "x.ini");
	cr_assert(r.g.json);
	cr_assert_eq(r.g.verbose, 2);
	cr_assert_eq(r.g.timeout_ms, 500);
	/* the operands, in their order, after the options */
	cr_assert_eq(r.res.next, 13);
	cr_assert_str_eq(r.argv[13], "fx/a");
	cr_assert_str_eq(r.argv[14], "more");
}

Test(opts, in_order_stops_at_the_first_operand)
{
	struct run r;

	/* IN_ORDER here parses with the first table only: history's */
	cr_assert_eq(parse(&r, RL_OPTS_IN_ORDER, "relancectl", "--all",
			   "history", "--since", "1h", NULL),
		     RL_OPTS_OK, "%s", r.err.msg);
	cr_assert_eq(r.res.next, 2);
	cr_assert_str_eq(r.argv[2], "history");
	cr_assert(r.h.all);
	cr_assert_eq(r.h.since_ms, 0);
}

/* Parses the words after OPTION ("x" first) and expects WANT, the
 * message MSG and, unless NULL, res.option OPTION. */
static void bad(int want, const char *msg, const char *option, ...)
{
	struct run r;
	va_list ap;
	int ret;

	va_start(ap, option);
	ret = vparse(&r, 0, ap);
	va_end(ap);
	cr_assert_eq(ret, want, "'%s': result, message '%s'", r.argv[1],
		     r.err.msg);
	cr_assert_str_eq(r.err.msg, msg);
	if (option)
		cr_assert_str_eq(r.res.option, option);
}

Test(opts, errors_are_one_line_naming_the_option_as_written)
{
	bad(RL_OPTS_E_OPTION, "unknown option '--bogus'", "--bogus", "x",
	    "--bogus", NULL);
	bad(RL_OPTS_E_OPTION, "unknown option '--bogus'", "--bogus", "x",
	    "--bogus=3", NULL);
	bad(RL_OPTS_E_OPTION, "unknown option '-x'", "-x", "x", "-vx", NULL);
	bad(RL_OPTS_E_OPTION, "option '--since' needs a value", "--since", "x",
	    "--since", NULL);
	bad(RL_OPTS_E_OPTION, "option '-c' needs a value", "-c", "x", "-c",
	    NULL);
	bad(RL_OPTS_E_OPTION, "option '--all' takes no value", "--all", "x",
	    "--all=yes", NULL);
	bad(RL_OPTS_E_OPTION, "option '--ver' is ambiguous", "--ver", "x",
	    "--ver", NULL);
	bad(RL_OPTS_E_VALUE, "--limit: 0 out of range (1..100)", NULL, "x",
	    "--limit", "0", NULL);
	bad(RL_OPTS_E_VALUE, "-n: invalid number 'x'", NULL, "x", "-n", "x",
	    NULL);
	bad(RL_OPTS_E_VALUE, "-t: must not be 0", NULL, "x", "-t", "0", NULL);
	bad(RL_OPTS_E_VALUE, "--timeout: must not be 0", NULL, "x",
	    "--timeout=0", NULL);
	bad(RL_OPTS_E_VALUE, "--pair: invalid pair 'ab' (A:B)", NULL, "x",
	    "--pair", "ab", NULL);
	bad(RL_OPTS_E_VALUE,
	    "--since: duration '5' has no unit (use ms, s, m, h or d)", NULL,
	    "x", "--since", "5", NULL);
}

Test(opts, a_bare_number_counts_in_the_unit_given)
{
	struct run r;

	cr_assert_eq(parse(&r, 0, "x", "-t", "5", NULL), RL_OPTS_OK);
	cr_assert_eq(r.g.timeout_ms, 5000);
}

Test(opts, help_and_version_stop_the_parse)
{
	struct run r;

	cr_assert_eq(parse(&r, 0, "x", "--help", "--bogus", NULL),
		     RL_OPTS_HELP);
	cr_assert_eq(parse(&r, 0, "x", "-V", NULL), RL_OPTS_VERSION);
}

Test(opts, a_second_parse_starts_afresh)
{
	struct run r;

	cr_assert_eq(parse(&r, 0, "x", "-vv", "a", NULL), RL_OPTS_OK);
	cr_assert_eq(parse(&r, 0, "y", "-v", NULL), RL_OPTS_OK);
	cr_assert_eq(r.g.verbose, 1);
	cr_assert_eq(r.res.next, 2);
}

Test(opts, has_finds_short_long_and_abbreviated_names)
{
	cr_assert(rl_opts_has(history_opts, "--since"));
	cr_assert(rl_opts_has(history_opts, "--sin"));
	cr_assert(rl_opts_has(history_opts, "--limit=3"));
	cr_assert(rl_opts_has(history_opts, "-n"));
	cr_assert_not(rl_opts_has(history_opts, "-c"));
	cr_assert_not(rl_opts_has(history_opts, "--config"));
	cr_assert_not(rl_opts_has(history_opts, "--"));
	cr_assert_not(rl_opts_has(history_opts, "-nx"));
	cr_assert_not(rl_opts_has(history_opts, "since"));
}
