#include "build.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "generate.h"
#include "safefile.h"
#include "util.h"

#ifndef PLUGINDIR
#define PLUGINDIR "/usr/lib/nagios/plugins"
#endif

#define DEFAULT_ATTEMPTS 3
/* Nagios numbers intervals in interval_length units (60 s by default). */
#define DEFAULT_INTERVAL_LENGTH_S 60

struct gen {
	const struct rl_model *m;
	const struct rl_generate_opts *o;
	enum rl_generate_target target;
	const char *plugin_dir;
	int64_t interval_length_ms; /* Nagios's interval_length */
	char *handler;		    /* owned */
	struct rl_component **reqs; /* scratch for sorting requires */
	size_t reqs_cap;
};

static const char *ext(const struct gen *g)
{
	return g->target == RL_GENERATE_NAGIOS ? "cfg" : "conf";
}

/* --- validation ---------------------------------------------------------- */

static bool path_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || (c != '\0' && strchr("._/+:@%,=-", c));
}

/*
 * A path goes verbatim into a Nagios command_line and an Icinga 2 command
 * array: whitespace would split it, '$' would be a macro, quotes and ';'
 * would change how the core runs it. Refuse rather than quote.
 */
static int check_path(const char *what, const char *p, struct rl_err *err)
{
	const char *s;

	if (p == NULL || *p == '\0')
		return rl_err_set(err, "%s is not set", what);
	if (p[0] != '/')
		return rl_err_set(err, "%s '%.200s': not an absolute path",
				  what, p);
	for (s = p; *s != '\0'; s++) {
		if (path_char_ok(*s))
			continue;
		if ((unsigned char)*s >= 0x20 && (unsigned char)*s < 0x7f)
			return rl_err_set(
			    err,
			    "%s '%.200s': character '%c' cannot be "
			    "written into a command line (use "
			    "[A-Za-z0-9._/+:@%%,=-])",
			    what, p, *s);
		return rl_err_set(
		    err,
		    "%s '%.200s': byte 0x%02x cannot be written "
		    "into a command line (use [A-Za-z0-9._/+:@%%,=-])",
		    what, p, (unsigned char)*s);
	}
	return 0;
}

/* Free text (descriptions, addresses, zones): any byte but controls. */
static int check_text(const char *kind, const char *name, const char *what,
		      const char *s, struct rl_err *err)
{
	const unsigned char *u;

	if (s == NULL)
		return 0;
	for (u = (const unsigned char *)s; *u != '\0'; u++)
		if (*u < 0x20 || *u == 0x7f)
			return rl_err_set(err,
					  "%s '%s': %s: control character "
					  "0x%02x cannot be written to a "
					  "monitoring object",
					  kind, name, what, *u);
	return 0;
}

static int validate(const struct gen *g, struct rl_err *err)
{
	const struct rl_model *m = g->m;
	size_t i;

	if (check_path("config path", g->o->config_path, err) < 0 ||
	    check_path("plugin dir", g->plugin_dir, err) < 0 ||
	    check_path("handler", g->handler, err) < 0)
		return -1;
	if (g->o->generator != NULL &&
	    check_text("generator", g->o->generator, "name", g->o->generator,
		       err) < 0)
		return -1;
	if (g->o->app_host != NULL) {
		if (check_text("host", g->o->app_host, "name", g->o->app_host,
			       err) < 0)
			return -1;
		if (g->o->hosts == RL_GENERATE_HOSTS_DEFINE &&
		    rl_model_host(m, g->o->app_host) == NULL)
			return rl_err_set(err,
					  "application host '%.200s' is not a "
					  "host of the configuration",
					  g->o->app_host);
	}
	for (i = 0; i < m->n_hosts; i++) {
		const struct rl_host *h = m->hosts[i];

		if (check_text("host", h->name, "address", h->address, err) <
			0 ||
		    check_text("host", h->name, "zone", h->zone, err) < 0)
			return -1;
	}
	for (i = 0; i < m->n_components; i++) {
		const struct rl_component *c = m->components[i];

		if (c->host == NULL)
			return rl_err_set(
			    err, "component '%s': model not resolved", c->name);
		if (check_text("component", c->name, "description",
			       c->description, err) < 0)
			return -1;
	}
	for (i = 0; i < m->n_apps; i++)
		if (check_text("application", m->apps[i]->name, "description",
			       m->apps[i]->description, err) < 0)
			return -1;
	return 0;
}

/* --- helpers ------------------------------------------------------------- */

static int by_name(const void *a, const void *b)
{
	const struct rl_component *x = *(const struct rl_component *const *)a;
	const struct rl_component *y = *(const struct rl_component *const *)b;

	return strcmp(x->name, y->name);
}

/* The application's components sorted by name; NULL on OOM. */
static struct rl_component **sorted_components(const struct rl_app *a)
{
	struct rl_component **v;

	v = calloc(a->n_components ? a->n_components : 1, sizeof(*v));
	if (v == NULL)
		return NULL;
	if (a->n_components > 0)
		memcpy(v, a->components, a->n_components * sizeof(*v));
	qsort(v, a->n_components, sizeof(*v), by_name);
	return v;
}

/* c's requirements sorted by name, in g's scratch array; NULL on OOM. */
static struct rl_component **sorted_requires(struct gen *g,
					     const struct rl_component *c)
{
	if (rl_grow(&g->reqs, &g->reqs_cap, c->n_requires, sizeof(*g->reqs)) <
	    0)
		return NULL;
	if (c->n_requires == 0)
		return g->reqs;
	memcpy(g->reqs, c->requires, c->n_requires * sizeof(*g->reqs));
	qsort(g->reqs, c->n_requires, sizeof(*g->reqs), by_name);
	return g->reqs;
}

static const char *app_host(const struct gen *g, const struct rl_app *a)
{
	if (g->o->app_host != NULL)
		return g->o->app_host;
	return a->components[0]->host->name;
}

/* The zone shared by every host of the application, else NULL. */
static const char *app_zone(const struct rl_app *a)
{
	const char *z = a->components[0]->host->zone;
	size_t i;

	if (z == NULL)
		return NULL;
	for (i = 1; i < a->n_components; i++) {
		const char *o = a->components[i]->host->zone;

		if (o == NULL || strcmp(o, z) != 0)
			return NULL;
	}
	return z;
}

/* c's schedule: its own keys, else its application's (0: the template's) */
static struct rl_schedule sched_of(const struct rl_component *c)
{
	struct rl_schedule s = c->sched;
	const struct rl_schedule *a = &c->app->sched;

	if (s.check_interval_ms == 0)
		s.check_interval_ms = a->check_interval_ms;
	if (s.retry_interval_ms == 0)
		s.retry_interval_ms = a->retry_interval_ms;
	if (s.max_check_attempts == 0)
		s.max_check_attempts = a->max_check_attempts;
	return s;
}

/* max_check_attempts of c's service: the config's (rl_config has checked
 * that heal = soft:N gets its N-th SOFT attempt), else the template's,
 * raised to N+1 for soft:N */
static int attempts(const struct rl_component *c)
{
	struct rl_schedule s = sched_of(c);

	if (s.max_check_attempts != 0)
		return s.max_check_attempts;
	if (c->heal == RL_HEAL_SOFT &&
	    c->heal_soft_attempt + 1 > DEFAULT_ATTEMPTS)
		return c->heal_soft_attempt + 1;
	return DEFAULT_ATTEMPTS;
}

/* Comment lines: control bytes of a file name become '?'. */
static void comment_text(struct rl_buf *b, const char *s)
{
	rl_buf_oneline(b, s, SIZE_MAX, '?', 0);
}

static void header(const struct gen *g, struct rl_buf *b, const char *what)
{
	size_t i;

	rl_buf_puts(b, "# Generated by ");
	comment_text(b, g->o->generator ? g->o->generator : "relance");
	rl_buf_printf(b, " for %s: %s.\n", rl_generate_target_name(g->target),
		      what);
	rl_buf_puts(b, "# Do not edit: generate again after changing");
	rl_buf_puts(b, g->m->n_files ? ":\n" : " the configuration.\n");
	for (i = 0; i < g->m->n_files; i++) {
		rl_buf_puts(b, "#   ");
		comment_text(b, g->m->files[i]);
		rl_buf_puts(b, "\n");
	}
	rl_buf_puts(b,
		    "# Intervals and attempts: check_interval, retry_interval "
		    "and\n# max_check_attempts in relance's [application] "
		    "and [component]\n# sections.\n\n");
}

/* --- Nagios -------------------------------------------------------------- */

static void nkv(struct rl_buf *b, const char *k, const char *v)
{
	rl_buf_printf(b, "    %-31s %s\n", k, v);
}

/* A value of free text: ';' starts a comment unless escaped. */
static void nkv_text(struct rl_buf *b, const char *k, const char *v)
{
	rl_buf_printf(b, "    %-31s ", k);
	for (; *v != '\0'; v++)
		rl_buf_puts(b, *v == ';' ? "\\;" : (char[2]){*v, '\0'});
	rl_buf_puts(b, "\n");
}

/* An interval in Nagios's interval_length units; Nagios 4 reads it as a
 * double, so 30s with interval_length 60 is 0.5. */
static void nagios_interval(const struct gen *g, struct rl_buf *b,
			    const char *k, int64_t ms)
{
	char v[48];
	size_t n;

	if (ms % g->interval_length_ms == 0) {
		rl_buf_printf(b, "    %-31s %lld\n", k,
			      (long long)(ms / g->interval_length_ms));
		return;
	}
	snprintf(v, sizeof(v), "%.6f",
		 (double)ms / (double)g->interval_length_ms);
	n = strlen(v);
	while (n > 1 && v[n - 1] == '0')
		v[--n] = '\0';
	nkv(b, k, v);
}

/* The keys of S that are set, and max_check_attempts ATTEMPTS unless 0,
 * in a service of either core: what the admin set in relance's config
 * overrides the template. */
static void schedule(const struct gen *g, struct rl_buf *b,
		     const struct rl_schedule *s, int attempts)
{
	static const char *const key[] = {"check_interval", "retry_interval"};
	int64_t ms[2] = {s->check_interval_ms, s->retry_interval_ms};
	size_t i;

	for (i = 0; i < 2; i++) {
		if (ms[i] == 0)
			continue;
		if (g->target == RL_GENERATE_NAGIOS)
			nagios_interval(g, b, key[i], ms[i]);
		else if (ms[i] % 1000 == 0)
			rl_buf_printf(b, "\t%s = %llds\n", key[i],
				      (long long)(ms[i] / 1000));
		else
			rl_buf_printf(b, "\t%s = %lldms\n", key[i],
				      (long long)ms[i]);
	}
	if (attempts == 0)
		return;
	if (g->target == RL_GENERATE_NAGIOS)
		rl_buf_printf(b, "    %-31s %d\n", "max_check_attempts",
			      attempts);
	else
		rl_buf_printf(b, "\tmax_check_attempts = %d\n", attempts);
}

/* The head of a Nagios service template: checks every interval_length
 * (a minute by default), DEFAULT_ATTEMPTS attempts, passive results
 * accepted (the handler's write-back). */
static void service_template(struct rl_buf *b, const char *name,
			     const char *command)
{
	rl_buf_puts(b, "define service {\n");
	nkv(b, "name", name);
	nkv(b, "register", "0");
	nkv(b, "check_command", command);
	rl_buf_printf(b, "    %-31s %d\n", "max_check_attempts",
		      DEFAULT_ATTEMPTS);
	nkv(b, "check_interval", "1");
	nkv(b, "retry_interval", "1");
	nkv(b, "check_period", "relance-24x7");
	nkv(b, "active_checks_enabled", "1");
	nkv(b, "passive_checks_enabled", "1");
}

/* The four commands, as conf/nagios/relance-commands.cfg installs them. */
static void nagios_commands(const struct gen *g, struct rl_buf *b)
{
	const char *cfg = g->o->config_path;

	rl_buf_puts(b, "define command {\n");
	nkv(b, "command_name", "relance-component");
	rl_buf_printf(b,
		      "    %-31s %s/check_component -f %s -C "
		      "$_SERVICERELANCE_COMPONENT$\n",
		      "command_line", g->plugin_dir, cfg);
	rl_buf_puts(b, "}\n\ndefine command {\n");
	nkv(b, "command_name", "relance-application");
	rl_buf_printf(b,
		      "    %-31s %s/check_application -f %s -A "
		      "$_SERVICERELANCE_APPLICATION$\n",
		      "command_line", g->plugin_dir, cfg);
	rl_buf_puts(b, "}\n\ndefine command {\n");
	nkv(b, "command_name", "relance-handle-component");
	rl_buf_printf(b,
		      "    %-31s %s -f %s -C $_SERVICERELANCE_COMPONENT$ "
		      "--state $SERVICESTATE$ --state-type $SERVICESTATETYPE$ "
		      "--attempt $SERVICEATTEMPT$ --max-attempts "
		      "$MAXSERVICEATTEMPTS$ --downtime $SERVICEDOWNTIME$ "
		      "--host \"$HOSTNAME$\" --service \"$SERVICEDESC$\"\n",
		      "command_line", g->handler, cfg);
	rl_buf_puts(b, "}\n\ndefine command {\n");
	nkv(b, "command_name", "relance-ack-notification");
	rl_buf_printf(b,
		      "    %-31s %s -f %s -C $_SERVICERELANCE_COMPONENT$ "
		      "--ack-notification --type $NOTIFICATIONTYPE$ "
		      "--author \"$NOTIFICATIONAUTHOR$\" "
		      "--comment \"$NOTIFICATIONCOMMENT$\"\n",
		      "command_line", g->handler, cfg);
	rl_buf_puts(b, "}\n\n");
}

static void nagios_common(const struct gen *g, struct rl_buf *b)
{
	size_t i;

	if (g->o->commands)
		nagios_commands(g, b);
	rl_buf_puts(b, "define timeperiod {\n");
	nkv(b, "timeperiod_name", "relance-24x7");
	nkv(b, "alias", "always (relance)");
	static const char *const days[] = {"sunday",	"monday",   "tuesday",
					   "wednesday", "thursday", "friday",
					   "saturday"};
	for (i = 0; i < 7; i++)
		nkv(b, days[i], "00:00-24:00");
	rl_buf_puts(b, "}\n\n");

	/* The handler learns of acknowledgements through this contact: it
	 * receives every notification of a component service and acts only
	 * on type ACKNOWLEDGEMENT. */
	rl_buf_puts(b, "define contact {\n");
	nkv(b, "contact_name", "relance");
	nkv(b, "alias", "relance event handler (acknowledgements)");
	nkv(b, "host_notifications_enabled", "0");
	nkv(b, "service_notifications_enabled", "1");
	nkv(b, "host_notification_period", "relance-24x7");
	nkv(b, "service_notification_period", "relance-24x7");
	nkv(b, "host_notification_options", "n");
	nkv(b, "service_notification_options", "w,u,c,r");
	nkv(b, "host_notification_commands", "relance-ack-notification");
	nkv(b, "service_notification_commands", "relance-ack-notification");
	rl_buf_puts(b, "}\n\n");

	service_template(b, "relance-component", "relance-component");
	nkv(b, "event_handler", "relance-handle-component");
	nkv(b, "event_handler_enabled", "1");
	nkv(b, "flap_detection_enabled", "0");
	nkv(b, "contacts", "relance");
	nkv(b, "notification_period", "relance-24x7");
	nkv(b, "notification_options", "w,u,c,r");
	nkv(b, "notification_interval", "0");
	nkv(b, "notifications_enabled", "1");
	rl_buf_puts(b, "}\n\n");

	service_template(b, "relance-application", "relance-application");
	nkv(b, "event_handler_enabled", "0");
	nkv(b, "flap_detection_enabled", "0");
	/* The relance contact has nothing to do with an application: it is
	 * named only because Nagios warns about a service without contacts.
	 * Add your contacts here (or in a template of your own) and turn the
	 * notifications on. */
	nkv(b, "contacts", "relance");
	nkv(b, "notification_period", "relance-24x7");
	nkv(b, "notification_interval", "0");
	nkv(b, "notifications_enabled", "0");
	rl_buf_puts(b, "}\n");

	if (g->o->hosts != RL_GENERATE_HOSTS_DEFINE)
		return;
	/* A host check, so that a host whose sshd is dead is DOWN (and not
	 * PENDING for ever): monitoring-plugins' check_ssh on the host's SSH
	 * port, from $USER1$ as Debian's resource.cfg sets it; a local host
	 * is this machine, UP as long as the core runs. */
	rl_buf_puts(b, "\ndefine command {\n");
	nkv(b, "command_name", "relance-host-ssh");
	nkv(b, "command_line",
	    "$USER1$/check_ssh -t 10 -p $_HOSTRELANCE_SSH_PORT$ "
	    "-H $HOSTADDRESS$");
	rl_buf_puts(b, "}\n\ndefine command {\n");
	nkv(b, "command_name", "relance-host-local");
	nkv(b, "command_line",
	    "$USER1$/check_dummy 0 \"this machine (transport local)\"");
	rl_buf_puts(b, "}\n");
	rl_buf_puts(b, "\ndefine host {\n");
	nkv(b, "name", "relance-host");
	nkv(b, "register", "0");
	nkv(b, "max_check_attempts", "2");
	nkv(b, "check_interval", "5");
	nkv(b, "retry_interval", "1");
	nkv(b, "check_period", "relance-24x7");
	nkv(b, "active_checks_enabled", "1");
	nkv(b, "contacts", "relance");
	nkv(b, "notification_period", "relance-24x7");
	nkv(b, "notifications_enabled", "0");
	rl_buf_puts(b, "}\n");
}

static int by_host_name(const void *a, const void *b)
{
	const struct rl_host *x = *(const struct rl_host *const *)a;
	const struct rl_host *y = *(const struct rl_host *const *)b;

	return strcmp(x->name, y->name);
}

/* The model's hosts sorted by name; NULL on OOM. */
static struct rl_host **sorted_hosts(const struct rl_model *m)
{
	struct rl_host **v = calloc(m->n_hosts ? m->n_hosts : 1, sizeof(*v));

	if (v == NULL)
		return NULL;
	if (m->n_hosts > 0)
		memcpy(v, m->hosts, m->n_hosts * sizeof(*v));
	qsort(v, m->n_hosts, sizeof(*v), by_host_name);
	return v;
}

static void nagios_hosts(const struct gen *g, struct rl_buf *b,
			 struct rl_host **hs)
{
	size_t i;

	for (i = 0; i < g->m->n_hosts; i++) {
		rl_buf_puts(b, "\ndefine host {\n");
		nkv(b, "use", "relance-host");
		nkv(b, "host_name", hs[i]->name);
		nkv(b, "alias", hs[i]->name);
		nkv_text(b, "address",
			 hs[i]->address ? hs[i]->address : hs[i]->name);
		if (hs[i]->transport == RL_TRANSPORT_SSH) {
			nkv(b, "check_command", "relance-host-ssh");
			rl_buf_printf(b, "    %-31s %d\n", "_RELANCE_SSH_PORT",
				      hs[i]->port);
		} else {
			nkv(b, "check_command", "relance-host-local");
		}
		rl_buf_puts(b, "}\n");
	}
}

/* The link to application A's map (issue 18), GRAPH_URL/APP.svg, into
 * U; false when no graph_url is set. config allowed only characters
 * that neither core splits, expands or reads as a comment. */
static bool graph_link(const struct gen *g, const struct rl_app *a,
		       struct rl_buf *u)
{
	const char *base = g->m->site.graph_url;
	size_t n;

	if (base == NULL)
		return false;
	n = strlen(base);
	rl_buf_printf(u, "%.*s/%s.svg",
		      (int)(n > 0 && base[n - 1] == '/' ? n - 1 : n), base,
		      a->name);
	return true;
}

static int nagios_app(struct gen *g, struct rl_buf *b, const struct rl_app *a,
		      struct rl_component **cs)
{
	struct rl_buf link = RL_BUF_INIT;
	struct rl_schedule s;
	size_t i, j;

	rl_buf_printf(b, "# application %s: %zu components\n\n", a->name,
		      a->n_components);
	rl_buf_puts(b, "define service {\n");
	nkv(b, "use", "relance-application");
	nkv(b, "host_name", app_host(g, a));
	nkv(b, "service_description", a->name);
	if (a->description != NULL)
		nkv_text(b, "display_name", a->description);
	nkv(b, "_RELANCE_APPLICATION", a->name);
	if (graph_link(g, a, &link)) {
		nkv(b, "notes_url", rl_buf_str(&link));
		nkv(b, "action_url", rl_buf_str(&link));
	}
	rl_buf_free(&link);
	schedule(g, b, &a->sched, a->sched.max_check_attempts);
	rl_buf_puts(b, "}\n");

	for (i = 0; i < a->n_components; i++) {
		const struct rl_component *c = cs[i];

		rl_buf_puts(b, "\ndefine service {\n");
		nkv(b, "use", "relance-component");
		nkv(b, "host_name", c->host->name);
		nkv(b, "service_description", c->name);
		if (c->description != NULL)
			nkv_text(b, "display_name", c->description);
		nkv(b, "_RELANCE_COMPONENT", c->name);
		s = sched_of(c);
		schedule(g, b, &s,
			 attempts(c) != DEFAULT_ATTEMPTS ? attempts(c) : 0);
		if (c->heal == RL_HEAL_NEVER)
			nkv(b, "event_handler_enabled", "0");
		rl_buf_puts(b, "}\n");
	}

	for (i = 0; i < a->n_components; i++) {
		const struct rl_component *c = cs[i];
		struct rl_component **r = sorted_requires(g, c);

		if (r == NULL && c->n_requires > 0)
			return -1;
		for (j = 0; j < c->n_requires; j++) {
			rl_buf_puts(b, "\ndefine servicedependency {\n");
			nkv(b, "host_name", r[j]->host->name);
			nkv(b, "service_description", r[j]->name);
			nkv(b, "dependent_host_name", c->host->name);
			nkv(b, "dependent_service_description", c->name);
			nkv(b, "inherits_parent", "1");
			nkv(b, "execution_failure_criteria", "u,c");
			nkv(b, "notification_failure_criteria", "u,c");
			rl_buf_puts(b, "}\n");
		}
	}
	return 0;
}

/* --- Icinga 2 ------------------------------------------------------------ */

/* A double-quoted string literal of the Icinga 2 DSL. */
static void istr(struct rl_buf *b, const char *s)
{
	rl_buf_puts(b, "\"");
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			rl_buf_puts(b, "\\");
		rl_buf_append(b, s, 1);
	}
	rl_buf_puts(b, "\"");
}

/* k = "v" at TABS tabs of indentation. */
static void ikv(struct rl_buf *b, int tabs, const char *k, const char *v)
{
	rl_buf_printf(b, "%.*s%s = ", tabs, "\t\t\t\t", k);
	istr(b, v);
	rl_buf_puts(b, "\n");
}

/* One entry of an `arguments` dictionary. */
static void iarg(struct rl_buf *b, const char *key, const char *value,
		 const char *description, bool required)
{
	rl_buf_printf(b, "\t\t\"%s\" = {\n", key);
	if (value != NULL)
		ikv(b, 3, "value", value);
	else
		rl_buf_puts(b, "\t\t\tset_if = true\n");
	ikv(b, 3, "description", description);
	if (required)
		rl_buf_puts(b, "\t\t\trequired = true\n");
	rl_buf_puts(b, "\t\t}\n");
}

/* The head of a command object TYPE NAME running the handler: its -f
 * and -C arguments; the caller adds the others and closes it. */
static void handler_command(const struct gen *g, struct rl_buf *b,
			    const char *type, const char *name)
{
	rl_buf_printf(b, "object %s \"%s\" {\n\tcommand = [ ", type, name);
	istr(b, g->handler);
	rl_buf_puts(b, " ]\n\targuments = {\n");
	iarg(b, "-f", "$relance_config$", "relance configuration file", true);
	iarg(b, "-C", "$relance_component$", "component (APP/NAME)", true);
}

/* Closes a command handler_command opened: with SERVICE, the service's
 * downtime depth and the core's host and service objects as its last
 * arguments. */
static void handler_command_end(const struct gen *g, struct rl_buf *b,
				bool service)
{
	if (service) {
		iarg(b, "--downtime", "$service.downtime_depth$",
		     "downtime depth", false);
		iarg(b, "--host", "$host.name$", "host object", false);
		iarg(b, "--service", "$service.name$", "service object", false);
	}
	rl_buf_puts(b, "\t}\n");
	ikv(b, 1, "vars.relance_config", g->o->config_path);
	rl_buf_puts(b, "}\n\n");
}

/*
 * With [icinga_api], the ApiUser relance logs in as (issue 14), with the
 * least it needs, each on the services of components only. Its password
 * is a constant defined where only Icinga 2 reads it (not in a generated
 * file, which is world-readable).
 */
static void icinga_api_user(const struct gen *g, struct rl_buf *b)
{
	static const char *const perms[] = {
	    "actions/add-comment",
	    "actions/process-check-result",
	    "actions/reschedule-check",
	    "objects/query/Service",
	};
	size_t i;

	if (g->m->site.icinga_api.n_urls == 0)
		return;
	rl_buf_puts(b, "\n/* relance's write-back and state queries (the "
		       "[icinga_api] user). Define its\n"
		       " * password where only Icinga 2 reads it, e.g. in "
		       "constants.conf:\n"
		       " *   const RelanceApiPassword = \"...\"  (the "
		       "line of password_file) */\n"
		       "object ApiUser ");
	istr(b, g->m->site.icinga_api.user);
	rl_buf_puts(b, " {\n\tpassword = RelanceApiPassword\n"
		       "\tpermissions = [\n");
	for (i = 0; i < sizeof(perms) / sizeof(perms[0]); i++)
		rl_buf_printf(b,
			      "\t\t{\n\t\t\tpermission = \"%s\"\n"
			      "\t\t\tfilter = {{ typeof("
			      "service.vars.relance_component) == String }}\n"
			      "\t\t}%s\n",
			      perms[i],
			      i + 1 < sizeof(perms) / sizeof(perms[0]) ? ","
								       : "");
	rl_buf_puts(b, "\t]\n}\n");
}

/* The four command objects, as conf/icinga2/relance-commands.conf installs
 * them (that one in the ITL's style). */
static void icinga_commands(const struct gen *g, struct rl_buf *b)
{
	struct rl_buf p = RL_BUF_INIT;

	rl_buf_puts(b, "object CheckCommand \"relance-component\" {\n");
	rl_buf_printf(&p, "%s/check_component", g->plugin_dir);
	rl_buf_puts(b, "\tcommand = [ ");
	istr(b, rl_buf_str(&p));
	rl_buf_puts(b, " ]\n\targuments = {\n");
	iarg(b, "-f", "$relance_config$", "relance configuration file", true);
	iarg(b, "-C", "$relance_component$", "component (APP/NAME)", true);
	iarg(b, "-t", "$relance_timeout$",
	     "timeout in seconds (default: the component's check_timeout)",
	     false);
	rl_buf_puts(b, "\t}\n");
	ikv(b, 1, "vars.relance_config", g->o->config_path);
	rl_buf_puts(b, "}\n\n");

	rl_buf_puts(b, "object CheckCommand \"relance-application\" {\n");
	rl_buf_reset(&p);
	rl_buf_printf(&p, "%s/check_application", g->plugin_dir);
	rl_buf_puts(b, "\tcommand = [ ");
	istr(b, rl_buf_str(&p));
	rl_buf_puts(b, " ]\n\targuments = {\n");
	iarg(b, "-f", "$relance_config$", "relance configuration file", true);
	iarg(b, "-A", "$relance_application$", "application", true);
	iarg(b, "-t", "$relance_timeout$", "timeout in seconds", false);
	rl_buf_puts(b, "\t}\n");
	ikv(b, 1, "vars.relance_config", g->o->config_path);
	rl_buf_puts(b, "}\n\n");
	rl_buf_free(&p);

	handler_command(g, b, "EventCommand", "relance-handle-component");
	iarg(b, "--state", "$service.state$", "OK, WARNING, CRITICAL, UNKNOWN",
	     true);
	iarg(b, "--state-type", "$service.state_type$", "SOFT or HARD", true);
	iarg(b, "--attempt", "$service.check_attempt$", "check attempt", true);
	iarg(b, "--max-attempts", "$service.max_check_attempts$",
	     "max check attempts", false);
	iarg(b, "--ack", "$service.acknowledgement$",
	     "0 none, 1 normal, 2 sticky", false);
	/* who acknowledged: no macro says it, the acknowledgement's comment
	 * does (entry_type 4); without it the journal could name only the
	 * core's user */
	rl_buf_puts(
	    b, "\t\t\"--ack-author\" = {\n"
	       "\t\t\tvalue = {{\n"
	       "\t\t\t\tvar who = \"\"\n"
	       "\t\t\t\tvar h = macro(\"$host.name$\")\n"
	       "\t\t\t\tvar s = macro(\"$service.name$\")\n"
	       "\t\t\t\tfor (c in get_objects(Comment)) {\n"
	       "\t\t\t\t\tif (c.host_name == h && c.service_name == s && "
	       "c.entry_type == 4) {\n"
	       "\t\t\t\t\t\twho = c.author\n"
	       "\t\t\t\t\t}\n"
	       "\t\t\t\t}\n"
	       "\t\t\t\treturn who\n"
	       "\t\t\t}}\n"
	       "\t\t\tset_if = {{ macro(\"$service.acknowledgement$\") > 0 }}\n"
	       "\t\t\tdescription = \"who acknowledged (the "
	       "acknowledgement's comment)\"\n"
	       "\t\t}\n");
	handler_command_end(g, b, true);

	handler_command(g, b, "NotificationCommand",
			"relance-ack-notification");
	iarg(b, "--ack-notification", NULL, "called as a notification command",
	     false);
	iarg(b, "--type", "$notification.type$",
	     "the handler acts on ACKNOWLEDGEMENT", true);
	iarg(b, "--author", "$notification.author$", "who acknowledged", false);
	iarg(b, "--comment", "$notification.comment$", "their comment", false);
	handler_command_end(g, b, false);

	/* the re-notification of a problem still there: the handler again
	 * (issue 15: after a failover the survivor sees no state change) */
	handler_command(g, b, "NotificationCommand",
			"relance-heal-notification");
	iarg(b, "--retry", NULL,
	     "called as a notification command, every heal_retry", false);
	iarg(b, "--state", "$service.state$", "CRITICAL (the problem)", false);
	iarg(b, "--state-type", "$service.state_type$", "HARD", false);
	iarg(b, "--ack", "$service.acknowledgement$",
	     "0 none, 1 normal, 2 sticky", false);
	handler_command_end(g, b, true);
}

/* Without the generated commands, the installed ones run: their default
 * config (relance_config) is the installed path, so a service template
 * names the config generated from (a service's variables come first). */
static void icinga_config_var(const struct gen *g, struct rl_buf *b)
{
	if (!g->o->commands)
		ikv(b, 1, "vars.relance_config", g->o->config_path);
}

/*
 * The notifications of relance's two Users. "relance": acknowledgements
 * made in a HARD state (the handler records a hold). "relance-retry",
 * unless heal_retry is 0: the problem again every heal_retry, first
 * heal_retry after the HARD state (times.begin: the event handler has
 * acted then): Icinga 2 runs an event handler on a state change only, so
 * a component still CRITICAL after a failover, or a heal cut short, would
 * wait for a human. An acknowledgement or a downtime suppresses it; in an
 * HA zone one endpoint sends it (the notification feature's enable_ha),
 * the other after a failover. Two Users, not one taking both types:
 * Icinga 2 sends an acknowledgement to a User whose types include Problem
 * only if it was notified of that problem, and the retry's first
 * notification comes heal_retry late.
 */
static void icinga_notifications(const struct gen *g, struct rl_buf *b)
{
	int64_t retry_s = (g->m->site.heal_retry_ms + 999) / 1000;

	rl_buf_puts(b, "/* The handler learns of acknowledgements made in a "
		       "HARD state from these. */\n"
		       "object User \"relance\" {\n"
		       "\tdisplay_name = \"relance event handler "
		       "(acknowledgements)\"\n"
		       "\tenable_notifications = true\n"
		       "\ttypes = [ Acknowledgement ]\n"
		       "\tstates = [ OK, Warning, Critical, Unknown ]\n"
		       "}\n\n"
		       "apply Notification \"relance-ack\" to Service {\n"
		       "\tcommand = \"relance-ack-notification\"\n"
		       "\tusers = [ \"relance\" ]\n"
		       "\ttypes = [ Acknowledgement ]\n"
		       "\tinterval = 0\n"
		       "\tassign where service.vars.relance_component\n"
		       "}\n");
	if (retry_s == 0)
		return;
	rl_buf_printf(b,
		      "\n/* heal_retry = %llds: the handler again while the "
		      "problem lasts (handle_component --retry) */\n"
		      "object User \"relance-retry\" {\n"
		      "\tdisplay_name = \"relance event handler (retries)\"\n"
		      "\tenable_notifications = true\n"
		      "\ttypes = [ Problem ]\n"
		      "\tstates = [ Critical ]\n"
		      "}\n\n"
		      "apply Notification \"relance-retry\" to Service {\n"
		      "\tcommand = \"relance-heal-notification\"\n"
		      "\tusers = [ \"relance-retry\" ]\n"
		      "\ttypes = [ Problem ]\n"
		      "\tstates = [ Critical ]\n"
		      "\tinterval = %llds\n"
		      "\ttimes = { begin = %llds }\n"
		      "\tassign where service.vars.relance_component\n"
		      "}\n",
		      (long long)retry_s, (long long)retry_s,
		      (long long)retry_s);
}

static void icinga_common(const struct gen *g, struct rl_buf *b)
{
	if (g->o->commands)
		icinga_commands(g, b);
	rl_buf_puts(b, "template Service \"relance-component\" {\n"
		       "\tcheck_command = \"relance-component\"\n"
		       "\tevent_command = \"relance-handle-component\"\n"
		       "\tenable_event_handler = true\n"
		       "\tenable_flapping = false\n");
	rl_buf_printf(b, "\tmax_check_attempts = %d\n", DEFAULT_ATTEMPTS);
	rl_buf_puts(b, "\tcheck_interval = 1m\n"
		       "\tretry_interval = 15s\n");
	icinga_config_var(g, b);
	rl_buf_puts(b, "}\n\n"
		       "template Service \"relance-application\" {\n"
		       "\tcheck_command = \"relance-application\"\n"
		       "\tenable_event_handler = false\n"
		       "\tenable_flapping = false\n");
	rl_buf_printf(b, "\tmax_check_attempts = %d\n", DEFAULT_ATTEMPTS);
	rl_buf_puts(b, "\tcheck_interval = 1m\n"
		       "\tretry_interval = 15s\n");
	icinga_config_var(g, b);
	rl_buf_puts(b, "}\n\n");
	icinga_notifications(g, b);
	icinga_api_user(g, b);

	if (g->o->hosts != RL_GENERATE_HOSTS_DEFINE)
		return;
	/* A host check from the ITL, so that a host whose sshd is dead is
	 * DOWN: "ssh" (check_ssh) on an SSH host's port, set per host;
	 * "dummy" for a local host, this machine. */
	rl_buf_puts(b, "\ntemplate Host \"relance-host\" {\n"
		       "\tcheck_command = \"ssh\"\n"
		       "\tmax_check_attempts = 2\n"
		       "\tcheck_interval = 60s\n"
		       "\tretry_interval = 30s\n"
		       "}\n");
}

static void icinga_hosts(const struct gen *g, struct rl_buf *b,
			 struct rl_host **hs)
{
	size_t i;

	for (i = 0; i < g->m->n_hosts; i++) {
		rl_buf_puts(b, "\nobject Host ");
		istr(b, hs[i]->name);
		rl_buf_puts(b, " {\n\timport \"relance-host\"\n");
		ikv(b, 1, "address",
		    hs[i]->address ? hs[i]->address : hs[i]->name);
		if (hs[i]->transport == RL_TRANSPORT_SSH)
			rl_buf_printf(b, "\tvars.ssh_port = %d\n", hs[i]->port);
		else
			rl_buf_puts(b, "\tcheck_command = \"dummy\"\n"
				       "\tvars.dummy_state = 0\n"
				       "\tvars.dummy_text = \"this machine "
				       "(transport local)\"\n");
		if (hs[i]->zone != NULL)
			ikv(b, 1, "zone", hs[i]->zone);
		rl_buf_puts(b, "}\n");
	}
}

static int icinga_app(struct gen *g, struct rl_buf *b, const struct rl_app *a,
		      struct rl_component **cs)
{
	const char *zone = app_zone(a);
	struct rl_buf link = RL_BUF_INIT;
	struct rl_schedule s;
	size_t i, j;

	rl_buf_printf(b, "/* application %s: %zu components */\n\n", a->name,
		      a->n_components);
	rl_buf_puts(b, "object Service ");
	istr(b, a->name);
	rl_buf_puts(b, " {\n\timport \"relance-application\"\n");
	ikv(b, 1, "host_name", app_host(g, a));
	if (a->description != NULL)
		ikv(b, 1, "display_name", a->description);
	ikv(b, 1, "vars.relance_application", a->name);
	if (graph_link(g, a, &link)) {
		ikv(b, 1, "notes_url", rl_buf_str(&link));
		ikv(b, 1, "action_url", rl_buf_str(&link));
	}
	rl_buf_free(&link);
	schedule(g, b, &a->sched, a->sched.max_check_attempts);
	if (zone != NULL)
		ikv(b, 1, "zone", zone);
	rl_buf_puts(b, "}\n");

	for (i = 0; i < a->n_components; i++) {
		const struct rl_component *c = cs[i];

		rl_buf_puts(b, "\nobject Service ");
		istr(b, c->name);
		rl_buf_puts(b, " {\n\timport \"relance-component\"\n");
		ikv(b, 1, "host_name", c->host->name);
		if (c->description != NULL)
			ikv(b, 1, "display_name", c->description);
		ikv(b, 1, "vars.relance_component", c->name);
		s = sched_of(c);
		schedule(g, b, &s,
			 attempts(c) != DEFAULT_ATTEMPTS ? attempts(c) : 0);
		if (c->heal == RL_HEAL_NEVER)
			rl_buf_puts(b, "\tenable_event_handler = false\n");
		if (c->host->zone != NULL)
			ikv(b, 1, "zone", c->host->zone);
		rl_buf_puts(b, "}\n");
	}

	for (i = 0; i < a->n_components; i++) {
		const struct rl_component *c = cs[i];
		struct rl_component **r = sorted_requires(g, c);

		if (r == NULL && c->n_requires > 0)
			return -1;
		for (j = 0; j < c->n_requires; j++) {
			rl_buf_puts(b, "\nobject Dependency ");
			istr(b, r[j]->name);
			rl_buf_puts(b, " {\n");
			ikv(b, 1, "parent_host_name", r[j]->host->name);
			ikv(b, 1, "parent_service_name", r[j]->name);
			ikv(b, 1, "child_host_name", c->host->name);
			ikv(b, 1, "child_service_name", c->name);
			rl_buf_puts(b, "\tstates = [ OK, Warning ]\n"
				       "\tdisable_checks = true\n"
				       "\tdisable_notifications = true\n"
				       "\tignore_soft_states = true\n");
			if (c->host->zone != NULL)
				ikv(b, 1, "zone", c->host->zone);
			rl_buf_puts(b, "}\n");
		}
	}
	return 0;
}

/* --- assembling the files ------------------------------------------------ */

static int add_file(struct rl_generate_out *out, size_t *cap, const char *name,
		    struct rl_buf *b)
{
	struct rl_generate_file *f;

	if (b->oom)
		return -1;
	if (rl_grow(&out->files, cap, out->n_files + 1, sizeof(*out->files)) <
	    0)
		return -1;
	f = &out->files[out->n_files];
	f->name = strdup(name);
	if (f->name == NULL)
		return -1;
	f->len = b->len;
	f->content = rl_buf_detach(b);
	if (f->content == NULL) {
		free(f->name);
		return -1;
	}
	f->status = RL_GENERATE_SAME;
	out->n_files++;
	return 0;
}

static int by_file_name(const void *a, const void *b)
{
	return strcmp(((const struct rl_generate_file *)a)->name,
		      ((const struct rl_generate_file *)b)->name);
}

static void common_part(struct gen *g, struct rl_buf *b, struct rl_host **hs)
{
	if (g->target == RL_GENERATE_NAGIOS) {
		nagios_common(g, b);
		if (g->o->hosts == RL_GENERATE_HOSTS_DEFINE)
			nagios_hosts(g, b, hs);
	} else {
		icinga_common(g, b);
		if (g->o->hosts == RL_GENERATE_HOSTS_DEFINE)
			icinga_hosts(g, b, hs);
	}
}

int rl_generate(const struct rl_model *m, enum rl_generate_target target,
		const struct rl_generate_opts *opts,
		struct rl_generate_out *out, struct rl_err *err)
{
	struct gen g = {.m = m, .o = opts, .target = target};
	struct rl_generate_out res = {NULL, 0};
	struct rl_buf b = RL_BUF_INIT, name = RL_BUF_INIT;
	struct rl_host **hs = NULL;
	struct rl_component **cs = NULL;
	size_t cap = 0, i;
	int r = -1;

	out->files = NULL;
	out->n_files = 0;
	if (target != RL_GENERATE_NAGIOS && target != RL_GENERATE_ICINGA2)
		return rl_err_set(err, "unknown generate target %d",
				  (int)target);
	g.plugin_dir = opts->plugin_dir ? opts->plugin_dir : PLUGINDIR;
	g.interval_length_ms =
	    (int64_t)(opts->interval_length_s > 0 ? opts->interval_length_s
						  : DEFAULT_INTERVAL_LENGTH_S) *
	    1000;
	if (opts->handler != NULL) {
		g.handler = strdup(opts->handler);
	} else {
		rl_buf_printf(&name, "%s/handle_component", g.plugin_dir);
		g.handler = name.oom ? NULL : rl_buf_detach(&name);
	}
	if (g.handler == NULL) {
		rl_err_set(err, "out of memory");
		goto out;
	}
	if (validate(&g, err) < 0)
		goto out;
	hs = sorted_hosts(m);
	if (hs == NULL)
		goto oom;

	header(&g, &b,
	       !opts->split	? "every relance object"
	       : opts->commands ? "commands and templates"
				: "templates (the commands: installed)");
	common_part(&g, &b, hs);
	if (opts->split) {
		rl_buf_printf(&name, "relance-common.%s", ext(&g));
		if (add_file(&res, &cap, rl_buf_str(&name), &b) < 0)
			goto oom;
	}
	for (i = 0; i < m->n_apps; i++) {
		const struct rl_app *a = m->apps[i];
		int rc;

		if (a->n_components == 0)
			continue;
		cs = sorted_components(a);
		if (cs == NULL)
			goto oom;
		if (opts->split) {
			rl_buf_reset(&name);
			rl_buf_printf(&name, "application %s", a->name);
			header(&g, &b, rl_buf_str(&name));
		} else {
			rl_buf_puts(&b, "\n");
		}
		rc = target == RL_GENERATE_NAGIOS ? nagios_app(&g, &b, a, cs)
						  : icinga_app(&g, &b, a, cs);
		free(cs);
		cs = NULL;
		if (rc < 0)
			goto oom;
		if (opts->split) {
			rl_buf_reset(&name);
			rl_buf_printf(&name, "relance-app-%s.%s", a->name,
				      ext(&g));
			if (add_file(&res, &cap, rl_buf_str(&name), &b) < 0)
				goto oom;
		}
	}
	if (!opts->split) {
		rl_buf_printf(&name, "relance.%s", ext(&g));
		if (add_file(&res, &cap, rl_buf_str(&name), &b) < 0)
			goto oom;
	}
	if (name.oom)
		goto oom;
	qsort(res.files, res.n_files, sizeof(*res.files), by_file_name);
	*out = res;
	res.files = NULL;
	res.n_files = 0;
	r = 0;
	goto out;
oom:
	rl_err_set(err, "out of memory");
out:
	rl_generate_out_free(&res);
	free(cs);
	free(hs);
	free(g.reqs);
	free(g.handler);
	rl_buf_free(&b);
	rl_buf_free(&name);
	return r;
}

void rl_generate_out_free(struct rl_generate_out *out)
{
	size_t i;

	if (out == NULL)
		return;
	for (i = 0; i < out->n_files; i++) {
		free(out->files[i].name);
		free(out->files[i].content);
	}
	free(out->files);
	out->files = NULL;
	out->n_files = 0;
}

/* --- files on disk ------------------------------------------------------- */

int rl_generate_write(const struct rl_generate_out *out, const char *dir,
		      struct rl_err *err)
{
	struct rl_file_dir d = RL_FILE_DIR_INIT;
	struct rl_file_new *files;
	size_t i;
	int r = -1;

	files = calloc(out->n_files ? out->n_files : 1, sizeof(*files));
	if (files == NULL)
		return rl_err_set(err, "out of memory");
	for (i = 0; i < out->n_files; i++) {
		files[i].name = out->files[i].name;
		files[i].data = out->files[i].content;
		files[i].len = out->files[i].len;
	}
	/* the core reads what is written here as its configuration; one
	   directory sync for all, an up-to-date file left alone */
	if (rl_file_dir_open(&d, dir, RL_FILE_DIR_MODE, err) == 0)
		r = rl_file_write_atomic_all(&d, files, out->n_files, 0644,
					     err);
	rl_file_dir_close(&d);
	free(files);
	return r;
}

/* Compares FD's content with F; 1 same, 0 different, -1 read error. */
static int same_content(int fd, const struct rl_generate_file *f)
{
	char buf[65536];
	size_t off = 0;
	ssize_t n;

	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			return off == f->len;
		if ((size_t)n > f->len - off ||
		    memcmp(buf, f->content + off, (size_t)n) != 0)
			return 0;
		off += (size_t)n;
	}
}

int rl_generate_check(struct rl_generate_out *out, const char *dir,
		      size_t *n_differ, struct rl_err *err)
{
	struct rl_buf path = RL_BUF_INIT;
	size_t i, n = 0;
	int r = -1, fd, same;

	for (i = 0; i < out->n_files; i++) {
		struct rl_generate_file *f = &out->files[i];

		rl_buf_reset(&path);
		rl_buf_printf(&path, "%s/%s", dir, f->name);
		if (path.oom) {
			rl_err_set(err, "out of memory");
			goto out;
		}
		fd = open(rl_buf_str(&path), O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			if (errno != ENOENT) {
				rl_err_set(err, "%s: open: %s",
					   rl_buf_str(&path), strerror(errno));
				goto out;
			}
			f->status = RL_GENERATE_MISSING;
			n++;
			continue;
		}
		same = same_content(fd, f);
		if (same < 0)
			rl_err_set(err, "%s: read: %s", rl_buf_str(&path),
				   strerror(errno));
		close(fd);
		if (same < 0)
			goto out;
		f->status = same ? RL_GENERATE_SAME : RL_GENERATE_DIFFERS;
		n += !same;
	}
	if (n_differ != NULL)
		*n_differ = n;
	r = 0;
out:
	rl_buf_free(&path);
	return r;
}

/* Whether NAME in D is a file relance generated for TARGET: its first
 * line is the header's ("# Generated by ... for nagios: ..."). */
static bool generated_by_us(const struct rl_file_dir *d, const char *name,
			    enum rl_generate_target target)
{
	char line[512], want[32];
	struct rl_err ignored = {""};
	ssize_t n;
	char *nl;
	int fd;

	fd = rl_file_open_read(d, name, &ignored);
	if (fd < 0)
		return false; /* a link, a FIFO...: never relance's */
	do
		n = read(fd, line, sizeof(line) - 1);
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n <= 0)
		return false;
	line[n] = '\0';
	nl = strchr(line, '\n');
	if (nl == NULL)
		return false;
	*nl = '\0';
	snprintf(want, sizeof(want),
		 " for %s: ", rl_generate_target_name(target));
	return strncmp(line, "# Generated by ", 15) == 0 &&
	       strstr(line, want) != NULL;
}

static int by_string(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool in_output(const struct rl_generate_out *out, const char *name)
{
	size_t i;

	for (i = 0; i < out->n_files; i++)
		if (strcmp(out->files[i].name, name) == 0)
			return true;
	return false;
}

int rl_generate_stale(const struct rl_generate_out *out,
		      enum rl_generate_target target, const char *dir,
		      char ***names, size_t *n_names, struct rl_err *err)
{
	struct rl_file_dir d = RL_FILE_DIR_INIT;
	const char *dot = target == RL_GENERATE_NAGIOS ? ".cfg" : ".conf";
	char **v = NULL;
	size_t n = 0, cap = 0, len;
	struct dirent *e;
	DIR *dp = NULL;
	int fd, r = -1;

	*names = NULL;
	*n_names = 0;
	if (rl_file_dir_open(&d, dir, 0, err) < 0)
		return -1;
	fd = dup(d.fd);
	dp = fd < 0 ? NULL : fdopendir(fd);
	if (dp == NULL) {
		rl_err_set(err, "%s: cannot list: %s", dir, strerror(errno));
		if (fd >= 0)
			close(fd);
		goto out;
	}
	while ((e = readdir(dp)) != NULL) {
		len = strlen(e->d_name);
		if (len <= strlen(dot) ||
		    strcmp(e->d_name + len - strlen(dot), dot) != 0 ||
		    strncmp(e->d_name, "relance", 7) != 0 ||
		    in_output(out, e->d_name) ||
		    !generated_by_us(&d, e->d_name, target))
			continue;
		if (rl_grow(&v, &cap, n + 1, sizeof(*v)) < 0 ||
		    (v[n] = strdup(e->d_name)) == NULL) {
			rl_err_set(err, "out of memory");
			goto out;
		}
		n++;
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), by_string);
	*names = v;
	*n_names = n;
	v = NULL;
	n = 0;
	r = 0;
out:
	rl_generate_names_free(v, n);
	if (dp != NULL)
		closedir(dp);
	rl_file_dir_close(&d);
	return r;
}

int rl_generate_prune(const char *dir, char *const *names, size_t n,
		      struct rl_err *err)
{
	struct rl_file_dir d = RL_FILE_DIR_INIT;
	size_t i;
	int r = 0;

	if (rl_file_dir_open(&d, dir, RL_FILE_DIR_MODE, err) < 0)
		return -1;
	for (i = 0; i < n && r == 0; i++)
		if (unlinkat(d.fd, names[i], 0) < 0 && errno != ENOENT)
			r = rl_err_set(err, "%s/%s: remove: %s", dir, names[i],
				       strerror(errno));
	rl_file_dir_close(&d);
	return r;
}

void rl_generate_names_free(char **names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

const char *rl_generate_target_name(enum rl_generate_target t)
{
	return t == RL_GENERATE_ICINGA2 ? "icinga2" : "nagios";
}

int rl_generate_target_parse(const char *name, enum rl_generate_target *t,
			     struct rl_err *err)
{
	if (strcmp(name, "nagios") == 0 || strcmp(name, "nagios4") == 0)
		*t = RL_GENERATE_NAGIOS;
	else if (strcmp(name, "icinga2") == 0)
		*t = RL_GENERATE_ICINGA2;
	else
		return rl_err_set(err,
				  "unknown target '%.100s' (use nagios or "
				  "icinga2)",
				  name);
	return 0;
}
