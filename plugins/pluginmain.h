/*
 * pluginmain - what check_component and check_application share: the
 * common options (-f -t -T -v -h -V) and their parse, the one-line failure, the
 * SIGALRM backstop, loading the config, and the state a transport failure
 * reports.
 *
 * This lives with the plugins, not in lib/: it prints, exits from a signal
 * handler and keeps the alarm's line in a static, none of which lib/ may do.
 */
#ifndef RL_PLUGINMAIN_H
#define RL_PLUGINMAIN_H

#include <stdbool.h>
#include <stdint.h>

#include "model.h"
#include "opts.h"
#include "plugin.h"
#include "run.h"

struct rl_pm_opts {
	const char *prog;	     /* "check_component" */
	const char *prefix;	     /* "COMPONENT" */
	const char *config;	     /* -f, NULL: the default path */
	int64_t timeout_ms;	     /* -t, default 10s */
	bool timeout_given;	     /* -t was given */
	enum rl_state timeout_state; /* -t N:STATE, default UNKNOWN */
	bool transport_critical;     /* -T: CRITICAL, not UNKNOWN */
	int verbose;		     /* -v, repeatable: RL_PM_V_* */
	struct rl_buf debug;	     /* rl_pm_debug's lines */
	int64_t t0_us;		     /* when the plugin started */
};

/*
 * The monitoring-plugins guidelines' verbosity levels, as the plugins
 * use them:
 *   0        one status line (and the check's own long output);
 *   1 (-v)   one line with more detail;
 *   2 (-vv)  configuration debug: the config file, the commands, the hosts;
 *   3 (-vvv) lots of detail: timings, exit statuses, output sizes.
 */
enum { RL_PM_V_DETAIL = 1, RL_PM_V_CONFIG = 2, RL_PM_V_TRACE = 3 };

void rl_pm_opts_init(struct rl_pm_opts *o, const char *prog,
		     const char *prefix);

/*
 * Parses argv (lib/opts) with the common options into O and the plugin's
 * own table OWN into OWN_BASE; no operand is allowed. Returns -1 to go
 * on, or an exit code after printing: HELP's text or the version (0), or
 * a usage error as one UNKNOWN status line (3): "invalid option: unknown
 * option '--x' (see PROG -h)", "-t: why", "unexpected argument 'x'".
 */
int rl_pm_parse(struct rl_pm_opts *o, const struct rl_opt *own, void *own_base,
		void (*help)(void), int argc, char **argv);

/*
 * A line for after the status line, kept when the verbosity is at least
 * LEVEL (RL_PM_V_CONFIG, RL_PM_V_TRACE). rl_pm_finish prints them.
 */
void rl_pm_debug(struct rl_pm_opts *o, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prints the lines rl_pm_debug kept, after the status line ('|' shown as
 * '/': the cores would read it as the start of perfdata), and frees them. */
void rl_pm_finish(struct rl_pm_opts *o);

/* Prints "PREFIX STATE - text" (rl_pm_printing first) and returns STATE
 * as the exit code. */
int rl_pm_fail(const struct rl_pm_opts *o, enum rl_state state, const char *fmt,
	       ...) __attribute__((format(printf, 3, 4)));

/*
 * Arms the backstop: 100ms after the timeout (counted from START),
 * SIGALRM (setitimer) prints "PREFIX STATE - plugin timed out after Nms" and
 * _exits with the timeout state. Returns the deadline (ms, rl_now_ms clock) to
 * hand to the transport: START + timeout, less 50ms for printing and cleaning
 * up. Calling it again re-arms with the current timeout.
 */
int64_t rl_pm_arm(const struct rl_pm_opts *o, int64_t start);

/*
 * One status line, whatever the backstop's timing: rl_pm_printing()
 * before printing the status line (rl_pm_fail calls it) holds SIGALRM
 * back; rl_pm_done(CODE) after it (and after rl_pm_finish) flushes
 * stdout, and from then on the backstop prints nothing and only _exits
 * with CODE, so that a cleanup that blocks (closing ssh sessions,
 * reaping) is still ended in time without a second status line.
 * rl_pm_done returns CODE.
 */
void rl_pm_printing(void);
int rl_pm_done(int code);

/* Loads the config; on failure prints the line, sets *code, NULL. With
 * -vv says which file, with -vvv how long it took. */
struct rl_model *rl_pm_load(struct rl_pm_opts *o, int *code);

/*
 * The state R reports under the options: a timeout gives -t's state, any
 * other transport failure -T's, else the check's own state.
 */
enum rl_state rl_pm_state(const struct rl_pm_opts *o,
			  const struct rl_check_result *r);

/* -vv: C's check, mode, timeout and host, one line. */
void rl_pm_debug_component(struct rl_pm_opts *o, const struct rl_model *m,
			   const struct rl_component *c);

/* -vvv: what R's check gave: state, time, output sizes, failures. */
void rl_pm_debug_result(struct rl_pm_opts *o, const struct rl_check_result *r);

/* A duration in seconds rounded to the millisecond, for perfdata. */
double rl_pm_seconds(int64_t us);

#endif
