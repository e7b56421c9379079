/*
 * handle_component - the event handler: called by Nagios or Icinga 2 on
 * every state change of a component's service (and, as a notification
 * command, on acknowledgements), it decides whether to heal (lib/heal),
 * takes the locks, journals the decision, detaches from the core and runs
 * the targeted restart, then tells the core what happened.
 *
 * The core's macros arrive as separate arguments and are only ever
 * compared, parsed as numbers, or written to the journal and the command
 * pipe through lib/journal and lib/monitor (which refuse or clean what
 * would break their formats); nothing from them reaches a shell line.
 */
#include "build.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include "config.h"
#include "err.h"
#include "heal.h"
#include "hold.h"
#include "hostlock.h"
#include "journal.h"
#include "lock.h"
#include "model.h"
#include "monitor.h"
#include "plan.h"
#include "plugin.h"
#include "run.h"
#include "transport.h"
#include "util.h"

#define PROG "handle_component"

enum {
	EXIT_OK = 0,
	EXIT_FAILED = 1, /* --foreground: the restart failed */
	EXIT_CONFIG = 2,
	EXIT_USAGE = 3,	  /* bad option or macro, unknown component */
	EXIT_JOURNAL = 5, /* the journal cannot be written: nothing done */
	EXIT_INTERNAL = 6,
};

/* How long the write-back to the core may take. */
#define WRITEBACK_MS 5000
/* Spare time on the host lock beyond the plan's own timeouts. */
#define HOSTLOCK_SPARE_S 60

struct hc {
	/* options */
	const char *config;
	const char *component;
	const char *host; /* the core's objects; default from the model */
	const char *service;
	bool ack_mode;
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
};

static const char usage_text[] =
    "usage: " PROG " -c CONFIG -C APP/NAME --state STATE --state-type "
    "SOFT|HARD\n"
    "           --attempt N [--max-attempts N] [--ack 0|1|2] [--downtime N]\n"
    "           [--host HOST] [--service SERVICE] [--foreground] [-v]\n"
    "       " PROG " -c CONFIG -C APP/NAME --ack-notification --type TYPE\n"
    "           [--author WHO] [--comment TEXT]\n"
    "\n"
    "The event handler of relance, called by Nagios or Icinga 2 with the\n"
    "service's macros, one per argument (relancectl generate writes the\n"
    "command definitions). On a CRITICAL state it decides by the\n"
    "component's heal policy, stands down on an acknowledgement, a downtime,\n"
    "a hold or a spent restart_limit, else journals the decision, detaches\n"
    "and restarts the component and what requires it, then writes back to\n"
    "the core (command_file): a comment, passive results, a forced check.\n"
    "On OK it clears a hold set by an acknowledgement.\n"
    "\n"
    "  -c, --config FILE     configuration (default: $RELANCE_CONFIG, else\n"
    "                        " SYSCONFDIR "/relance/relance.ini)\n"
    "  -C, --component NAME  the component (APP/NAME)\n"
    "      --state S         OK, WARNING, CRITICAL or UNKNOWN (or 0..3)\n"
    "      --state-type T    SOFT or HARD\n"
    "      --attempt N       the check attempt\n"
    "      --max-attempts N  the service's max_check_attempts\n"
    "      --ack N           Icinga 2: 0 none, 1 normal, 2 sticky\n"
    "      --downtime N      the service's downtime depth\n"
    "      --host H          the core's host object (default: the\n"
    "                        component's host)\n"
    "      --service S       the core's service object (default: the\n"
    "                        component's full name)\n"
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
	va_list ap;
	size_t i;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	for (i = 0; line[i] != '\0'; i++)
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
			line[i] = ' ';
	syslog(prio, "%s", line);
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
	size_t i, o = 0;

	for (i = 0; v[i] != '\0' && o + 5 < len && i < 80; i++)
		buf[o++] = (unsigned char)v[i] < 0x20 ? '?' : v[i];
	if (v[i] != '\0' && o + 4 < len) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}

static int bad_value(const char *opt, const char *v, const char *want)
{
	char b[96];

	return fail(EXIT_USAGE, "%s: invalid value '%s' (%s)", opt,
		    shown(v, b, sizeof(b)), want);
}

/* A count from the core: Icinga 2 may write a number as "1.000000". */
static int parse_count(const char *opt, const char *v, long min, long max,
		       int *out)
{
	struct rl_err err = {""};
	char digits[32];
	size_t n = strspn(v, "0123456789");
	long l;

	if (n == 0 || n >= sizeof(digits) ||
	    (v[n] != '\0' &&
	     (v[n] != '.' || v[n + 1 + strspn(v + n + 1, "0")] != '\0')))
		return bad_value(opt, v, "a whole number");
	memcpy(digits, v, n);
	digits[n] = '\0';
	if (rl_parse_long(digits, min, max, &l, &err) < 0)
		return bad_value(opt, v, err.msg);
	*out = (int)l;
	return 0;
}

/* Names the core gives must fit a command line of the pipe. */
static int check_name(const char *opt, const char *v)
{
	char b[96];

	if (*v == '\0' || strpbrk(v, ";\n\r") != NULL)
		return fail(EXIT_USAGE,
			    "%s: invalid value '%s' (not empty, no ';' and "
			    "no line break)",
			    opt, shown(v, b, sizeof(b)));
	return 0;
}

enum {
	OPT_STATE = 256,
	OPT_STATE_TYPE,
	OPT_ATTEMPT,
	OPT_MAX_ATTEMPTS,
	OPT_ACK,
	OPT_DOWNTIME,
	OPT_HOST,
	OPT_SERVICE,
	OPT_ACK_MODE,
	OPT_TYPE,
	OPT_AUTHOR,
	OPT_COMMENT,
	OPT_FOREGROUND,
};

static int parse_opts(struct hc *hc, int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"component", required_argument, NULL, 'C'},
	    {"state", required_argument, NULL, OPT_STATE},
	    {"state-type", required_argument, NULL, OPT_STATE_TYPE},
	    {"attempt", required_argument, NULL, OPT_ATTEMPT},
	    {"max-attempts", required_argument, NULL, OPT_MAX_ATTEMPTS},
	    {"ack", required_argument, NULL, OPT_ACK},
	    {"downtime", required_argument, NULL, OPT_DOWNTIME},
	    {"host", required_argument, NULL, OPT_HOST},
	    {"service", required_argument, NULL, OPT_SERVICE},
	    {"ack-notification", no_argument, NULL, OPT_ACK_MODE},
	    {"type", required_argument, NULL, OPT_TYPE},
	    {"author", required_argument, NULL, OPT_AUTHOR},
	    {"comment", required_argument, NULL, OPT_COMMENT},
	    {"foreground", no_argument, NULL, OPT_FOREGROUND},
	    {"verbose", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:C:vhV", longopts, NULL)) !=
	       -1) {
		switch (c) {
		case 'c':
			hc->config = optarg;
			break;
		case 'C':
			hc->component = optarg;
			break;
		case OPT_STATE:
			if (rl_state_parse(optarg, &hc->ev.state) < 0)
				return bad_value("--state", optarg,
						 "OK, WARNING, CRITICAL or "
						 "UNKNOWN");
			hc->have_state = true;
			break;
		case OPT_STATE_TYPE:
			if (rl_heal_parse_state_type(optarg, &hc->ev.hard) < 0)
				return bad_value("--state-type", optarg,
						 "SOFT or HARD");
			hc->have_type = true;
			break;
		case OPT_ATTEMPT:
			if (parse_count("--attempt", optarg, 1, 1000000,
					&hc->ev.attempt))
				return EXIT_USAGE;
			hc->have_attempt = true;
			break;
		case OPT_MAX_ATTEMPTS:
			if (parse_count("--max-attempts", optarg, 1, 1000000,
					&hc->ev.max_attempts))
				return EXIT_USAGE;
			break;
		case OPT_ACK:
			if (parse_count("--ack", optarg, 0, 2, &hc->ev.ack))
				return EXIT_USAGE;
			break;
		case OPT_DOWNTIME:
			if (parse_count("--downtime", optarg, 0, 1000000,
					&hc->ev.downtime))
				return EXIT_USAGE;
			break;
		case OPT_HOST:
			if (check_name("--host", optarg))
				return EXIT_USAGE;
			hc->host = optarg;
			break;
		case OPT_SERVICE:
			if (check_name("--service", optarg))
				return EXIT_USAGE;
			hc->service = optarg;
			break;
		case OPT_ACK_MODE:
			hc->ack_mode = true;
			break;
		case OPT_TYPE:
			hc->type = optarg;
			break;
		case OPT_AUTHOR:
			hc->author = optarg;
			break;
		case OPT_COMMENT:
			hc->comment = optarg;
			break;
		case OPT_FOREGROUND:
			hc->foreground = true;
			break;
		case 'v':
			hc->verbose++;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return EXIT_OK - 1000; /* done, exit 0 */
		case 'V':
			printf(PROG " (relance) %s\n", PACKAGE_VERSION);
			return EXIT_OK - 1000;
		case ':':
			return fail(EXIT_USAGE,
				    "option '%s' needs a value (see --help)",
				    argv[optind - 1]);
		default:
			return fail(EXIT_USAGE,
				    "unknown option '%s' (see --help)",
				    argv[optind - 1]);
		}
	}
	if (optind < argc)
		return fail(EXIT_USAGE, "unexpected argument '%s' (see --help)",
			    argv[optind]);
	if (hc->component == NULL)
		return fail(EXIT_USAGE, "-C COMPONENT is required");
	if (hc->ack_mode) {
		if (hc->type == NULL)
			return fail(EXIT_USAGE,
				    "--ack-notification needs --type");
		return EXIT_OK;
	}
	if (!hc->have_state || !hc->have_type || !hc->have_attempt)
		return fail(EXIT_USAGE, "--state, --state-type and --attempt "
					"are required (see --help)");
	return EXIT_OK;
}

/* ---- journal -------------------------------------------------------- */

static void rec_init(const struct hc *hc, struct rl_journal_rec *r,
		     const char *event)
{
	rl_journal_rec_init(r);
	r->node = hc->model->site.node;
	r->user = hc->user;
	r->event = event;
	r->component = hc->comp->name;
	r->host = hc->comp->host_name;
	if (hc->run_id[0] != '\0')
		r->run = hc->run_id;
}

/* Sends TEXT (command lines) to the core, if it has a command pipe. */
static int send_to_core(const struct hc *hc, const struct rl_buf *text,
			struct rl_err *err)
{
	const char *pipe = hc->model->site.command_file;

	if (pipe == NULL || text->len == 0)
		return 0;
	if (text->oom)
		return rl_err_set(err, "out of memory");
	return rl_monitor_send(pipe, rl_buf_str(text),
			       rl_now_ms() + WRITEBACK_MS, err);
}

/* A comment on the handled service; failures are reported on stderr. */
static void comment(const struct hc *hc, const char *text)
{
	struct rl_err err = {""};
	struct rl_buf b = RL_BUF_INIT;

	if (hc->model->site.command_file == NULL)
		return;
	if (rl_heal_comment(&b, hc->host, hc->service, hc->model->site.node,
			    text, &err) < 0 ||
	    send_to_core(hc, &b, &err) < 0)
		fail(0, "%s: cannot tell the core: %s", hc->comp->name,
		     err.msg);
	rl_buf_free(&b);
}

/*
 * The journal cannot be written: nothing is done. Said on stderr (the
 * core may log it) and, when TELL, as a comment in the core.
 */
static int journal_failed(const struct hc *hc, const char *why, bool tell)
{
	struct rl_buf b = RL_BUF_INIT;

	rl_buf_printf(&b, "%s: %s; nothing done", hc->comp->name, why);
	if (tell && !b.oom)
		comment(hc, rl_buf_str(&b));
	fail(0, "%s", b.oom ? why : rl_buf_str(&b));
	rl_buf_free(&b);
	return EXIT_JOURNAL;
}

static int journal(struct hc *hc, const struct rl_journal_rec *r, bool tell)
{
	struct rl_err err = {""};

	if (hc->journal == NULL)
		return journal_failed(hc, hc->journal_err.msg, tell);
	if (rl_journal_append(hc->journal, r, &err) < 0)
		return journal_failed(hc, err.msg, tell);
	return 0;
}

static int journal_decision(struct hc *hc, const struct rl_heal_decision *d,
			    const char *message)
{
	struct rl_journal_rec r;

	rec_init(hc, &r, "decision");
	r.action = "restart";
	r.result = rl_heal_verdict_name(d->verdict);
	r.reason = d->reason;
	r.message = message;
	r.author = d->author[0] != '\0' ? d->author : NULL;
	if (d->verdict == RL_VERDICT_HEAL ||
	    d->verdict == RL_VERDICT_STAND_DOWN)
		log_line(LOG_NOTICE, "%s: %s: %s (%s %s attempt %d, node %s)",
			 hc->comp->name, r.result, d->reason,
			 rl_state_name(hc->ev.state),
			 hc->ev.hard ? "HARD" : "SOFT", hc->ev.attempt,
			 hc->model->site.node);
	return journal(hc, &r,
		       d->verdict == RL_VERDICT_HEAL ||
			   d->verdict == RL_VERDICT_STAND_DOWN);
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

	rec_init(hc, &r, "hold");
	rl_hold_journal_rec(&r, h, result);
	r.message = why;
	return journal(hc, &r, false);
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
		/* journaled first: a hold nobody can trace is worse than
		 * none */
		r = hold_changed(hc, "set", &h,
				 "acknowledged in the core: held until it "
				 "recovers");
		if (r)
			return r;
		if (rl_hold_set(s->hold_dir, hc->comp->name, RL_HOLD_ACK,
				h.author, s->node, h.reason, &err) < 0)
			return fail(EXIT_INTERNAL, "%s: %s", hc->comp->name,
				    err.msg);
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

/*
 * Closes every descriptor from 3 up that the core left open to us
 * (Nagios passes on what it inherited): a detached worker must hold
 * nothing of the core's.
 */
static void close_inherited(void)
{
	int fd, max;

	if (close_range(3, ~0U, 0) == 0)
		return;
	max = (int)sysconf(_SC_OPEN_MAX);
	if (max < 0 || max > 65536)
		max = 65536;
	for (fd = 3; fd < max; fd++)
		close(fd);
}

/* The longest a plan's levels may take together: for the host lock. */
static int64_t plan_ttl_ms(const struct rl_plan *plan)
{
	int64_t ttl = 0;
	size_t i, j;

	for (i = 0; i < plan->n_levels; i++) {
		int64_t lmax = 0;

		for (j = 0; j < plan->levels[i].n_steps; j++) {
			int64_t st =
			    rl_step_timeout_ms(&plan->levels[i].steps[j]);

			lmax = st > lmax ? st : lmax;
		}
		ttl += lmax;
	}
	return ttl;
}

/* What the worker holds and runs. */
struct work {
	struct rl_transport *t;
	struct rl_buf owner; /* the host lock's owner line */
	/* components whose host lock we hold */
	const struct rl_component *hostlocked[64];
	size_t n_hostlocked;
	/* what to restart: the target, or the down components it requires */
	const struct rl_component *roots[64];
	struct rl_plan *plans[64];
	size_t n_roots;
	struct rl_lock *extra_lock; /* local locks beyond the target's */
};

/* Journals a stand-down and, when TELL, says it in the core. */
static int stand_down(struct hc *hc, const struct rl_heal_decision *d,
		      bool tell)
{
	struct rl_buf b = RL_BUF_INIT;
	int r = journal_decision(hc, d, NULL);

	if (r == 0 && tell) {
		rl_buf_printf(&b, "not restarting %s: %s", hc->comp->name,
			      d->reason);
		comment(hc, b.oom ? d->reason : rl_buf_str(&b));
	}
	rl_buf_free(&b);
	return r;
}

/* The same for a reason the worker found. */
static void stand_down_because(struct hc *hc, const char *reason, bool tell)
{
	struct rl_heal_decision d;

	memset(&d, 0, sizeof(d));
	d.verdict = RL_VERDICT_STAND_DOWN;
	snprintf(d.reason, sizeof(d.reason), "%.600s", reason);
	stand_down(hc, &d, tell);
}

/* Takes the host lock of C; 1 when another node holds it (*reason says
 * who), -1 on failure (err). */
static int lock_host(struct hc *hc, struct work *w,
		     const struct rl_component *c, const struct rl_plan *plan,
		     char *reason, size_t len, struct rl_err *err)
{
	const struct rl_site *s = &hc->model->site;
	struct rl_hostlock_result held;

	if (w->n_hostlocked == sizeof(w->hostlocked) / sizeof(w->hostlocked[0]))
		return rl_err_set(err, "too many host locks");
	if (rl_hostlock_acquire(w->t, c, NULL, rl_buf_str(&w->owner),
				plan_ttl_ms(plan) / 1000 + HOSTLOCK_SPARE_S,
				rl_now_ms() + s->ssh.timeout_ms +
				    c->check_timeout_ms,
				&held, err) < 0)
		return -1;
	if (!held.acquired) {
		snprintf(reason, len,
			 "in progress: host lock of %s on %s held "
			 "by %s",
			 c->name, c->host_name, held.holder);
		return 1;
	}
	if (held.taken_over) { /* its owner, on this node, is gone */
		struct rl_journal_rec r;

		rec_init(hc, &r, "hostlock");
		r.component = c->name;
		r.result = "taken-over";
		r.message = held.previous;
		journal(hc, &r, false);
	}
	w->hostlocked[w->n_hostlocked++] = c;
	return 0;
}

static void unlock_hosts(struct hc *hc, struct work *w)
{
	struct rl_err err = {""};
	struct rl_journal_rec r;
	size_t i;

	for (i = 0; i < w->n_hostlocked; i++) {
		const struct rl_component *c = w->hostlocked[i];

		if (rl_hostlock_release(w->t, c, NULL, rl_buf_str(&w->owner),
					rl_now_ms() +
					    hc->model->site.ssh.timeout_ms,
					&err) < 0) {
			/* it expires by itself; worth a line */
			rec_init(hc, &r, "hostlock");
			r.component = c->name;
			r.result = "failed";
			r.message = err.msg;
			journal(hc, &r, false);
		}
	}
	w->n_hostlocked = 0;
}

/*
 * The target's requirements, transitively, checked with the target: when
 * a component it requires is down, the heal belongs to that one (its
 * restart restarts the target too). The cores may call the dependent's
 * handler first: both go CRITICAL within a check interval. Fills w->roots
 * with the down requirements whose own requirements are up, or with the
 * target alone. Returns 1 with REASON when it must stand down, 0 to go
 * on, -1 on failure.
 */
static int find_roots(struct hc *hc, struct work *w, char *reason, size_t len,
		      struct rl_err *err)
{
	const struct rl_component *target = hc->comp;
	const struct rl_component **set = NULL;
	struct rl_check_result *chk = NULL;
	size_t n = 0, i, j, k, max = hc->model->n_components;
	int64_t deadline = 0;
	int ret = -1;

	set = calloc(max, sizeof(*set));
	if (set == NULL)
		return rl_err_set(err, "out of memory");
	set[n++] = target;
	for (i = 0; i < n; i++) /* breadth first over requires */
		for (j = 0; j < set[i]->n_requires; j++) {
			for (k = 0; k < n; k++)
				if (set[k] == set[i]->requires[j])
					break;
			if (k == n)
			set[n++] = set[i]->requires[j];
		}
	for (i = 0; i < n; i++)
		if (set[i]->check_timeout_ms > deadline)
			deadline = set[i]->check_timeout_ms;
	if (rl_run_checks(w->t, set, n, rl_now_ms() + deadline, &chk, err) < 0)
		goto out;
	if (chk[0].state == RL_STATE_OK) {
		snprintf(reason, len, "already up: %s",
			 chk[0].output ? chk[0].output : "check OK");
		ret = 1;
		goto out;
	}
	w->n_roots = 0;
	for (i = 1; i < n; i++) {
		bool down = chk[i].state == RL_STATE_CRITICAL &&
			    !chk[i].transport_failed,
		     reqs_up = true;

		if (!down)
			continue;
		for (j = 0; j < set[i]->n_requires && reqs_up; j++)
			for (k = 0; k < n; k++)
				if (set[k] == set[i]->requires[j] &&
				    chk[k].state == RL_STATE_CRITICAL)
					reqs_up = false;
		if (!reqs_up)
			continue;
		if (w->n_roots == sizeof(w->roots) / sizeof(w->roots[0]))
			break;
		w->roots[w->n_roots++] = set[i];
	}
	if (w->n_roots == 0)
		w->roots[w->n_roots++] = target;
	ret = 0;
out:
	if (chk != NULL)
		rl_check_results_free(chk, n);
	free(set);
	return ret;
}

/*
 * The target requires components that are down: heal those instead, if
 * nothing forbids it (a hold, heal = never), with the local locks of what
 * their restarts touch beyond the target's own plan. 1 + REASON: stand
 * down.
 */
static int escalate(struct hc *hc, struct work *w, const struct rl_plan *own,
		    char *reason, size_t len, struct rl_err *err)
{
	const struct rl_site *s = &hc->model->site;
	struct rl_hold h;
	struct rl_buf what = RL_BUF_INIT;
	const char **names = NULL;
	size_t i, j, k, n = 0, cap = 0;
	int ret = -1;

	for (i = 0; i < w->n_roots; i++) {
		const struct rl_component *r = w->roots[i];
		char held[600];

		if (r->heal == RL_HEAL_NEVER) {
			snprintf(reason, len,
				 "requires %s, which is down (heal = never "
				 "there)",
				 r->name);
			return 1;
		}
		if (rl_hold_get(s->hold_dir, r->name, &h, err) < 0)
			return -1;
		if (h.set) {
			rl_hold_describe(&h, held, sizeof(held));
			snprintf(reason, len,
				 "requires %s, which is down and %.500s",
				 r->name, held);
			return 1;
		}
		if (rl_plan_build(hc->model, RL_ACTION_RESTART, r->name,
				  &w->plans[i], err) < 0)
			return -1;
		cap += w->plans[i]->n_touched;
	}
	names = calloc(cap ? cap : 1, sizeof(*names));
	if (names == NULL)
		return rl_err_set(err, "out of memory");
	for (i = 0; i < w->n_roots; i++)
		for (j = 0; j < w->plans[i]->n_touched; j++) {
			const char *nm = w->plans[i]->touched[j]->name;

			for (k = 0; k < own->n_touched; k++)
				if (own->touched[k]->name == nm)
					break;
			if (k < own->n_touched)
				continue; /* held since the handler */
			for (k = 0; k < n; k++)
				if (names[k] == nm)
					break;
			if (k == n)
				names[n++] = nm;
		}
	rl_buf_printf(&what, "handle_component restart %s (for %s)",
		      w->roots[0]->name, hc->comp->name);
	if (what.oom) {
		rl_err_set(err, "out of memory");
		goto out;
	}
	if (rl_lock_acquire(s->lock_dir, names, n, rl_buf_str(&what),
			    &w->extra_lock, err) < 0) {
		snprintf(reason, len, "in progress: %s", err->msg);
		ret = 1;
		goto out;
	}
	ret = 0;
out:
	rl_buf_free(&what);
	free(names);
	return ret;
}

/* Runs the plan of root I and writes back; EXIT_OK or EXIT_FAILED. */
static int restart_root(struct hc *hc, struct work *w, size_t i,
			const char *reason)
{
	const struct rl_site *s = &hc->model->site;
	const struct rl_component *c = w->roots[i];
	bool self = c == hc->comp;
	struct rl_err err = {""};
	struct rl_run_report *rep = NULL;
	struct rl_run_opts opts;
	struct rl_journal_rec r;
	struct rl_buf text = RL_BUF_INIT;
	char run_id[40];
	int ret;

	if (!self) {
		/* the heal is the required component's: journaled as its
		 * own, so that its restart_limit counts it */
		rl_run_new_id(run_id, sizeof(run_id));
		rec_init(hc, &r, "decision");
		r.component = c->name;
		r.host = c->host_name;
		r.run = run_id;
		r.action = "restart";
		r.result = "heal";
		r.reason = reason;
		r.message = "the down component that the handled one requires";
		log_line(LOG_NOTICE, "%s: heal: %s (for %s, node %s)", c->name,
			 reason, hc->comp->name, s->node);
		if (journal(hc, &r, true))
			return EXIT_JOURNAL;
	}
	memset(&opts, 0, sizeof(opts));
	opts.journal = hc->journal;
	opts.user = hc->user;
	opts.origin = PROG;
	opts.run_id = self ? hc->run_id : run_id;
	if (rl_run_plan(w->t, hc->model, w->plans[i], &opts, &rep, &err) < 0) {
		journal_failed(hc, err.msg, true);
		rl_run_report_free(rep);
		return EXIT_JOURNAL;
	}
	ret = rep->ok ? EXIT_OK : EXIT_FAILED;
	if (rl_heal_outcome(&text, c, w->plans[i], rep) == 0)
		log_line(rep->ok ? LOG_NOTICE : LOG_ERR, "%s (node %s)",
			 rl_buf_str(&text), s->node);
	rl_buf_reset(&text);
	if (rl_heal_writeback(&text, self ? hc->host : c->host_name,
			      self ? hc->service : c->name, c, w->plans[i], rep,
			      s->node, &err) < 0 ||
	    send_to_core(hc, &text, &err) < 0) {
		rec_init(hc, &r, "writeback");
		r.component = c->name;
		r.host = c->host_name;
		r.run = opts.run_id;
		r.result = "failed";
		r.message = err.msg;
		journal(hc, &r, false);
	} else if (s->command_file != NULL) {
		rec_init(hc, &r, "writeback");
		r.component = c->name;
		r.host = c->host_name;
		r.run = opts.run_id;
		r.result = "ok";
		r.message = rep->ok ? "comment, passive OK, forced check"
				    : "passive CRITICAL, comment";
		journal(hc, &r, false);
	}
	rl_run_report_free(rep);
	rl_buf_free(&text);
	return ret;
}

/* The worker's half: host lock, recheck, restart, write back. */
static int heal(struct hc *hc, struct rl_plan *plan)
{
	struct rl_err err = {""};
	struct rl_journal_rec r;
	struct rl_buf text = RL_BUF_INIT;
	struct work w;
	char reason[600], why[600];
	size_t i;
	int ret = EXIT_FAILED, k;

	memset(&w, 0, sizeof(w));
	w.t = rl_transport_new(hc->model, &err);
	if (w.t == NULL)
		goto failed;

	/* exactly once across monitoring nodes: the lock on the host */
	snprintf(why, sizeof(why), "handle_component restart %s",
		 hc->comp->name);
	if (rl_hostlock_owner(hc->model->site.node, why, &w.owner, &err) < 0)
		goto failed;
	k = lock_host(hc, &w, hc->comp, plan, reason, sizeof(reason), &err);
	if (k < 0)
		goto failed;
	if (k > 0) {
		stand_down_because(hc, reason, false);
		ret = EXIT_OK;
		goto out;
	}
	/* another node may have healed it while we waited; or what it
	 * requires is down */
	k = find_roots(hc, &w, reason, sizeof(reason), &err);
	if (k < 0)
		goto failed;
	if (k > 0) {
		struct rl_buf b = RL_BUF_INIT;

		stand_down_because(hc, reason, false);
		/* let the core see it up */
		if (rl_monitor_cmd_forced_check(&b, hc->host, hc->service,
						&err) == 0)
			send_to_core(hc, &b, &err);
		rl_buf_free(&b);
		ret = EXIT_OK;
		goto out;
	}
	if (w.roots[0] == hc->comp) {
		w.plans[0] = plan;
	} else {
		k = escalate(hc, &w, plan, reason, sizeof(reason), &err);
		if (k < 0)
			goto failed;
		for (i = 0; k == 0 && i < w.n_roots; i++)
			k = lock_host(hc, &w, w.roots[i], w.plans[i], reason,
				      sizeof(reason), &err);
		if (k < 0)
			goto failed;
		if (k > 0) {
			stand_down_because(hc, reason, true);
			ret = EXIT_OK;
			goto out;
		}
	}
	ret = EXIT_OK;
	for (i = 0; i < w.n_roots; i++) {
		snprintf(why, sizeof(why),
			 "requires: %s requires %s, which is down",
			 hc->comp->name, w.roots[i]->name);
		k = restart_root(hc, &w, i, why);
		if (k != EXIT_OK)
			ret = k;
		if (k == EXIT_JOURNAL)
			break;
	}
	goto out;

failed:
	/* nothing was restarted: say why, in the journal and the core */
	rec_init(hc, &r, "plan");
	r.phase = "end";
	r.action = "restart";
	r.result = "failed";
	r.message = err.msg;
	if (journal(hc, &r, true) == 0) {
		rl_buf_printf(&text, "cannot restart %s: %s", hc->comp->name,
			      err.msg);
		comment(hc, text.oom ? err.msg : rl_buf_str(&text));
	}
	ret = EXIT_FAILED;
out:
	if (w.t != NULL)
		unlock_hosts(hc, &w);
	for (i = 0; i < w.n_roots; i++)
		if (w.plans[i] != plan)
			rl_plan_free(w.plans[i]);
	rl_lock_release(w.extra_lock);
	rl_transport_free(w.t);
	rl_buf_free(&w.owner);
	rl_buf_free(&text);
	return ret;
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
	if (s->status_file != NULL && hc->ev.ack < 0) {
		if (rl_monitor_status_dat(s->status_file, hc->host, hc->service,
					  st, &err) < 0)
			fail(0, "%s: %s (acknowledgements not read from it)",
			     hc->comp->name, err.msg);
		else
			f.status = st;
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
	struct rl_lock *lock = NULL;
	struct rl_buf what = RL_BUF_INIT;
	const char **names = NULL;
	bool removed;
	size_t i;
	int r;

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
		return journal_decision(hc, &d, NULL);
	case RL_VERDICT_STAND_DOWN:
		r = stand_down(hc, &d, true);
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
	names = calloc(plan->n_touched ? plan->n_touched : 1, sizeof(*names));
	if (names == NULL) {
		r = fail(EXIT_INTERNAL, "out of memory");
		goto out;
	}
	for (i = 0; i < plan->n_touched; i++)
		names[i] = plan->touched[i]->name;
	rl_buf_printf(&what, "handle_component restart %s", hc->comp->name);
	if (what.oom) {
		r = fail(EXIT_INTERNAL, "out of memory");
		goto out;
	}
	if (rl_lock_acquire(s->lock_dir, names, plan->n_touched,
			    rl_buf_str(&what), &lock, &err) < 0) {
		d.verdict = RL_VERDICT_STAND_DOWN;
		snprintf(d.reason, sizeof(d.reason), "in progress: %s",
			 err.msg);
		/* no comment: the action in progress will say what it did */
		r = stand_down(hc, &d, false);
		if (!r)
			say(hc, "stand-down", d.reason);
		goto out;
	}
	rl_run_new_id(hc->run_id, sizeof(hc->run_id));
	rl_buf_reset(&what);
	rl_buf_printf(&what, "restart of %zu component%s on %zu host%s",
		      plan->n_touched, plan->n_touched == 1 ? "" : "s",
		      plan->n_hosts, plan->n_hosts == 1 ? "" : "s");
	r = journal_decision(hc, &d, what.oom ? NULL : rl_buf_str(&what));
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
			rl_lock_drop(lock);
			lock = NULL;
			r = EXIT_OK;
			goto out;
		}
	}
	r = heal(hc, plan);
out:
	rl_lock_release(lock);
	rl_plan_free(plan);
	rl_buf_free(&what);
	free(names);
	return r;
}

int main(int argc, char **argv)
{
	struct hc hc;
	struct rl_err err = {""};
	int r;

	close_inherited();
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
	hc.journal = rl_journal_open(hc.model->site.journal, &hc.journal_err);
	r = hc.ack_mode ? ack_notification(&hc) : handle(&hc);
	if (hc.verbose && !hc.foreground)
		fprintf(stderr, PROG ": returned after %.1f ms\n",
			(double)(rl_now_us() - hc.t0_us) / 1000.0);
out:
	rl_journal_close(hc.journal);
	rl_model_free(hc.model);
	return r;
}
