/*
 * plan - turns "restart X", "start APP", "stop X" into ordered steps.
 *
 * A plan is a list of levels; the steps of one level may run at once (at
 * most `parallel` together), a level starts when the previous one is done.
 *   start X:   X and what it requires (transitively), by ascending level.
 *   stop X:    X and what requires it (transitively), by descending level.
 *   restart X: the targeted restart: X and its transitive dependents
 *              stopped dependents first, then started in dependency order,
 *              each start verified. If X has no dependents and defines its
 *              own `restart` command, one RESTART step.
 *   APP:       the same over every component of the application.
 * Nothing outside that set is touched. Building a plan runs nothing.
 */
#ifndef RL_PLAN_H
#define RL_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "model.h"
#include "util.h"

enum rl_action {
	RL_ACTION_START = 0,
	RL_ACTION_STOP,
	RL_ACTION_RESTART,
};

enum rl_step_kind {
	RL_STEP_STOP = 0, /* stop, then verify the check fails */
	RL_STEP_START,	  /* start, then verify the check passes */
	RL_STEP_RESTART,  /* the component's own restart, then verify */
};

/* Plain struct. */
struct rl_step {
	enum rl_step_kind kind;
	const struct rl_component *comp; /* borrowed from the model */
	/* why it is in the plan: NULL for the target itself, else the
	 * component of the target's set that it requires or that requires it */
	const struct rl_component *because;
	size_t number; /* 1-based, in print order */
};

struct rl_plan_level {
	struct rl_step *steps;
	size_t n_steps;
};

/* Plain struct, owned by whoever built it: rl_plan_free(). */
struct rl_plan {
	enum rl_action action;
	char *target; /* component or application name */
	int target_is_app;
	int parallel; /* steps of a level at once */
	struct rl_plan_level *levels;
	size_t n_levels;
	size_t n_steps;
	/* every component the plan touches, in model topological order */
	const struct rl_component **touched;
	size_t n_touched;
	size_t n_hosts; /* distinct hosts of the touched components */
	size_t n_model_components; /* components in the whole model */
};

/*
 * Builds the plan for ACTION on TARGET (a component, or an application).
 * Errors: "unknown component or application 'x'", with "; did you mean
 * 'app/x'?" when x has no '/' and exactly one component is called x.
 * The model must be resolved. O(n log n) in the components touched (plus
 * one zeroed array of the model's size). Caller frees *out with
 * rl_plan_free().
 *
 * Levels are the model's component levels, keeping only those present in
 * the plan; the steps of a level are sorted by component name. A restart
 * is its stop levels (descending) followed by its start levels
 * (ascending). parallel is the target application's, else the site's.
 */
int rl_plan_build(const struct rl_model *m, enum rl_action action,
		  const char *target, struct rl_plan **out, struct rl_err *err);
void rl_plan_free(struct rl_plan *p);

/* Appends the plan as numbered steps a person reads, one per line. */
void rl_plan_print(const struct rl_plan *p, struct rl_buf *out);
/* Appends the plan as one JSON object. */
void rl_plan_json(const struct rl_plan *p, struct rl_buf *out);

/*
 * How long a step may take, action and verification together:
 * start_timeout_ms, stop_timeout_ms, or for a RESTART step both summed
 * (the component's own restart stops and starts it).
 */
int64_t rl_step_timeout_ms(const struct rl_step *s);

const char *rl_action_name(enum rl_action a); /* "start", ... */
int rl_action_parse(const char *s, enum rl_action *out);
const char *rl_step_kind_name(enum rl_step_kind k);

#endif
