/*
 * opts - option tables over getopt_long; see opts.h.
 */
#include "build.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opts.h"
#include "util.h"

/* getopt_long's val for the long option at index I of the flat list */
#define LONG_VAL(i) (256 + (int)(i))

struct flat {
	const struct rl_opt **opt; /* every option of every table */
	void **base;		   /* and the struct it writes to */
	size_t n;
};

static bool takes_value(const struct rl_opt *o)
{
	return o->type == RL_OPT_STRING || o->type == RL_OPT_DURATION ||
	       o->type == RL_OPT_LONG || o->type == RL_OPT_CALL;
}

static size_t table_len(const struct rl_opt *t)
{
	size_t n = 0;

	while (t[n].short_name || t[n].long_name)
		n++;
	return n;
}

/* Writes the value of O from ARG into BASE. NAME: for messages. */
static int store(const struct rl_opt *o, void *base, const char *arg,
		 const char *name, struct rl_err *err)
{
	char *p = (char *)base + o->off;
	int64_t ms;
	long l;

	switch (o->type) {
	case RL_OPT_FLAG:
		*(bool *)p = true;
		return 0;
	case RL_OPT_COUNT:
		(*(int *)p)++;
		return 0;
	case RL_OPT_STRING:
		*(const char **)p = arg;
		return 0;
	case RL_OPT_DURATION:
		if (rl_parse_duration(arg, o->unit_ms, &ms, err) < 0)
			break;
		if (ms < o->min) {
			if (ms == 0)
				rl_err_set(err, "must not be 0");
			else
				rl_err_set(err, "'%.40s' is less than %lldms",
					   arg, (long long)o->min);
			break;
		}
		*(int64_t *)p = ms;
		return 0;
	case RL_OPT_LONG:
		if (rl_parse_long(arg, (long)o->min, (long)o->max, &l, err) < 0)
			break;
		*(long *)p = l;
		return 0;
	case RL_OPT_CALL:
		if (o->parse(o, arg, base, err) < 0)
			break;
		return 0;
	default:
		RL_BUG("option '%s': type %d has no value", name, o->type);
	}
	return rl_err_prefix(err, "%s", name);
}

/* Fills FL and the getopt tables from SETS; 0, or -1 out of memory. */
static int flatten(const struct rl_opts_set *sets, size_t n, unsigned flags,
		   struct flat *fl, struct option **longs, char **shorts)
{
	size_t i, j, k = 0, total = 0, s = 0;

	for (i = 0; i < n; i++)
		total += table_len(sets[i].opts);
	fl->opt = calloc(total + 1, sizeof(*fl->opt));
	fl->base = calloc(total + 1, sizeof(*fl->base));
	*longs = calloc(total + 1, sizeof(**longs));
	*shorts = malloc(3 * total + 3);
	if (!fl->opt || !fl->base || !*longs || !*shorts)
		return -1;
	if (flags & RL_OPTS_IN_ORDER)
		(*shorts)[s++] = '+';
	(*shorts)[s++] = ':'; /* a missing value is ':', not '?' */
	for (i = 0; i < n; i++) {
		for (j = 0;
		     sets[i].opts[j].short_name || sets[i].opts[j].long_name;
		     j++) {
			const struct rl_opt *o = &sets[i].opts[j];

			fl->opt[fl->n] = o;
			fl->base[fl->n] = sets[i].base;
			if (o->short_name) {
				(*shorts)[s++] = (char)o->short_name;
				if (takes_value(o))
					(*shorts)[s++] = ':';
			}
			if (o->long_name) {
				(*longs)[k].name = o->long_name;
				(*longs)[k].has_arg = takes_value(o)
							  ? required_argument
							  : no_argument;
				(*longs)[k].val = LONG_VAL(fl->n);
				k++;
			}
			fl->n++;
		}
	}
	(*shorts)[s] = '\0';
	return 0;
}

/* The index in FL of the option of short name C; fl->n if none. */
static size_t find_short(const struct flat *fl, int c)
{
	size_t i;

	for (i = 0; i < fl->n; i++)
		if (fl->opt[i]->short_name == c)
			return i;
	return fl->n;
}

/* How many long options start with NAME. */
static size_t prefix_of(const struct flat *fl, const char *name)
{
	size_t i, n = 0, len = strlen(name);

	for (i = 0; i < fl->n; i++)
		n += fl->opt[i]->long_name &&
		     strncmp(fl->opt[i]->long_name, name, len) == 0;
	return n;
}

/*
 * The error for getopt's C ('?' or ':'): WORD is the argv element at
 * fault, optopt the short option or the val of a long one.
 */
static int option_error(const struct flat *fl, int c, const char *word,
			struct rl_opts_res *res, struct rl_err *err)
{
	bool is_long = word != NULL && strncmp(word, "--", 2) == 0;
	bool known = optopt >= LONG_VAL(0) && optopt < LONG_VAL(fl->n);

	if (is_long)
		snprintf(res->option, sizeof(res->option), "%.*s",
			 (int)strcspn(word, "="), word);
	else
		snprintf(res->option, sizeof(res->option), "-%c", optopt);
	if (c == ':')
		rl_err_set(err, "option '%s' needs a value", res->option);
	else if (is_long && known)
		rl_err_set(err, "option '%s' takes no value", res->option);
	else if (is_long && prefix_of(fl, res->option + 2) > 1)
		rl_err_set(err, "option '%s' is ambiguous", res->option);
	else
		rl_err_set(err, "unknown option '%s'", res->option);
	return RL_OPTS_E_OPTION;
}

int rl_opts_parse(const struct rl_opts_set *sets, size_t n, unsigned flags,
		  int argc, char **argv, struct rl_opts_res *res,
		  struct rl_err *err)
{
	struct flat fl = {NULL, NULL, 0};
	struct option *longs = NULL;
	char *shorts = NULL;
	char name[64];
	size_t i;
	int c, li, r = RL_OPTS_OK;

	memset(res, 0, sizeof(*res));
	if (flatten(sets, n, flags, &fl, &longs, &shorts) < 0) {
		r = RL_OPTS_E_INTERNAL;
		rl_err_set(err, "out of memory");
		goto out;
	}
	optind = 0; /* glibc: start afresh, whatever parsed before */
	opterr = 0;
	for (;;) {
		li = -1;
		optopt = 0;
		c = getopt_long(argc, argv, shorts, longs, &li);
		if (c == -1)
			break;
		if (c == '?' || c == ':') {
			r = option_error(&fl, c,
					 optind > 0 && optind <= argc
					     ? argv[optind - 1]
					     : NULL,
					 res, err);
			goto out;
		}
		i = c >= LONG_VAL(0) ? (size_t)(c - LONG_VAL(0))
				     : find_short(&fl, c);
		if (i >= fl.n)
			RL_BUG("getopt_long returned %d", c);
		if (li >= 0)
			snprintf(name, sizeof(name), "--%s", longs[li].name);
		else
			snprintf(name, sizeof(name), "-%c",
				 fl.opt[i]->short_name);
		if (fl.opt[i]->type == RL_OPT_HELP) {
			r = RL_OPTS_HELP;
			goto out;
		}
		if (fl.opt[i]->type == RL_OPT_VERSION) {
			r = RL_OPTS_VERSION;
			goto out;
		}
		if (store(fl.opt[i], fl.base[i], optarg, name, err) < 0) {
			r = RL_OPTS_E_VALUE;
			goto out;
		}
	}
	res->next = optind;
out:
	free(fl.opt);
	free(fl.base);
	free(longs);
	free(shorts);
	return r;
}

bool rl_opts_has(const struct rl_opt *table, const char *name)
{
	size_t i, len;

	if (name == NULL || name[0] != '-' || name[1] == '\0')
		return false;
	if (name[1] != '-')
		for (i = 0; table[i].short_name || table[i].long_name; i++)
			if (name[2] == '\0' && table[i].short_name == name[1])
				return true;
	if (name[1] != '-')
		return false;
	len = strcspn(name + 2, "=");
	for (i = 0; table[i].short_name || table[i].long_name; i++)
		if (table[i].long_name && len > 0 &&
		    strncmp(table[i].long_name, name + 2, len) == 0)
			return true;
	return false;
}
