#include "build.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "plugin.h"

static const char *const state_names[] = {
    "OK",
    "WARNING",
    "CRITICAL",
    "UNKNOWN",
};

const char *rl_state_name(enum rl_state s)
{
	if ((int)s < 0 || (int)s > RL_STATE_UNKNOWN)
		return "UNKNOWN";
	return state_names[s];
}

int rl_state_parse(const char *s, enum rl_state *out)
{
	int i;

	if (s == NULL)
		return -1;
	for (i = 0; i <= RL_STATE_UNKNOWN; i++) {
		if (strcasecmp(s, state_names[i]) == 0 ||
		    (s[0] == '0' + i && s[1] == '\0')) {
			*out = (enum rl_state)i;
			return 0;
		}
	}
	return -1;
}

/* How bad a state is: UNKNOWN says less than a WARNING that was measured. */
static int state_rank(enum rl_state s)
{
	switch (s) {
	case RL_STATE_OK:
		return 0;
	case RL_STATE_WARNING:
		return 2;
	case RL_STATE_CRITICAL:
		return 3;
	case RL_STATE_UNKNOWN:
	default:
		return 1;
	}
}

enum rl_state rl_state_worst(enum rl_state a, enum rl_state b)
{
	enum rl_state w = state_rank(a) >= state_rank(b) ? a : b;

	/* anything out of range counts, and is reported, as UNKNOWN */
	if ((int)w < 0 || (int)w > RL_STATE_UNKNOWN)
		return RL_STATE_UNKNOWN;
	return w;
}

enum rl_state rl_state_from_exit(int code)
{
	if (code < 0 || code > RL_STATE_UNKNOWN)
		return RL_STATE_UNKNOWN;
	return (enum rl_state)code;
}

/*
 * A number as people write them in thresholds: an optional sign, digits,
 * an optional fraction. No exponent, no hex, no "nan" or "inf" (which
 * strtod() would all take). [s, e) is the text.
 */
static int parse_number(const char *s, const char *e, double *out)
{
	char tmp[64];
	const char *p = s;
	size_t digits = 0, len = (size_t)(e - s);
	char *end;
	double v;

	if (len == 0 || len >= sizeof(tmp))
		return -1;
	if (*p == '-' || *p == '+')
		p++;
	for (; p < e && *p >= '0' && *p <= '9'; p++)
		digits++;
	if (p < e && *p == '.')
		for (p++; p < e && *p >= '0' && *p <= '9'; p++)
			digits++;
	if (p != e || digits == 0)
		return -1;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	v = strtod(tmp, &end);
	/* a locale with a decimal comma stops strtod() early: refuse */
	if (*end != '\0' || !isfinite(v))
		return -1;
	*out = v;
	return 0;
}

int rl_range_parse(const char *text, struct rl_range *out, struct rl_err *err)
{
	struct rl_range r;
	const char *p = text, *colon, *end;
	const char *why = NULL;

	memset(&r, 0, sizeof(r));
	if (text == NULL || *text == '\0')
		return rl_err_set(err, "invalid range '' (empty)");
	end = text + strlen(text);
	if ((size_t)(end - text) >= sizeof(r.text))
		return rl_err_set(err, "invalid range '%.64s...' (too long)",
				  text);
	if (*p == '@') {
		r.alert_inside = true;
		p++;
	}
	colon = strchr(p, ':');
	if (colon == NULL) {
		/* "10" is 0..10 */
		if (parse_number(p, end, &r.end) < 0) {
			why = "not a number";
			goto bad;
		}
	} else {
		if (colon == p) {
			why = "missing start, use ~ for minus infinity";
			goto bad;
		}
		if (colon - p == 1 && *p == '~')
			r.start_infinite = true;
		else if (parse_number(p, colon, &r.start) < 0) {
			why = "start is not a number";
			goto bad;
		}
		if (colon + 1 == end)
			r.end_infinite = true;
		else if (parse_number(colon + 1, end, &r.end) < 0) {
			why = "end is not a number";
			goto bad;
		}
	}
	if (!r.start_infinite && !r.end_infinite && r.start > r.end) {
		why = "start greater than end";
		goto bad;
	}
	memcpy(r.text, text, (size_t)(end - text) + 1);
	*out = r;
	return 0;
bad:
	return rl_err_set(err, "invalid range '%s' (%s)", text, why);
}

bool rl_range_alert(const struct rl_range *r, double value)
{
	bool inside = true;

	if (isnan(value))
		return true;
	if (!r->start_infinite && value < r->start)
		inside = false;
	if (!r->end_infinite && value > r->end)
		inside = false;
	return r->alert_inside ? inside : !inside;
}

int rl_thresholds_parse(const char *warning, const char *critical,
			struct rl_thresholds *out, struct rl_err *err)
{
	struct rl_thresholds t;

	memset(&t, 0, sizeof(t));
	if (warning != NULL) {
		if (rl_range_parse(warning, &t.warning, err) < 0)
			return rl_err_prefix(err, "warning");
		t.has_warning = true;
	}
	if (critical != NULL) {
		if (rl_range_parse(critical, &t.critical, err) < 0)
			return rl_err_prefix(err, "critical");
		t.has_critical = true;
	}
	*out = t;
	return 0;
}

enum rl_state rl_thresholds_check(const struct rl_thresholds *t, double value)
{
	if (t->has_critical && rl_range_alert(&t->critical, value))
		return RL_STATE_CRITICAL;
	if (t->has_warning && rl_range_alert(&t->warning, value))
		return RL_STATE_WARNING;
	return RL_STATE_OK;
}

/*
 * Perfdata values are plain decimals ([-0-9.]), so no exponent: the
 * shortest of %.15g where it has none, else fixed point with the trailing
 * zeros cut.
 */
static void perf_number(struct rl_buf *b, double v)
{
	char tmp[400];
	int decimals;
	size_t len;

	if (!isfinite(v)) {
		rl_buf_puts(b, "U");
		return;
	}
	if (v == 0)
		v = 0; /* no "-0" */
	snprintf(tmp, sizeof(tmp), "%.15g", v);
	if (strchr(tmp, 'e') == NULL) {
		rl_buf_puts(b, tmp);
		return;
	}
	/* %.15g said "e": its exponent is the position of the first digit */
	decimals = 14 - atoi(strchr(tmp, 'e') + 1);
	if (decimals < 0)
		decimals = 0;
	if (decimals > 340)
		decimals = 340;
	snprintf(tmp, sizeof(tmp), "%.*f", decimals, v);
	len = strlen(tmp);
	if (strchr(tmp, '.') != NULL) {
		while (len > 0 && tmp[len - 1] == '0')
			len--;
		if (len > 0 && tmp[len - 1] == '.')
			len--;
	}
	rl_buf_append(b, tmp, len);
}

static bool label_needs_quotes(const char *label)
{
	return label[0] == '\0' || strpbrk(label, " \t='") != NULL;
}

void rl_perf_append(struct rl_buf *b, const char *label, double value,
		    const char *uom, const char *warn, const char *crit,
		    const char *min, const char *max)
{
	const char *fields[4] = {warn, crit, min, max};
	bool quote = label_needs_quotes(label);
	int last = -1, i;
	const char *p;

	if (b->len > 0)
		rl_buf_puts(b, " ");
	if (quote)
		rl_buf_puts(b, "'");
	/* label syntax: a quote is doubled, '|' (the end of perfdata)
	 * becomes '_' like a control byte; the rest on one line */
	for (p = label;; p++) {
		size_t n = strcspn(p, "'|");

		rl_buf_oneline(b, p, n, '_', 0);
		p += n;
		if (*p == '\0')
			break;
		rl_buf_puts(b, *p == '\'' ? "''" : "_");
	}
	if (quote)
		rl_buf_puts(b, "'");
	rl_buf_puts(b, "=");
	perf_number(b, value);
	if (uom != NULL)
		rl_buf_puts(b, uom);
	for (i = 0; i < 4; i++)
		if (fields[i] != NULL && fields[i][0] != '\0')
			last = i;
	for (i = 0; i <= last; i++) {
		rl_buf_puts(b, ";");
		if (fields[i] != NULL)
			rl_buf_puts(b, fields[i]);
	}
}

void rl_plugin_status_line(struct rl_buf *b, const char *prefix,
			   enum rl_state state, const char *text,
			   const char *perfdata)
{
	const char *p;

	if (prefix != NULL && prefix[0] != '\0')
		rl_buf_printf(b, "%s ", prefix);
	rl_buf_printf(b, "%s - ", rl_state_name(state));
	for (p = text != NULL ? text : ""; *p != '\0'; p++)
		rl_buf_append(b, *p == '|' ? "/" : p, 1);
	if (perfdata != NULL && perfdata[0] != '\0')
		rl_buf_printf(b, " | %s", perfdata);
	rl_buf_puts(b, "\n");
}

#define TIMEOUT_MAX_MS (86400 * (int64_t)1000)

int rl_plugin_parse_timeout(const char *text, int64_t *ms, enum rl_state *state,
			    struct rl_err *err)
{
	char num[64];
	const char *colon = strchr(text, ':');
	enum rl_state st = RL_STATE_UNKNOWN;
	struct rl_err sub;
	size_t len = colon != NULL ? (size_t)(colon - text) : strlen(text);
	int64_t v;

	if (colon != NULL && rl_state_parse(colon + 1, &st) < 0)
		return rl_err_set(
		    err,
		    "invalid timeout '%.64s' (unknown state '%.64s', use "
		    "OK, WARNING, CRITICAL or UNKNOWN)",
		    text, colon + 1);
	if (len == 0 || len >= sizeof(num))
		goto bad;
	memcpy(num, text, len);
	num[len] = '\0';
	/* a bare number counts in seconds, as every plugin's -t does */
	if (rl_parse_duration(num, 1000, &v, &sub) < 0)
		goto bad;
	if (v <= 0 || v > TIMEOUT_MAX_MS)
		return rl_err_set(
		    err, "timeout '%.64s' out of range (1ms..86400s)", text);
	*ms = v;
	*state = st;
	return 0;
bad:
	return rl_err_set(
	    err,
	    "invalid timeout '%.64s' (use seconds, or a number and ms, s, "
	    "m or h, then optionally :STATE)",
	    text);
}
