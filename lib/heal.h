/*
 * heal - what the event handler decides, and what it tells the core.
 *
 * The cores call a handler on every SOFT state change, on SOFT->HARD and
 * on recovery (RECIPES.md); relance decides here, from the macros the
 * core passed (struct rl_heal_event) and what relance itself knows
 * (struct rl_heal_facts: a hold, what status.dat or the Icinga 2 API
 * says, how many heals the journal has in the restart_limit window).
 * Deciding is a pure function, so each rule has a unit test.
 *
 * The rules, in order:
 *   OK                          -> RECOVERED (the caller clears an ack hold)
 *   WARNING, UNKNOWN            -> IGNORE ("state": relance heals CRITICAL)
 *   heal = never                -> IGNORE ("policy")
 *   hard, SOFT                  -> IGNORE ("policy": waits for HARD)
 *   soft:N, SOFT attempt < N    -> IGNORE ("policy")
 *   soft:N, SOFT attempt > N    -> IGNORE ("policy": acted at N)
 *   acknowledged (macro; the hold of an ACKNOWLEDGEMENT notification,
 *   "acknowledged by WHO: COMMENT"; else status.dat, "... (status
 *   file)")                            -> STAND_DOWN "acknowledged ..."
 *   in downtime (macro, status.dat)    -> STAND_DOWN "downtime ..."
 *   a hold                             -> STAND_DOWN "held ..." / the ack
 *   heals in the window >= limit       -> STAND_DOWN "restart limit ..."
 *   otherwise                          -> HEAL
 * A retry (ev->retry: the core's re-notification, not a state change)
 * goes through the same rules; on a node whose heal_retry is 0
 * (f->no_retry)                      -> IGNORE ("policy: heal_retry = 0")
 * Every STAND_DOWN is said in the core as a comment; IGNORE is not.
 *
 * The reason of a decision starts with one of the words in quotes above,
 * so that tests and people can grep the journal.
 */
#ifndef RL_HEAL_H
#define RL_HEAL_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "hold.h"
#include "model.h"
#include "monitor.h"
#include "plan.h"
#include "plugin.h"
#include "run.h"
#include "util.h"

/* What the core passed. Plain struct. */
struct rl_heal_event {
	enum rl_state state;
	bool hard;
	int attempt;	  /* 1.. */
	int max_attempts; /* 0: not passed */
	int ack;	  /* 0 none, 1 normal, 2 sticky; -1 not passed */
	int downtime;	  /* depth; -1 not passed */
	/* who acknowledged, when the core says (Icinga 2: --ack-author,
	 * from the acknowledgement's comment); NULL or "": not said */
	const char *ack_author;
	/* a retry (handle_component --retry, the core's re-notification
	 * every heal_retry): the same rules as the handler's event; said in
	 * the reason of a heal and the message of each decision record */
	bool retry;
};

/* Parses the core's words: "SOFT"/"HARD" (or 0/1, Icinga's numbers). */
int rl_heal_parse_state_type(const char *s, bool *hard);

/* What relance knows beside the event. Plain struct; NULL: not known. */
struct rl_heal_facts {
	const struct rl_hold *hold;
	const struct rl_service_status *status; /* status.dat or the API */
	int heals; /* heals of the component in the window */
	/* this node's heal_retry is 0: a retry (ev->retry) is ignored here
	 * (on a master that sends the notifications of a satellite's
	 * services, the satellite heals) */
	bool no_retry;
};

enum rl_heal_verdict {
	RL_VERDICT_IGNORE = 0,
	RL_VERDICT_RECOVERED,
	RL_VERDICT_STAND_DOWN,
	RL_VERDICT_HEAL,
};

struct rl_heal_decision {
	enum rl_heal_verdict verdict;
	char reason[640];
	char author[128]; /* who acknowledged or held, if known */
};

void rl_heal_decide(const struct rl_component *c,
		    const struct rl_heal_event *ev,
		    const struct rl_heal_facts *f,
		    struct rl_heal_decision *out);

/* "ignore", "recovered", "stand-down", "heal": the journal's result. */
const char *rl_heal_verdict_name(enum rl_heal_verdict v);

/*
 * Counts the heals of COMPONENT (journal records event "decision",
 * result "heal") stamped SINCE_MS or later, less those whose run then
 * stood down (a later "decision" record "stand-down" of the same run and
 * component: the host lock held elsewhere, the component up again), which
 * restarted nothing: a retry every heal_retry that stands down must not
 * spend the restart_limit. Reads only the journal's tail.
 */
int rl_heal_count(const char *journal, const char *component, int64_t since_ms,
		  int *count, struct rl_err *err);

/*
 * The write-back after a restart of PLAN reported by REP, as external
 * command lines appended to B (rl_monitor_send them). HOST and SERVICE
 * are the core's objects for the handled component (its --host and
 * --service). On success: a comment on it ("relance: restarted fx/pricer
 * and fx/gateway on fx-app-01 in 4.2s (node mon-1)"), a passive OK for
 * every component restarted (on its own host and service, named as
 * `relancectl generate` names them; the handled one on HOST/SERVICE),
 * and a forced check of HOST/SERVICE. On failure: a passive CRITICAL on
 * HOST/SERVICE naming the components down now, and a comment. Returns
 * -1 with err set when a name cannot travel in a command.
 */
int rl_heal_writeback(struct rl_buf *b, const char *host, const char *service,
		      const struct rl_component *c, const struct rl_plan *plan,
		      const struct rl_run_report *rep, const char *node,
		      struct rl_err *err);

/*
 * What the restart of C (PLAN, run as REP) did, in one line, appended to
 * B: "restarted fx/pricer and fx/gateway on fx-app-01 in 4.2s", "fx/pricer
 * was up, nothing restarted in 80ms", "restart of fx/pricer FAILED after
 * 3.1s: WHY; down now: fx/pricer, fx/gateway". -1 when out of memory.
 */
int rl_heal_outcome(struct rl_buf *b, const struct rl_component *c,
		    const struct rl_plan *plan,
		    const struct rl_run_report *rep);

/* A comment "relance: TEXT (node NODE)" on HOST/SERVICE. */
int rl_heal_comment(struct rl_buf *b, const char *host, const char *service,
		    const char *node, const char *text, struct rl_err *err);

/* ---- the heal of one event -------------------------------------------- */

struct rl_guard;
struct rl_journal;
struct rl_journal_rec;

/* What a heal says beside the journal and the core. */
enum rl_heal_level {
	RL_HEAL_NOTICE, /* a decision or an outcome */
	RL_HEAL_ERR,	/* a failed restart */
	RL_HEAL_ERROR,	/* relance could not do its part (journal, core) */
	RL_HEAL_DETOUR, /* the core was told, past the API's first URL */
};
typedef void rl_heal_log_fn(void *ctx, enum rl_heal_level level,
			    const char *line);

/*
 * The event a heal acts on, and where it reports. Plain struct filled by
 * the caller; every pointer is borrowed and must outlive the calls.
 */
struct rl_heal_ctx {
	const struct rl_model *model;
	const struct rl_component *comp; /* the handled component */
	const struct rl_heal_event *ev;	 /* what the core passed */
	const char *host, *service;	 /* the core's objects for COMP */
	struct rl_journal *journal;	 /* NULL: JOURNAL_ERR says why */
	const char *journal_err;
	const char *user;
	const char *origin;   /* the program, in the journal's plans */
	const char *run_id;   /* the decision's run, "" before it */
	int64_t writeback_ms; /* how long a write to the core may take */
	rl_heal_log_fn *log;  /* one line each; may be NULL */
	void *log_ctx;
	const int *cancel_fd; /* NULL, or the fd that interrupts the heal
				 (rl_run_trap_signals; borrowed) */
};

/* A record with the node, user, event, component, host and run set. */
void rl_heal_rec_init(const struct rl_heal_ctx *h, struct rl_journal_rec *r,
		      const char *event);

/*
 * Appends R to the journal. A journal that cannot be written stops the
 * heal: said at RL_HEAL_ERROR ("fx/pricer: WHY; nothing done") and, when
 * TELL, as a comment in the core. Returns 0, or -1 when it failed.
 */
int rl_heal_journal(const struct rl_heal_ctx *h, const struct rl_journal_rec *r,
		    bool tell);

/* Sends TEXT (command lines) to the core, through its command_file or the
 * Icinga 2 API (rl_monitor_deliver), if either is set, within
 * writeback_ms. A delivery past the API's first URL is said at
 * RL_HEAL_DETOUR ("fx/pricer: write-back through URL2, skipped URL1: ...")
 * and journaled (event "writeback", result "detour", the note as message).
 * Returns 0 or -1 with err set. */
int rl_heal_send(const struct rl_heal_ctx *h, const struct rl_buf *text,
		 struct rl_err *err);

/* A comment on the handled service; a failure is said at RL_HEAL_ERROR. */
void rl_heal_tell(const struct rl_heal_ctx *h, const char *text);

/*
 * Journals decision D (event "decision", result its verdict name) with
 * MESSAGE; a heal or a stand-down is also said at RL_HEAL_NOTICE and, if
 * the journal fails, in the core. Returns 0 or -1 (rl_heal_journal).
 */
int rl_heal_journal_decision(const struct rl_heal_ctx *h,
			     const struct rl_heal_decision *d,
			     const char *message);

/* Journals a stand-down and, when TELL, says it in the core as a comment
 * ("not restarting fx/pricer: REASON"). 0 or -1 (the journal failed). */
int rl_heal_stand_down(const struct rl_heal_ctx *h,
		       const struct rl_heal_decision *d, bool tell);

enum rl_heal_end {
	RL_HEAL_DONE = 0,	/* restarted, or stood down */
	RL_HEAL_FAILED,		/* a restart failed, or could not begin */
	RL_HEAL_NO_JOURNAL,	/* the journal failed before any action ran */
	RL_HEAL_JOURNAL_MIDWAY, /* the journal failed after an action ran:
				   stopped there, the state left said at
				   RL_HEAL_ERROR and in the core */
};

/*
 * The worker's half of a heal of h->comp, whose decision is journaled and
 * whose local locks G holds (PLAN, its restart): takes the host locks
 * (lib/guard), checks it and what it requires again, escalates to the
 * down components it requires, runs the restarts and writes back to the
 * core (a comment, passive results, a forced check), journaling each
 * step; after restarts, with graph_dir set, redraws the application's map
 * there (lib/graph_live: a failure is a warning, logged and journaled as
 * event "graph", never the heal's). A lock held elsewhere, or the component up
 * again, is a stand-down. The host locks are released before it returns; the
 * local ones stay in G. Blocks for as long as the restarts take. When
 * h->cancel_fd becomes readable (a signal), the running restart is
 * interrupted (rl_run_plan), no further one starts, and the host locks are
 * still released.
 */
enum rl_heal_end rl_heal_run(const struct rl_heal_ctx *h, struct rl_guard *g,
			     struct rl_plan *plan);

#endif
