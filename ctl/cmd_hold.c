/*
 * cmd_hold - `relancectl hold [COMPONENT --reason TEXT]` and `relancectl
 * release COMPONENT`: keep the event handler away from a component, list
 * the holds, remove one; each change journaled.
 */
#include "build.h"

#include <stdio.h>
#include <string.h>

#include "ctl.h"
#include "hold.h"
#include "journal.h"

/* Appends the hold record RESULT ("set", "cleared", "failed": MESSAGE then
 * says why) to J, or to the journal opened now when J is NULL. */
static int journal_hold(const struct ctl *ctl, struct rl_journal *j,
			const char *comp, const char *result,
			const struct rl_hold *h, const char *message)
{
	struct rl_err err = {""};
	struct rl_journal *own = NULL;
	struct rl_journal_rec r;
	int ret = EXIT_OK;

	if (j == NULL) {
		j = own = rl_journal_open_site(ctl->model, &err);
		if (j == NULL)
			return fail(EXIT_JOURNAL, err.msg);
	}
	ctl_rec_init(ctl, &r, NULL);
	r.component = comp;
	rl_hold_journal_rec(&r, h, result);
	r.message = message;
	if (rl_journal_append(j, &r, &err) < 0)
		ret = fail(EXIT_JOURNAL, err.msg);
	rl_journal_close(own);
	return ret;
}

static int list_holds(const struct ctl *ctl)
{
	struct rl_err err = {""};
	struct rl_hold h;
	char what[700];
	size_t i, n = 0;

	for (i = 0; i < ctl->model->n_components; i++) {
		const char *name = ctl->model->components[i]->name;

		if (rl_hold_get(ctl->model->site.hold_dir, name, &h, &err) < 0)
			return fail(EXIT_INTERNAL, err.msg);
		if (!h.set)
			continue;
		rl_hold_describe(&h, what, sizeof(what));
		printf("%-24s %s\n", name, what);
		n++;
	}
	if (n == 0)
		fprintf(stderr, "relancectl: no holds\n");
	return EXIT_OK;
}

struct hold_args {
	const char *reason; /* --reason */
};

static const struct rl_opt hold_opts[] = {
    RL_OPT(0, "reason", RL_OPT_STRING, offsetof(struct hold_args, reason)),
    {0},
};

static int cmd_hold(struct ctl *ctl, int argc, char **argv)
{
	struct rl_err err = {""};
	const struct rl_component *c;
	struct hold_args a = {NULL};
	struct rl_journal *j;
	struct rl_hold h;
	int r;

	r = ctl_parse(ctl, &ctl_cmd_hold, &a, &argc, &argv);
	if (r != CTL_GO_ON)
		return r;
	if (argc > 1)
		return usage_error("hold: expected one component");
	if (argc == 1 && (a.reason == NULL || !*a.reason))
		return usage_error("hold: --reason TEXT is required: say why, "
				   "for the next engineer");
	r = load_config(ctl);
	if (r)
		return r;
	if (argc == 0)
		return list_holds(ctl);
	c = rl_model_component(ctl->model, argv[0]);
	if (c == NULL)
		return usage_error("hold: unknown component '%.100s'", argv[0]);
	memset(&h, 0, sizeof(h));
	h.kind = RL_HOLD_MANUAL;
	snprintf(h.author, sizeof(h.author), "%.127s", ctl->user);
	snprintf(h.reason, sizeof(h.reason), "%s", a.reason);
	/* a journal that cannot be opened: nothing done */
	j = rl_journal_open_site(ctl->model, &err);
	if (j == NULL)
		return fail(EXIT_JOURNAL, err.msg);
	/* the record says what happened: journaled once the hold is
	 * written, or as failed with the error */
	if (rl_hold_set(ctl->model->site.hold_dir, c->name, RL_HOLD_MANUAL,
			ctl->user, ctl->model->site.node, a.reason, &err) < 0) {
		journal_hold(ctl, j, c->name, "failed", &h, err.msg);
		r = fail(EXIT_INTERNAL, err.msg);
		goto out;
	}
	r = journal_hold(ctl, j, c->name, "set", &h,
			 "set by hand (relancectl)");
	if (r) {
		fprintf(stderr,
			"relancectl: %s: the hold is set but not journaled\n",
			c->name);
		goto out;
	}
	printf("%s: held: the event handler will not restart it until "
	       "`relancectl release %s`\n",
	       c->name, c->name);
out:
	rl_journal_close(j);
	return r;
}

static int cmd_release(struct ctl *ctl, int argc, char **argv)
{
	struct rl_err err = {""};
	const struct rl_component *c;
	struct rl_hold old;
	bool removed;
	int r;

	r = ctl_parse(ctl, &ctl_cmd_release, NULL, &argc, &argv);
	if (r != CTL_GO_ON)
		return r;
	if (argc != 1)
		return usage_error("release: expected one component");
	r = load_config(ctl);
	if (r)
		return r;
	c = rl_model_component(ctl->model, argv[0]);
	if (c == NULL)
		return usage_error("release: unknown component '%.100s'",
				   argv[0]);
	if (rl_hold_clear(ctl->model->site.hold_dir, c->name, true,
			  RL_HOLD_MANUAL, &removed, &old, &err) < 0)
		return fail(EXIT_INTERNAL, err.msg);
	if (!removed) {
		fprintf(stderr, "relancectl: %s has no hold\n", c->name);
		return EXIT_OK;
	}
	snprintf(old.author, sizeof(old.author), "%.127s", ctl->user);
	r = journal_hold(ctl, NULL, c->name, "cleared", &old,
			 "released by hand (relancectl)");
	if (r)
		return r;
	printf("%s: released: the event handler may restart it again\n",
	       c->name);
	return EXIT_OK;
}

const struct ctl_cmd ctl_cmd_hold = {"hold", cmd_hold, hold_opts};
const struct ctl_cmd ctl_cmd_release = {"release", cmd_release, NULL};
