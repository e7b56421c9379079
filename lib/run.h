/*
 * run - executes plans and checks through a transport.
 *
 * A step is: a check (start: already up? stop: already down? then the step
 * is skipped and says so), the action command, then the check repeated
 * every check_interval until it gives the wanted state or the step's
 * timeout (start_timeout / stop_timeout) runs out. The steps of a level run
 * at once, at most plan->parallel together; the run stops at the first
 * failed level (the steps of that level already running finish) and the
 * report says which components are down now. Every step is journaled
 * before its action command runs and after it is verified; if the journal
 * cannot be written the run stops before the next command.
 *
 * Up is a check that says OK. Down, what a stop waits for, is a check that
 * ran and said CRITICAL (exit mode: anything but OK); a plugin's WARNING
 * or UNKNOWN still answers, and a check that could not run proves nothing.
 * A RESTART step (the component's own restart command) has no pre-check.
 */
#ifndef RL_RUN_H
#define RL_RUN_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "journal.h"
#include "model.h"
#include "plan.h"
#include "plugin.h"
#include "transport.h"

/* The result of one component's check. Plain struct. */
struct rl_check_result {
	const struct rl_component *comp; /* borrowed */
	enum rl_state state;
	char *output;	   /* first line of output, or what failed;
			      owned, freed by rl_check_results_free */
	char *long_output; /* lines after the first, or NULL */
	int64_t duration_us;
	bool transport_failed; /* the command could not run / timed out */
	bool timed_out;	       /* of those: it ran out of time */
	char via[160];	       /* how it ran (transport.h's rl_cmd.via) */
};

/*
 * Runs the check of each of the N components at once and writes N
 * results (caller frees with rl_check_results_free). exit mode: 0 OK, else
 * CRITICAL; plugin mode: 0..3 pass through with the output. A transport
 * failure or timeout is UNKNOWN with the stage in the output. Returns -1
 * only on allocation failure.
 */
int rl_run_checks(struct rl_transport *t,
		  const struct rl_component *const *comps, size_t n,
		  int64_t deadline_ms, struct rl_check_result **out,
		  struct rl_err *err);
void rl_check_results_free(struct rl_check_result *r, size_t n);

enum rl_step_outcome {
	RL_OUTCOME_NOT_RUN = 0, /* the run stopped before it */
	RL_OUTCOME_DONE,	/* the action ran and was verified */
	RL_OUTCOME_SKIPPED,	/* already in the wanted state */
	RL_OUTCOME_FAILED,	/* the action failed or was not verified */
};

/* One per plan step, in step-number order. Plain struct. */
struct rl_step_report {
	const struct rl_step *step; /* borrowed from the plan */
	enum rl_step_outcome outcome;
	int64_t duration_ms;
	char message[512]; /* "started and verified in 1.2s", "stop
			      exited 1: ...", "still down after 60s" */
	bool interrupted;  /* it was running when a signal stopped the
			      run: outcome FAILED, journaled "interrupted" */
};

struct rl_run_report {
	bool ok;
	struct rl_step_report *steps; /* plan->n_steps entries */
	size_t n_steps;
	/* components of the plan whose last check was not OK, in the
	   plan's touched order (after a failure every component of the
	   plan is checked once more: the ones that are down now) */
	const struct rl_component **down;
	size_t n_down;
	/* components of the plan whose state is not known, in the same
	   order: their last check could not run (host key, lost
	   connection, no answer in time) or said UNKNOWN, or their action
	   ran and was not verified. Never in DOWN. */
	const struct rl_component **unknown;
	size_t n_unknown;
	bool acted;	     /* an action command ran */
	bool journal_failed; /* the run stopped: a record could not be
				written (rl_run_plan returned -1) */
	int64_t duration_ms;
	char run_id[40];  /* "20261124T031205.123Z-PID-RANDOM", in
			     every journal record of the run */
	bool interrupted; /* the transport's cancel fd stopped the run
			     (ok is false); no final check was made */
};
void rl_run_report_free(struct rl_run_report *r);

/* Appends the names of the components down now ("fx/pricer, fx/gateway"),
 * or "none", to B. */
void rl_run_report_down(const struct rl_run_report *rep, struct rl_buf *b);

/* Appends what the report knows of the state left: "down now: LIST" and,
 * when some are unknown, "; state unknown: LIST". */
void rl_run_report_state(const struct rl_run_report *rep, struct rl_buf *b);

/* A new run id: UTC time, pid and random bits (LEN >= 40). */
void rl_run_new_id(char *buf, size_t len);

/* Called after each step ends (for progress output). */
typedef void (*rl_run_progress_cb)(const struct rl_step_report *s, void *ctx);

struct rl_run_opts {
	struct rl_journal *journal;  /* required */
	const char *user;	     /* who asked */
	const char *node;	     /* this node; NULL: model site node */
	const char *origin;	     /* "relancectl", "handle_component" */
	const char *run_id;	     /* NULL: a new one; else this (< 40
					chars), e.g. the handler's decision's */
	rl_run_progress_cb progress; /* may be NULL */
	void *progress_ctx;
};

/*
 * Signals that stop a run. Installs handlers for SIGTERM, SIGINT and SIGHUP
 * (those not ignored on entry: nohup, a script's background job; SA_RESTART)
 * that only note the first signal and write a byte to a
 * non-blocking close-on-exec pipe, and returns the pipe's read end: give it
 * to rl_transport_set_cancel, so that a run stops launching steps, kills
 * what runs and journals the interruption. Call once per process (in a
 * forked worker: after the fork); -1 with err set on failure (or if called
 * twice). The caller owns the fd.
 */
int rl_run_trap_signals(struct rl_err *err);
/* The first signal the handlers above caught, or 0: a main exits with
 * 128 + it (143 TERM, 130 INT, 129 HUP). Async-signal-safe. */
int rl_run_trapped(void);

/*
 * Runs PLAN. Returns 0 when the run happened (report->ok says whether it
 * succeeded), -1 if it could not start or had to stop because the journal
 * failed (err says why; *out still describes what was done, if anything:
 * its journal_failed is set, acted says whether an action command had run
 * before, and down/unknown the state left; no check runs after the
 * failure, so a component whose action ran unverified is unknown).
 * Blocks until the plan ends: at most the sum of its levels' timeouts.
 * The report borrows the plan's steps: free it before the plan.
 *
 * Journal records (run = report->run_id, node, user on each):
 *   event "plan" phase "begin": action, component = target, message
 *     "N steps, by ORIGIN"; phase "end": result ok/failed, duration_ms,
 *     message "N of M steps done; down: a, b; state unknown: c"
 *   event "step" phase "begin" (just before the action command): action
 *     (step kind), component, host, command; phase "end": the same plus
 *     result ok/failed/skipped, exit and signal of the action (if it
 *     ran), duration_ms, message. A skipped step has an end record only.
 *
 * Interruption: once the transport's cancel fd (rl_transport_set_cancel)
 * is readable, no further command starts; the commands running are killed
 * (rl_transport_run); every step that was going gets an end record with
 * result "interrupted", the steps not begun stay "not run", and the plan's
 * end record says "interrupted" too. The run then returns 0 with
 * report->interrupted set and report->ok false, without a final check.
 */
int rl_run_plan(struct rl_transport *t, const struct rl_model *m,
		const struct rl_plan *plan, const struct rl_run_opts *opts,
		struct rl_run_report **out, struct rl_err *err);

#endif
