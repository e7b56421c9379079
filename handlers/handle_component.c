/*
 * handle_component - the event handler: called by Nagios or Icinga 2 on
 * every state change of a component's service (and, as a notification
 * command, on acknowledgements), it decides whether to heal (lib/heal),
 * takes the local locks (lib/guard), journals the decision, detaches from
 * the core, and the detached worker heals (rl_heal_run: the host locks,
 * the recheck, the targeted restart, what the core is told). This file
 * keeps the macros, the detach and syslog.
 *
 * The core's macros arrive as separate arguments and are only ever
 * compared, parsed as numbers, or written to the journal and the command
 * pipe through lib/journal and lib/monitor (which refuse or clean what
 * would break their formats); nothing from them reaches a shell line.
 */
#include "build.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include "config.h"
#include "err.h"
#include "guard.h"
#include "heal.h"
#include "hold.h"
#include "journal.h"
#include "model.h"
#include "monitor.h"
#include "opts.h"
#include "plan.h"
#include "plugin.h"
#include "run.h"
#include "util.h"

#define PROG "handle_component"

enum {
	EXIT_OK = 0,
	EXIT_FAILED = 1, /* --foreground: the restart failed */
	EXIT_CONFIG = 2,
	EXIT_USAGE = 3,	   /* bad option or macro, unknown component */
	EXIT_JOURNAL = 5,  /* the journal cannot be written: nothing done */
	EXIT_INTERNAL = 6, /* a system error (e.g. lock_dir unusable) */
	EXIT_JOURNAL_MIDWAY = 7, /* the journal failed after an action
				    ran: stopped there, state left logged */
};

/* How long the write-back to the core may take. */
#define WRITEBACK_MS 5000

struct hc {
	/* options */
	const char *config;
	const char *component;
	const char *host; /* the core's objects; default from the model */
	const char *service;
	bool ack_mode;
	bool retry;	  /* --retry: the core's re-notification */
	const char *type; /* --type, ack mode */
	const char *author;
	const char *comment;
	bool foreground;
	int verbose;
	struct rl_heal_event ev;
	bool have_state, have_type, have_attempt;

	/* state */
	char user[256];
	struct rl_model *model;
	const struct rl_component *comp;
	struct rl_journal *journal;
	struct rl_err journal_err; /* why it could not be opened */
	char run_id[40];
	int64_t t0_us;
	struct rl_heal_ctx h; /* for lib/heal: the above, borrowed */
};

static const char usage_text[] =
    "usage: " PROG " -f CONFIG -C APP/NAME --state STATE --state-type "
    "SOFT|HARD\n"
    "           --attempt N [--max-attempts N] [--ack 0|1|2] [--ack-author "
    "WHO]\n"
    "           [--downtime N] [--host HOST] [--service SERVICE] "
    "[--foreground] [-v]\n"
    "       " PROG " -f CONFIG -C APP/NAME --retry [--state CRITICAL]\n"
    "           [--state-type HARD] [--attempt N] [--ack 0|1|2] "
    "[--downtime N]\n"
    "           [--host HOST] [--service SERVICE] [--foreground] [-v]\n"
    "       " PROG " -f CONFIG -C APP/NAME --ack-notification --type TYPE\n"
    "           [--author WHO] [--comment TEXT]\n"
    "\n"
    "The event handler of relance, called by Nagios or Icinga 2 with the\n"
    "service's macros, one per argument (relancectl generate writes the\n"
    "command definitions). On a CRITICAL state it decides by the\n"
    "component's heal policy, stands down on an acknowledgement, a downtime,\n"
    "a hold or a spent restart_limit, else journals the decision, detaches\n"
    "and restarts the component and what requires it, then writes back to\n"
    "the core (command_file or [icinga_api]): a comment, passive results,\n"
    "a forced check.\n"
    "On OK it clears a hold set by an acknowledgement.\n"
    "With --retry (a notification command the core runs every heal_retry\n"
    "while the service stays CRITICAL HARD, when no state change calls the\n"
    "handler, e.g. after an Icinga 2 failover) it acts as on a CRITICAL\n"
    "HARD event, by the same rules, journaled as a retry.\n"
    "\n"
    "  -f, --config FILE     configuration (default: $RELANCE_CONFIG, else\n"
    "                        " SYSCONFDIR "/relance/relance.ini); -c works\n"
    "                        too\n"
    "  -C, --component NAME  the component (APP/NAME)\n"
    "      --state S         OK, WARNING, CRITICAL or UNKNOWN (or 0..3)\n"
    "      --state-type T    SOFT or HARD\n"
    "      --attempt N       the check attempt\n"
    "      --max-attempts N  the service's max_check_attempts\n"
    "      --ack N           Icinga 2: 0 none, 1 normal, 2 sticky\n"
    "      --ack-author WHO  Icinga 2: who acknowledged (the journal names\n"
    "                        them, not the core's user)\n"
    "      --downtime N      the service's downtime depth\n"
    "      --host H          the core's host object (default: the\n"
    "                        component's host)\n"
    "      --service S       the core's service object (default: the\n"
    "                        component's full name)\n"
    "      --retry           retry mode: state CRITICAL, HARD, attempt 1\n"
    "                        unless given (a SOFT state is refused)\n"
    "      --ack-notification  notification mode: --type ACKNOWLEDGEMENT\n"
    "                        sets a hold until the component recovers,\n"
    "                        RECOVERY clears it, other types are ignored\n"
    "      --foreground      do not detach; exit 1 if the restart failed\n"
    "  -v, --verbose         say more on stdout\n"
    "  -h, --help            this text\n"
    "  -V, --version         the version\n"
    "\n"
    "exit status: 0 decided (healing, stood down or nothing to do)\n"
    "  1 restart failed (--foreground)  2 configuration error\n"
    "  3 usage error, bad macro or unknown component\n"
    "  5 journal not writable (nothing done)  6 internal error\n";

static int fail(int code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * One line to syslog (facility daemon, tag handle_component[PID]): where
 * a detached worker's errors still reach an admin when neither the journal
 * nor the core can be written. Control characters, which values from the
 * core may carry, become spaces: one message, one line.
 */
static void log_line(int prio, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void log_line(int prio, const char *fmt, ...)
{
	char line[1200];
	struct rl_buf b = RL_BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	rl_buf_oneline(&b, line, sizeof(line), ' ', 0);
	syslog(prio, "%s", b.oom ? "out of memory" : rl_buf_str(&b));
	rl_buf_free(&b);
}

/* An error on stderr (the core may log it; /dev/null in the worker) and
 * in syslog; returns CODE. */
static int fail(int code, const char *fmt, ...)
{
	char msg[1200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, PROG ": %s\n", msg);
	log_line(LOG_ERR, "%s", msg);
	return code;
}

/* A value from the core on one line of an error message. */
static const char *shown(const char *v, char *buf, size_t len)
{
	struct rl_buf b = RL_BUF_INIT;

	rl_buf_oneline(&b, v, 80, '?', RL_ONELINE_ELLIPSIS);
	snprintf(buf, len, "%s", b.oom ? "?" : rl_buf_str(&b));
	rl_buf_free(&b);
	return buf;
}

/* The message for a value from the core that is refused. */
static int bad_value(const char *v, const char *want, struct rl_err *err)
{
	char b[96];

	return rl_err_set(err, "invalid value '%s' (%s)",
			  shown(v, b, sizeof(b)), want);
}

/* A count from the core: Icinga 2 may write a number as "1.000000". Into
 * the int at OPT's offset, in [opt->min, opt->max]. */
static int parse_count(const struct rl_opt *opt, const char *v, void *base,
		       struct rl_err *err)
{
	struct rl_err why = {""};
	char digits[32];
	size_t n = strspn(v, "0123456789");
	long l;

	if (n == 0 || n >= sizeof(digits) ||
	    (v[n] != '\0' &&
	     (v[n] != '.' || v[n + 1 + strspn(v + n + 1, "0")] != '\0')))
		return bad_value(v, "a whole number", err);
	memcpy(digits, v, n);
	digits[n] = '\0';
	if (rl_parse_long(digits, (long)opt->min, (long)opt->max, &l, &why) < 0)
		return bad_value(v, why.msg, err);
	*(int *)((char *)base + opt->off) = (int)l;
	return 0;
}

/* Names the core gives must fit a command line of the pipe. */
static int check_name(const struct rl_opt *opt, const char *v, void *base,
		      struct rl_err *err)
{
	char b[96];

	if (*v == '\0' || strpbrk(v, ";\n\r") != NULL)
		return rl_err_set(err,
				  "invalid value '%s' (not empty, no ';' and "
				  "no line break)",
				  shown(v, b, sizeof(b)));
	*(const char **)((char *)base + opt->off) = v;
	return 0;
}

static int parse_state(const struct rl_opt *opt, const char *v, void *base,
		       struct rl_err *err)
{
	struct hc *hc = base;

	(void)opt;
	if (rl_state_parse(v, &hc->ev.state) < 0)
		return bad_value(v, "OK, WARNING, CRITICAL or UNKNOWN", err);
	hc->have_state = true;
	return 0;
}

static int parse_state_type(const struct rl_opt *opt, const char *v, void *base,
			    struct rl_err *err)
{
	struct hc *hc = base;

	(void)opt;
	if (rl_heal_parse_state_type(v, &hc->ev.hard) < 0)
		return bad_value(v, "SOFT or HARD", err);
	hc->have_type = true;
	return 0;
}

static int parse_attempt(const struct rl_opt *opt, const char *v, void *base,
			 struct rl_err *err)
{
	struct hc *hc = base;

	if (parse_count(opt, v, base, err) < 0)
		return -1;
	hc->have_attempt = true;
	return 0;
}

#define HC_OPT(l, t, f, ...)                                                   \
	RL_OPT(0, l, t, offsetof(struct hc, f), __VA_ARGS__)

static const struct rl_opt hc_opts[] = {
    RL_OPT('f', "config", RL_OPT_STRING, offsetof(struct hc, config)),
    /* -c as before -f, which the plugins took from -c (reserved there
     * for thresholds): every program takes -f */
    RL_OPT('c', NULL, RL_OPT_STRING, offsetof(struct hc, config)),
    RL_OPT('C', "component", RL_OPT_STRING, offsetof(struct hc, component)),
    HC_OPT("state", RL_OPT_CALL, ev.state, .parse = parse_state),
    HC_OPT("state-type", RL_OPT_CALL, ev.hard, .parse = parse_state_type),
    HC_OPT("attempt", RL_OPT_CALL, ev.attempt, .min = 1, .max = 1000000,
	   .parse = parse_attempt),
    HC_OPT("max-attempts", RL_OPT_CALL, ev.max_attempts, .min = 1,
	   .max = 1000000, .parse = parse_count),
    HC_OPT("ack", RL_OPT_CALL, ev.ack, .min = 0, .max = 2,
	   .parse = parse_count),
    HC_OPT("ack-author", RL_OPT_STRING, ev.ack_author),
    HC_OPT("downtime", RL_OPT_CALL, ev.downtime, .min = 0, .max = 1000000,
	   .parse = parse_count),
    HC_OPT("host", RL_OPT_CALL, host, .parse = check_name),
    HC_OPT("service", RL_OPT_CALL, service, .parse = check_name),
    HC_OPT("ack-notification", RL_OPT_FLAG, ack_mode),
    HC_OPT("retry", RL_OPT_FLAG, retry),
    HC_OPT("type", RL_OPT_STRING, type),
    HC_OPT("author", RL_OPT_STRING, author),
    HC_OPT("comment", RL_OPT_STRING, comment),
    HC_OPT("foreground", RL_OPT_FLAG, foreground),
    RL_OPT('v', "verbose", RL_OPT_COUNT, offsetof(struct hc, verbose)),
    RL_OPT('h', "help", RL_OPT_HELP, 0),
    RL_OPT('V', "version", RL_OPT_VERSION, 0),
    {0},
};

static int parse_opts(struct hc *hc, int argc, char **argv)
{
	struct rl_opts_set set = {hc_opts, NULL};
	struct rl_opts_res res;
	struct rl_err err = {""};

	set.base = hc;
	switch (rl_opts_parse(&set, 1, 0, argc, argv, &res, &err)) {
	case RL_OPTS_OK:
		break;
	case RL_OPTS_HELP:
		fputs(usage_text, stdout);
		return EXIT_OK - 1000; /* done, exit 0 */
	case RL_OPTS_VERSION:
		printf(PROG " (relance) %s\n", PACKAGE_VERSION);
		return EXIT_OK - 1000;
	case RL_OPTS_E_OPTION:
		return fail(EXIT_USAGE, "%s (see --help)", err.msg);
	case RL_OPTS_E_VALUE:
		return fail(EXIT_USAGE, "%s", err.msg);
	default:
		return fail(EXIT_INTERNAL, "%s", err.msg);
	}
	if (res.next < argc)
		return fail(EXIT_USAGE, "unexpected argument '%s' (see --help)",
			    argv[res.next]);
	if (hc->component == NULL)
		return fail(EXIT_USAGE, "-C COMPONENT is required");
	if (hc->ack_mode && hc->retry)
		return fail(EXIT_USAGE, "--retry and --ack-notification "
					"exclude each other (see --help)");
	if (hc->ack_mode) {
		if (hc->type == NULL)
			return fail(EXIT_USAGE,
				    "--ack-notification needs --type");
		return EXIT_OK;
	}
	if (hc->retry) {
		/* the core re-notifies a HARD problem only: a SOFT state
		 * means the command is wired to something else */
		if (hc->have_type && !hc->ev.hard)
			return fail(EXIT_USAGE,
				    "--retry: invalid --state-type SOFT (a "
				    "retry is for a HARD state)");
		if (!hc->have_state)
			hc->ev.state = RL_STATE_CRITICAL;
		if (!hc->have_attempt)
			hc->ev.attempt = 1;
		hc->ev.hard = true;
		hc->ev.retry = true;
		return EXIT_OK;
	}
	if (!hc->have_state || !hc->have_type || !hc->have_attempt)
		return fail(EXIT_USAGE, "--state, --state-type and --attempt "
					"are required (see --help)");
	return EXIT_OK;
}

/* ---- journal and core (lib/heal) ---------------------------------- */

/* What the heal says beside the journal: syslog, and stderr for errors
 * (the core may log it; /dev/null in the worker). */
static void heal_log(void *ctx, enum rl_heal_level level, const char *line)
{
	const struct hc *hc = ctx;

	if (level == RL_HEAL_ERROR) {
		fail(0, "%s", line);
		return;
	}
	log_line(level == RL_HEAL_ERR ? LOG_ERR : LOG_NOTICE, "%s", line);
	/* a detour, with -v: on stdout as well (seen with --foreground;
	 * the worker's stdout is /dev/null) */
	if (level == RL_HEAL_DETOUR && hc != NULL && hc->verbose) {
		printf("relance: %s\n", line);
		fflush(stdout);
	}
}

/* The exit code for what rl_heal_journal and friends returned. */
static int journaled(int r)
{
	return r < 0 ? EXIT_JOURNAL : EXIT_OK;
}

static void say(const struct hc *hc, const char *verdict, const char *reason)
{
	printf("relance: %s: %s: %s\n", hc->comp->name, verdict, reason);
	fflush(stdout);
}

/* ---- acknowledgement notifications ------------------------------------ */

static int hold_changed(struct hc *hc, const char *result,
			const struct rl_hold *h, const char *why)
{
	struct rl_journal_rec r;
	char msg[300];

	rl_heal_rec_init(&hc->h, &r, "hold");
	rl_hold_journal_rec(&r, h, result);
	r.message = why;
	if (!strcmp(result, "cleared")) {
		/* the core reported the recovery: the record is the handler's
		 * (its user), not the acknowledger's, who stays named */
		r.author = NULL;
		if (h->author[0] != '\0') {
			snprintf(
			    msg, sizeof(msg),
			    "%s (the core reported OK); the hold was %.128s's "
			    "acknowledgement",
			    why, h->author);
			r.message = msg;
		}
	}
	return journaled(rl_heal_journal(&hc->h, &r, false));
}

static int ack_notification(struct hc *hc)
{
	const struct rl_site *s = &hc->model->site;
	struct rl_err err = {""};
	struct rl_hold h;
	bool removed;
	int r;

	if (!strcmp(hc->type, "ACKNOWLEDGEMENT")) {
		memset(&h, 0, sizeof(h));
		h.kind = RL_HOLD_ACK;
		snprintf(h.author, sizeof(h.author), "%s",
			 hc->author ? hc->author : "");
		snprintf(h.reason, sizeof(h.reason), "%s",
			 hc->comment ? hc->comment : "");
		/* a hold nobody can trace is worse than none: nothing is
		 * written without a journal, and the record says what
		 * happened, after it happened */
		if (hc->h.journal == NULL)
			return hold_changed(hc, "set", &h, NULL);
		if (rl_hold_set(s->hold_dir, hc->comp->name, RL_HOLD_ACK,
				h.author, s->node, h.reason, &err) < 0) {
			hold_changed(hc, "failed", &h, err.msg);
			return fail(EXIT_INTERNAL, "%s: %s", hc->comp->name,
				    err.msg);
		}
		r = hold_changed(hc, "set", &h,
				 "acknowledged in the core: held until it "
				 "recovers");
		if (r)
			return r;
		say(hc, "hold", "acknowledged: no healing until it recovers");
		return EXIT_OK;
	}
	if (!strcmp(hc->type, "RECOVERY")) {
		if (rl_hold_clear(s->hold_dir, hc->comp->name, false,
				  RL_HOLD_ACK, &removed, &h, &err) < 0)
			return fail(EXIT_INTERNAL, "%s: %s", hc->comp->name,
				    err.msg);
		if (removed)
			return hold_changed(hc, "cleared", &h, "recovered");
		return EXIT_OK;
	}
	/* PROBLEM, FLAPPING..., DOWNTIME...: the handler mode acts on those */
	if (hc->verbose)
		say(hc, "ignore", "notification type is not ACKNOWLEDGEMENT");
	return EXIT_OK;
}

/* ---- the handler ------------------------------------------------------ */

/*
 * fork, setsid, fork again: the worker is in its own session, outside the
 * process group the core kills at its handler timeout, with /dev/null on
 * fds 0-2 (a child that keeps the core's pipes open makes the core wait:
 * RECIPES.md). The caller's return: 1 in the handler (go back to the
 * core), 0 in the worker, -1 on failure (nothing forked).
 */
static int detach(struct rl_err *err)
{
	struct sigaction sa;
	sigset_t all;
	pid_t pid;
	int st, fd, sig;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return rl_err_set(err, "cannot fork: %s", strerror(errno));
	if (pid > 0) {
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		return 1;
	}
	if (setsid() < 0)
		_exit(1);
	pid = fork();
	if (pid != 0)
		_exit(pid < 0 ? 1 : 0);
	umask(022);
	if (chdir("/") < 0)
		_exit(1);
	fd = open("/dev/null", O_RDWR);
	if (fd < 0)
		_exit(1);
	dup2(fd, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	if (fd > 2)
		close(fd);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			sigaction(sig, &sa, NULL);
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	/* the pipe to the core reports EPIPE; the transport too */
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

/* A record of the state read from the core (event "status"), journaled
 * beside the decision that follows. */
static void status_rec(struct hc *hc, const char *result, const char *message)
{
	struct rl_journal_rec r;

	rl_heal_rec_init(&hc->h, &r, "status");
	r.result = result;
	r.message = message;
	if (hc->journal != NULL)
		rl_heal_journal(&hc->h, &r, false);
}

/* Gathers what relance knows and decides; *d says what. */
static void decide(struct hc *hc, struct rl_hold *hold,
		   struct rl_service_status *st, struct rl_heal_decision *d)
{
	const struct rl_site *s = &hc->model->site;
	struct rl_heal_facts f;
	struct rl_err err = {""};

	memset(&f, 0, sizeof(f));
	memset(st, 0, sizeof(*st));
	memset(hold, 0, sizeof(*hold));
	f.no_retry = s->heal_retry_ms == 0;
	rl_heal_decide(hc->comp, &hc->ev, &f, d);
	if (d->verdict == RL_VERDICT_IGNORE ||
	    d->verdict == RL_VERDICT_RECOVERED)
		return; /* the event alone says no */

	/* the facts cost a few reads: only for a CRITICAL that may heal */
	if (rl_hold_get(s->hold_dir, hc->comp->name, hold, &err) < 0) {
		d->verdict = RL_VERDICT_STAND_DOWN;
		snprintf(d->reason, sizeof(d->reason), "held: %s", err.msg);
		return;
	}
	f.hold = hold;
	/* status.dat or the Icinga 2 API, when a macro is missing; the
	 * macros the core passed win */
	if (hc->ev.ack < 0 || hc->ev.downtime < 0) {
		struct rl_err detour = {""};
		bool have;

		if (rl_monitor_status(s, hc->host, hc->service,
				      rl_now_ms() + WRITEBACK_MS, st, &have,
				      &detour, &err) < 0) {
			fail(0, "%s: %s (acknowledgements not read from it)",
			     hc->comp->name, err.msg);
			status_rec(hc, "failed", err.msg);
		} else if (have) {
			if (detour.msg[0] != '\0') {
				char line[RL_ERR_MAX + 128];

				snprintf(line, sizeof(line),
					 "%s: state read %s", hc->comp->name,
					 detour.msg);
				heal_log(hc, RL_HEAL_DETOUR, line);
				status_rec(hc, "detour", detour.msg);
			}
			if (hc->ev.ack >= 0)
				st->acknowledged = hc->ev.ack > 0;
			if (hc->ev.downtime >= 0)
				st->downtime_depth = hc->ev.downtime;
			f.status = st;
		}
	}
	if (rl_heal_count(s->journal, hc->comp->name,
			  rl_wall_ms() - hc->comp->restart_limit_window_ms,
			  &f.heals, &err) < 0) {
		d->verdict = RL_VERDICT_STAND_DOWN;
		snprintf(d->reason, sizeof(d->reason),
			 "restart limit: cannot count the restarts: %s",
			 err.msg);
		return;
	}
	rl_heal_decide(hc->comp, &hc->ev, &f, d);
}

static int handle(struct hc *hc)
{
	const struct rl_site *s = &hc->model->site;
	struct rl_err err = {""};
	struct rl_heal_decision d;
	struct rl_service_status st;
	struct rl_hold hold;
	struct rl_plan *plan = NULL;
	const struct rl_plan *own;
	struct rl_guard *g = NULL;
	struct rl_buf what = RL_BUF_INIT;
	char why[RL_ERR_MAX];
	bool removed;
	int r, k, cancel = -1;

	decide(hc, &hold, &st, &d);
	switch (d.verdict) {
	case RL_VERDICT_RECOVERED:
		if (rl_hold_clear(s->hold_dir, hc->comp->name, false,
				  RL_HOLD_ACK, &removed, &hold, &err) < 0)
			return fail(EXIT_INTERNAL, "%s: %s", hc->comp->name,
				    err.msg);
		if (removed)
			return hold_changed(hc, "cleared", &hold, "recovered");
		return EXIT_OK;
	case RL_VERDICT_IGNORE:
		if (hc->verbose)
			say(hc, "ignore", d.reason);
		return journaled(rl_heal_journal_decision(&hc->h, &d, NULL));
	case RL_VERDICT_STAND_DOWN:
		r = journaled(rl_heal_stand_down(&hc->h, &d, true));
		if (!r)
			say(hc, "stand-down", d.reason);
		return r;
	case RL_VERDICT_HEAL:
		break;
	}

	if (rl_plan_build(hc->model, RL_ACTION_RESTART, hc->comp->name, &plan,
			  &err) < 0)
		return fail(EXIT_INTERNAL, "%s", err.msg);
	/* one action at a time per component on this node */
	rl_buf_printf(&what, "handle_component restart %s", hc->comp->name);
	if (what.oom) {
		r = fail(EXIT_INTERNAL, "out of memory");
		goto out;
	}
	g = rl_guard_new(hc->model, rl_buf_str(&what),
			 hc->model->site.host_lock_dir, &err);
	own = plan;
	k = g == NULL
		? -1
		: rl_guard_lock_local(g, &own, 1, NULL, why, sizeof(why), &err);
	if (k < 0) {
		r = fail(EXIT_INTERNAL, "%s", err.msg);
		goto out;
	}
	if (k > 0) {
		d.verdict = RL_VERDICT_STAND_DOWN;
		snprintf(d.reason, sizeof(d.reason), "in progress: %.600s",
			 why);
		/* no comment: the action in progress will say what it did */
		r = journaled(rl_heal_stand_down(&hc->h, &d, false));
		if (!r)
			say(hc, "stand-down", d.reason);
		goto out;
	}
	rl_run_new_id(hc->run_id, sizeof(hc->run_id));
	rl_buf_reset(&what);
	rl_buf_printf(&what, "restart of %zu component%s on %zu host%s",
		      plan->n_touched, plan->n_touched == 1 ? "" : "s",
		      plan->n_hosts, plan->n_hosts == 1 ? "" : "s");
	r = journaled(rl_heal_journal_decision(
	    &hc->h, &d, what.oom ? NULL : rl_buf_str(&what)));
	if (r)
		goto out;
	say(hc, "heal", what.oom ? d.reason : rl_buf_str(&what));
	if (!hc->foreground) {
		int dr = detach(&err);

		if (dr < 0) {
			r = fail(EXIT_INTERNAL, "%s: %s", hc->comp->name,
				 err.msg);
			goto out;
		}
		if (dr == 1) { /* back to the core; the worker goes on */
			rl_guard_drop(g);
			g = NULL;
			r = EXIT_OK;
			goto out;
		}
	}
	/* told to stop (SIGTERM, SIGINT, SIGHUP): the run kills what it
	 * started, journals "interrupted" and releases the locks */
	cancel = rl_run_trap_signals(&err);
	if (cancel < 0) {
		r = fail(EXIT_INTERNAL, "%s: %s", hc->comp->name, err.msg);
		goto out;
	}
	hc->h.cancel_fd = &cancel;
	switch (rl_heal_run(&hc->h, g, plan)) {
	case RL_HEAL_DONE:
		r = EXIT_OK;
		break;
	case RL_HEAL_FAILED:
		r = EXIT_FAILED;
		break;
	case RL_HEAL_NO_JOURNAL:
		r = EXIT_JOURNAL;
		break;
	case RL_HEAL_JOURNAL_MIDWAY:
		r = EXIT_JOURNAL_MIDWAY;
		break;
	}
	if (rl_run_trapped() != 0)
		r = 128 + rl_run_trapped();
out:
	rl_guard_release(g, NULL, NULL); /* rl_heal_run left no host lock */
	hc->h.cancel_fd = NULL;
	if (cancel >= 0)
		close(cancel);
	rl_plan_free(plan);
	rl_buf_free(&what);
	return r;
}

int main(int argc, char **argv)
{
	struct hc hc;
	struct rl_err err = {""};
	int r;

	/* the core may leave us what it inherited: a detached worker must
	 * hold nothing of the core's */
	rl_close_from(3);
	openlog(PROG, LOG_PID, LOG_DAEMON);
	memset(&hc, 0, sizeof(hc));
	hc.ev.ack = -1;
	hc.ev.downtime = -1;
	hc.t0_us = rl_now_us();
	r = parse_opts(&hc, argc, argv);
	if (r == EXIT_OK - 1000)
		return EXIT_OK;
	if (r)
		return r;
	rl_user_describe(hc.user, sizeof(hc.user));
	if (rl_config_load(rl_config_default_path(hc.config), 0, &hc.model,
			   &err) < 0)
		return fail(EXIT_CONFIG, "%s", err.msg);
	hc.comp = rl_model_component(hc.model, hc.component);
	if (hc.comp == NULL) {
		char b[96];

		r = fail(EXIT_USAGE, "-C: unknown component '%s'",
			 shown(hc.component, b, sizeof(b)));
		goto out;
	}
	if (hc.host == NULL)
		hc.host = hc.comp->host_name;
	if (hc.service == NULL)
		hc.service = hc.comp->name;
	hc.journal = rl_journal_open_site(hc.model, &hc.journal_err);
	hc.h.model = hc.model;
	hc.h.comp = hc.comp;
	hc.h.ev = &hc.ev;
	hc.h.host = hc.host;
	hc.h.service = hc.service;
	hc.h.journal = hc.journal;
	hc.h.journal_err = hc.journal_err.msg;
	hc.h.user = hc.user;
	hc.h.origin = PROG;
	hc.h.run_id = hc.run_id;
	hc.h.writeback_ms = WRITEBACK_MS;
	hc.h.log = heal_log;
	hc.h.log_ctx = &hc;
	r = hc.ack_mode ? ack_notification(&hc) : handle(&hc);
	if (hc.verbose && !hc.foreground)
		fprintf(stderr, PROG ": returned after %.1f ms\n",
			(double)(rl_now_us() - hc.t0_us) / 1000.0);
out:
	rl_journal_close(hc.journal);
	rl_model_free(hc.model);
	return r;
}
