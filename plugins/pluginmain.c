/*
 * pluginmain - what both monitoring plugins share; see pluginmain.h.
 */
#include "build.h"

#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "config.h"
#include "pluginmain.h"
#include "transport.h"
#include "util.h"

void rl_pm_opts_init(struct rl_pm_opts *o, const char *prog, const char *prefix)
{
	memset(o, 0, sizeof(*o));
	o->prog = prog;
	o->prefix = prefix;
	o->timeout_ms = 10000;
	o->timeout_state = RL_STATE_UNKNOWN;
	o->debug = (struct rl_buf)RL_BUF_INIT;
	o->t0_us = rl_now_us();
}

void rl_pm_debug(struct rl_pm_opts *o, int level, const char *fmt, ...)
{
	va_list ap;

	if (o->verbose < level)
		return;
	va_start(ap, fmt);
	rl_buf_vprintf(&o->debug, fmt, ap);
	va_end(ap);
	rl_buf_puts(&o->debug, "\n");
}

void rl_pm_finish(struct rl_pm_opts *o)
{
	size_t i;

	rl_pm_debug(o, RL_PM_V_TRACE, "total: %.1fms",
		    (double)(rl_now_us() - o->t0_us) / 1000.0);
	/* long output: a '|' (a command's pipe) would start perfdata */
	for (i = 0; i < o->debug.len; i++)
		if (o->debug.data[i] == '|')
			o->debug.data[i] = '/';
	if (o->debug.len > 0 && !o->debug.oom)
		fputs(rl_buf_str(&o->debug), stdout);
	rl_buf_free(&o->debug);
}

int rl_pm_fail(const struct rl_pm_opts *o, enum rl_state state, const char *fmt,
	       ...)
{
	struct rl_buf text = RL_BUF_INIT, line = RL_BUF_INIT;
	va_list ap;

	rl_pm_printing();
	va_start(ap, fmt);
	rl_buf_vprintf(&text, fmt, ap);
	va_end(ap);
	rl_plugin_status_line(&line, o->prefix, state, rl_buf_str(&text), NULL);
	fputs(rl_buf_str(&line), stdout);
	rl_buf_free(&text);
	rl_buf_free(&line);
	return (int)state;
}

/* -t SECONDS[:STATE] */
static int parse_timeout(const struct rl_opt *opt, const char *arg, void *base,
			 struct rl_err *err)
{
	struct rl_pm_opts *o = base;

	(void)opt;
	if (rl_plugin_parse_timeout(arg, &o->timeout_ms, &o->timeout_state,
				    err) < 0)
		return -1;
	o->timeout_given = true;
	return 0;
}

static const struct rl_opt common_opts[] = {
    RL_OPT('f', "config", RL_OPT_STRING, offsetof(struct rl_pm_opts, config)),
    RL_OPT('t', "timeout", RL_OPT_CALL, 0, .parse = parse_timeout),
    RL_OPT('T', "transport-critical", RL_OPT_FLAG,
	   offsetof(struct rl_pm_opts, transport_critical)),
    RL_OPT('v', "verbose", RL_OPT_COUNT, offsetof(struct rl_pm_opts, verbose)),
    RL_OPT('h', "help", RL_OPT_HELP, 0),
    RL_OPT('V', "version", RL_OPT_VERSION, 0),
    {0},
};

int rl_pm_parse(struct rl_pm_opts *o, const struct rl_opt *own, void *own_base,
		void (*help)(void), int argc, char **argv)
{
	struct rl_opts_set sets[2] = {{common_opts, o}, {own, own_base}};
	struct rl_opts_res res;
	struct rl_err err = {""};

	switch (rl_opts_parse(sets, 2, 0, argc, argv, &res, &err)) {
	case RL_OPTS_OK:
		break;
	case RL_OPTS_HELP:
		help();
		return 0;
	case RL_OPTS_VERSION:
		printf("%s " PACKAGE_VERSION " (relance)\n", o->prog);
		return 0;
	case RL_OPTS_E_OPTION:
		return rl_pm_fail(o, RL_STATE_UNKNOWN,
				  "invalid option: %s (see %s -h)", err.msg,
				  o->prog);
	default:
		return rl_pm_fail(o, RL_STATE_UNKNOWN, "%s", err.msg);
	}
	if (res.next < argc)
		return rl_pm_fail(o, RL_STATE_UNKNOWN,
				  "unexpected argument '%.100s'",
				  argv[res.next]);
	return -1;
}

/*
 * The last guard of "never past the timeout": should anything block past
 * the deadline that the transport keeps, SIGALRM prints the timeout line
 * and ends the process. Only async-signal-safe calls in the handler.
 */
#define ALARM_AFTER_MS 100
static char alarm_line[256];
static volatile sig_atomic_t alarm_state;
/* the status line is out: the backstop only ends the process */
static volatile sig_atomic_t alarm_quiet;

static void on_alarm(int sig)
{
	ssize_t r;

	(void)sig;
	if (!alarm_quiet) {
		r = write(STDOUT_FILENO, alarm_line, strlen(alarm_line));
		(void)r;
	}
	_exit(alarm_state);
}

static void alarm_mask(int how)
{
	sigset_t s;

	sigemptyset(&s);
	sigaddset(&s, SIGALRM);
	sigprocmask(how, &s, NULL);
}

void rl_pm_printing(void)
{
	alarm_mask(SIG_BLOCK);
}

int rl_pm_done(int code)
{
	fflush(stdout);
	alarm_state = code;
	alarm_quiet = 1;
	alarm_mask(SIG_UNBLOCK);
	return code;
}

int64_t rl_pm_arm(const struct rl_pm_opts *o, int64_t start)
{
	struct sigaction sa;
	struct itimerval it;
	int64_t left;

	snprintf(alarm_line, sizeof(alarm_line),
		 "%s %s - plugin timed out after %lldms\n", o->prefix,
		 rl_state_name(o->timeout_state), (long long)o->timeout_ms);
	alarm_state = (int)o->timeout_state;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	/* ALARM_AFTER_MS after the timeout, counted from START: late
	 * enough for the transport, which gives up 50ms before it, to
	 * say so itself; early enough that -t 3 returns by about 3.1s */
	left = start + o->timeout_ms + ALARM_AFTER_MS - rl_now_ms();
	if (left < 1)
		left = 1;
	memset(&it, 0, sizeof(it));
	it.it_value.tv_sec = (time_t)(left / 1000);
	it.it_value.tv_usec = (suseconds_t)(left % 1000) * 1000;
	setitimer(ITIMER_REAL, &it, NULL);
	return start +
	       (o->timeout_ms > 100 ? o->timeout_ms - 50 : o->timeout_ms);
}

struct rl_model *rl_pm_load(struct rl_pm_opts *o, int *code)
{
	struct rl_err err = {""};
	struct rl_model *m = NULL;
	const char *path = rl_config_default_path(o->config);
	int64_t t0 = rl_now_us();

	rl_pm_debug(o, RL_PM_V_CONFIG, "config: %s", path);
	if (rl_config_load(path, RL_CONFIG_LAZY_XPATH, &m, &err) < 0) {
		*code = rl_pm_fail(o, RL_STATE_UNKNOWN, "config: %s", err.msg);
		return NULL;
	}
	rl_pm_debug(o, RL_PM_V_TRACE,
		    "config: loaded in %.1fms (%zu files, %zu applications, "
		    "%zu components, %zu hosts)",
		    (double)(rl_now_us() - t0) / 1000.0, m->n_files, m->n_apps,
		    m->n_components, m->n_hosts);
	return m;
}

enum rl_state rl_pm_state(const struct rl_pm_opts *o,
			  const struct rl_check_result *r)
{
	if (r->timed_out)
		return o->timeout_state;
	if (r->transport_failed)
		return o->transport_critical ? RL_STATE_CRITICAL
					     : RL_STATE_UNKNOWN;
	return r->state;
}

static const char *mode_name(enum rl_check_mode m)
{
	return m == RL_CHECK_PLUGIN ? "plugin"
	       : m == RL_CHECK_XML  ? "xml"
				    : "exit";
}

void rl_pm_debug_component(struct rl_pm_opts *o, const struct rl_model *m,
			   const struct rl_component *c)
{
	const struct rl_host *h = c->host;
	const char *user = h->user ? h->user : m->site.ssh.user;

	if (h->transport == RL_TRANSPORT_SSH)
		rl_pm_debug(o, RL_PM_V_CONFIG,
			    "%s: check '%s' (mode %s, check_timeout %lldms) on "
			    "%s via ssh %s:%d as %s",
			    c->name, c->check, mode_name(c->check_mode),
			    (long long)c->check_timeout_ms, h->name,
			    h->address ? h->address : h->name, h->port,
			    user ? user : "the caller");
	else
		rl_pm_debug(o, RL_PM_V_CONFIG,
			    "%s: check '%s' (mode %s, check_timeout %lldms) on "
			    "%s via %s",
			    c->name, c->check, mode_name(c->check_mode),
			    (long long)c->check_timeout_ms, h->name,
			    rl_transport_name(h->transport));
}

void rl_pm_debug_result(struct rl_pm_opts *o, const struct rl_check_result *r)
{
	rl_pm_debug(o, RL_PM_V_TRACE,
		    "%s: %s in %.1fms; output %zu bytes, long output %zu "
		    "bytes%s%s",
		    r->comp->name, rl_state_name(r->state),
		    (double)r->duration_us / 1000.0,
		    r->output ? strlen(r->output) : 0,
		    r->long_output ? strlen(r->long_output) : 0,
		    r->transport_failed ? "; the transport failed" : "",
		    r->timed_out ? " (timed out)" : "");
}

double rl_pm_seconds(int64_t us)
{
	return (double)((us + 500) / 1000) / 1000.0;
}
