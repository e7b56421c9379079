/*
 * cmd_config - `relancectl config check`: load and validate the
 * configuration; report the findings (lib/findings) as text or, with
 * --json, as one JSON document for a CI that gates config changes. Among
 * the warnings: the monitoring core's account (core_user) could not use
 * the journal, lock_dir (or a lock file in it) or hold_dir, so the event
 * handler, which runs as that account, would fail at its first event.
 * Exit: 0 clean, 1 warnings only, 2 an error (EXIT_CONFIG).
 */
#include "build.h"

#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "ctl.h"
#include "findings.h"

static void json_doc(const struct rl_model *m, const struct rl_findings *f,
		     struct rl_buf *b)
{
	static const char *const severity[] = {"clean", "warning", "error"};
	int worst = rl_findings_worst(f);
	size_t i;

	rl_buf_printf(b, "{\"ok\":%s,\"severity\":\"%s\",",
		      worst < RL_SEVERITY_ERROR ? "true" : "false",
		      severity[worst]);
	if (m != NULL) {
		rl_buf_printf(b,
			      "\"applications\":%zu,\"components\":%zu,"
			      "\"hosts\":%zu,\"config\":\"%s\",\"files\":[",
			      m->n_apps, m->n_components, m->n_hosts,
			      m->config_hash);
		for (i = 0; i < m->n_files; i++) {
			if (i)
				rl_buf_puts(b, ",");
			rl_buf_json_str(b, m->files[i]);
		}
		rl_buf_puts(b, "],");
	} else {
		rl_buf_puts(b,
			    "\"applications\":null,\"components\":null,"
			    "\"hosts\":null,\"config\":null,\"files\":null,");
	}
	rl_buf_puts(b, "\"findings\":");
	rl_findings_json(f, b);
	rl_buf_puts(b, "}\n");
}

/* The account whose access is judged. */
struct who {
	const char *name;
	uid_t uid;
	gid_t groups[256];
	int n_groups;
};

/* core_user, else nagios when that account exists; false: nobody to
 * judge for (or its lookup failed: config load has checked it exists) */
static bool core_user(const struct rl_model *m, struct who *w)
{
	const char *name = m->site.core_user ? m->site.core_user : "nagios";
	struct passwd *pw = getpwnam(name);

	if (pw == NULL)
		return false;
	w->name = name;
	w->uid = pw->pw_uid;
	w->n_groups = (int)(sizeof(w->groups) / sizeof(w->groups[0]));
	if (getgrouplist(name, pw->pw_gid, w->groups, &w->n_groups) < 0) {
		/* more than we keep: the primary group at least */
		w->groups[0] = pw->pw_gid;
		w->n_groups = 1;
	}
	return true;
}

/* May W do WANT (bits of 07: 2 write, 1 search) to what ST describes, by
 * its owner, group and mode (as the kernel judges, ACLs aside)? */
static bool may(const struct who *w, const struct stat *st, unsigned want)
{
	unsigned m = (unsigned)st->st_mode;
	int i;

	if (w->uid == 0)
		return true;
	if (st->st_uid == w->uid)
		return ((m >> 6) & want) == want;
	for (i = 0; i < w->n_groups; i++)
		if (st->st_gid == w->groups[i])
			return ((m >> 3) & want) == want;
	return (m & want) == want;
}

/* "owner root:root, mode 0755" */
static void describe(struct rl_buf *b, const struct stat *st)
{
	struct passwd *pw = getpwuid(st->st_uid);
	struct group *gr = getgrgid(st->st_gid);

	if (pw != NULL)
		rl_buf_printf(b, "owner %s", pw->pw_name);
	else
		rl_buf_printf(b, "owner uid %ld", (long)st->st_uid);
	if (gr != NULL)
		rl_buf_printf(b, ":%s", gr->gr_name);
	else
		rl_buf_printf(b, ":%ld", (long)st->st_gid);
	rl_buf_printf(b, ", mode %04o", (unsigned)(st->st_mode & 07777));
}

/*
 * Appends to WARN (one line each) why W could not use directory DIR
 * (WHAT names it: "lock_dir"), where it must create and write files: a
 * parent it cannot search, DIR not writable, or DIR missing: MADE when
 * relance makes it, and then it goes to its parent's owner whoever makes
 * it (lib/safefile.h): fine for root, or when that parent is W's.
 */
static void judge_dir(const struct who *w, const char *what, const char *dir,
		      bool made, struct rl_buf *warn)
{
	struct rl_buf p = RL_BUF_INIT;
	struct stat st, parent = {0};
	const char *s;
	bool have_parent = false;

	/* every existing ancestor must be searchable */
	for (s = dir; (s = strchr(s + 1, '/')) != NULL;) {
		rl_buf_reset(&p);
		rl_buf_append(&p, dir, (size_t)(s - dir));
		if (p.oom || stat(rl_buf_str(&p), &st) < 0)
			break;
		if (!may(w, &st, 1)) {
			rl_buf_printf(warn,
				      "%s '%s': %s cannot reach it: '%s' is "
				      "not searchable for %s (",
				      what, dir, w->name, rl_buf_str(&p),
				      w->name);
			describe(warn, &st);
			rl_buf_puts(warn, ")\n");
			goto out;
		}
		parent = st;
		have_parent = true;
	}
	if (stat(dir, &st) < 0) {
		if (errno != ENOENT) {
			rl_buf_printf(warn, "%s '%s': %s\n", what, dir,
				      strerror(errno));
		} else if (!made) {
			rl_buf_printf(warn,
				      "%s '%s' does not exist (relance does "
				      "not create it): create it owned by "
				      "%s\n",
				      what, dir, w->name);
		} else if (w->uid != 0 &&
			   (!have_parent || parent.st_uid != w->uid)) {
			/* made by anyone, it goes to its parent's owner
			 * (lib/safefile.h): not W's */
			rl_buf_printf(warn,
				      "%s '%s' does not exist, and relance "
				      "would create it owned by its parent's "
				      "owner: create it owned by %s\n",
				      what, dir, w->name);
		}
		goto out;
	}
	if (!S_ISDIR(st.st_mode)) {
		rl_buf_printf(warn, "%s '%s': not a directory\n", what, dir);
	} else if (!may(w, &st, 3)) {
		rl_buf_printf(warn, "%s '%s' is not writable for %s (", what,
			      dir, w->name);
		describe(warn, &st);
		rl_buf_puts(warn, ")\n");
	}
out:
	rl_buf_free(&p);
}

/*
 * Lock files made before the ownership rule (or by hand) that W cannot
 * open for writing: the handler would fail on them. One warning naming
 * the first and how many.
 */
static void judge_lock_files(const struct who *w, const char *dir,
			     struct rl_buf *warn)
{
	struct rl_buf p = RL_BUF_INIT, first = RL_BUF_INIT;
	struct stat st, fst;
	struct dirent *e;
	size_t n = 0, len;
	DIR *d;

	d = opendir(dir);
	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		len = strlen(e->d_name);
		if (len < 6 || strcmp(e->d_name + len - 5, ".lock") != 0)
			continue;
		rl_buf_reset(&p);
		rl_buf_printf(&p, "%s/%s", dir, e->d_name);
		if (p.oom || lstat(rl_buf_str(&p), &st) < 0 ||
		    !S_ISREG(st.st_mode) || may(w, &st, 6))
			continue;
		if (n++ == 0) {
			rl_buf_puts(&first, rl_buf_str(&p));
			fst = st;
		}
	}
	closedir(d);
	if (n > 0 && !first.oom) {
		rl_buf_printf(warn,
			      "lock_dir '%s': %zu lock file%s %s cannot "
			      "open for writing, such as '%s' (",
			      dir, n, n == 1 ? "" : "s", w->name,
			      rl_buf_str(&first));
		describe(warn, &fst);
		rl_buf_printf(warn, "): chown %s them\n", w->name);
	}
	rl_buf_free(&p);
	rl_buf_free(&first);
}

/* The journal: the file writable, or its directory where it is made. */
static void judge_journal(const struct who *w, const char *path,
			  struct rl_buf *warn)
{
	struct rl_buf dir = RL_BUF_INIT;
	const char *slash = strrchr(path, '/');
	struct stat st;

	if (slash == NULL)
		rl_buf_puts(&dir, ".");
	else
		rl_buf_append(&dir, path,
			      slash == path ? 1 : (size_t)(slash - path));
	if (dir.oom)
		return;
	judge_dir(w, "journal directory", rl_buf_str(&dir), false, warn);
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && !may(w, &st, 2)) {
		rl_buf_printf(warn, "journal '%s' is not writable for %s (",
			      path, w->name);
		describe(warn, &st);
		rl_buf_puts(warn, ")\n");
	}
	rl_buf_free(&dir);
}

/* The warnings of the state as the core's account sees it, one finding
 * each (key: the setting concerned). */
static void core_user_findings(const struct rl_model *m, struct rl_findings *f)
{
	struct rl_buf warn = RL_BUF_INIT;
	const char *line, *end;
	struct who w;

	if (!core_user(m, &w))
		return;
	judge_journal(&w, m->site.journal, &warn);
	judge_dir(&w, "lock_dir", m->site.lock_dir, true, &warn);
	judge_lock_files(&w, m->site.lock_dir, &warn);
	judge_dir(&w, "hold_dir", m->site.hold_dir, true, &warn);
	if (warn.oom)
		f->oom = 1;
	else
		for (line = rl_buf_str(&warn); *line != '\0'; line = end + 1) {
			end = strchr(line, '\n');
			rl_findings_add(f, RL_SEVERITY_WARNING, NULL, 0,
					"core_user", "%.*s", (int)(end - line),
					line);
		}
	rl_buf_free(&warn);
}

static int cmd_config(struct ctl *ctl, int argc, char **argv)
{
	struct rl_err err = {""};
	struct rl_findings f = RL_FINDINGS_INIT;
	struct rl_buf b = RL_BUF_INIT;
	const struct rl_model *m;
	size_t i;
	int r;

	r = ctl_parse(ctl, &ctl_cmd_config, NULL, &argc, &argv);
	if (r != CTL_GO_ON)
		return r;
	if (argc == 0)
		return usage_error("config: missing command (check, diff)");
	if (strcmp(argv[0], "check") && strcmp(argv[0], "diff"))
		return usage_error("config: unknown command '%.100s' (check, "
				   "diff)",
				   argv[0]);
	if (!strcmp(argv[0], "check") && argc > 1)
		return usage_error("config check: too many arguments");
	if (!strcmp(argv[0], "diff")) {
		r = load_config(ctl);
		if (r)
			return r;
		return ctl_config_diff(ctl, argc - 1, argv + 1);
	}
	if (rl_config_load(rl_config_default_path(ctl->config), 0, &ctl->model,
			   &err) < 0) {
		if (!ctl->json)
			return fail(EXIT_CONFIG, err.msg);
		rl_findings_add_error(&f, err.msg);
		json_doc(NULL, &f, &b);
		r = print_buf(&b);
		rl_buf_free(&b);
		rl_findings_free(&f);
		return r ? r : EXIT_CONFIG;
	}
	m = ctl->model;
	rl_findings_check_model(m, &f);
	core_user_findings(m, &f);
	if (ctl->json) {
		json_doc(m, &f, &b);
	} else {
		rl_findings_text(&f, &b);
		/* the findings on stderr, one a line; the summary on stdout */
		if (!b.oom)
			for (const char *p = rl_buf_str(&b); *p;) {
				const char *nl = strchr(p, '\n');

				fprintf(stderr, "relancectl: %.*s\n",
					(int)(nl - p), p);
				p = nl + 1;
			}
		rl_buf_reset(&b);
		rl_buf_printf(&b,
			      "config %s: %zu application%s, %zu component%s "
			      "on %zu host%s (",
			      f.n ? "OK with warnings" : "OK", m->n_apps,
			      m->n_apps == 1 ? "" : "s", m->n_components,
			      m->n_components == 1 ? "" : "s", m->n_hosts,
			      m->n_hosts == 1 ? "" : "s");
		for (i = 0; i < m->n_files; i++)
			rl_buf_printf(&b, "%s%s", i ? ", " : "", m->files[i]);
		rl_buf_puts(&b, ")\n");
	}
	r = print_buf(&b);
	if (r == EXIT_OK)
		r = rl_findings_worst(&f);
	rl_buf_free(&b);
	rl_findings_free(&f);
	return r;
}

const struct ctl_cmd ctl_cmd_config = {"config", cmd_config, NULL};
