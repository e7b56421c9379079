/*
 * plugin - the monitoring plugin API: states, threshold ranges, perfdata,
 * the status line, plugin timeouts.
 */
#ifndef RL_PLUGIN_H
#define RL_PLUGIN_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "util.h"

enum rl_state {
	RL_STATE_OK = 0,
	RL_STATE_WARNING = 1,
	RL_STATE_CRITICAL = 2,
	RL_STATE_UNKNOWN = 3,
};

/* "OK", "WARNING", "CRITICAL", "UNKNOWN" ("UNKNOWN" for anything else). */
const char *rl_state_name(enum rl_state s);
/* Parses those names (case-insensitive) or 0..3. Returns 0 or -1. */
int rl_state_parse(const char *s, enum rl_state *out);
/* The worse of two: CRITICAL > WARNING > UNKNOWN > OK. */
enum rl_state rl_state_worst(enum rl_state a, enum rl_state b);
/* Maps an exit code from a plugin: 0..3 as is, anything else UNKNOWN. */
enum rl_state rl_state_from_exit(int code);

/*
 * A threshold range in the standard syntax:
 *   "10"     alert outside 0..10        "10:"   alert below 10
 *   "~:10"   alert above 10             "10:20" alert outside 10..20
 *   "@10:20" alert inside 10..20 (inclusive)
 * Numbers may be negative or fractional. Plain struct.
 */
struct rl_range {
	double start;
	double end;
	bool start_infinite; /* "~" */
	bool end_infinite;   /* "10:" */
	bool alert_inside;   /* "@" */
	char text[64];	     /* as written, for perfdata */
};

/*
 * Parses a range; refuses empty text, start > end, junk ("1-2 3", "10:5",
 * "@", "~", "abc"), NaN, infinities. Error: "invalid range '10:5' (start
 * greater than end)". Numbers are [+-]digits[.digits] (no exponent, no
 * hex); a missing start (":10") is refused, "~" says minus infinity; "~:"
 * is valid and never alerts (with "@", always). At most 63 characters.
 * *out is written only on success.
 */
int rl_range_parse(const char *text, struct rl_range *out, struct rl_err *err);
/* True when VALUE raises the alert of the range. Edges are inside. A NaN
 * value (nothing measured) always alerts. */
bool rl_range_alert(const struct rl_range *r, double value);

/* Warning and critical ranges; a missing one never alerts. Plain struct. */
struct rl_thresholds {
	bool has_warning;
	bool has_critical;
	struct rl_range warning;
	struct rl_range critical;
};

/* Parses either or both (NULL: absent). Errors name which one. */
int rl_thresholds_parse(const char *warning, const char *critical,
			struct rl_thresholds *out, struct rl_err *err);
/* CRITICAL if critical alerts, else WARNING if warning alerts, else OK. */
enum rl_state rl_thresholds_check(const struct rl_thresholds *t, double value);

/*
 * Appends one perfdata item "'label'=value[uom];[warn];[crit];[min];[max]"
 * with a leading space when b is not empty. The label is quoted when it
 * has spaces, '=' or quotes ('' doubles a quote). NULL warn/crit/min/max
 * are left empty; trailing empty fields are dropped. The value is printed
 * as a plain decimal without needless zeros ("0.028", never "2.8e-02");
 * a NaN or infinite value is "U". A '|' or control character in the label
 * (which would break the plugin output) becomes '_'.
 */
void rl_perf_append(struct rl_buf *b, const char *label, double value,
		    const char *uom, const char *warn, const char *crit,
		    const char *min, const char *max);

/*
 * Writes the status line "PREFIX STATE - text | perfdata" (no '|' when
 * perfdata is empty) and a newline. '|' in text is replaced by '/' since
 * the cores would read it as perfdata.
 */
void rl_plugin_status_line(struct rl_buf *b, const char *prefix,
			   enum rl_state state, const char *text,
			   const char *perfdata);

/*
 * Parses a plugin -t value "SECONDS[:STATE]" (monitoring-plugins style,
 * e.g. "10", "30:CRITICAL"). SECONDS is a whole number 1..86400, or a
 * duration with a unit ("500ms"), from 1ms to 86400s. Writes the timeout
 * in ms and the state a timeout reports (UNKNOWN by default), both only on
 * success.
 */
int rl_plugin_parse_timeout(const char *text, int64_t *ms, enum rl_state *state,
			    struct rl_err *err);

#endif
