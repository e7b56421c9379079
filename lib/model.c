#include "build.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "util.h"

/*
 * Name → object maps. Open addressing with linear probing, keys borrowed
 * from the objects they index. A config of 10,000 components is looked up
 * tens of thousands of times while it is read and resolved: a linear search
 * would make config check quadratic.
 */
struct map {
	const char **keys;
	void **vals;
	size_t cap; /* power of two, or 0 */
	size_t n;
};

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

static void *map_get(const struct map *mp, const char *key)
{
	size_t i;

	if (mp->cap == 0)
		return NULL;
	for (i = hash_str(key) & (mp->cap - 1); mp->keys[i] != NULL;
	     i = (i + 1) & (mp->cap - 1))
		if (strcmp(mp->keys[i], key) == 0)
			return mp->vals[i];
	return NULL;
}

static void map_put_slot(struct map *mp, const char *key, void *val)
{
	size_t i = hash_str(key) & (mp->cap - 1);

	while (mp->keys[i] != NULL)
		i = (i + 1) & (mp->cap - 1);
	mp->keys[i] = key;
	mp->vals[i] = val;
	mp->n++;
}

/* Inserts a key known to be absent. Returns -1 on allocation failure. */
static int map_put(struct map *mp, const char *key, void *val)
{
	if ((mp->n + 1) * 2 > mp->cap) {
		struct map bigger = {NULL, NULL, mp->cap ? mp->cap * 2 : 64, 0};
		size_t i;

		bigger.keys = calloc(bigger.cap, sizeof(*bigger.keys));
		bigger.vals = calloc(bigger.cap, sizeof(*bigger.vals));
		if (bigger.keys == NULL || bigger.vals == NULL) {
			free(bigger.keys);
			free(bigger.vals);
			return -1;
		}
		for (i = 0; i < mp->cap; i++)
			if (mp->keys[i] != NULL)
				map_put_slot(&bigger, mp->keys[i], mp->vals[i]);
		free(mp->keys);
		free(mp->vals);
		*mp = bigger;
	}
	map_put_slot(mp, key, val);
	return 0;
}

static void map_free(struct map *mp)
{
	free(mp->keys);
	free(mp->vals);
	mp->keys = NULL;
	mp->vals = NULL;
	mp->cap = mp->n = 0;
}

/*
 * The model with its private indexes. The public struct comes first so a
 * struct rl_model * converts back and forth.
 */
struct model {
	struct rl_model pub;
	struct map hosts;
	struct map components;
	struct map apps;
	size_t cap_hosts, cap_components, cap_apps, cap_files;
};

static struct model *priv(const struct rl_model *m)
{
	return (struct model *)m;
}

/* Appends to a pointer array, growing it by doubling. */
static int push(void *arrayp, size_t *n, size_t *cap, void *item)
{
	void ***array = arrayp;

	if (rl_grow(array, cap, *n + 1, sizeof(**array)) < 0)
		return -1;
	(*array)[(*n)++] = item;
	return 0;
}

struct rl_model *rl_model_new(void)
{
	struct model *pm = calloc(1, sizeof(*pm));
	struct rl_site *s;

	if (pm == NULL)
		return NULL;
	s = &pm->pub.site;
	s->journal = strdup(LOCALSTATEDIR "/lib/relance/journal.jsonl");
	s->lock_dir = strdup(RUNSTATEDIR "/relance");
	s->parallel = 4;
	s->check_interval_ms = 250;
	s->heal_retry_ms = 300000;
	s->journal_max_size = (int64_t)16 << 20; /* journal.h, confstore.h */
	s->journal_keep = 8;
	s->config_keep = 32;
	s->ssh.timeout_ms = 5000;
	s->icinga_api.timeout_ms = 5000;
	s->ssh.max_channels = 8;
	s->ssh.max_handshakes = 8;
	if (s->journal == NULL || s->lock_dir == NULL) {
		rl_model_free(&pm->pub);
		return NULL;
	}
	return &pm->pub;
}

static void free_component(struct rl_component *c)
{
	size_t i;

	free(c->name);
	free(c->short_name);
	free(c->host_name);
	free(c->user);
	free(c->check);
	free(c->stop);
	free(c->start);
	free(c->restart);
	free(c->description);
	for (i = 0; i < c->n_requires; i++)
		free(c->requires_names[i]);
	free(c->requires_names);
	free(c->requires_where);
	free(c->requires);
	free(c->dependents);
	for (i = 0; i < c->n_xml_checks; i++) {
		struct rl_xml_check *x = &c->xml_checks[i];

		free(x->name);
		free(x->expr);
		free(x->warning);
		free(x->critical);
		free(x->label);
		free(x->uom);
		free(x->expect);
	}
	free(c->xml_checks);
	free(c);
}

void rl_model_free(struct rl_model *m)
{
	struct model *pm = priv(m);
	struct rl_site *s;
	size_t i;

	if (m == NULL)
		return;
	s = &m->site;
	free(s->journal);
	free(s->lock_dir);
	free(s->command_file);
	free(s->status_file);
	free(s->hold_dir);
	free(s->graph_dir);
	free(s->graph_url);
	free(s->host_lock_dir);
	free(s->core_user);
	free(s->node);
	free(s->ssh.user);
	free(s->ssh.identity);
	free(s->ssh.passphrase_file);
	free(s->ssh.known_hosts);
	for (i = 0; i < s->icinga_api.n_urls; i++)
		free(s->icinga_api.urls[i]);
	free(s->icinga_api.urls);
	free(s->icinga_api.user);
	free(s->icinga_api.password_file);
	free(s->icinga_api.ca_file);
	for (i = 0; i < m->n_hosts; i++) {
		struct rl_host *h = m->hosts[i];

		free(h->name);
		free(h->address);
		free(h->user);
		free(h->identity);
		free(h->zone);
		free(h);
	}
	free(m->hosts);
	for (i = 0; i < m->n_components; i++)
		free_component(m->components[i]);
	free(m->components);
	free(m->topo);
	for (i = 0; i < m->n_apps; i++) {
		free(m->apps[i]->name);
		free(m->apps[i]->description);
		free(m->apps[i]->components);
		free(m->apps[i]);
	}
	free(m->apps);
	for (i = 0; i < m->n_files; i++)
		free(m->files[i]);
	free(m->files);
	free(m->config_bundle);
	map_free(&pm->hosts);
	map_free(&pm->components);
	map_free(&pm->apps);
	free(pm);
}

const char *rl_model_intern_file(struct rl_model *m, const char *file)
{
	struct model *pm = priv(m);
	char *copy;
	size_t i;

	for (i = 0; i < m->n_files; i++)
		if (strcmp(m->files[i], file) == 0)
			return m->files[i];
	copy = strdup(file);
	if (copy == NULL ||
	    push(&m->files, &m->n_files, &pm->cap_files, copy) < 0) {
		free(copy);
		return NULL;
	}
	return copy;
}

/* "FILE:LINE: " or "" for messages. */
static const char *place(struct rl_where w, char *buf, size_t len)
{
	if (w.file == NULL)
		buf[0] = '\0';
	else if (w.line > 0)
		snprintf(buf, len, "%s:%d: ", w.file, w.line);
	else
		snprintf(buf, len, "%s: ", w.file);
	return buf;
}

static const char *at(struct rl_where w, char *buf, size_t len)
{
	if (w.file == NULL)
		snprintf(buf, len, "an unknown place");
	else
		snprintf(buf, len, "%s:%d", w.file, w.line);
	return buf;
}

static bool valid_part(const char *s, size_t n)
{
	size_t i;

	if (n == 0)
		return false;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-'))
			return false;
	}
	return true;
}

#define NAME_RULE "letters, digits, '.', '_' and '-'"

struct rl_host *rl_model_add_host(struct rl_model *m, const char *name,
				  struct rl_where where, struct rl_err *err)
{
	struct model *pm = priv(m);
	struct rl_host *h, *old;
	char p[512], q[512];

	if (!valid_part(name, strlen(name))) {
		rl_err_set(err, "%shost '%.64s': invalid name (use %s)",
			   place(where, p, sizeof(p)), name, NAME_RULE);
		return NULL;
	}
	old = map_get(&pm->hosts, name);
	if (old != NULL) {
		rl_err_set(err, "%sduplicate host '%s' (first defined at %s)",
			   place(where, p, sizeof(p)), name,
			   at(old->where, q, sizeof(q)));
		return NULL;
	}
	h = calloc(1, sizeof(*h));
	if (h == NULL || (h->name = strdup(name)) == NULL)
		goto oom;
	h->transport = RL_TRANSPORT_SSH;
	h->port = 22;
	h->shell = RL_SHELL_POSIX;
	h->where = where;
	h->index = m->n_hosts;
	if (push(&m->hosts, &m->n_hosts, &pm->cap_hosts, h) < 0)
		goto oom;
	if (map_put(&pm->hosts, h->name, h) < 0) {
		m->n_hosts--;
		goto oom;
	}
	return h;
oom:
	if (h != NULL)
		free(h->name);
	free(h);
	rl_err_set(err, "out of memory");
	return NULL;
}

/* The app NAME, created (undeclared) if absent. */
static struct rl_app *get_app(struct model *pm, const char *name, size_t len,
			      struct rl_where where)
{
	struct rl_model *m = &pm->pub;
	struct rl_app *a;
	char *key = strndup(name, len);

	if (key == NULL)
		return NULL;
	a = map_get(&pm->apps, key);
	if (a != NULL) {
		free(key);
		return a;
	}
	a = calloc(1, sizeof(*a));
	if (a == NULL) {
		free(key);
		return NULL;
	}
	a->name = key;
	a->where = where;
	if (push(&m->apps, &m->n_apps, &pm->cap_apps, a) < 0)
		goto fail;
	if (map_put(&pm->apps, a->name, a) < 0) {
		m->n_apps--;
		goto fail;
	}
	return a;
fail:
	free(a->name);
	free(a);
	return NULL;
}

struct rl_app *rl_model_add_app(struct rl_model *m, const char *name,
				struct rl_where where, struct rl_err *err)
{
	struct model *pm = priv(m);
	struct rl_app *a;
	char p[512], q[512];

	if (!valid_part(name, strlen(name))) {
		rl_err_set(err, "%sapplication '%.64s': invalid name (use %s)",
			   place(where, p, sizeof(p)), name, NAME_RULE);
		return NULL;
	}
	a = map_get(&pm->apps, name);
	if (a != NULL && a->declared) {
		rl_err_set(err,
			   "%sduplicate application '%s' (first defined at %s)",
			   place(where, p, sizeof(p)), name,
			   at(a->where, q, sizeof(q)));
		return NULL;
	}
	if (a == NULL)
		a = get_app(pm, name, strlen(name), where);
	if (a == NULL) {
		rl_err_set(err, "out of memory");
		return NULL;
	}
	a->declared = true;
	a->where = where;
	return a;
}

struct rl_component *rl_model_add_component(struct rl_model *m,
					    const char *name,
					    struct rl_where where,
					    struct rl_err *err)
{
	struct model *pm = priv(m);
	struct rl_component *c, *old;
	const char *slash = strchr(name, '/');
	char p[512], q[512];

	if (slash == NULL || !valid_part(name, (size_t)(slash - name)) ||
	    !valid_part(slash + 1, strlen(slash + 1))) {
		rl_err_set(err,
			   "%scomponent '%.64s': invalid name (use APP/NAME, "
			   "each of %s)",
			   place(where, p, sizeof(p)), name, NAME_RULE);
		return NULL;
	}
	old = map_get(&pm->components, name);
	if (old != NULL) {
		rl_err_set(err,
			   "%sduplicate component '%s' (first defined at %s)",
			   place(where, p, sizeof(p)), name,
			   at(old->where, q, sizeof(q)));
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		goto oom;
	c->name = strdup(name);
	c->short_name = strdup(slash + 1);
	if (c->name == NULL || c->short_name == NULL)
		goto oom;
	c->app = get_app(pm, name, (size_t)(slash - name), where);
	if (c->app == NULL)
		goto oom;
	c->check_mode = RL_CHECK_EXIT;
	c->check_timeout_ms = 10 * 1000;
	c->start_timeout_ms = 60 * 1000;
	c->stop_timeout_ms = 60 * 1000;
	c->heal = RL_HEAL_HARD;
	c->heal_soft_attempt = 0;
	c->restart_limit_count = 3;
	c->restart_limit_window_ms = 60 * 60 * 1000;
	c->where = where;
	c->index = m->n_components;
	if (push(&m->components, &m->n_components, &pm->cap_components, c) < 0)
		goto oom;
	if (map_put(&pm->components, c->name, c) < 0) {
		m->n_components--;
		goto oom;
	}
	return c;
oom:
	if (c != NULL)
		free_component(c);
	rl_err_set(err, "out of memory");
	return NULL;
}

int rl_model_add_require(struct rl_model *m, struct rl_component *c,
			 const char *name, struct rl_where where,
			 struct rl_err *err)
{
	const char *slash = strchr(name, '/');
	char p[512];
	char *full;
	size_t i;

	(void)m;
	if (slash != NULL ? !valid_part(name, (size_t)(slash - name)) ||
				!valid_part(slash + 1, strlen(slash + 1))
			  : !valid_part(name, strlen(name)))
		return rl_err_set(err,
				  "%scomponent '%s': requires '%.64s': invalid "
				  "component name",
				  place(where, p, sizeof(p)), c->name, name);
	if (slash != NULL)
		full = strdup(name);
	else if ((full = malloc(strlen(c->app->name) + strlen(name) + 2)))
		sprintf(full, "%s/%s", c->app->name, name);
	if (full == NULL)
		return rl_err_set(err, "out of memory");
	for (i = 0; i < c->n_requires; i++)
		if (strcmp(c->requires_names[i], full) == 0) {
			rl_err_set(err, "%scomponent '%s': requires '%s' twice",
				   place(where, p, sizeof(p)), c->name, full);
			free(full);
			return -1;
		}
	/* each array holds exactly n_requires: no capacity to keep */
	if (rl_resize(&c->requires_names, c->n_requires + 1,
		      sizeof(*c->requires_names)) < 0 ||
	    rl_resize(&c->requires_where, c->n_requires + 1,
		      sizeof(*c->requires_where)) < 0) {
		free(full);
		return rl_err_set(err, "out of memory");
	}
	c->requires_names[c->n_requires] = full;
	c->requires_where[c->n_requires] = where;
	c->n_requires++;
	return 0;
}

/*
 * Finds a cycle among the components Kahn's algorithm could not order
 * (done[i] false) and describes it. Iterative depth-first search over
 * requirement edges, in definition order, so the message is stable and
 * deep graphs cannot overflow the C stack.
 */
static int report_cycle(struct rl_model *m, const bool *done,
			struct rl_err *err)
{
	size_t n = m->n_components, i, top = 0, start = 0;
	unsigned char *colour = calloc(n, 1); /* 0 new, 1 on path, 2 done */
	size_t *stack = malloc(n * sizeof(*stack));
	size_t *edge = calloc(n, sizeof(*edge));
	struct rl_buf path = RL_BUF_INIT;
	char p[512];
	int r = -1;

	if (colour == NULL || stack == NULL || edge == NULL) {
		rl_err_set(err, "out of memory");
		goto out;
	}
	for (start = 0; start < n; start++) {
		if (done[start] || colour[start] != 0)
			continue;
		stack[top++] = start;
		colour[start] = 1;
		while (top > 0) {
			struct rl_component *c = m->components[stack[top - 1]];
			size_t e = edge[c->index]++;
			struct rl_component *d;

			if (e >= c->n_requires) {
				colour[c->index] = 2;
				top--;
				continue;
			}
			d = c->requires[e];
			if (done[d->index] || colour[d->index] == 2)
				continue;
			if (colour[d->index] == 0) {
				colour[d->index] = 1;
				stack[top++] = d->index;
				continue;
			}
			/* d is on the path: the cycle is d ... c -> d, and
			   c's requirement e closes it */
			for (i = 0; stack[i] != d->index; i++)
				;
			for (; i < top; i++)
				rl_buf_printf(&path, "%s -> ",
					      m->components[stack[i]]->name);
			rl_buf_puts(&path, d->name);
			if (path.oom)
				rl_err_set(err, "out of memory");
			else
				rl_err_set(
				    err, "%srequirement cycle: %s",
				    place(c->requires_where[e], p, sizeof(p)),
				    rl_buf_str(&path));
			goto out;
		}
	}
	RL_BUG("no cycle found among unordered components");
out:
	rl_buf_free(&path);
	free(colour);
	free(stack);
	free(edge);
	return r;
}

int rl_model_cmp_level_name(const void *a, const void *b)
{
	const struct rl_component *x = *(const struct rl_component *const *)a;
	const struct rl_component *y = *(const struct rl_component *const *)b;

	if (x->level != y->level)
		return x->level < y->level ? -1 : 1;
	return strcmp(x->name, y->name);
}

static int by_app_name(const void *a, const void *b)
{
	return strcmp((*(const struct rl_app *const *)a)->name,
		      (*(const struct rl_app *const *)b)->name);
}

/* Links each component to its host and requirements. */
static int link_components(struct rl_model *m, struct rl_err *err)
{
	struct model *pm = priv(m);
	size_t i, j;
	char p[512];

	for (i = 0; i < m->n_components; i++)
		m->components[i]->n_dependents = 0;
	for (i = 0; i < m->n_components; i++) {
		struct rl_component *c = m->components[i];

		if (c->host_name == NULL)
			return rl_err_set(
			    err, "%scomponent '%s': no host (key 'host')",
			    place(c->where, p, sizeof(p)), c->name);
		c->host = map_get(&pm->hosts, c->host_name);
		if (c->host == NULL)
			return rl_err_set(err,
					  "%scomponent '%s': unknown host '%s'",
					  place(c->where, p, sizeof(p)),
					  c->name, c->host_name);
		free(c->requires);
		c->requires = calloc(c->n_requires ? c->n_requires : 1,
				     sizeof(*c->requires));
		if (c->requires == NULL)
			return rl_err_set(err, "out of memory");
		for (j = 0; j < c->n_requires; j++) {
			struct rl_component *d =
			    map_get(&pm->components, c->requires_names[j]);

			if (d == NULL)
				return rl_err_set(
				    err,
				    "%scomponent '%s': requires unknown "
				    "component '%s'",
				    place(c->requires_where[j], p, sizeof(p)),
				    c->name, c->requires_names[j]);
			c->requires[j] = d;
			d->n_dependents++;
		}
	}
	for (i = 0; i < m->n_components; i++) {
		struct rl_component *c = m->components[i];

		free(c->dependents);
		c->dependents = calloc(c->n_dependents ? c->n_dependents : 1,
				       sizeof(*c->dependents));
		if (c->dependents == NULL)
			return rl_err_set(err, "out of memory");
		c->n_dependents = 0;
	}
	for (i = 0; i < m->n_components; i++) {
		struct rl_component *c = m->components[i];

		for (j = 0; j < c->n_requires; j++) {
			struct rl_component *d = c->requires[j];

			d->dependents[d->n_dependents++] = c;
		}
	}
	return 0;
}

/* Kahn's algorithm: levels, or the cycle that prevents them. */
static int order(struct rl_model *m, struct rl_err *err)
{
	size_t n = m->n_components, head = 0, tail = 0, i, j;
	size_t *queue = malloc((n ? n : 1) * sizeof(*queue));
	size_t *missing = calloc(n ? n : 1, sizeof(*missing));
	bool *done = calloc(n ? n : 1, sizeof(*done));
	int r = -1;

	if (queue == NULL || missing == NULL || done == NULL) {
		rl_err_set(err, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		m->components[i]->level = 0;
		missing[i] = m->components[i]->n_requires;
		if (missing[i] == 0)
			queue[tail++] = i;
	}
	while (head < tail) {
		struct rl_component *c = m->components[queue[head++]];

		done[c->index] = true;
		for (j = 0; j < c->n_dependents; j++) {
			struct rl_component *d = c->dependents[j];

			if (d->level < c->level + 1)
				d->level = c->level + 1;
			if (--missing[d->index] == 0)
				queue[tail++] = d->index;
		}
	}
	if (tail < n) {
		report_cycle(m, done, err);
		goto out;
	}
	r = 0;
out:
	free(queue);
	free(missing);
	free(done);
	return r;
}

int rl_model_resolve(struct rl_model *m, struct rl_err *err)
{
	size_t i, n = m->n_components;

	if (link_components(m, err) < 0 || order(m, err) < 0)
		return -1;
	free(m->topo);
	m->topo = malloc((n ? n : 1) * sizeof(*m->topo));
	if (m->topo == NULL)
		return rl_err_set(err, "out of memory");
	if (n > 0)
		memcpy(m->topo, m->components, n * sizeof(*m->topo));
	if (n > 0)
		qsort(m->topo, n, sizeof(*m->topo), rl_model_cmp_level_name);
	for (i = 0; i < m->n_apps; i++) {
		struct rl_app *a = m->apps[i];

		free(a->components);
		a->components = NULL;
		a->n_components = 0;
	}
	for (i = 0; i < n; i++) {
		m->topo[i]->topo = i;
		m->topo[i]->app->n_components++;
	}
	for (i = 0; i < m->n_apps; i++) {
		struct rl_app *a = m->apps[i];

		a->components = calloc(a->n_components ? a->n_components : 1,
				       sizeof(*a->components));
		if (a->components == NULL)
			return rl_err_set(err, "out of memory");
		a->n_components = 0;
	}
	for (i = 0; i < n; i++) {
		struct rl_app *a = m->topo[i]->app;

		a->components[a->n_components++] = m->topo[i];
	}
	/* no components, no apps: m->apps is NULL, which qsort must not get */
	if (m->n_apps > 0)
		qsort(m->apps, m->n_apps, sizeof(*m->apps), by_app_name);
	return 0;
}

struct rl_component *rl_model_component(const struct rl_model *m,
					const char *name)
{
	return map_get(&priv(m)->components, name);
}

struct rl_host *rl_model_host(const struct rl_model *m, const char *name)
{
	return map_get(&priv(m)->hosts, name);
}

struct rl_app *rl_model_app(const struct rl_model *m, const char *name)
{
	return map_get(&priv(m)->apps, name);
}

const char *rl_shell_name(enum rl_shell s)
{
	switch (s) {
	case RL_SHELL_POSIX:
		return "posix";
	case RL_SHELL_POWERSHELL:
		return "powershell";
	case RL_SHELL_CMD:
		return "cmd";
	}
	return "?";
}

const char *rl_transport_name(enum rl_transport_kind t)
{
	switch (t) {
	case RL_TRANSPORT_SSH:
		return "ssh";
	case RL_TRANSPORT_LOCAL:
		return "local";
	}
	return "?";
}
