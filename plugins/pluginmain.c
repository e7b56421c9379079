/*
 * pluginmain - what both monitoring plugins share; see pluginmain.h.
 */
#include "build.h"

#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "pluginmain.h"
#include "util.h"

void rl_pm_opts_init(struct rl_pm_opts *o, const char *prog, const char *prefix)
{
	memset(o, 0, sizeof(*o));
	o->prog = prog;
	o->prefix = prefix;
	o->timeout_ms = 10000;
	o->timeout_state = RL_STATE_UNKNOWN;
	o->transport_state = RL_STATE_UNKNOWN;
}

int rl_pm_fail(const struct rl_pm_opts *o, enum rl_state state, const char *fmt,
	       ...)
{
	struct rl_buf text = RL_BUF_INIT, line = RL_BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	rl_buf_vprintf(&text, fmt, ap);
	va_end(ap);
	rl_plugin_status_line(&line, o->prefix, state, rl_buf_str(&text), NULL);
	fputs(rl_buf_str(&line), stdout);
	rl_buf_free(&text);
	rl_buf_free(&line);
	return (int)state;
}

int rl_pm_option(struct rl_pm_opts *o, int c, const char *arg)
{
	struct rl_err err = {""};

	switch (c) {
	case 'c':
		o->config = arg;
		return RL_PM_NEXT;
	case 't':
		if (rl_plugin_parse_timeout(arg, &o->timeout_ms,
					    &o->timeout_state, &err) < 0)
			return rl_pm_fail(o, RL_STATE_UNKNOWN, "-t: %s",
					  err.msg);
		o->timeout_given = true;
		return RL_PM_NEXT;
	case 'T':
		o->transport_state = RL_STATE_CRITICAL;
		return RL_PM_NEXT;
	case 'v':
		o->verbose++;
		return RL_PM_NEXT;
	case 'V':
		printf("%s " PACKAGE_VERSION " (relance)\n", o->prog);
		return 0;
	default:
		return RL_PM_OTHER;
	}
}

int rl_pm_bad_option(const struct rl_pm_opts *o, int argc, char **argv)
{
	if (optind < argc && optind > 0 && argv[optind - 1][0] != '-')
		return rl_pm_fail(o, RL_STATE_UNKNOWN,
				  "unexpected argument '%.100s' (see %s -h)",
				  argv[optind], o->prog);
	return rl_pm_fail(o, RL_STATE_UNKNOWN,
			  "invalid option or missing value in '%.100s' "
			  "(see %s -h)",
			  argv[optind - 1], o->prog);
}

/*
 * The last guard of "never past the timeout": should anything block past
 * the deadline that the transport keeps, SIGALRM prints the timeout line
 * and ends the process. Only async-signal-safe calls in the handler.
 */
static char alarm_line[256];
static int alarm_state;

static void on_alarm(int sig)
{
	ssize_t r;

	(void)sig;
	r = write(STDOUT_FILENO, alarm_line, strlen(alarm_line));
	(void)r;
	_exit(alarm_state);
}

int64_t rl_pm_arm(const struct rl_pm_opts *o, int64_t start)
{
	struct sigaction sa;

	snprintf(alarm_line, sizeof(alarm_line),
		 "%s %s - plugin timed out after %lldms\n", o->prefix,
		 rl_state_name(o->timeout_state), (long long)o->timeout_ms);
	alarm_state = (int)o->timeout_state;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	alarm((unsigned)((o->timeout_ms + 999) / 1000 + 1));
	return start +
	       (o->timeout_ms > 100 ? o->timeout_ms - 50 : o->timeout_ms);
}

struct rl_model *rl_pm_load(const struct rl_pm_opts *o, int *code)
{
	struct rl_err err = {""};
	struct rl_model *m = NULL;

	if (rl_config_load(rl_config_default_path(o->config),
			   RL_CONFIG_LAZY_XPATH, &m, &err) < 0) {
		*code = rl_pm_fail(o, RL_STATE_UNKNOWN, "config: %s", err.msg);
		return NULL;
	}
	return m;
}

enum rl_state rl_pm_state(const struct rl_pm_opts *o,
			  const struct rl_check_result *r)
{
	if (r->timed_out)
		return o->timeout_state;
	if (r->transport_failed)
		return o->transport_state;
	return r->state;
}

double rl_pm_seconds(int64_t us)
{
	return (double)((us + 500) / 1000) / 1000.0;
}
