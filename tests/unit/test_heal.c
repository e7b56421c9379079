/*
 * heal: every rule of rl_heal_decide() (lib/heal.h), the heal count over a
 * real journal, the command lines written back to the core, and the
 * worker's half (rl_heal_run) for real: a local component, its journal,
 * host locks in a temporary directory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "guard.h"
#include "heal.h"
#include "journal.h"
#include "rl_model.h"
#include "rl_test.h"

TestSuite(heal, .fini = rl_test_fini);

/* --- decide ------------------------------------------------------------- */

/* A component with the given policy (and the default limit 3/1h). */
static struct rl_component comp(enum rl_heal heal, int soft_attempt)
{
	struct rl_component c;

	memset(&c, 0, sizeof(c));
	c.name = (char *)"fx/pricer";
	c.host_name = (char *)"fx-app-01";
	c.heal = heal;
	c.heal_soft_attempt = soft_attempt;
	c.restart_limit_count = 3;
	c.restart_limit_window_ms = 3600 * 1000;
	return c;
}

static struct rl_heal_event event(enum rl_state state, bool hard, int attempt)
{
	struct rl_heal_event ev = {state, hard, attempt, 0,
				   -1,	  -1,	NULL,	 false};

	return ev;
}

static struct rl_heal_decision decide(const struct rl_component *c,
				      const struct rl_heal_event *ev,
				      const struct rl_heal_facts *f)
{
	struct rl_heal_decision d;

	memset(&d, 0x5a, sizeof(d)); /* decide must fill it all */
	rl_heal_decide(c, ev, f, &d);
	return d;
}

/* The reason starts with WORD followed by ':' or ' ', as heal.h says. */
static void assert_word(const struct rl_heal_decision *d, const char *word)
{
	size_t n = strlen(word);

	cr_assert(strncmp(d->reason, word, n) == 0 &&
		      (d->reason[n] == ':' || d->reason[n] == ' '),
		  "reason '%s' should start with '%s'", d->reason, word);
}

static const struct rl_heal_facts no_facts = {NULL, NULL, 0};

Test(heal, ok_is_recovered_whatever_the_policy)
{
	struct rl_heal_event ev = event(RL_STATE_OK, true, 1);
	enum rl_heal pols[] = {RL_HEAL_HARD, RL_HEAL_SOFT, RL_HEAL_NEVER};
	struct rl_hold hold = {.set = true, .kind = RL_HOLD_MANUAL};
	struct rl_heal_facts f = {&hold, NULL, 99};

	for (size_t i = 0; i < 3; i++) {
		struct rl_component c = comp(pols[i], 2);
		struct rl_heal_decision d = decide(&c, &ev, &f);

		cr_assert_eq(d.verdict, RL_VERDICT_RECOVERED);
		cr_assert_str_eq(d.reason, "state: OK");
		cr_assert_str_eq(d.author, "");
	}
	ev.hard = false;
	ev.ack = 1;
	struct rl_component c = comp(RL_HEAL_HARD, 0);
	cr_assert_eq(decide(&c, &ev, &no_facts).verdict, RL_VERDICT_RECOVERED);
}

Test(heal, warning_and_unknown_are_ignored)
{
	struct rl_component c = comp(RL_HEAL_SOFT, 1);
	struct rl_heal_event ev = event(RL_STATE_WARNING, true, 1);
	struct rl_heal_decision d = decide(&c, &ev, &no_facts);

	cr_assert_eq(d.verdict, RL_VERDICT_IGNORE);
	cr_assert_str_eq(d.reason,
			 "state: WARNING (relance heals CRITICAL only)");
	ev.state = RL_STATE_UNKNOWN;
	ev.hard = false;
	d = decide(&c, &ev, &no_facts);
	cr_assert_eq(d.verdict, RL_VERDICT_IGNORE);
	cr_assert_str_eq(d.reason,
			 "state: UNKNOWN (relance heals CRITICAL only)");
}

Test(heal, never_is_ignored)
{
	struct rl_component c = comp(RL_HEAL_NEVER, 0);
	struct rl_heal_event ev = event(RL_STATE_CRITICAL, true, 3);
	struct rl_heal_decision d = decide(&c, &ev, &no_facts);

	cr_assert_eq(d.verdict, RL_VERDICT_IGNORE);
	cr_assert_str_eq(d.reason, "policy: heal = never");
	ev.hard = false;
	ev.attempt = 1;
	cr_assert_eq(decide(&c, &ev, &no_facts).verdict, RL_VERDICT_IGNORE);
}

Test(heal, hard_waits_for_hard)
{
	struct rl_component c = comp(RL_HEAL_HARD, 0);
	struct rl_heal_event ev = event(RL_STATE_CRITICAL, false, 2);
	struct rl_heal_decision d = decide(&c, &ev, &no_facts);

	cr_assert_eq(d.verdict, RL_VERDICT_IGNORE);
	assert_word(&d, "policy");
	cr_assert_str_eq(d.reason, "policy: heal = hard, waiting for the HARD "
				   "state (SOFT attempt 2)");
	ev.hard = true;
	ev.attempt = 3;
	d = decide(&c, &ev, &no_facts);
	cr_assert_eq(d.verdict, RL_VERDICT_HEAL);
	cr_assert_str_eq(d.reason, "HARD CRITICAL");
}

Test(heal, soft_n_acts_at_n_and_on_hard)
{
	struct rl_component c = comp(RL_HEAL_SOFT, 2);
	struct rl_heal_event ev = event(RL_STATE_CRITICAL, false, 1);
	struct rl_heal_decision d;

	d = decide(&c, &ev, &no_facts);
	cr_assert_eq(d.verdict, RL_VERDICT_IGNORE, "below N");
	cr_assert_str_eq(d.reason, "policy: heal = soft:2, SOFT attempt 1");

	ev.attempt = 2;
	d = decide(&c, &ev, &no_facts);
	cr_assert_eq(d.verdict, RL_VERDICT_HEAL, "at N");
	cr_assert_str_eq(d.reason, "SOFT CRITICAL (attempt 2, heal = soft:2)");

	ev.attempt = 3;
	d = decide(&c, &ev, &no_facts);
	cr_assert_eq(d.verdict, RL_VERDICT_IGNORE, "above N: acted at N");
	assert_word(&d, "policy");
	cr_assert_str_eq(
	    d.reason,
	    "policy: heal = soft:2 acted at attempt 2 (SOFT attempt 3)");

	/* HARD always acts (the SOFT attempt at N may have been missed) */
	ev.hard = true;
	ev.attempt = 4;
	d = decide(&c, &ev, &no_facts);
	cr_assert_eq(d.verdict, RL_VERDICT_HEAL);
	cr_assert_str_eq(d.reason, "HARD CRITICAL");
	ev.attempt = 1;
	cr_assert_eq(decide(&c, &ev, &no_facts).verdict, RL_VERDICT_HEAL);
}

Test(heal, acknowledged_by_macro)
{
	struct rl_component c = comp(RL_HEAL_HARD, 0);
	struct rl_heal_event ev = event(RL_STATE_CRITICAL, true, 3);
	struct rl_heal_decision d;

	ev.ack = 1;
	d = decide(&c, &ev, &no_facts);
	cr_assert_eq(d.verdict, RL_VERDICT_STAND_DOWN);
	cr_assert_str_eq(d.reason, "acknowledged in the core (normal)");
	ev.ack = 2;
	d = decide(&c, &ev, &no_facts);
	cr_assert_eq(d.verdict, RL_VERDICT_STAND_DOWN);
	cr_assert_str_eq(d.reason, "acknowledged in the core (sticky)");
	/* Icinga 2's --ack-author: the record is theirs */
	ev.ack_author = "carol";
	d = decide(&c, &ev, &no_facts);
	cr_assert_str_eq(d.reason,
			 "acknowledged in the core (sticky) by carol");
	cr_assert_str_eq(d.author, "carol");
	ev.ack_author = "";
	d = decide(&c, &ev, &no_facts);
	cr_assert_str_eq(d.reason, "acknowledged in the core (sticky)");
	cr_assert_str_eq(d.author, "");
	ev.ack_author = NULL;
	ev.ack = 0;
	cr_assert_eq(decide(&c, &ev, &no_facts).verdict, RL_VERDICT_HEAL);
	ev.ack = -1; /* not passed */
	cr_assert_eq(decide(&c, &ev, &no_facts).verdict, RL_VERDICT_HEAL);
}

Test(heal, status_file_acknowledged_and_downtime)
{
	struct rl_component c = comp(RL_HEAL_HARD, 0);
	struct rl_heal_event ev = event(RL_STATE_CRITICAL, true, 3);
	struct rl_service_status st = {.found = true, .acknowledged = true};
	struct rl_heal_facts f = {NULL, &st, 0};
	struct rl_heal_decision d;

	d = decide(&c, &ev, &f);
	cr_assert_eq(d.verdict, RL_VERDICT_STAND_DOWN);
	cr_assert_str_eq(d.reason, "acknowledged in the core (status file)");

	/* the acknowledgement's hold decided, not the status file: the text
	 * says so, and who */
	{
		struct rl_hold h = {.set = true, .kind = RL_HOLD_ACK};
		struct rl_heal_facts fh = {&h, &st, 0};

		snprintf(h.author, sizeof(h.author), "alice");
		snprintf(h.reason, sizeof(h.reason), "looking at it");
		d = decide(&c, &ev, &fh);
		cr_assert_eq(d.verdict, RL_VERDICT_STAND_DOWN);
		cr_assert_str_eq(d.reason,
				 "acknowledged by alice: looking at it");
		cr_assert_str_eq(d.author, "alice");
	}

	st.acknowledged = false;
	st.downtime_depth = 1;
	d = decide(&c, &ev, &f);
	cr_assert_eq(d.verdict, RL_VERDICT_STAND_DOWN);
	assert_word(&d, "downtime");
	cr_assert_str_eq(d.reason,
			 "downtime: the service is in scheduled downtime");

	/* a service the status file does not know says nothing */
	st.found = false;
	st.acknowledged = true;
	cr_assert_eq(decide(&c, &ev, &f).verdict, RL_VERDICT_HEAL);
	st.found = true;
	st.acknowledged = false;
	st.downtime_depth = 0;
	cr_assert_eq(decide(&c, &ev, &f).verdict, RL_VERDICT_HEAL);
}

Test(heal, downtime_macro)
{
	struct rl_component c = comp(RL_HEAL_HARD, 0);
	struct rl_heal_event ev = event(RL_STATE_CRITICAL, true, 3);
	struct rl_heal_decision d;

	ev.downtime = 1;
	d = decide(&c, &ev, &no_facts);
	cr_assert_eq(d.verdict, RL_VERDICT_STAND_DOWN);
	assert_word(&d, "downtime");
	ev.downtime = 2;
	cr_assert_eq(decide(&c, &ev, &no_facts).verdict, RL_VERDICT_STAND_DOWN);
	ev.downtime = 0;
	cr_assert_eq(decide(&c, &ev, &no_facts).verdict, RL_VERDICT_HEAL);
}

Test(heal, holds_ack_and_manual_copy_the_author)
{
	struct rl_component c = comp(RL_HEAL_HARD, 0);
	struct rl_heal_event ev = event(RL_STATE_CRITICAL, true, 3);
	struct rl_hold h = {.set = true, .kind = RL_HOLD_ACK, .since = 0};
	struct rl_heal_facts f = {&h, NULL, 0};
	struct rl_heal_decision d;
	char want[700];

	snprintf(h.author, sizeof(h.author), "alice");
	snprintf(h.reason, sizeof(h.reason), "disk full on fx-app-01");
	d = decide(&c, &ev, &f);
	cr_assert_eq(d.verdict, RL_VERDICT_STAND_DOWN);
	assert_word(&d, "acknowledged");
	cr_assert_str_eq(d.reason,
			 "acknowledged by alice: disk full on fx-app-01");
	cr_assert_str_eq(d.author, "alice");

	h.kind = RL_HOLD_MANUAL;
	h.since = time(NULL);
	snprintf(h.author, sizeof(h.author), "bob");
	snprintf(h.reason, sizeof(h.reason), "maintenance");
	d = decide(&c, &ev, &f);
	cr_assert_eq(d.verdict, RL_VERDICT_STAND_DOWN);
	assert_word(&d, "held");
	rl_hold_describe(&h, want, sizeof(want));
	cr_assert_str_eq(d.reason, want);
	cr_assert(strncmp(d.reason, "held by bob since ", 18) == 0, "%s",
		  d.reason);
	cr_assert_str_eq(d.author, "bob");

	/* a hold that is not set is no hold */
	h.set = false;
	d = decide(&c, &ev, &f);
	cr_assert_eq(d.verdict, RL_VERDICT_HEAL);
	cr_assert_str_eq(d.author, "");
}

Test(heal, restart_limit)
{
	struct rl_component c = comp(RL_HEAL_HARD, 0);
	struct rl_heal_event ev = event(RL_STATE_CRITICAL, true, 3);
	struct rl_heal_facts f = {NULL, NULL, 2};
	struct rl_heal_decision d;

	d = decide(&c, &ev, &f);
	cr_assert_eq(d.verdict, RL_VERDICT_HEAL, "limit - 1: still heals");
	f.heals = 3;
	d = decide(&c, &ev, &f);
	cr_assert_eq(d.verdict, RL_VERDICT_STAND_DOWN, "at the limit");
	assert_word(&d, "restart limit");
	cr_assert_str_eq(d.reason, "restart limit: 3 restarts in 1h, "
				   "a human is needed");
	f.heals = 7;
	cr_assert_eq(decide(&c, &ev, &f).verdict, RL_VERDICT_STAND_DOWN);

	c.restart_limit_count = 1;
	c.restart_limit_window_ms = 10 * 60 * 1000;
	f.heals = 1;
	d = decide(&c, &ev, &f);
	cr_assert_str_eq(d.reason, "restart limit: 1 restart in 10m, "
				   "a human is needed");
	f.heals = 0;
	cr_assert_eq(decide(&c, &ev, &f).verdict, RL_VERDICT_HEAL);
}

/* When several rules apply the first one in heal.h's list wins. */
Test(heal, order_of_the_rules)
{
	struct rl_component c = comp(RL_HEAL_SOFT, 2);
	struct rl_heal_event ev = event(RL_STATE_CRITICAL, false, 1);
	struct rl_service_status st = {
	    .found = true, .acknowledged = true, .downtime_depth = 1};
	struct rl_hold h = {.set = true, .kind = RL_HOLD_MANUAL};
	struct rl_heal_facts f = {&h, &st, 5};
	struct rl_heal_decision d;

	snprintf(h.author, sizeof(h.author), "bob");
	ev.ack = 1;
	ev.downtime = 1;
	/* policy before everything: SOFT attempt 1 of soft:2 is ignored, and
	 * an ignore is not said in the core */
	d = decide(&c, &ev, &f);
	cr_assert_eq(d.verdict, RL_VERDICT_IGNORE);
	assert_word(&d, "policy");
	ev.attempt = 2;
	d = decide(&c, &ev, &f);
	assert_word(&d, "acknowledged");
	cr_assert_str_eq(d.reason, "acknowledged in the core (normal)");
	cr_assert_str_eq(d.author, "", "the macro does not say who");
	ev.ack = 0;
	d = decide(&c, &ev, &f);
	cr_assert_str_eq(d.reason, "acknowledged in the core (status file)");
	st.acknowledged = false;
	d = decide(&c, &ev, &f);
	assert_word(&d, "downtime");
	ev.downtime = 0;
	st.downtime_depth = 0;
	d = decide(&c, &ev, &f);
	assert_word(&d, "held");
	cr_assert_str_eq(d.author, "bob");
	h.set = false;
	d = decide(&c, &ev, &f);
	assert_word(&d, "restart limit");
	f.heals = 2;
	d = decide(&c, &ev, &f);
	cr_assert_eq(d.verdict, RL_VERDICT_HEAL);
	/* state before policy */
	c.heal = RL_HEAL_NEVER;
	ev.state = RL_STATE_UNKNOWN;
	d = decide(&c, &ev, &f);
	assert_word(&d, "state");
}

Test(heal, verdict_names)
{
	cr_assert_str_eq(rl_heal_verdict_name(RL_VERDICT_IGNORE), "ignore");
	cr_assert_str_eq(rl_heal_verdict_name(RL_VERDICT_RECOVERED),
			 "recovered");
	cr_assert_str_eq(rl_heal_verdict_name(RL_VERDICT_STAND_DOWN),
			 "stand-down");
	cr_assert_str_eq(rl_heal_verdict_name(RL_VERDICT_HEAL), "heal");
}

Test(heal, parse_state_type)
{
	bool hard = false;

	cr_assert_eq(rl_heal_parse_state_type("HARD", &hard), 0);
	cr_assert(hard);
	cr_assert_eq(rl_heal_parse_state_type("SOFT", &hard), 0);
	cr_assert_not(hard);
	cr_assert_eq(rl_heal_parse_state_type("1", &hard), 0);
	cr_assert(hard);
	cr_assert_eq(rl_heal_parse_state_type("0", &hard), 0);
	cr_assert_not(hard);
	cr_assert_eq(rl_heal_parse_state_type("hard", &hard), 0);
	cr_assert(hard);
	cr_assert_eq(rl_heal_parse_state_type("soft", &hard), 0);
	cr_assert_not(hard);
	hard = true;
	const char *bad[] = {"",      "2",  "HARDER", "SOF",
			     " HARD", "01", "-1",     "$SERVICESTATETYPE$"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(rl_heal_parse_state_type(bad[i], &hard), -1,
			     "'%s'", bad[i]);
		cr_assert(hard, "'%s' left *hard alone", bad[i]);
	}
}

/* --- count -------------------------------------------------------------- */

static void append(struct rl_journal *j, int64_t ts, const char *event,
		   const char *component, const char *result)
{
	struct rl_journal_rec r;
	struct rl_err err = {""};

	rl_journal_rec_init(&r);
	r.ts_ms = ts;
	r.event = event;
	r.component = component;
	r.result = result;
	r.reason = "test";
	cr_assert_eq(rl_journal_append(j, &r, &err), 0, "%s", err.msg);
}

Test(heal, count_over_a_real_journal)
{
	char dir[64], path[128];
	struct rl_err err = {""};
	struct rl_journal *j;
	int64_t now = rl_wall_ms();
	int n = -1;

	rl_test_tmpdir(dir, sizeof(dir), "heal");
	snprintf(path, sizeof(path), "%s/journal.jsonl", dir);
	cr_assert_eq(rl_heal_count(path, "fx/pricer", now - 3600000, &n, &err),
		     0, "a missing journal: %s", err.msg);
	cr_assert_eq(n, 0);
	j = rl_journal_open(path, &err);
	cr_assert_not_null(j, "%s", err.msg);
	/* outside the window (two hours ago): not counted */
	append(j, now - 7200000, "decision", "fx/pricer", "heal");
	append(j, now - 3600000 - 1, "decision", "fx/pricer", "heal");
	/* in the window */
	append(j, now - 3600000, "decision", "fx/pricer", "heal");
	append(j, now - 1800000, "decision", "fx/pricer", "stand-down");
	append(j, now - 1700000, "decision", "fx/pricer", "ignore");
	append(j, now - 1600000, "decision", "fx/gateway", "heal");
	append(j, now - 1500000, "step", "fx/pricer", "ok");
	append(j, now - 1400000, "plan", "fx/pricer", "heal");
	append(j, now - 1300000, "decision", "fx/pricer2", "heal");
	append(j, now - 1200000, "decision", "fx/pricer", "heal");
	append(j, now - 1000, "decision", "fx/pricer", "heal");
	append(j, now - 500, "decision", NULL, "heal");
	append(j, now - 400, "decision", "fx/pricer", NULL);
	append(j, now - 300, NULL, "fx/pricer", "heal");
	rl_journal_close(j);

	cr_assert_eq(rl_heal_count(path, "fx/pricer", now - 3600000, &n, &err),
		     0, "%s", err.msg);
	cr_assert_eq(n, 3);
	cr_assert_eq(rl_heal_count(path, "fx/gateway", now - 3600000, &n, &err),
		     0);
	cr_assert_eq(n, 1);
	cr_assert_eq(rl_heal_count(path, "fx/pricer", now - 60000, &n, &err),
		     0);
	cr_assert_eq(n, 1);
	cr_assert_eq(rl_heal_count(path, "fx/pricer", now - 8000000, &n, &err),
		     0);
	cr_assert_eq(n, 5);
	cr_assert_eq(rl_heal_count(path, "fx/none", now - 8000000, &n, &err),
		     0);
	cr_assert_eq(n, 0);

	/* a journal that cannot be read is an error, and *count is 0 */
	n = 9;
	cr_assert_eq(rl_heal_count(dir, "fx/pricer", now - 60000, &n, &err),
		     -1);
	cr_assert_eq(n, 0);
	cr_assert(strstr(err.msg, dir) != NULL, "%s", err.msg);
	rl_test_rmtree(dir);
}

static void append_run(struct rl_journal *j, int64_t ts, const char *run,
		       const char *component, const char *result)
{
	struct rl_journal_rec r;
	struct rl_err err = {""};

	rl_journal_rec_init(&r);
	r.ts_ms = ts;
	r.event = "decision";
	r.run = run;
	r.component = component;
	r.result = result;
	r.reason = "test";
	cr_assert_eq(rl_journal_append(j, &r, &err), 0, "%s", err.msg);
}

/* A heal whose run then stood down (the host lock held elsewhere, the
 * component up again) restarted nothing: not counted. A stand-down of
 * another run, or of another component in the same run, takes nothing
 * off; a stand-down before its heal neither. */
Test(heal, count_leaves_out_heals_whose_run_stood_down)
{
	char dir[64], path[128];
	struct rl_err err = {""};
	struct rl_journal *j;
	int64_t now = rl_wall_ms();
	int n = -1;

	rl_test_tmpdir(dir, sizeof(dir), "heal");
	snprintf(path, sizeof(path), "%s/journal.jsonl", dir);
	j = rl_journal_open(path, &err);
	cr_assert_not_null(j, "%s", err.msg);
	append_run(j, now - 9000, "r1", "fx/pricer", "heal");
	append_run(j, now - 8900, "r1", "fx/pricer", "stand-down");
	append_run(j, now - 8000, "r2", "fx/pricer", "heal");
	append_run(j, now - 7900, "r2", "fx/gateway", "stand-down");
	append_run(j, now - 7000, "r3", "fx/pricer", "heal");
	append_run(j, now - 6900, "r9", "fx/pricer", "stand-down");
	append_run(j, now - 6000, "r4", "fx/pricer", "stand-down");
	append_run(j, now - 5900, "r4", "fx/pricer", "heal");
	append_run(j, now - 5000, "r5", "fx/pricer", "heal");
	append_run(j, now - 4900, "r5", "fx/pricer", "stand-down");
	append_run(j, now - 4800, "r5", "fx/pricer", "stand-down");
	rl_journal_close(j);

	cr_assert_eq(rl_heal_count(path, "fx/pricer", now - 60000, &n, &err), 0,
		     "%s", err.msg);
	cr_assert_eq(n, 3, "r2, r3, r4 count; r1 and r5 stood down: %d", n);
	/* the window starts after r1's heal, at its stand-down: r1 is not
	 * in it and its stand-down takes nothing off */
	cr_assert_eq(rl_heal_count(path, "fx/pricer", now - 8950, &n, &err), 0,
		     "%s", err.msg);
	cr_assert_eq(n, 3, "%d", n);
	rl_test_rmtree(dir);
}

/* --- write-back --------------------------------------------------------- */

/*
 * fx/db on fx-db-01; fx/pricer on fx-app-01 requires db; fx/gateway on
 * fx-web-01 and fx/cache on fx-app-01 require pricer. "restart fx/pricer"
 * touches pricer, cache and gateway.
 */
struct world {
	struct rl_model *m;
	struct rl_plan *plan;
	struct rl_run_report rep;
	const struct rl_component *down[4];
	struct rl_component *pricer;
};

static void world_init(struct world *w)
{
	struct rl_err err = {""};
	const char *hosts[] = {"fx-db-01", "fx-app-01", "fx-web-01"};
	size_t i, j, k = 0;

	memset(w, 0, sizeof(*w));
	w->m = rl_model_new();
	cr_assert_not_null(w->m);
	for (i = 0; i < 3; i++)
		rl_test_host(w->m, hosts[i], RL_TEST_NOWHERE);
	rl_test_comp(w->m, "fx/db", "fx-db-01", NULL, RL_TEST_NOWHERE);
	w->pricer =
	    rl_test_comp(w->m, "fx/pricer", "fx-app-01", "db", RL_TEST_NOWHERE);
	rl_test_comp(w->m, "fx/gateway", "fx-web-01", "pricer",
		     RL_TEST_NOWHERE);
	rl_test_comp(w->m, "fx/cache", "fx-app-01", "pricer", RL_TEST_NOWHERE);
	rl_test_resolve(w->m);
	cr_assert_eq(
	    rl_plan_build(w->m, RL_ACTION_RESTART, "fx/pricer", &w->plan, &err),
	    0, "%s", err.msg);
	cr_assert_eq(w->plan->n_touched, 3);
	cr_assert_eq(w->plan->n_steps, 6);
	w->rep.steps = calloc(w->plan->n_steps, sizeof(*w->rep.steps));
	cr_assert_not_null(w->rep.steps);
	w->rep.n_steps = w->plan->n_steps;
	for (i = 0; i < w->plan->n_levels; i++)
		for (j = 0; j < w->plan->levels[i].n_steps; j++) {
			w->rep.steps[k].step = &w->plan->levels[i].steps[j];
			w->rep.steps[k].outcome = RL_OUTCOME_DONE;
			snprintf(w->rep.steps[k].message,
				 sizeof(w->rep.steps[k].message), "done");
			k++;
		}
	w->rep.ok = true;
	w->rep.duration_ms = 4210;
	w->rep.down = w->down;
}

static void world_free(struct world *w)
{
	free(w->rep.steps);
	rl_plan_free(w->plan);
	rl_model_free(w->m);
}

/* The report's entry for the KIND step of component NAME. */
static struct rl_step_report *step_of(struct world *w, enum rl_step_kind kind,
				      const char *name)
{
	for (size_t i = 0; i < w->rep.n_steps; i++)
		if (w->rep.steps[i].step->kind == kind &&
		    !strcmp(w->rep.steps[i].step->comp->name, name))
			return &w->rep.steps[i];
	cr_assert_fail("no %s step for %s", rl_step_kind_name(kind), name);
	return NULL;
}

/*
 * Splits the command lines of B, checking that each starts with a stamp
 * "[now] " and returns them without it (LINES[i] are in one buffer the
 * caller frees).
 */
static size_t lines_of(const struct rl_buf *b, char **lines, size_t max,
		       char **store)
{
	char *p, *nl;
	size_t n = 0;
	long long ts;
	int off;

	*store = strdup(rl_buf_str(b));
	cr_assert_not_null(*store);
	for (p = *store; *p != '\0'; p = nl + 1) {
		nl = strchr(p, '\n');
		cr_assert_not_null(nl, "every command ends its line: %s", p);
		*nl = '\0';
		cr_assert_eq(sscanf(p, "[%lld] %n", &ts, &off), 1, "%s", p);
		cr_assert_leq(llabs(ts - (long long)time(NULL)), 5);
		cr_assert_lt(n, max);
		lines[n++] = p + off;
	}
	return n;
}

Test(heal, writeback_success)
{
	struct world w;
	struct rl_buf b = RL_BUF_INIT;
	struct rl_err err = {""};
	char *lines[16], *store;
	size_t n;

	world_init(&w);
	cr_assert_eq(rl_heal_writeback(&b, "app01.example", "pricer service",
				       w.pricer, w.plan, &w.rep, "mon-1", &err),
		     0, "%s", err.msg);
	n = lines_of(&b, lines, 16, &store);
	cr_assert_eq(n, 5, "%s", rl_buf_str(&b));
	/* restarted in the plan's touched order (model topological order) */
	cr_assert_str_eq(
	    lines[0], "ADD_SVC_COMMENT;app01.example;pricer service;0;relance;"
		      "relance: restarted fx/pricer, fx/cache and fx/gateway "
		      "on fx-app-01, fx-web-01 in 4.2s (node mon-1)");
	cr_assert_str_eq(
	    lines[1],
	    "PROCESS_SERVICE_CHECK_RESULT;app01.example;pricer service;0;"
	    "COMPONENT OK - fx/pricer on fx-app-01 is up (restarted by "
	    "relance, node mon-1)");
	cr_assert_str_eq(
	    lines[2],
	    "PROCESS_SERVICE_CHECK_RESULT;fx-app-01;fx/cache;0;"
	    "COMPONENT OK - fx/cache on fx-app-01 is up (restarted by "
	    "relance, node mon-1)");
	cr_assert_str_eq(
	    lines[3],
	    "PROCESS_SERVICE_CHECK_RESULT;fx-web-01;fx/gateway;0;"
	    "COMPONENT OK - fx/gateway on fx-web-01 is up (restarted by "
	    "relance, node mon-1)");
	cr_assert(strncmp(lines[4],
			  "SCHEDULE_FORCED_SVC_CHECK;app01.example;"
			  "pricer service;",
			  40) == 0,
		  "%s", lines[4]);
	cr_assert_null(strstr(rl_buf_str(&b), "fx/db"),
		       "fx/db was not touched: %s", rl_buf_str(&b));
	free(store);
	rl_buf_free(&b);
	world_free(&w);
}

Test(heal, writeback_success_skipped_start_not_listed)
{
	struct world w;
	struct rl_buf b = RL_BUF_INIT;
	struct rl_err err = {""};
	char *lines[16], *store;
	size_t n;

	world_init(&w);
	/* gateway was already up again: its start was skipped; its stop
	 * still ran, which does not make it "restarted" */
	step_of(&w, RL_STEP_START, "fx/gateway")->outcome = RL_OUTCOME_SKIPPED;
	w.rep.duration_ms = 850;
	cr_assert_eq(rl_heal_writeback(&b, "fx-app-01", "fx/pricer", w.pricer,
				       w.plan, &w.rep, "mon-2", &err),
		     0, "%s", err.msg);
	n = lines_of(&b, lines, 16, &store);
	cr_assert_eq(n, 4, "%s", rl_buf_str(&b));
	cr_assert_str_eq(
	    lines[0], "ADD_SVC_COMMENT;fx-app-01;fx/pricer;0;relance;"
		      "relance: restarted fx/pricer and fx/cache on fx-app-01 "
		      "in 850ms (node mon-2)");
	cr_assert(strncmp(lines[1],
			  "PROCESS_SERVICE_CHECK_RESULT;fx-app-01;"
			  "fx/pricer;0;",
			  44) == 0,
		  "%s", lines[1]);
	cr_assert(strncmp(lines[2],
			  "PROCESS_SERVICE_CHECK_RESULT;fx-app-01;"
			  "fx/cache;0;",
			  43) == 0,
		  "%s", lines[2]);
	cr_assert(strncmp(lines[3],
			  "SCHEDULE_FORCED_SVC_CHECK;fx-app-01;"
			  "fx/pricer;",
			  36) == 0,
		  "%s", lines[3]);
	cr_assert_null(strstr(rl_buf_str(&b), "gateway"), "%s", rl_buf_str(&b));
	free(store);

	/* everything skipped: nothing restarted, still a comment and a check */
	for (size_t i = 0; i < w.rep.n_steps; i++)
		w.rep.steps[i].outcome =
		    w.rep.steps[i].step->kind == RL_STEP_STOP
			? RL_OUTCOME_DONE
			: RL_OUTCOME_SKIPPED;
	rl_buf_reset(&b);
	cr_assert_eq(rl_heal_writeback(&b, "fx-app-01", "fx/pricer", w.pricer,
				       w.plan, &w.rep, "mon-2", &err),
		     0);
	n = lines_of(&b, lines, 16, &store);
	cr_assert_eq(n, 2, "%s", rl_buf_str(&b));
	cr_assert_str_eq(lines[0],
			 "ADD_SVC_COMMENT;fx-app-01;fx/pricer;0;relance;"
			 "relance: fx/pricer was up, nothing restarted "
			 "in 850ms (node mon-2)");
	cr_assert(strncmp(lines[1], "SCHEDULE_FORCED_SVC_CHECK;", 26) == 0);
	free(store);
	rl_buf_free(&b);
	world_free(&w);
}

Test(heal, writeback_failure)
{
	struct world w;
	struct rl_buf b = RL_BUF_INIT;
	struct rl_err err = {""};
	struct rl_step_report *s;
	char *lines[16], *store;
	size_t n;

	world_init(&w);
	w.rep.ok = false;
	w.rep.duration_ms = 61500;
	s = step_of(&w, RL_STEP_START, "fx/pricer");
	s->outcome = RL_OUTCOME_FAILED;
	snprintf(s->message, sizeof(s->message), "still down after 60s");
	step_of(&w, RL_STEP_START, "fx/cache")->outcome = RL_OUTCOME_NOT_RUN;
	step_of(&w, RL_STEP_START, "fx/gateway")->outcome = RL_OUTCOME_NOT_RUN;
	w.down[0] = w.pricer;
	w.down[1] = rl_model_component(w.m, "fx/cache");
	w.down[2] = rl_model_component(w.m, "fx/gateway");
	w.rep.n_down = 3;
	cr_assert_eq(rl_heal_writeback(&b, "app01", "pricer", w.pricer, w.plan,
				       &w.rep, "mon-1", &err),
		     0, "%s", err.msg);
	n = lines_of(&b, lines, 16, &store);
	cr_assert_eq(n, 2, "%s", rl_buf_str(&b));
	cr_assert_str_eq(
	    lines[0],
	    "PROCESS_SERVICE_CHECK_RESULT;app01;pricer;2;"
	    "COMPONENT CRITICAL - relance: restart of fx/pricer failed: "
	    "down now: fx/pricer, fx/cache, fx/gateway");
	cr_assert_str_eq(
	    lines[1],
	    "ADD_SVC_COMMENT;app01;pricer;0;relance;"
	    "relance: restart of fx/pricer FAILED after 1m01s: still "
	    "down after 60s; down now: fx/pricer, fx/cache, fx/gateway "
	    "(node mon-1)");
	free(store);

	/* no failed step (the run stopped, say), nothing down */
	s->outcome = RL_OUTCOME_NOT_RUN;
	w.rep.n_down = 0;
	rl_buf_reset(&b);
	cr_assert_eq(rl_heal_writeback(&b, "app01", "pricer", w.pricer, w.plan,
				       &w.rep, "mon-1", &err),
		     0);
	n = lines_of(&b, lines, 16, &store);
	cr_assert_eq(n, 2);
	cr_assert_str_eq(
	    lines[0],
	    "PROCESS_SERVICE_CHECK_RESULT;app01;pricer;2;"
	    "COMPONENT CRITICAL - relance: restart of fx/pricer failed: "
	    "down now: none");
	cr_assert_str_eq(lines[1], "ADD_SVC_COMMENT;app01;pricer;0;relance;"
				   "relance: restart of fx/pricer FAILED after "
				   "1m01s; down now: none (node mon-1)");
	free(store);
	rl_buf_free(&b);
	world_free(&w);
}

Test(heal, writeback_refuses_names_that_cannot_travel)
{
	const char *bad[] = {"a;b", "a\nb", "a\rb"};
	struct world w;
	struct rl_err err = {""};

	world_init(&w);
	for (int ok = 1; ok >= 0; ok--) {
		w.rep.ok = ok;
		for (size_t i = 0; i < 3; i++) {
			struct rl_buf b = RL_BUF_INIT;

			err.msg[0] = '\0';
			cr_assert_eq(rl_heal_writeback(&b, bad[i], "svc",
						       w.pricer, w.plan, &w.rep,
						       "mon-1", &err),
				     -1);
			cr_assert(strstr(err.msg, "refused") != NULL, "%s",
				  err.msg);
			rl_buf_free(&b);
			cr_assert_eq(rl_heal_writeback(&b, "h", bad[i],
						       w.pricer, w.plan, &w.rep,
						       "mon-1", &err),
				     -1);
			cr_assert(strstr(err.msg, "refused") != NULL, "%s",
				  err.msg);
			rl_buf_free(&b);
		}
	}
	world_free(&w);
}

Test(heal, comment_text_stays_on_one_line)
{
	struct rl_buf b = RL_BUF_INIT;
	struct rl_err err = {""};
	char *lines[4], *store;

	cr_assert_eq(rl_heal_comment(&b, "h", "s", "mon-1",
				     "not restarting fx/pricer: held by bob\n"
				     "[0] RESTART_PROGRAM",
				     &err),
		     0, "%s", err.msg);
	cr_assert_eq(lines_of(&b, lines, 4, &store), 1, "%s", rl_buf_str(&b));
	cr_assert_str_eq(lines[0], "ADD_SVC_COMMENT;h;s;0;relance;relance: not "
				   "restarting fx/pricer: held by bob [0] "
				   "RESTART_PROGRAM (node mon-1)");
	free(store);
	rl_buf_reset(&b);
	cr_assert_eq(rl_heal_comment(&b, "h;x", "s", "mon-1", "t", &err), -1);
	rl_buf_free(&b);
}

/* --- the worker's half (rl_heal_run), for real ------------------------- */

/* What the heal said beside the journal, one line each. */
struct said {
	char lines[8][600];
	enum rl_heal_level level[8];
	int n;
};

static void hear(void *ctx, enum rl_heal_level level, const char *line)
{
	struct said *s = ctx;

	if (s->n < 8) {
		snprintf(s->lines[s->n], sizeof(s->lines[0]), "%s", line);
		s->level[s->n++] = level;
	}
}

/* fx/a on a local host: up while DIR/a exists; a journal in DIR. */
struct run_world {
	char dir[64], hostdir[128], path[128];
	struct rl_model *m;
	struct rl_journal *j;
	struct rl_heal_event ev;
	struct rl_heal_ctx h;
	struct said said;
	struct rl_err err;
};

static void run_world_init(struct run_world *w)
{
	struct rl_buf b = RL_BUF_INIT;

	memset(w, 0, sizeof(*w));
	rl_test_tmpdir(w->dir, sizeof(w->dir), "healrun");
	snprintf(w->hostdir, sizeof(w->hostdir), "%s/host", w->dir);
	snprintf(w->path, sizeof(w->path), "%s/journal.jsonl", w->dir);
	rl_buf_printf(&b,
		      "[relance]\nnode = n1\nlock_dir = %s/locks\n"
		      "hold_dir = %s/holds\njournal = %s\n"
		      "[host \"here\"]\ntransport = local\n"
		      "[component \"fx/a\"]\nhost = here\n"
		      "check = test -e %s/a\nstart = touch %s/a\n"
		      "stop = rm -f %s/a\n",
		      w->dir, w->dir, w->path, w->dir, w->dir, w->dir);
	cr_assert_eq(rl_config_load_string(rl_buf_str(&b), "r.ini",
					   RL_CONFIG_NO_PERMS, &w->m, &w->err),
		     0, "%s", w->err.msg);
	rl_buf_free(&b);
	w->j = rl_journal_open(w->path, &w->err);
	cr_assert_not_null(w->j, "%s", w->err.msg);
	w->ev = event(RL_STATE_CRITICAL, true, 1);
	w->h.model = w->m;
	w->h.comp = rl_model_component(w->m, "fx/a");
	w->h.ev = &w->ev;
	w->h.host = "here";
	w->h.service = "fx/a";
	w->h.journal = w->j;
	w->h.journal_err = "";
	w->h.user = "tester";
	w->h.origin = "handle_component";
	w->h.run_id = "";
	w->h.writeback_ms = 1000;
	w->h.log = hear;
	w->h.log_ctx = &w->said;
}

static void run_world_free(struct run_world *w)
{
	rl_journal_close(w->j);
	rl_model_free(w->m);
	rl_test_rmtree(w->dir);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *s = calloc(1, 65536);

	cr_assert_not_null(f);
	cr_assert_not_null(s);
	if (fread(s, 1, 65535, f) == 0)
		s[0] = '\0';
	fclose(f);
	return s;
}

static enum rl_heal_end heal_once(struct run_world *w)
{
	struct rl_plan *p = NULL;
	struct rl_guard *g;
	char why[RL_ERR_MAX];
	enum rl_heal_end e;

	cr_assert_eq(
	    rl_plan_build(w->m, RL_ACTION_RESTART, "fx/a", &p, &w->err), 0);
	g = rl_guard_new(w->m, "handle_component restart fx/a", w->hostdir,
			 &w->err);
	cr_assert_not_null(g);
	cr_assert_eq(rl_guard_lock_local(g, (const struct rl_plan **)&p, 1,
					 NULL, why, sizeof(why), &w->err),
		     0, "%s", why);
	e = rl_heal_run(&w->h, g, p);
	rl_guard_release(g, NULL, NULL);
	rl_plan_free(p);
	return e;
}

Test(heal, run_restarts_a_down_component_and_says_so)
{
	struct run_world w;
	struct stat st;
	char *j;

	run_world_init(&w);
	cr_assert_eq(heal_once(&w), RL_HEAL_DONE);
	snprintf(w.err.msg, sizeof(w.err.msg), "%s/a", w.dir);
	cr_assert_eq(stat(w.err.msg, &st), 0, "fx/a started");
	cr_assert_eq(w.said.n, 1, "one line: %s", w.said.lines[0]);
	cr_assert_eq(w.said.level[0], RL_HEAL_NOTICE);
	cr_assert(strncmp(w.said.lines[0], "restarted fx/a on here in ", 26) ==
		      0,
		  "%s", w.said.lines[0]);
	cr_assert(strstr(w.said.lines[0], "(node n1)") != NULL);
	j = slurp(w.path);
	cr_assert(strstr(j, "\"event\":\"plan\",\"phase\":\"end\"") != NULL,
		  "%s", j);
	free(j);
	cr_assert_eq(rmdir(w.hostdir), 0, "the host lock released");
	run_world_free(&w);
}

Test(heal, run_stands_down_when_it_is_up_again)
{
	struct run_world w;
	char *j;
	FILE *f;

	run_world_init(&w);
	snprintf(w.err.msg, sizeof(w.err.msg), "%s/a", w.dir);
	f = fopen(w.err.msg, "w");
	cr_assert_not_null(f);
	fclose(f);
	cr_assert_eq(heal_once(&w), RL_HEAL_DONE);
	j = slurp(w.path);
	cr_assert(strstr(j, "\"result\":\"stand-down\"") != NULL, "%s", j);
	cr_assert(strstr(j, "\"reason\":\"already up: exit 0\"") != NULL, "%s",
		  j);
	cr_assert_null(strstr(j, "\"event\":\"plan\""), "nothing restarted");
	free(j);
	run_world_free(&w);
}

Test(heal, run_stands_down_for_another_nodes_host_lock)
{
	struct run_world w;
	struct rl_plan *p = NULL;
	struct rl_transport *t;
	struct rl_guard *other;
	char why[RL_ERR_MAX], *j;

	run_world_init(&w);
	t = rl_transport_new(w.m, &w.err);
	cr_assert_not_null(t);
	cr_assert_eq(rl_plan_build(w.m, RL_ACTION_RESTART, "fx/a", &p, &w.err),
		     0);
	other = rl_guard_new(w.m, "relancectl restart fx/a by bob", w.hostdir,
			     &w.err);
	cr_assert_eq(rl_guard_lock_hosts(other, t, p, why, sizeof(why), &w.err),
		     0, "%s", w.err.msg);
	cr_assert_eq(heal_once(&w), RL_HEAL_DONE);
	j = slurp(w.path);
	cr_assert(strstr(j, "\"reason\":\"in progress: host lock of fx/a on "
			    "here held by n1 pid ") != NULL,
		  "%s", j);
	cr_assert_null(strstr(j, "\"event\":\"plan\""), "nothing restarted");
	free(j);
	cr_assert_eq(w.said.n, 1);
	cr_assert(strncmp(w.said.lines[0],
			  "fx/a: stand-down: in progress: ", 31) == 0,
		  "%s", w.said.lines[0]);
	rl_guard_release(other, NULL, NULL);
	rl_plan_free(p);
	rl_transport_free(t);
	run_world_free(&w);
}

Test(heal, a_journal_that_cannot_be_written_stops_and_says_why)
{
	struct run_world w;
	struct rl_heal_decision d;

	run_world_init(&w);
	w.h.journal = NULL;
	w.h.journal_err = "cannot open '/nowhere/journal.jsonl'";
	memset(&d, 0, sizeof(d));
	d.verdict = RL_VERDICT_HEAL;
	snprintf(d.reason, sizeof(d.reason), "HARD CRITICAL");
	cr_assert_eq(rl_heal_journal_decision(&w.h, &d, NULL), -1);
	cr_assert_eq(w.said.n, 2);
	cr_assert_eq(w.said.level[0], RL_HEAL_NOTICE);
	cr_assert_str_eq(w.said.lines[0], "fx/a: heal: HARD CRITICAL (CRITICAL "
					  "HARD attempt 1, node n1)");
	cr_assert_eq(w.said.level[1], RL_HEAL_ERROR);
	cr_assert_str_eq(w.said.lines[1],
			 "fx/a: cannot open '/nowhere/journal.jsonl'; "
			 "nothing done");
	run_world_free(&w);
}
