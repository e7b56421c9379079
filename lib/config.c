/*
 * config - reads INI files into a model, through the system inih.
 *
 * inih (libinih 55 as Debian builds it) silently cuts lines over 199
 * characters, names over 49 and values at a whitespace followed by ';'. So
 * we feed it through our own reader, which sees every raw line first,
 * counts lines (inih's handler gets no line number) and refuses whatever
 * inih would cut. The reader also handles section headers itself: inih
 * calls no handler for a section without keys, and we want precise errors
 * for bad headers. inih is left to split "key = value" and to recognise
 * continuation lines, and the handler collects the value; a key is applied
 * once its value is complete, when the next key, section or the end of the
 * file is read.
 */
#include "build.h"

#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <ini.h>
#include <limits.h>
#include <pwd.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "confstore.h"
#include "plugin.h"
#include "safefile.h"
#include "util.h"
#include "xpath.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif

#define MAX_LINE 199 /* inih reads 200 bytes with the NUL */
#define MAX_NAME 49  /* inih's section and key buffers hold 50 */
#define MAX_KEYS 32  /* keys of a section: checked below, at compile time */
#define MAX_DEPTH 16 /* nested includes */
#define MAX_FILE_SIZE (16 * 1024 * 1024)
#define MAX_XML_CHECKS 64 /* xpath.NAME per component */
#define MAX_XML_LABEL 48

/* rl_err_prefix() is told whether a setter's message still needs a place. */
#define ERR_NEEDS_PLACE (-1)
#define ERR_COMPLETE (-2)

enum sect {
	SECT_NONE = 0, /* before the first section */
	SECT_RELANCE,
	SECT_SSH,
	SECT_HOST,
	SECT_APP,
	SECT_COMPONENT,
	SECT_ICINGA_API,
	SECT_COUNT,
};

enum line_kind {
	LINE_BLANK,
	LINE_COMMENT,
	LINE_SECTION,
	LINE_KEY,
	LINE_CONT,
};

struct file_state;

struct key {
	const char *name;
	/* Applies value; returns 0, ERR_NEEDS_PLACE or ERR_COMPLETE. */
	int (*set)(struct file_state *fs, const struct key *k,
		   const char *value, struct rl_err *err);
	size_t off;    /* field in the section's struct */
	long min, max; /* numbers; durations: min in ms */
	bool command;  /* a shell command (for the ' ;' message) */
	bool repeat;   /* may be given more than once (include) */
};

struct file_id {
	const char *name;
	dev_t dev;
	ino_t ino;
	bool real; /* false for a string */
};

/* One load: the model and what spans files. */
struct cfg {
	struct rl_model *m;
	unsigned flags;
	struct file_id stack[MAX_DEPTH]; /* files being read */
	size_t depth;
	/* [relance] and [ssh] may come back (in another file): keys are
	   duplicates across all their sections */
	struct rl_where seen_relance[MAX_KEYS];
	struct rl_where seen_ssh[MAX_KEYS];
	struct rl_where seen_icinga_api[MAX_KEYS];
	/* every file read, in order (confstore.h): with their names, and
	   as hashed (without them) */
	struct rl_buf bundle, hashed;
	/* the XPath expressions that compiled: a site repeats the same few
	   on thousands of components, and compiling one costs libxml2 a
	   new context (its function tables) each time */
	struct xpath_seen {
		char **slots; /* open addressing; owned copies */
		size_t cap;   /* power of two, or 0 */
		size_t n;
	} xpath_ok;
};

/* One file being read. */
struct file_state {
	struct cfg *cfg;
	const char *name; /* interned in the model */
	const char *text;
	size_t len, pos;
	int lineno;
	enum line_kind kind; /* of the line inih is processing */
	bool failed;
	struct rl_err *err;

	enum sect sect;
	void *target;		   /* the struct the section's keys fill */
	char label[MAX_NAME + 32]; /* "component 'fx/a': ", or "" */
	struct rl_where seen_local[MAX_KEYS];
	struct rl_where *seen;

	/* an xpath.NAME[.SUB] key: a copy of xpath_key with its full name */
	struct key dyn_key;
	char dyn_name[MAX_NAME + 1];

	/* the key whose value is being read */
	const struct key *pending;
	int pending_line;
	struct rl_buf value;
};

/* --- setters ---------------------------------------------------------- */

static void *field(struct file_state *fs, const struct key *k)
{
	return (char *)fs->target + k->off;
}

static int set_str(struct file_state *fs, const struct key *k,
		   const char *value, struct rl_err *err)
{
	char **p = field(fs, k);
	char *copy = strdup(value);

	if (copy == NULL)
		return rl_err_set(err, "out of memory");
	free(*p);
	*p = copy;
	return 0;
}

/*
 * The host-lock directory on the targets: an absolute path of characters
 * that need no quoting in any shell relance speaks, "/..." on POSIX or
 * "D:/..." / "D:\\..." on Windows (rl_hostlock judges it again per shell).
 */
static int set_host_lock_dir(struct file_state *fs, const struct key *k,
			     const char *value, struct rl_err *err)
{
	const char *p = value;

	if (isalpha((unsigned char)p[0]) && p[1] == ':')
		p += 2;
	if (*p != '/' && *p != '\\')
		return rl_err_set(err, "'%.200s' is not an absolute path",
				  value); /* ERR_NEEDS_PLACE */
	for (; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && !strchr("._/\\-", *p))
			return rl_err_set(err,
					  "'%.200s': only letters, digits and "
					  "._/\\- are allowed",
					  value);
	return set_str(fs, k, value, err);
}

/* graph_dir: an absolute path on this node. */
static int set_abs_path(struct file_state *fs, const struct key *k,
			const char *value, struct rl_err *err)
{
	if (value[0] != '/')
		return rl_err_set(err, "'%.200s' is not an absolute path",
				  value); /* ERR_NEEDS_PLACE */
	return set_str(fs, k, value, err);
}

/*
 * graph_url: the base of the links generate writes into the cores'
 * objects, so only characters that neither core splits, expands ('$') or
 * reads as a comment (';') or a quote: RFC 3986's, less those.
 */
static int set_graph_url(struct file_state *fs, const struct key *k,
			 const char *value, struct rl_err *err)
{
	const char *p;

	if (strncmp(value, "http://", 7) != 0 &&
	    strncmp(value, "https://", 8) != 0 && value[0] != '/')
		return rl_err_set(err,
				  "'%.200s': an http:// or https:// URL or "
				  "an absolute path is needed",
				  value);
	for (p = value; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) &&
		    !strchr("._~:/?#@!&()*+,=%-", *p))
			return rl_err_set(
			    err,
			    "'%.200s': character '%c' cannot be "
			    "used in a link of the cores' objects",
			    value, *p);
	((struct rl_site *)fs->target)->graph_url_where =
	    (struct rl_where){fs->name, fs->pending_line};
	return set_str(fs, k, value, err);
}

static int set_int(struct file_state *fs, const struct key *k,
		   const char *value, struct rl_err *err)
{
	long n;

	if (rl_parse_long(value, k->min, k->max, &n, err) < 0)
		return ERR_NEEDS_PLACE;
	*(int *)field(fs, k) = (int)n;
	return 0;
}

static int set_duration(struct file_state *fs, const struct key *k,
			const char *value, struct rl_err *err)
{
	int64_t ms;

	if (rl_parse_duration(value, 0, &ms, err) < 0)
		return ERR_NEEDS_PLACE;
	if (ms < k->min)
		return rl_err_set(
		    err, "duration '%.64s' is too short (at least %ldms)",
		    value, k->min);
	*(int64_t *)field(fs, k) = ms;
	return 0;
}

/* [relance] heal_retry: 0 (off), or at least a second (the cores count
 * notification intervals in seconds). */
static int set_heal_retry(struct file_state *fs, const struct key *k,
			  const char *value, struct rl_err *err)
{
	int64_t ms;

	if (!strcmp(value, "0")) {
		ms = 0;
	} else {
		if (rl_parse_duration(value, 0, &ms, err) < 0)
			return ERR_NEEDS_PLACE;
		if (ms != 0 && ms < 1000)
			return rl_err_set(err,
					  "duration '%.64s' is too short (0 "
					  "to turn retries off, else at least "
					  "1s)",
					  value);
	}
	*(int64_t *)field(fs, k) = ms;
	return 0;
}

/* [icinga_api] url: one or more https://HOST[:PORT][/], tried in turn. */
static int set_urls(struct file_state *fs, const struct key *k,
		    const char *value, struct rl_err *err)
{
	struct rl_icinga_api_settings *a = fs->target;
	const char *p = value, *end, *h;
	size_t cap = a->n_urls, n;
	char *u;

	(void)k;
	for (;;) {
		p += strspn(p, " \t\n");
		if (*p == '\0')
			break;
		n = strcspn(p, " \t\n");
		end = p + n;
		if (n < 9 || strncmp(p, "https://", 8) != 0)
			return rl_err_set(
			    err,
			    "'%.*s': use https://HOST[:PORT] (the "
			    "Icinga 2 API speaks HTTPS only)",
			    (int)(n > 200 ? 200 : n), p);
		for (h = p + 8; h < end; h++)
			if (!isalnum((unsigned char)*h) &&
			    !strchr(".-:[]_", *h) &&
			    !(*h == '/' && h + 1 == end))
				return rl_err_set(
				    err,
				    "'%.*s': use https://HOST[:PORT] (no path, "
				    "user or query)",
				    (int)(n > 200 ? 200 : n), p);
		u = strndup(p, n);
		if (u == NULL || rl_grow(&a->urls, &cap, a->n_urls + 1,
					 sizeof(*a->urls)) < 0) {
			free(u);
			return rl_err_set(err, "out of memory");
		}
		a->urls[a->n_urls++] = u;
		p = end;
	}
	if (a->n_urls == 0)
		return rl_err_set(err, "no URL given");
	return 0;
}

/* [icinga_api] password_file: judged now, read when the API is used. */
static int set_secret_file(struct file_state *fs, const struct key *k,
			   const char *value, struct rl_err *err)
{
	int fd = rl_file_open_secret(value, err);

	if (fd < 0)
		return ERR_NEEDS_PLACE;
	close(fd);
	return set_str(fs, k, value, err);
}

/* A size in bytes: a number, with K, M or G (powers of 1024). */
static int set_size(struct file_state *fs, const struct key *k,
		    const char *value, struct rl_err *err)
{
	static const char units[] = "KMG";
	const char *u;
	char *end;
	long long n;
	int shift = 0;

	errno = 0;
	n = value[0] >= '0' && value[0] <= '9' ? strtoll(value, &end, 10) : -1;
	if (n >= 0 && errno == 0 && *end != '\0' && end[1] == '\0' &&
	    (u = strchr(units, *end)) != NULL) {
		shift = 10 * (int)(u - units + 1);
		end++;
	}
	if (n < 0 || errno != 0 || *end != '\0' || n > (INT64_MAX >> 30))
		return rl_err_set(err,
				  "invalid size '%.64s' (bytes, or a number "
				  "with K, M or G)",
				  value);
	*(int64_t *)field(fs, k) = (int64_t)n << shift;
	return 0;
}

static int set_transport(struct file_state *fs, const struct key *k,
			 const char *value, struct rl_err *err)
{
	struct rl_host *h = fs->target;

	(void)k;
	if (strcmp(value, "ssh") == 0)
		h->transport = RL_TRANSPORT_SSH;
	else if (strcmp(value, "local") == 0)
		h->transport = RL_TRANSPORT_LOCAL;
	else
		return rl_err_set(
		    err, "invalid value '%.64s' (use ssh or local)", value);
	return 0;
}

/* The monitoring core's account: one that exists here. */
static int set_core_user(struct file_state *fs, const struct key *k,
			 const char *value, struct rl_err *err)
{
	if (getpwnam(value) == NULL)
		return rl_err_set(err, "no user '%.64s' on this machine",
				  value); /* ERR_NEEDS_PLACE */
	return set_str(fs, k, value, err);
}

/* A host's user: where it was written, for the check of a local host's
 * account (check_model), which needs the host's transport. */
static int set_host_user(struct file_state *fs, const struct key *k,
			 const char *value, struct rl_err *err)
{
	struct rl_host *h = fs->target;

	h->user_line = fs->pending_line;
	return set_str(fs, k, value, err);
}

/* A component's user (local hosts only): where it was written. */
static int set_component_user(struct file_state *fs, const struct key *k,
			      const char *value, struct rl_err *err)
{
	struct rl_component *c = fs->target;

	c->user_line = fs->pending_line;
	return set_str(fs, k, value, err);
}

static int set_shell(struct file_state *fs, const struct key *k,
		     const char *value, struct rl_err *err)
{
	struct rl_host *h = fs->target;

	(void)k;
	if (strcmp(value, "posix") == 0)
		h->shell = RL_SHELL_POSIX;
	else if (strcmp(value, "powershell") == 0)
		h->shell = RL_SHELL_POWERSHELL;
	else if (strcmp(value, "cmd") == 0)
		h->shell = RL_SHELL_CMD;
	else
		return rl_err_set(
		    err, "invalid value '%.64s' (use posix, powershell or cmd)",
		    value);
	return 0;
}

static int set_check_mode(struct file_state *fs, const struct key *k,
			  const char *value, struct rl_err *err)
{
	struct rl_component *c = fs->target;

	(void)k;
	if (strcmp(value, "exit") == 0)
		c->check_mode = RL_CHECK_EXIT;
	else if (strcmp(value, "plugin") == 0)
		c->check_mode = RL_CHECK_PLUGIN;
	else if (strcmp(value, "xml") == 0)
		c->check_mode = RL_CHECK_XML;
	else
		return rl_err_set(
		    err, "invalid value '%.64s' (use exit, plugin or xml)",
		    value);
	return 0;
}

static int set_heal(struct file_state *fs, const struct key *k,
		    const char *value, struct rl_err *err)
{
	struct rl_component *c = fs->target;
	long n;

	if (strcmp(value, "hard") == 0) {
		c->heal = RL_HEAL_HARD;
	} else if (strcmp(value, "never") == 0) {
		c->heal = RL_HEAL_NEVER;
	} else if (strncmp(value, "soft:", 5) == 0 &&
		   rl_parse_long(value + 5, k->min, k->max, &n, NULL) == 0) {
		c->heal = RL_HEAL_SOFT;
		c->heal_soft_attempt = (int)n;
	} else {
		return rl_err_set(err,
				  "invalid value '%.64s' (use hard, soft:N "
				  "with N from %ld to %ld, or never)",
				  value, k->min, k->max);
	}
	return 0;
}

static int set_restart_limit(struct file_state *fs, const struct key *k,
			     const char *value, struct rl_err *err)
{
	struct rl_component *c = fs->target;
	const char *slash = strchr(value, '/');
	char count[32];
	long n;
	int64_t ms;

	if (slash == NULL || (size_t)(slash - value) >= sizeof(count))
		goto bad;
	memcpy(count, value, (size_t)(slash - value));
	count[slash - value] = '\0';
	if (rl_parse_long(count, k->min, k->max, &n, NULL) < 0)
		goto bad;
	if (rl_parse_duration(slash + 1, 0, &ms, err) < 0)
		return ERR_NEEDS_PLACE;
	if (ms <= 0)
		goto bad;
	c->restart_limit_count = (int)n;
	c->restart_limit_window_ms = ms;
	return 0;
bad:
	return rl_err_set(err,
			  "invalid value '%.64s' (use COUNT/DURATION with "
			  "COUNT from %ld to %ld, e.g. 3/1h)",
			  value, k->min, k->max);
}

/* max_check_attempts of an rl_schedule: the number, and where it was set
 * (heal = soft:N is judged against it once every section is read) */
static int set_attempts(struct file_state *fs, const struct key *k,
			const char *value, struct rl_err *err)
{
	struct rl_schedule *s =
	    (struct rl_schedule *)((char *)field(fs, k) -
				   offsetof(struct rl_schedule,
					    max_check_attempts));
	int r = set_int(fs, k, value, err);

	if (r == 0) {
		s->attempts_where.file = fs->name;
		s->attempts_where.line = fs->pending_line;
	}
	return r;
}

static int set_requires(struct file_state *fs, const struct key *k,
			const char *value, struct rl_err *err)
{
	char *copy = strdup(value), *p, *save = NULL;
	int r = 0;

	(void)k;
	if (copy == NULL)
		return rl_err_set(err, "out of memory");
	for (p = strtok_r(copy, " \t", &save); p != NULL;
	     p = strtok_r(NULL, " \t", &save)) {
		struct rl_where where = {fs->name, fs->pending_line};

		if (rl_model_add_require(fs->cfg->m, fs->target, p, where,
					 err) < 0) {
			r = ERR_COMPLETE; /* the model names the place */
			break;
		}
	}
	free(copy);
	return r;
}

static int set_include(struct file_state *fs, const struct key *k,
		       const char *value, struct rl_err *err);

/* --- xpath.NAME[.SUB] (check_mode xml) -------------------------------- */

static const char *const xml_subkeys[RL_XML_KEY_COUNT] = {
    [RL_XML_KEY_EXPR] = "",
    [RL_XML_KEY_WARNING] = "warning",
    [RL_XML_KEY_CRITICAL] = "critical",
    [RL_XML_KEY_LABEL] = "label",
    [RL_XML_KEY_UOM] = "uom",
    [RL_XML_KEY_EXPECT] = "expect",
};

static bool valid_xml_name(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-')
			return false;
	return n > 0;
}

/* The check named NAME (N bytes) of c, added if new; NULL on error. */
static struct rl_xml_check *xml_check(struct rl_component *c, const char *name,
				      size_t n, struct rl_err *err)
{
	struct rl_xml_check *x;
	size_t i;

	for (i = 0; i < c->n_xml_checks; i++)
		if (strlen(c->xml_checks[i].name) == n &&
		    memcmp(c->xml_checks[i].name, name, n) == 0)
			return &c->xml_checks[i];
	if (c->n_xml_checks == MAX_XML_CHECKS) {
		rl_err_set(err, "too many xpath expressions (max %d)",
			   MAX_XML_CHECKS);
		return NULL;
	}
	if (rl_resize(&c->xml_checks, c->n_xml_checks + 1,
		      sizeof(*c->xml_checks)) < 0) {
		rl_err_set(err, "out of memory");
		return NULL;
	}
	x = &c->xml_checks[c->n_xml_checks];
	memset(x, 0, sizeof(*x));
	x->name = strndup(name, n);
	if (x->name == NULL) {
		rl_err_set(err, "out of memory");
		return NULL;
	}
	c->n_xml_checks++;
	return x;
}

static size_t xpath_slot(const struct xpath_seen *xs, const char *expr)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */
	const char *p;
	size_t i;

	for (p = expr; *p != '\0'; p++) {
		h ^= (unsigned char)*p;
		h *= 1099511628211ULL;
	}
	for (i = h & (xs->cap - 1); xs->slots[i] != NULL;
	     i = (i + 1) & (xs->cap - 1))
		if (strcmp(xs->slots[i], expr) == 0)
			break;
	return i;
}

/* Remembers EXPR as compiled; a failure (memory) only loses the saving. */
static void xpath_seen_add(struct xpath_seen *xs, const char *expr)
{
	char *copy;

	if ((xs->n + 1) * 2 > xs->cap) {
		struct xpath_seen bigger = {NULL, xs->cap ? xs->cap * 2 : 64,
					    0};
		size_t i;

		bigger.slots = calloc(bigger.cap, sizeof(*bigger.slots));
		if (bigger.slots == NULL)
			return;
		for (i = 0; i < xs->cap; i++)
			if (xs->slots[i] != NULL)
				bigger
				    .slots[xpath_slot(&bigger, xs->slots[i])] =
				    xs->slots[i];
		bigger.n = xs->n;
		free(xs->slots);
		*xs = bigger;
	}
	copy = strdup(expr);
	if (copy == NULL)
		return;
	xs->slots[xpath_slot(xs, expr)] = copy;
	xs->n++;
}

static void xpath_seen_free(struct xpath_seen *xs)
{
	size_t i;

	for (i = 0; i < xs->cap; i++)
		free(xs->slots[i]);
	free(xs->slots);
	xs->slots = NULL;
	xs->cap = xs->n = 0;
}

/* rl_xpath_validate, once per distinct expression of a load: the result
 * depends on the text alone */
static int validate_xpath(struct cfg *cfg, const char *expr, struct rl_err *err)
{
	struct xpath_seen *xs = &cfg->xpath_ok;

	if (xs->cap > 0 && xs->slots[xpath_slot(xs, expr)] != NULL)
		return 0;
	if (rl_xpath_validate(expr, err) < 0)
		return -1;
	xpath_seen_add(xs, expr);
	return 0;
}

static int check_xml_value(struct cfg *cfg, enum rl_xml_key sub,
			   const char *value, struct rl_err *err)
{
	struct rl_range range;
	const char *p;

	switch (sub) {
	case RL_XML_KEY_EXPR:
		return validate_xpath(cfg, value, err) < 0 ? ERR_NEEDS_PLACE
							   : 0;
	case RL_XML_KEY_WARNING:
	case RL_XML_KEY_CRITICAL:
		return rl_range_parse(value, &range, err) < 0 ? ERR_NEEDS_PLACE
							      : 0;
	case RL_XML_KEY_LABEL:
		if (strlen(value) > MAX_XML_LABEL)
			return rl_err_set(err,
					  "label too long (max %d "
					  "characters)",
					  MAX_XML_LABEL);
		for (p = value; *p != '\0'; p++)
			if ((unsigned char)*p < 0x20 || *p == '|' || *p == '=')
				return rl_err_set(
				    err,
				    "invalid label '%.64s' (no '|', "
				    "'=' or control characters)",
				    value);
		return 0;
	case RL_XML_KEY_UOM:
		for (p = value; *p != '\0'; p++)
			if (!isalpha((unsigned char)*p) && *p != '%')
				break;
		if (*p != '\0' || strlen(value) > 8)
			return rl_err_set(err,
					  "invalid unit '%.64s' (up to 8 "
					  "letters or '%%': s, ms, %%, B, "
					  "KB, MB, c...)",
					  value);
		return 0;
	default:
		return 0;
	}
}

/*
 * xpath.NAME = XPATH, xpath.NAME.warning = RANGE, .critical, .label, .uom,
 * .expect: k->name is the whole key. Values are checked here, so that an
 * XPath that does not compile is reported at its line.
 */
static int set_xpath(struct file_state *fs, const struct key *k,
		     const char *value, struct rl_err *err)
{
	struct rl_component *c = fs->target;
	const char *name = k->name + strlen("xpath."), *dot = strchr(name, '.');
	size_t n = dot != NULL ? (size_t)(dot - name) : strlen(name);
	enum rl_xml_key sub = RL_XML_KEY_EXPR;
	struct rl_xml_check *x;
	char **field[RL_XML_KEY_COUNT];
	char *copy;
	int r;

	if (!valid_xml_name(name, n))
		return rl_err_set(err, "invalid expression name (use "
				       "xpath.NAME with letters, digits, '_' "
				       "and '-')");
	if (dot != NULL) {
		for (sub = RL_XML_KEY_WARNING; sub < RL_XML_KEY_COUNT; sub++)
			if (strcmp(dot + 1, xml_subkeys[sub]) == 0)
				break;
		if (sub == RL_XML_KEY_COUNT)
			return rl_err_set(
			    err, "unknown key (use xpath.NAME, or "
				 "xpath.NAME. followed by warning, critical, "
				 "label, uom or expect)");
	}
	/* the plugins skip compiling: it loads libxml2, and the judge
	 * reports an expression that does not compile as UNKNOWN anyway */
	r = sub == RL_XML_KEY_EXPR && (fs->cfg->flags & RL_CONFIG_LAZY_XPATH)
		? 0
		: check_xml_value(fs->cfg, sub, value, err);
	if (r < 0)
		return r;
	x = xml_check(c, name, n, err);
	if (x == NULL)
		return ERR_NEEDS_PLACE;
	if (x->lines[sub] != 0) {
		rl_err_set(err,
			   "%s:%d: %sduplicate key '%s' (first set at %s:%d)",
			   fs->name, fs->pending_line, fs->label, k->name,
			   fs->name, x->lines[sub]);
		return ERR_COMPLETE;
	}
	copy = strdup(value);
	if (copy == NULL)
		return rl_err_set(err, "out of memory");
	field[RL_XML_KEY_EXPR] = &x->expr;
	field[RL_XML_KEY_WARNING] = &x->warning;
	field[RL_XML_KEY_CRITICAL] = &x->critical;
	field[RL_XML_KEY_LABEL] = &x->label;
	field[RL_XML_KEY_UOM] = &x->uom;
	field[RL_XML_KEY_EXPECT] = &x->expect;
	*field[sub] = copy;
	x->lines[sub] = fs->pending_line;
	return 0;
}

static const struct key xpath_key = {"xpath", set_xpath, 0, 0, 0, false, true};

/* --- the sections ----------------------------------------------------- */

#define STR(type, f) set_str, offsetof(type, f), 0, 0, false, false
#define CMD(type, f) set_str, offsetof(type, f), 0, 0, true, false
#define INT(type, f, lo, hi) set_int, offsetof(type, f), lo, hi, false, false
#define DUR(type, f) set_duration, offsetof(type, f), 1, 0, false, false

static const struct key keys_none[] = {
    {"include", set_include, 0, 0, 0, false, true},
    {NULL, NULL, 0, 0, 0, false, false},
};

static const struct key keys_relance[] = {
    {"journal", STR(struct rl_site, journal)},
    {"lock_dir", STR(struct rl_site, lock_dir)},
    {"command_file", STR(struct rl_site, command_file)},
    {"status_file", STR(struct rl_site, status_file)},
    {"hold_dir", STR(struct rl_site, hold_dir)},
    {"host_lock_dir", set_host_lock_dir,
     offsetof(struct rl_site, host_lock_dir), 0, 0, false, false},
    {"node", STR(struct rl_site, node)},
    {"core_user", set_core_user, offsetof(struct rl_site, core_user), 0, 0,
     false, false},
    {"parallel", INT(struct rl_site, parallel, 1, 1000)},
    {"check_interval", DUR(struct rl_site, check_interval_ms)},
    {"heal_retry", set_heal_retry, offsetof(struct rl_site, heal_retry_ms), 0,
     0, false, false},
    {"graph_dir", set_abs_path, offsetof(struct rl_site, graph_dir), 0, 0,
     false, false},
    {"graph_url", set_graph_url, offsetof(struct rl_site, graph_url), 0, 0,
     false, false},
    {"journal_max_size", set_size, offsetof(struct rl_site, journal_max_size),
     0, 0, false, false},
    {"journal_keep", INT(struct rl_site, journal_keep, 1, 200)},
    {"config_keep", INT(struct rl_site, config_keep, 0, 10000)},
    {"include", set_include, 0, 0, 0, false, true},
    {NULL, NULL, 0, 0, 0, false, false},
};

static const struct key keys_ssh[] = {
    {"user", STR(struct rl_ssh_settings, user)},
    {"identity", STR(struct rl_ssh_settings, identity)},
    {"passphrase_file", STR(struct rl_ssh_settings, passphrase_file)},
    {"known_hosts", STR(struct rl_ssh_settings, known_hosts)},
    {"timeout", DUR(struct rl_ssh_settings, timeout_ms)},
    {"max_channels", INT(struct rl_ssh_settings, max_channels, 1, 256)},
    {"max_handshakes", INT(struct rl_ssh_settings, max_handshakes, 1, 256)},
    {NULL, NULL, 0, 0, 0, false, false},
};

static const struct key keys_icinga_api[] = {
    {"url", set_urls, 0, 0, 0, false, false},
    {"user", STR(struct rl_icinga_api_settings, user)},
    {"password_file", set_secret_file,
     offsetof(struct rl_icinga_api_settings, password_file), 0, 0, false,
     false},
    {"ca_file", STR(struct rl_icinga_api_settings, ca_file)},
    {"timeout", DUR(struct rl_icinga_api_settings, timeout_ms)},
    {NULL, NULL, 0, 0, 0, false, false},
};

static const struct key keys_host[] = {
    {"transport", set_transport, 0, 0, 0, false, false},
    {"address", STR(struct rl_host, address)},
    {"port", INT(struct rl_host, port, 1, 65535)},
    {"user", set_host_user, offsetof(struct rl_host, user), 0, 0, false, false},
    {"identity", STR(struct rl_host, identity)},
    {"shell", set_shell, 0, 0, 0, false, false},
    {"zone", STR(struct rl_host, zone)},
    {NULL, NULL, 0, 0, 0, false, false},
};

/* the core's schedule of a service, in [application] and [component] */
#define SCHED_DUR(type, f)                                                     \
	set_duration, offsetof(type, sched.f), 1000, 0, false, false
#define SCHED_ATTEMPTS(type)                                                   \
	set_attempts, offsetof(type, sched.max_check_attempts), 1, 100, false, \
	    false

static const struct key keys_app[] = {
    {"description", STR(struct rl_app, description)},
    {"parallel", INT(struct rl_app, parallel, 1, 1000)},
    {"check_interval", SCHED_DUR(struct rl_app, check_interval_ms)},
    {"retry_interval", SCHED_DUR(struct rl_app, retry_interval_ms)},
    {"max_check_attempts", SCHED_ATTEMPTS(struct rl_app)},
    {NULL, NULL, 0, 0, 0, false, false},
};

static const struct key keys_component[] = {
    {"host", STR(struct rl_component, host_name)},
    {"check", CMD(struct rl_component, check)},
    {"check_mode", set_check_mode, 0, 0, 0, false, false},
    {"stop", CMD(struct rl_component, stop)},
    {"start", CMD(struct rl_component, start)},
    {"restart", CMD(struct rl_component, restart)},
    {"requires", set_requires, 0, 0, 0, false, false},
    {"description", STR(struct rl_component, description)},
    {"user", set_component_user, offsetof(struct rl_component, user), 0, 0,
     false, false},
    {"check_timeout", DUR(struct rl_component, check_timeout_ms)},
    {"start_timeout", DUR(struct rl_component, start_timeout_ms)},
    {"stop_timeout", DUR(struct rl_component, stop_timeout_ms)},
    {"heal", set_heal, 0, 1, 100, false, false},
    {"restart_limit", set_restart_limit, 0, 1, 1000, false, false},
    {"check_interval", SCHED_DUR(struct rl_component, check_interval_ms)},
    {"retry_interval", SCHED_DUR(struct rl_component, retry_interval_ms)},
    {"max_check_attempts", SCHED_ATTEMPTS(struct rl_component)},
    {NULL, NULL, 0, 0, 0, false, false},
};

/* each section's keys fit the duplicate-key tables (seen_*) */
#define KEYS_FIT(t) (sizeof(t) / sizeof((t)[0]) - 1 <= MAX_KEYS)
_Static_assert(KEYS_FIT(keys_relance) && KEYS_FIT(keys_ssh) &&
		   KEYS_FIT(keys_icinga_api) && KEYS_FIT(keys_host) &&
		   KEYS_FIT(keys_app) && KEYS_FIT(keys_component),
	       "a section has more keys than MAX_KEYS");

static const struct key *const section_keys[SECT_COUNT] = {
    [SECT_NONE] = keys_none,
    [SECT_RELANCE] = keys_relance,
    [SECT_SSH] = keys_ssh,
    [SECT_HOST] = keys_host,
    [SECT_APP] = keys_app,
    [SECT_COMPONENT] = keys_component,
    [SECT_ICINGA_API] = keys_icinga_api,
};

/* --- errors ----------------------------------------------------------- */

/* Records an error at the current line: "FILE:LINE: LABEL" + message. */
static int fail_line(struct file_state *fs, int line, bool label,
		     const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail_line(struct file_state *fs, int line, bool label,
		     const char *fmt, ...)
{
	char msg[RL_ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fs->failed = true;
	return rl_err_set(fs->err, "%s:%d: %s%s", fs->name, line,
			  label ? fs->label : "", msg);
}

/* The message of a failed setter gets its place, unless it has one. */
static int fail_key(struct file_state *fs, const struct key *k, int line, int r)
{
	fs->failed = true;
	if (r == ERR_COMPLETE || fs->err == NULL)
		return -1;
	return rl_err_prefix(fs->err, "%s:%d: %skey '%s'", fs->name, line,
			     fs->label, k->name);
}

static const char *errno_text(int e)
{
	switch (e) {
	case ENOENT:
		return "no such file";
	case EACCES:
		return "permission denied";
	case EISDIR:
		return "is a directory";
	case ENOMEM:
		return "out of memory";
	default:
		return strerror(e);
	}
}

/* --- files ------------------------------------------------------------ */

static int check_perms(const char *path, const struct stat *st,
		       struct rl_err *err)
{
	uid_t me = geteuid();

	if (st->st_mode & (S_IWGRP | S_IWOTH))
		return rl_err_set(err,
				  "%s: refused: writable by group or others "
				  "(mode %04o); chmod go-w %s",
				  path, (unsigned)(st->st_mode & 07777), path);
	if (st->st_uid != 0 && st->st_uid != me)
		return rl_err_set(err,
				  "%s: refused: owned by uid %lu, neither root "
				  "nor the caller (uid %lu); chown root %s",
				  path, (unsigned long)st->st_uid,
				  (unsigned long)me, path);
	return 0;
}

/*
 * Judges the directory DIR (links followed) as OpenSSH's StrictModes
 * does: refused when group or others may write it without the sticky
 * bit, or when it belongs to another user than root and the caller.
 */
static int check_dir(const char *path, const char *dir, struct rl_err *err)
{
	int fd, r;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return rl_err_set(err, "cannot open '%s': %s", path,
				  errno_text(errno));
	r = rl_file_dir_judge(fd, dir, RL_FILE_DIR_STRICT, err);
	close(fd);
	if (r < 0)
		rl_err_prefix(err, "cannot read '%s': refused", path);
	return r;
}

/*
 * Links are followed (an admin's root-owned link in a root-owned
 * directory is normal), but both the directory holding the name given
 * and the one holding the file it leads to are judged.
 */
static int check_dirs(const char *path, struct rl_err *err)
{
	char *named = strdup(path), *real = realpath(path, NULL);
	char *slash;
	int r = -1;

	if (named == NULL) {
		rl_err_set(err, "out of memory");
		goto out;
	}
	slash = strrchr(named, '/');
	if (slash == named)
		slash[1] = '\0'; /* "/x.ini" lives in "/" */
	else if (slash != NULL)
		*slash = '\0';
	if (check_dir(path, slash != NULL ? named : ".", err) < 0)
		goto out;
	if (real != NULL) {
		slash = strrchr(real, '/');
		if (slash == real)
			slash[1] = '\0';
		else if (slash != NULL)
			*slash = '\0';
		if (check_dir(path, real, err) < 0)
			goto out;
	}
	r = 0;
out:
	free(named);
	free(real);
	return r;
}

/*
 * Reads a whole file. Returns 0, ERR_NEEDS_PLACE ("cannot open 'x': ...")
 * or ERR_COMPLETE ("x: refused: ..."). *text is the caller's to free.
 * Only a regular file is opened: a FIFO, socket or device (which could
 * block, or have effects when opened) is refused from its stat.
 */
static int read_file(const char *path, unsigned flags, char **text, size_t *len,
		     struct stat *st, struct rl_err *err)
{
	int fd, r = ERR_NEEDS_PLACE;
	char *buf = NULL;
	size_t n = 0;
	ssize_t got;
	struct stat first;

	if (stat(path, &first) < 0)
		return rl_err_set(err, "cannot open '%s': %s", path,
				  errno_text(errno));
	if (S_ISDIR(first.st_mode))
		return rl_err_set(err, "cannot read '%s': not a regular file",
				  path);
	if (!S_ISREG(first.st_mode))
		return rl_err_set(err,
				  "cannot read '%s': not a regular file "
				  "(%s)",
				  path, rl_file_kind(first.st_mode));
	if (!(flags & RL_CONFIG_NO_PERMS) && check_dirs(path, err) < 0)
		return ERR_NEEDS_PLACE;
	/* O_NONBLOCK: swapped for a FIFO since the stat, it must not block */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return rl_err_set(err, "cannot open '%s': %s", path,
				  errno_text(errno));
	if (fstat(fd, st) < 0) {
		rl_err_set(err, "cannot stat '%s': %s", path,
			   errno_text(errno));
		goto out;
	}
	if (!S_ISREG(st->st_mode) || st->st_dev != first.st_dev ||
	    st->st_ino != first.st_ino) {
		rl_err_set(err, "cannot read '%s': replaced while opened",
			   path);
		goto out;
	}
	if (!(flags & RL_CONFIG_NO_PERMS) && check_perms(path, st, err) < 0) {
		r = ERR_COMPLETE;
		goto out;
	}
	if (st->st_size > MAX_FILE_SIZE) {
		rl_err_set(err, "cannot read '%s': larger than %d bytes", path,
			   MAX_FILE_SIZE);
		goto out;
	}
	buf = malloc((size_t)st->st_size + 1);
	if (buf == NULL) {
		rl_err_set(err, "out of memory");
		goto out;
	}
	while (n < (size_t)st->st_size) {
		got = read(fd, buf + n, (size_t)st->st_size - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			rl_err_set(err, "cannot read '%s': %s", path,
				   errno_text(errno));
			goto out;
		}
		if (got == 0)
			break; /* shrank while we read: take what is there */
		n += (size_t)got;
	}
	buf[n] = '\0';
	*text = buf;
	*len = n;
	buf = NULL;
	r = 0;
out:
	free(buf);
	close(fd);
	return r;
}

static int parse_text(struct cfg *cfg, const char *name, const char *text,
		      size_t len, struct rl_err *err);

/*
 * Reads one file named by an include. Returns 0, ERR_NEEDS_PLACE or
 * ERR_COMPLETE (an error inside the included file has its own place).
 */
static int include_file(struct cfg *cfg, const char *path, struct rl_err *err)
{
	struct rl_buf chain = RL_BUF_INIT;
	struct stat st;
	char *text = NULL;
	size_t len = 0, i;
	const char *name;
	int r;

	r = read_file(path, cfg->flags, &text, &len, &st, err);
	if (r < 0)
		return r;
	r = ERR_NEEDS_PLACE;
	for (i = 0; i < cfg->depth; i++) {
		if (cfg->stack[i].real && cfg->stack[i].dev == st.st_dev &&
		    cfg->stack[i].ino == st.st_ino)
			break;
	}
	if (i < cfg->depth) {
		for (; i < cfg->depth; i++)
			rl_buf_printf(&chain, "%s -> ", cfg->stack[i].name);
		rl_buf_puts(&chain, path);
		if (chain.oom)
			rl_err_set(err, "out of memory");
		else
			rl_err_set(err, "include cycle: %s",
				   rl_buf_str(&chain));
		goto out;
	}
	if (cfg->depth == MAX_DEPTH) {
		rl_err_set(err, "includes nested too deeply (max %d)",
			   MAX_DEPTH);
		goto out;
	}
	name = rl_model_intern_file(cfg->m, path);
	if (name == NULL) {
		rl_err_set(err, "out of memory");
		goto out;
	}
	rl_confstore_bundle_add(&cfg->bundle, &cfg->hashed, name, text, len);
	cfg->stack[cfg->depth++] =
	    (struct file_id){name, st.st_dev, st.st_ino, true};
	r = parse_text(cfg, name, text, len, err) < 0 ? ERR_COMPLETE : 0;
	cfg->depth--;
out:
	rl_buf_free(&chain);
	free(text);
	return r;
}

/* A missing directory matches nothing; an unreadable one is an error. */
static int glob_error(const char *path, int e)
{
	(void)path;
	return e != ENOENT && e != ENOTDIR;
}

static bool has_wildcard(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

/*
 * include = GLOB...: whitespace-separated patterns, relative to the
 * directory of the including file. A pattern without a wildcard names a
 * file that must exist; a pattern with one may match nothing (an empty
 * conf.d/ is not an error). Matches are read in sorted order.
 */
static int set_include(struct file_state *fs, const struct key *k,
		       const char *value, struct rl_err *err)
{
	const char *slash = strrchr(fs->name, '/');
	size_t dirlen = fs->cfg->stack[fs->cfg->depth - 1].real && slash
			    ? (size_t)(slash - fs->name) + 1
			    : 0;
	char *copy = strdup(value), *pat, *save = NULL;
	struct rl_buf path = RL_BUF_INIT;
	glob_t g;
	size_t i;
	int r = 0, gr;

	(void)k;
	if (copy == NULL)
		return rl_err_set(err, "out of memory");
	for (pat = strtok_r(copy, " \t", &save); pat != NULL && r == 0;
	     pat = strtok_r(NULL, " \t", &save)) {
		rl_buf_reset(&path);
		if (pat[0] != '/')
			rl_buf_append(&path, fs->name, dirlen);
		rl_buf_puts(&path, pat);
		if (path.oom) {
			r = rl_err_set(err, "out of memory");
			break;
		}
		if (!has_wildcard(pat)) {
			r = include_file(fs->cfg, rl_buf_str(&path), err);
			continue;
		}
		gr = glob(rl_buf_str(&path), 0, glob_error, &g);
		if (gr != 0 && gr != GLOB_NOMATCH)
			r = rl_err_set(
			    err, "cannot expand '%s': %s", rl_buf_str(&path),
			    gr == GLOB_NOSPACE
				? "out of memory"
				: "cannot read a directory on its way");
		for (i = 0; gr == 0 && i < g.gl_pathc && r == 0; i++)
			r = include_file(fs->cfg, g.gl_pathv[i], err);
		globfree(&g);
	}
	rl_buf_free(&path);
	free(copy);
	return r;
}

/* --- lines ------------------------------------------------------------ */

/* Applies the key whose value is complete. */
static int flush_pending(struct file_state *fs)
{
	const struct key *k = fs->pending;
	const char *v;
	int r;

	if (k == NULL)
		return 0;
	fs->pending = NULL;
	if (fs->value.oom)
		return fail_line(fs, fs->pending_line, true, "out of memory");
	v = rl_buf_str(&fs->value);
	if (*v == '\0')
		return fail_line(fs, fs->pending_line, true,
				 "key '%s': empty value", k->name);
	r = k->set(fs, k, v, fs->err);
	if (r < 0)
		return fail_key(fs, k, fs->pending_line, r);
	return 0;
}

/* inih's inline comment: whitespace then ';'. Returns it or NULL. */
static const char *find_inline_comment(const char *s)
{
	const char *p;

	/* each ';' (rare: strchr finds it fast), then what precedes it */
	for (p = strchr(s, ';'); p != NULL; p = strchr(p + 1, ';'))
		if (p > s && isspace((unsigned char)p[-1]))
			return p - 1;
	return NULL;
}

static int fail_comment(struct file_state *fs, const char *at,
			const struct key *k)
{
	return fail_line(fs, fs->lineno, true,
			 "key '%s': '%s;' would start a comment and cut the "
			 "%s; put comments on their own line",
			 k->name, at[0] == '\t' ? "\\t" : " ",
			 k->command ? "command" : "value");
}

static bool valid_name_char(char c)
{
	return isalnum((unsigned char)c) || c == '.' || c == '_' || c == '-' ||
	       c == '/';
}

static void set_section(struct file_state *fs, enum sect sect, void *target,
			const char *kind, const char *name)
{
	fs->sect = sect;
	fs->target = target;
	if (name != NULL)
		snprintf(fs->label, sizeof(fs->label), "%s '%s': ", kind, name);
	else
		snprintf(fs->label, sizeof(fs->label), "section '%s': ", kind);
	memset(fs->seen_local, 0, sizeof(fs->seen_local));
	fs->seen = sect == SECT_RELANCE	     ? fs->cfg->seen_relance
		   : sect == SECT_SSH	     ? fs->cfg->seen_ssh
		   : sect == SECT_ICINGA_API ? fs->cfg->seen_icinga_api
					     : fs->seen_local;
}

/* The model's messages carry their place (the where we gave it). */
static int fail_model(struct file_state *fs)
{
	fs->failed = true;
	return -1;
}

/* [kind] or [kind "name"]; s points at '['. */
static int parse_section(struct file_state *fs, const char *s)
{
	struct rl_where where = {fs->name, fs->lineno};
	char inner[MAX_NAME + 1], kind[MAX_NAME + 1];
	const char *end = strchr(s + 1, ']'), *p, *q;
	const char *name = NULL;
	size_t n;
	void *obj;

	if (end == NULL)
		return fail_line(fs, fs->lineno, false,
				 "missing ']' in section header");
	for (p = end + 1; *p != '\0'; p++)
		if (!isspace((unsigned char)*p))
			return fail_line(fs, fs->lineno, false,
					 "unexpected text after ']' (comments "
					 "go on their own line)");
	n = (size_t)(end - (s + 1));
	if (n > MAX_NAME)
		return fail_line(fs, fs->lineno, false,
				 "section name too long (max %d characters)",
				 MAX_NAME);
	memcpy(inner, s + 1, n);
	inner[n] = '\0';

	for (p = inner; isspace((unsigned char)*p); p++)
		;
	for (q = p; *q != '\0' && !isspace((unsigned char)*q) && *q != '"'; q++)
		;
	memcpy(kind, p, (size_t)(q - p));
	kind[q - p] = '\0';
	for (p = q; isspace((unsigned char)*p); p++)
		;
	if (*p == '"') {
		char *close = strchr(p + 1, '"');

		for (q = close != NULL ? close + 1 : p; *q != '\0'; q++)
			if (!isspace((unsigned char)*q))
				break;
		if (close == NULL || *q != '\0')
			return fail_line(fs, fs->lineno, false,
					 "bad section header '[%s]' (expected "
					 "[%s \"NAME\"])",
					 inner, kind);
		*close = '\0';
		name = p + 1;
	} else if (*p != '\0') {
		return fail_line(
		    fs, fs->lineno, false,
		    "bad section header '[%s]' (expected [%s \"NAME\"])", inner,
		    kind);
	}

	if (strcmp(kind, "relance") == 0 || strcmp(kind, "ssh") == 0 ||
	    strcmp(kind, "icinga_api") == 0) {
		struct rl_icinga_api_settings *api =
		    &fs->cfg->m->site.icinga_api;

		if (name != NULL)
			return fail_line(fs, fs->lineno, false,
					 "section '%s' takes no name", kind);
		if (kind[0] == 'i') {
			if (api->where.file == NULL)
				api->where = where;
			set_section(fs, SECT_ICINGA_API, api, kind, NULL);
		} else if (kind[0] == 'r')
			set_section(fs, SECT_RELANCE, &fs->cfg->m->site, kind,
				    NULL);
		else
			set_section(fs, SECT_SSH, &fs->cfg->m->site.ssh, kind,
				    NULL);
		return 0;
	}
	if (strcmp(kind, "host") != 0 && strcmp(kind, "application") != 0 &&
	    strcmp(kind, "component") != 0)
		return fail_line(fs, fs->lineno, false,
				 "unknown section '%s' (use relance, ssh, "
				 "icinga_api, host, application or "
				 "component)",
				 kind);
	if (name == NULL)
		return fail_line(fs, fs->lineno, false,
				 "section '%s' needs a name: [%s \"%s\"]", kind,
				 kind,
				 kind[0] == 'c'	  ? "APP/NAME"
				 : kind[0] == 'a' ? "APP"
						  : "NAME");
	for (p = name; *p != '\0'; p++)
		if (!valid_name_char(*p))
			return fail_line(fs, fs->lineno, false,
					 "%s '%s': invalid name (use letters, "
					 "digits, '.', '_' and '-')",
					 kind, name);
	if (kind[0] == 'c' && ((p = strchr(name, '/')) == NULL || p == name ||
			       p[1] == '\0' || strchr(p + 1, '/') != NULL))
		return fail_line(fs, fs->lineno, false,
				 "component '%s': name must be APP/NAME", name);

	if (kind[0] == 'h')
		obj = rl_model_add_host(fs->cfg->m, name, where, fs->err);
	else if (kind[0] == 'a')
		obj = rl_model_add_app(fs->cfg->m, name, where, fs->err);
	else
		obj = rl_model_add_component(fs->cfg->m, name, where, fs->err);
	if (obj == NULL)
		return fail_model(fs);
	set_section(fs,
		    kind[0] == 'h'   ? SECT_HOST
		    : kind[0] == 'a' ? SECT_APP
				     : SECT_COMPONENT,
		    obj, kind, name);
	return 0;
}

/* "key = value": check the raw line, then start collecting the value. */
static int parse_key(struct file_state *fs, const char *s)
{
	const char *sep = strpbrk(s, "=:"), *cut = find_inline_comment(s);
	const struct key *k;
	char name[MAX_NAME + 1];
	size_t n;
	struct rl_where *seen;

	if (sep == NULL || (cut != NULL && cut < sep))
		return fail_line(fs, fs->lineno, false,
				 "expected 'key = value' or a [section]");
	if (*sep == ':')
		return fail_line(
		    fs, fs->lineno, false,
		    "expected 'key = value' (':' is not a separator)");
	for (n = (size_t)(sep - s); n > 0 && isspace((unsigned char)s[n - 1]);
	     n--)
		;
	if (n == 0)
		return fail_line(fs, fs->lineno, false,
				 "missing key name before '='");
	if (n > MAX_NAME)
		return fail_line(fs, fs->lineno, true,
				 "key name too long (max %d characters)",
				 MAX_NAME);
	memcpy(name, s, n);
	name[n] = '\0';

	/* the first character first: most keys differ there */
	for (k = section_keys[fs->sect]; k->name != NULL; k++)
		if (k->name[0] == name[0] && strcmp(k->name, name) == 0)
			break;
	if (k->name == NULL && fs->sect == SECT_COMPONENT &&
	    strncmp(name, "xpath.", 6) == 0) {
		/* set_xpath checks the rest and duplicates */
		memcpy(fs->dyn_name, name, n + 1);
		fs->dyn_key = xpath_key;
		fs->dyn_key.name = fs->dyn_name;
		if (cut != NULL)
			return fail_comment(fs, cut, &fs->dyn_key);
		fs->pending = &fs->dyn_key;
		fs->pending_line = fs->lineno;
		rl_buf_reset(&fs->value);
		return 0;
	}
	if (k->name == NULL) {
		if (fs->sect == SECT_NONE)
			return fail_line(
			    fs, fs->lineno, false,
			    "key '%s' outside any section (only include may "
			    "come before the first section)",
			    name);
		return fail_line(fs, fs->lineno, true, "unknown key '%s'",
				 name);
	}
	if (cut != NULL)
		return fail_comment(fs, cut, k);
	seen = &fs->seen[k - section_keys[fs->sect]];
	if (!k->repeat && seen->file != NULL)
		return fail_line(fs, fs->lineno, true,
				 "duplicate key '%s' (first set at %s:%d)",
				 name, seen->file, seen->line);
	seen->file = fs->name;
	seen->line = fs->lineno;
	fs->pending = k;
	fs->pending_line = fs->lineno;
	rl_buf_reset(&fs->value);
	return 0;
}

/*
 * Mirrors inih's view of the line (comment, section, continuation, key)
 * and checks what inih would cut. Keys still pending are applied when a
 * new key or section starts.
 */
static int check_line(struct file_state *fs, const char *line)
{
	const char *s = line, *cut;

	if (fs->lineno == 1 && strncmp(s, "\xEF\xBB\xBF", 3) == 0)
		s += 3;
	while (isspace((unsigned char)*s))
		s++;
	if (*s == '\0') {
		fs->kind = LINE_BLANK;
		return 0;
	}
	if (*s == ';' || *s == '#') {
		fs->kind = LINE_COMMENT;
		/* inih takes it for a comment: the value would lose it */
		if (fs->pending != NULL && s > line)
			return fail_line(
			    fs, fs->lineno, true,
			    "key '%s': an indented line starting with '%c' is "
			    "a comment, not a continuation; start comments at "
			    "the beginning of the line",
			    fs->pending->name, *s);
		return 0;
	}
	if (fs->pending != NULL && s > line) {
		fs->kind = LINE_CONT;
		cut = find_inline_comment(s);
		if (cut != NULL)
			return fail_comment(fs, cut, fs->pending);
		return 0;
	}
	if (flush_pending(fs) < 0)
		return -1;
	if (*s == '[') {
		fs->kind = LINE_SECTION;
		return parse_section(fs, s);
	}
	fs->kind = LINE_KEY;
	return parse_key(fs, s);
}

/* inih's fgets: hands over one whole line (without its newline). */
static char *reader(char *str, int num, void *stream)
{
	struct file_state *fs = stream;
	const char *start = fs->text + fs->pos, *nl;
	size_t n;

	if (fs->failed || fs->pos >= fs->len)
		return NULL;
	nl = memchr(start, '\n', fs->len - fs->pos);
	n = nl != NULL ? (size_t)(nl - start) : fs->len - fs->pos;
	fs->pos += n + (nl != NULL);
	fs->lineno++;
	if (n > 0 && start[n - 1] == '\r')
		n--;
	if (memchr(start, '\0', n) != NULL) {
		fail_line(fs, fs->lineno, false, "nul byte in line");
		return NULL;
	}
	if (n > MAX_LINE || n >= (size_t)num) {
		fail_line(fs, fs->lineno, false,
			  "line too long (max %d characters); continue the "
			  "value on an indented next line",
			  MAX_LINE);
		return NULL;
	}
	memcpy(str, start, n);
	str[n] = '\0';
	if (check_line(fs, str) < 0)
		return NULL;
	return str;
}

static int handler(void *user, const char *section, const char *name,
		   const char *value)
{
	struct file_state *fs = user;

	(void)section;
	(void)name;
	if (fs->failed)
		return 0;
	if (fs->kind == LINE_CONT && fs->value.len > 0)
		rl_buf_puts(&fs->value, " ");
	rl_buf_puts(&fs->value, value);
	return 1;
}

static int parse_text(struct cfg *cfg, const char *name, const char *text,
		      size_t len, struct rl_err *err)
{
	struct file_state fs = {
	    .cfg = cfg,
	    .name = name,
	    .text = text,
	    .len = len,
	    .err = err,
	    .sect = SECT_NONE,
	    .value = RL_BUF_INIT,
	};
	int r;

	fs.seen = fs.seen_local;
	r = ini_parse_stream(reader, &fs, handler, &fs);
	if (!fs.failed)
		flush_pending(&fs);
	if (!fs.failed && r != 0) {
		if (r > 0)
			fail_line(&fs, r, false, "syntax error");
		else
			rl_err_set(err, "%s: out of memory", name);
		fs.failed = true;
	}
	rl_buf_free(&fs.value);
	return fs.failed ? -1 : 0;
}

/* --- the whole load --------------------------------------------------- */

/* The first line where a key of x was set. */
static int xml_first_line(const struct rl_xml_check *x)
{
	int i, line = 0;

	for (i = 0; i < RL_XML_KEY_COUNT; i++)
		if (x->lines[i] != 0 && (line == 0 || x->lines[i] < line))
			line = x->lines[i];
	return line;
}

/* check_mode xml and the xpath keys go together; labels are unique. */
static int check_xml(const struct rl_component *c, struct rl_err *err)
{
	const char *file = c->where.file;
	size_t i, j;

	if (c->check_mode == RL_CHECK_XML && c->n_xml_checks == 0)
		return rl_err_set(err,
				  "%s:%d: component '%s': check_mode xml needs "
				  "at least one xpath.NAME = EXPRESSION",
				  file, c->where.line, c->name);
	for (i = 0; i < c->n_xml_checks; i++) {
		const struct rl_xml_check *x = &c->xml_checks[i];
		const char *label = x->label != NULL ? x->label : x->name;

		if (c->check_mode != RL_CHECK_XML)
			return rl_err_set(err,
					  "%s:%d: component '%s': xpath keys "
					  "need check_mode = xml",
					  file, xml_first_line(x), c->name);
		if (x->expr == NULL)
			return rl_err_set(err,
					  "%s:%d: component '%s': no "
					  "expression for 'xpath.%s' (add "
					  "xpath.%s = EXPRESSION)",
					  file, xml_first_line(x), c->name,
					  x->name, x->name);
		if (x->expect != NULL &&
		    (x->warning != NULL || x->critical != NULL))
			return rl_err_set(err,
					  "%s:%d: component '%s': key "
					  "'xpath.%s.expect': expect compares "
					  "strings, warning and critical "
					  "numbers; use one or the other",
					  file, x->lines[RL_XML_KEY_EXPECT],
					  c->name, x->name);
		for (j = 0; j < i; j++) {
			const struct rl_xml_check *y = &c->xml_checks[j];

			if (strcmp(label,
				   y->label != NULL ? y->label : y->name) == 0)
				return rl_err_set(
				    err,
				    "%s:%d: component '%s': label '%s' of "
				    "'xpath.%s' is already that of 'xpath.%s'",
				    file, xml_first_line(x), c->name, label,
				    x->name, y->name);
		}
	}
	return 0;
}

/* [icinga_api] is whole, and the one way to the core (issue 14). */
static int check_icinga_api(const struct rl_site *s, struct rl_err *err)
{
	const struct rl_icinga_api_settings *a = &s->icinga_api;
	const char *missing = a->n_urls == 0		 ? "url"
			      : a->user == NULL		 ? "user"
			      : a->password_file == NULL ? "password_file"
							 : NULL;

	if (a->where.file == NULL)
		return 0;
	if (missing != NULL)
		return rl_err_set(err,
				  "%s:%d: section 'icinga_api': missing key "
				  "'%s'",
				  a->where.file, a->where.line, missing);
	if (s->command_file != NULL || s->status_file != NULL)
		return rl_err_set(
		    err,
		    "%s:%d: section 'icinga_api': %s is set too: the API "
		    "replaces the command pipe and status.dat (keep "
		    "one way to the core)",
		    a->where.file, a->where.line,
		    s->command_file != NULL ? "command_file" : "status_file");
	return 0;
}

/* A component's user: on a local host, an account here. (An unknown host
 * is resolve's error.) */
static int check_component_user(const struct rl_model *m,
				const struct rl_component *c,
				struct rl_err *err)
{
	const struct rl_host *h = rl_model_host(m, c->host_name);

	if (h != NULL && h->transport != RL_TRANSPORT_LOCAL)
		return rl_err_set(err,
				  "%s:%d: component '%s': key 'user': only "
				  "for a component on a local host (host "
				  "'%s' is ssh: its user is the login)",
				  c->where.file, c->user_line, c->name,
				  h->name);
	if (getpwnam(c->user) == NULL)
		return rl_err_set(err,
				  "%s:%d: component '%s': key 'user': no user "
				  "'%.64s' on this machine (a local "
				  "component's commands run as it)",
				  c->where.file, c->user_line, c->name,
				  c->user);
	return 0;
}

/* heal = soft:N acts at the N-th SOFT attempt: the core must make one */
static int check_attempts(const struct rl_component *c, struct rl_err *err)
{
	const struct rl_schedule *s =
	    c->sched.max_check_attempts ? &c->sched : &c->app->sched;

	if (c->heal != RL_HEAL_SOFT || s->max_check_attempts == 0 ||
	    s->max_check_attempts > c->heal_soft_attempt)
		return 0;
	return rl_err_set(err,
			  "%s:%d: key 'max_check_attempts': %d is too few "
			  "for component '%s' (heal = soft:%d needs at least "
			  "%d)",
			  s->attempts_where.file, s->attempts_where.line,
			  s->max_check_attempts, c->name, c->heal_soft_attempt,
			  c->heal_soft_attempt + 1);
}

static int check_model(struct rl_model *m, struct rl_err *err)
{
	static const struct {
		const char *key;
		size_t off;
	} needed[] = {
	    {"host", offsetof(struct rl_component, host_name)},
	    {"check", offsetof(struct rl_component, check)},
	    {"start", offsetof(struct rl_component, start)},
	    {"stop", offsetof(struct rl_component, stop)},
	};
	char node[HOST_NAME_MAX + 1];
	size_t i, j;

	for (i = 0; i < m->n_components; i++) {
		const struct rl_component *c = m->components[i];

		for (j = 0; j < sizeof(needed) / sizeof(needed[0]); j++)
			if (*(char *const *)((const char *)c + needed[j].off) ==
			    NULL)
				return rl_err_set(
				    err,
				    "%s:%d: component '%s': missing key '%s'",
				    c->where.file, c->where.line, c->name,
				    needed[j].key);
		if (check_xml(c, err) < 0 || check_attempts(c, err) < 0)
			return -1;
		if (c->user != NULL && check_component_user(m, c, err) < 0)
			return -1;
	}
	for (i = 0; i < m->n_hosts; i++) {
		struct rl_host *h = m->hosts[i];

		/* a local host's commands run as its user: an account here */
		if (h->transport == RL_TRANSPORT_LOCAL && h->user != NULL &&
		    getpwnam(h->user) == NULL)
			return rl_err_set(err,
					  "%s:%d: host '%s': key 'user': no "
					  "user '%.64s' on this machine (a "
					  "local host's commands run as it)",
					  h->where.file, h->user_line, h->name,
					  h->user);
		if (h->transport != RL_TRANSPORT_SSH)
			continue;
		if (m->site.ssh.known_hosts == NULL)
			return rl_err_set(err,
					  "%s:%d: host '%s': transport ssh "
					  "needs known_hosts in [ssh]",
					  h->where.file, h->where.line,
					  h->name);
		if (h->address == NULL &&
		    (h->address = strdup(h->name)) == NULL)
			return rl_err_set(err, "out of memory");
	}
	if (check_icinga_api(&m->site, err) < 0)
		return -1;
	if (m->site.hold_dir == NULL) {
		const char *slash = strrchr(m->site.journal, '/');
		struct rl_buf b = RL_BUF_INIT;

		if (slash == NULL)
			rl_buf_puts(&b, "holds");
		else if (slash == m->site.journal)
			rl_buf_puts(&b, "/holds");
		else
			rl_buf_printf(&b, "%.*s/holds",
				      (int)(slash - m->site.journal),
				      m->site.journal);
		m->site.hold_dir = rl_buf_detach(&b);
		if (m->site.hold_dir == NULL)
			return rl_err_set(err, "out of memory");
	}
	if (m->site.node == NULL) {
		if (gethostname(node, sizeof(node)) < 0)
			return rl_err_set(err,
					  "cannot get this machine's name: %s; "
					  "set node in [relance]",
					  strerror(errno));
		node[sizeof(node) - 1] = '\0';
		m->site.node = strdup(node);
		if (m->site.node == NULL)
			return rl_err_set(err, "out of memory");
	}
	return 0;
}

/* The bundle of every file read and its hash go into the model. */
static int keep_bundle(struct cfg *cfg, struct rl_err *err)
{
	if (cfg->bundle.oom || cfg->hashed.oom ||
	    rl_confstore_hash(rl_buf_str(&cfg->hashed), cfg->hashed.len,
			      cfg->m->config_hash) < 0)
		return rl_err_set(err, "out of memory");
	cfg->m->config_bundle_len = cfg->bundle.len;
	cfg->m->config_bundle = rl_buf_detach(&cfg->bundle);
	return cfg->m->config_bundle == NULL ? rl_err_set(err, "out of memory")
					     : 0;
}

static int load(const char *text, size_t len, const char *name,
		const struct stat *st, unsigned flags, struct rl_model **out,
		struct rl_err *err)
{
	struct cfg cfg = {.flags = flags};
	const char *iname;
	int r = -1;

	cfg.m = rl_model_new();
	if (cfg.m == NULL)
		return rl_err_set(err, "out of memory");
	iname = rl_model_intern_file(cfg.m, name);
	if (iname == NULL) {
		rl_err_set(err, "out of memory");
		goto out;
	}
	cfg.stack[0] = (struct file_id){iname, st ? st->st_dev : 0,
					st ? st->st_ino : 0, st != NULL};
	cfg.depth = 1;
	rl_confstore_bundle_add(&cfg.bundle, &cfg.hashed, iname, text, len);
	if (parse_text(&cfg, iname, text, len, err) < 0 ||
	    check_model(cfg.m, err) < 0 || rl_model_resolve(cfg.m, err) < 0 ||
	    keep_bundle(&cfg, err) < 0)
		goto out;
	*out = cfg.m;
	cfg.m = NULL;
	r = 0;
out:
	xpath_seen_free(&cfg.xpath_ok);
	rl_buf_free(&cfg.hashed);
	rl_buf_free(&cfg.bundle);
	rl_model_free(cfg.m);
	return r;
}

int rl_config_load(const char *path, unsigned flags, struct rl_model **out,
		   struct rl_err *err)
{
	struct stat st;
	char *text = NULL;
	size_t len = 0;
	int r;

	if (read_file(path, flags, &text, &len, &st, err) < 0)
		return -1;
	r = load(text, len, path, &st, flags, out, err);
	free(text);
	return r;
}

int rl_config_load_string(const char *text, const char *name, unsigned flags,
			  struct rl_model **out, struct rl_err *err)
{
	return load(text, strlen(text), name, NULL, flags, out, err);
}

const char *rl_config_default_path(const char *explicit_path)
{
	const char *env;

	if (explicit_path != NULL && *explicit_path != '\0')
		return explicit_path;
	env = getenv("RELANCE_CONFIG");
	if (env != NULL && *env != '\0')
		return env;
	return SYSCONFDIR "/relance/relance.ini";
}
