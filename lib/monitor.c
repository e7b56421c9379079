#include "build.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "icinga_api.h"
#include "monitor.h"

/* A name (host, service, author) must not split the command's fields. */
static int check_field(const char *what, const char *s, struct rl_err *err)
{
	if (s == NULL || *s == '\0')
		return rl_err_set(err, "empty %s in an external command", what);
	if (strpbrk(s, ";\n\r") != NULL)
		return rl_err_set(
		    err,
		    "%s '%.100s' holds ';' or a line break: refused in an "
		    "external command",
		    what, s);
	return 0;
}

/* Free text: line breaks become spaces; '|' becomes '/' when asked. */
static void put_text(struct rl_buf *b, const char *s, bool no_pipe)
{
	for (; *s != '\0'; s++) {
		char c = *s;

		if (c == '\n' || c == '\r')
			c = ' ';
		else if (c == '|' && no_pipe)
			c = '/';
		rl_buf_append(b, &c, 1);
	}
}

static void stamp(struct rl_buf *b, const char *name)
{
	rl_buf_printf(b, "[%lld] %s", (long long)time(NULL), name);
}

int rl_monitor_cmd_comment(struct rl_buf *b, const char *host,
			   const char *service, const char *author,
			   const char *text, struct rl_err *err)
{
	if (check_field("host", host, err) < 0 ||
	    check_field("service", service, err) < 0 ||
	    check_field("author", author, err) < 0)
		return -1;
	stamp(b, "ADD_SVC_COMMENT");
	/* persistent=0: one per heal would pile up over months; Nagios drops
	 * them at its next restart (the journal keeps the whole story) */
	rl_buf_printf(b, ";%s;%s;0;%s;", host, service, author);
	put_text(b, text, false);
	rl_buf_puts(b, "\n");
	return 0;
}

int rl_monitor_cmd_result(struct rl_buf *b, const char *host,
			  const char *service, enum rl_state state,
			  const char *output, struct rl_err *err)
{
	if (check_field("host", host, err) < 0 ||
	    check_field("service", service, err) < 0)
		return -1;
	if ((int)state < 0 || state > RL_STATE_UNKNOWN)
		return rl_err_set(err, "invalid state %d", (int)state);
	stamp(b, "PROCESS_SERVICE_CHECK_RESULT");
	rl_buf_printf(b, ";%s;%s;%d;", host, service, (int)state);
	put_text(b, output, true);
	rl_buf_puts(b, "\n");
	return 0;
}

void rl_monitor_cmd_del_comment(struct rl_buf *b, unsigned long id)
{
	stamp(b, "DEL_SVC_COMMENT");
	rl_buf_printf(b, ";%lu\n", id);
}

int rl_monitor_cmd_forced_check(struct rl_buf *b, const char *host,
				const char *service, struct rl_err *err)
{
	if (check_field("host", host, err) < 0 ||
	    check_field("service", service, err) < 0)
		return -1;
	stamp(b, "SCHEDULE_FORCED_SVC_CHECK");
	rl_buf_printf(b, ";%s;%s;%lld\n", host, service, (long long)time(NULL));
	return 0;
}

/* Writes one whole line, waiting for room until the deadline. */
static int write_line(int fd, const char *path, const char *line, size_t len,
		      int64_t deadline_ms, struct rl_err *err)
{
	for (;;) {
		struct pollfd pfd = {fd, POLLOUT, 0};
		int64_t left;
		ssize_t w = write(fd, line, len);

		if (w == (ssize_t)len)
			return 0;
		if (w >= 0) /* cannot happen for len <= PIPE_BUF */
			return rl_err_set(
			    err, "%s: short write to the command pipe", path);
		if (errno == EPIPE)
			return rl_err_set(
			    err,
			    "%s: the core closed the command pipe (is it "
			    "still running?)",
			    path);
		if (errno != EAGAIN && errno != EINTR)
			return rl_err_set(err, "%s: %s", path, strerror(errno));
		left = deadline_ms - rl_now_ms();
		if (left <= 0)
			return rl_err_set(
			    err,
			    "%s: the command pipe stayed full until the "
			    "deadline (is the core reading it?)",
			    path);
		if (poll(&pfd, 1, left > INT_MAX ? INT_MAX : (int)left) < 0 &&
		    errno != EINTR)
			return rl_err_set(err, "%s: poll: %s", path,
					  strerror(errno));
	}
}

int rl_monitor_send(const char *path, const char *text, int64_t deadline_ms,
		    struct rl_err *err)
{
	struct sigaction ign = {.sa_handler = SIG_IGN}, old;
	struct stat st;
	const char *p = text, *nl;
	int fd = -1, r = -1;

	sigemptyset(&ign.sa_mask);
	/* the path must be a FIFO: a regular file there would silently
	   swallow the commands (RECIPES.md) */
	if (stat(path, &st) < 0)
		return rl_err_set(err, "command pipe %s: %s", path,
				  strerror(errno));
	if (!S_ISFIFO(st.st_mode))
		return rl_err_set(err, "command pipe %s is not a FIFO", path);
	for (nl = p; (nl = strchr(nl, '\n')) != NULL; p = ++nl)
		if ((size_t)(nl - p + 1) > RL_MONITOR_LINE_MAX)
			return rl_err_set(
			    err, "%s: command line longer than %d bytes", path,
			    RL_MONITOR_LINE_MAX);
	if (*p != '\0')
		return rl_err_set(err, "%s: command line without a newline",
				  path);
	fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENXIO)
			return rl_err_set(
			    err,
			    "command pipe %s has no reader (is the core "
			    "running?)",
			    path);
		return rl_err_set(err, "command pipe %s: %s", path,
				  strerror(errno));
	}
	/* EPIPE as an error, not a signal that kills the caller */
	sigaction(SIGPIPE, &ign, &old);
	for (p = text; *p != '\0'; p = nl + 1) {
		nl = strchr(p, '\n');
		if (write_line(fd, path, p, (size_t)(nl - p + 1), deadline_ms,
			       err) < 0)
			goto out;
	}
	r = 0;
out:
	sigaction(SIGPIPE, &old, NULL);
	close(fd);
	return r;
}

/* status.dat: blocks "NAME {\n\tkey=value\n...\t}\n". */
/* The next line of status.dat without its newline and indentation, in
 * *LINE (getline's buffer); NULL at the end. */
static char *status_line(FILE *f, char **line, size_t *cap)
{
	ssize_t len = getline(line, cap, f);
	char *k;

	if (len <= 0)
		return NULL;
	if ((*line)[len - 1] == '\n')
		(*line)[--len] = '\0';
	for (k = *line; *k == '\t' || *k == ' ';)
		k++;
	return k;
}

int rl_monitor_status_dat(const char *path, const char *host,
			  const char *service, struct rl_service_status *out,
			  struct rl_err *err)
{
	struct rl_service_status st = {0};
	FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0;
	char *k;
	bool in_service = false, host_ok = false, svc_ok = false;
	struct rl_service_status cur = {0};
	struct stat sb;

	if (f == NULL)
		return rl_err_set(err, "status file %s: %s", path,
				  strerror(errno));
	while ((k = status_line(f, &line, &cap)) != NULL) {
		char *v;

		if (strcmp(k, "servicestatus {") == 0) {
			in_service = true;
			host_ok = svc_ok = false;
			memset(&cur, 0, sizeof(cur));
			continue;
		}
		if (strcmp(k, "}") == 0) {
			if (in_service && host_ok && svc_ok) {
				cur.found = true;
				st = cur;
			}
			in_service = false;
			continue;
		}
		v = strchr(k, '=');
		if (v == NULL)
			continue;
		*v++ = '\0';
		if (!in_service)
			continue;
		if (strcmp(k, "host_name") == 0)
			host_ok = strcmp(v, host) == 0;
		else if (strcmp(k, "service_description") == 0)
			svc_ok = strcmp(v, service) == 0;
		else if (strcmp(k, "problem_has_been_acknowledged") == 0)
			cur.acknowledged = atoi(v) != 0;
		else if (strcmp(k, "scheduled_downtime_depth") == 0)
			cur.downtime_depth = atoi(v);
		else if (strcmp(k, "current_state") == 0)
			cur.current_state = atoi(v);
	}
	free(line);
	if (ferror(f)) {
		fclose(f);
		return rl_err_set(err, "status file %s: read error", path);
	}
	if (fstat(fileno(f), &sb) == 0)
		st.updated = sb.st_mtime;
	st.source = "status file";
	fclose(f);
	*out = st;
	return 0;
}

/* ---- the pipe or the API ------------------------------------------------ */

bool rl_monitor_enabled(const struct rl_site *s)
{
	return s->command_file != NULL || s->icinga_api.n_urls > 0;
}

/* The next ';'-separated field of *P (NUL-terminated in place), or NULL. */
static char *field(char **p)
{
	char *f = *p, *semi;

	if (f == NULL)
		return NULL;
	semi = strchr(f, ';');
	if (semi != NULL)
		*semi++ = '\0';
	*p = semi;
	return f;
}

int rl_monitor_api_cmd(const char *line, struct rl_monitor_api_cmd *out,
		       struct rl_err *err)
{
	size_t n = strcspn(line, "\n");
	char *p, *name, *state = NULL;
	bool ok;

	memset(out, 0, sizeof(*out));
	if (n >= sizeof(out->buf))
		return rl_err_set(err, "command line longer than %d bytes",
				  RL_MONITOR_LINE_MAX);
	memcpy(out->buf, line, n);
	p = out->buf[0] == '[' ? strstr(out->buf, "] ") : NULL;
	if (p == NULL)
		return rl_err_set(err, "not an external command: '%.60s'",
				  out->buf);
	p += 2;
	name = field(&p);
	out->host = field(&p);
	out->service = field(&p);
	if (!strcmp(name, "ADD_SVC_COMMENT")) {
		out->action = "add-comment";
		field(&p); /* persistent: comments made by the API are */
		out->author = field(&p);
		out->text = p; /* the rest, ';' and all */
		ok = out->author != NULL && p != NULL;
	} else if (!strcmp(name, "PROCESS_SERVICE_CHECK_RESULT")) {
		out->action = "process-check-result";
		state = field(&p);
		out->text = p;
		ok = p != NULL;
	} else if (!strcmp(name, "SCHEDULE_FORCED_SVC_CHECK")) {
		out->action = "reschedule-check"; /* the time given: now */
		ok = true;
	} else {
		return rl_err_set(err,
				  "external command %.60s has no Icinga 2 API "
				  "action here",
				  name);
	}
	if (!ok || out->service == NULL)
		return rl_err_set(err, "%s: missing fields", name);
	if (state != NULL) {
		if (strlen(state) != 1 || *state < '0' || *state > '3')
			return rl_err_set(err, "%s: invalid state '%.20s'",
					  name, state);
		out->state = *state - '0';
	}
	return 0;
}

/* One command line as its API action. */
static int api_send(struct rl_icinga_api *api, const struct rl_site *s,
		    const char *line, int64_t deadline_ms, struct rl_err *err)
{
	struct rl_monitor_api_cmd c;
	struct rl_buf object = RL_BUF_INIT;
	char *body = NULL;
	int r = -1;

	if (rl_monitor_api_cmd(line, &c, err) < 0)
		return -1;
	if (!strcmp(c.action, "add-comment"))
		r = rl_icinga_api_body_comment(&body, c.host, c.service,
					       c.author, c.text, err);
	else if (!strcmp(c.action, "process-check-result"))
		r = rl_icinga_api_body_result(&body, c.host, c.service, c.state,
					      c.text, s->node, err);
	else
		r = rl_icinga_api_body_reschedule(&body, c.host, c.service,
						  err);
	rl_buf_printf(&object, "%s!%s", c.host, c.service);
	if (r == 0 && object.oom)
		r = rl_err_set(err, "out of memory");
	if (r == 0)
		r = rl_icinga_api_action(api, c.action, rl_buf_str(&object),
					 body, deadline_ms, err);
	free(body);
	rl_buf_free(&object);
	return r;
}

/* The client's detour after a request that succeeded, in DETOUR. */
static void copy_detour(const struct rl_icinga_api *api, struct rl_err *detour)
{
	const char *d = rl_icinga_api_detour(api);

	if (detour != NULL && d != NULL)
		rl_err_set(detour, "%s", d);
}

int rl_monitor_deliver(const struct rl_site *s, const char *text,
		       int64_t deadline_ms, struct rl_err *detour,
		       struct rl_err *err)
{
	struct rl_icinga_api *api;
	const char *p;
	int r = 0;

	if (detour != NULL)
		detour->msg[0] = '\0';
	if (s->icinga_api.n_urls == 0)
		return s->command_file == NULL
			   ? 0
			   : rl_monitor_send(s->command_file, text, deadline_ms,
					     err);
	api = rl_icinga_api_new(&s->icinga_api, err);
	if (api == NULL)
		return -1;
	for (p = text; r == 0 && *p != '\0'; p += strcspn(p, "\n") + 1) {
		r = api_send(api, s, p, deadline_ms, err);
		if (p[strcspn(p, "\n")] == '\0')
			break;
	}
	if (r == 0)
		copy_detour(api, detour);
	rl_icinga_api_free(api);
	return r;
}

int rl_monitor_status(const struct rl_site *s, const char *host,
		      const char *service, int64_t deadline_ms,
		      struct rl_service_status *out, bool *have,
		      struct rl_err *detour, struct rl_err *err)
{
	struct rl_icinga_api_service st;
	struct rl_icinga_api *api;
	int r;

	memset(out, 0, sizeof(*out));
	if (detour != NULL)
		detour->msg[0] = '\0';
	*have = s->icinga_api.n_urls > 0 || s->status_file != NULL;
	if (s->icinga_api.n_urls == 0)
		return s->status_file == NULL
			   ? 0
			   : rl_monitor_status_dat(s->status_file, host,
						   service, out, err);
	api = rl_icinga_api_new(&s->icinga_api, err);
	if (api == NULL)
		return -1;
	r = rl_icinga_api_service(api, host, service, deadline_ms, &st,
				  &out->found, err);
	if (r == 0)
		copy_detour(api, detour);
	rl_icinga_api_free(api);
	if (r < 0)
		return -1;
	out->source = "Icinga 2 API";
	if (out->found) {
		out->acknowledged = st.acknowledgement > 0;
		out->downtime_depth = st.downtime_depth;
		out->current_state = st.state;
		out->hard = st.hard;
		out->updated = (int64_t)time(NULL);
	}
	return 0;
}

int rl_monitor_status_comments(const char *path, const char *host,
			       const char *service, const char *author,
			       unsigned long **ids, size_t *n,
			       struct rl_err *err)
{
	FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0, n_ids = 0, ids_cap = 0;
	char *k;
	bool in = false, host_ok = false, svc_ok = false, author_ok = false;
	bool user_comment = false;
	unsigned long id = 0, *v = NULL;
	int r = 0;

	*ids = NULL;
	*n = 0;
	if (f == NULL)
		return rl_err_set(err, "status file %s: %s", path,
				  strerror(errno));
	while (r == 0 && (k = status_line(f, &line, &cap)) != NULL) {
		char *val;

		if (strcmp(k, "servicecomment {") == 0) {
			in = true;
			host_ok = svc_ok = author_ok = user_comment = false;
			id = 0;
			continue;
		}
		if (strcmp(k, "}") == 0) {
			if (in && host_ok && svc_ok && author_ok &&
			    user_comment && id > 0) {
				if (rl_grow(&v, &ids_cap, n_ids + 1,
					    sizeof(*v)) < 0)
					r = rl_err_set(err, "out of memory");
				else
					v[n_ids++] = id;
			}
			in = false;
			continue;
		}
		val = strchr(k, '=');
		if (!in || val == NULL)
			continue;
		*val++ = '\0';
		if (strcmp(k, "host_name") == 0)
			host_ok = strcmp(val, host) == 0;
		else if (strcmp(k, "service_description") == 0)
			svc_ok = strcmp(val, service) == 0;
		else if (strcmp(k, "author") == 0)
			author_ok = strcmp(val, author) == 0;
		else if (strcmp(k, "entry_type") == 0)
			user_comment = strcmp(val, "1") == 0;
		else if (strcmp(k, "comment_id") == 0)
			id = strtoul(val, NULL, 10);
	}
	free(line);
	if (r == 0 && ferror(f))
		r = rl_err_set(err, "status file %s: read error", path);
	fclose(f);
	if (r < 0) {
		free(v);
		return r;
	}
	*ids = v;
	*n = n_ids;
	return 0;
}
