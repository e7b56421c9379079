#include "build.h"

#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

static int64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t rl_now_ms(void)
{
	return clock_ns(CLOCK_MONOTONIC) / 1000000;
}

int64_t rl_now_us(void)
{
	return clock_ns(CLOCK_MONOTONIC) / 1000;
}

int64_t rl_wall_ms(void)
{
	return clock_ns(CLOCK_REALTIME) / 1000000;
}

static bool buf_grow(struct rl_buf *b, size_t extra)
{
	size_t want;

	if (b->oom)
		return false;
	if (extra > SIZE_MAX / 2 - b->len) {
		b->oom = true;
		return false;
	}
	want = b->len + extra + 1;
	if (want <= b->cap)
		return true;
	if (want < 64)
		want = 64; /* most texts fit at once */
	if (rl_grow(&b->data, &b->cap, want, 1) < 0) {
		b->oom = true;
		return false;
	}
	return true;
}

void rl_buf_append(struct rl_buf *b, const char *s, size_t n)
{
	if (!buf_grow(b, n))
		return;
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void rl_buf_puts(struct rl_buf *b, const char *s)
{
	rl_buf_append(b, s, strlen(s));
}

void rl_buf_vprintf(struct rl_buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0) {
		b->oom = true;
		return;
	}
	if (!buf_grow(b, (size_t)n))
		return;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void rl_buf_printf(struct rl_buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rl_buf_vprintf(b, fmt, ap);
	va_end(ap);
}

bool rl_buf_oneline(struct rl_buf *b, const char *s, size_t max, char repl,
		    unsigned flags)
{
	size_t n, i;
	bool cut;

	if (s == NULL)
		s = "";
	for (n = 0; s[n] != '\0' && n < max; n++)
		if (s[n] == '\n' && (flags & RL_ONELINE_FIRST))
			break;
	cut = s[n] != '\0' && !(s[n] == '\n' && (flags & RL_ONELINE_FIRST));
	/* back up over continuation bytes to the start of the character */
	if (cut)
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
	for (i = 0; i < n; i++) {
		char ch = s[i];

		if ((unsigned char)ch < 0x20 || ch == 0x7f)
			ch = repl;
		else if (ch == '|' && (flags & RL_ONELINE_PIPE))
			ch = '/';
		rl_buf_append(b, &ch, 1);
	}
	if (cut && (flags & RL_ONELINE_ELLIPSIS))
		rl_buf_puts(b, "...");
	return cut;
}

void rl_buf_json_str(struct rl_buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	rl_buf_append(b, "\"", 1);
	for (; *p != '\0'; p++) {
		switch (*p) {
		case '"':
			rl_buf_append(b, "\\\"", 2);
			break;
		case '\\':
			rl_buf_append(b, "\\\\", 2);
			break;
		case '\n':
			rl_buf_append(b, "\\n", 2);
			break;
		case '\r':
			rl_buf_append(b, "\\r", 2);
			break;
		case '\t':
			rl_buf_append(b, "\\t", 2);
			break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				rl_buf_printf(b, "\\u%04x", *p);
			else
				rl_buf_append(b, (const char *)p, 1);
		}
	}
	rl_buf_append(b, "\"", 1);
}

void rl_buf_reset(struct rl_buf *b)
{
	b->len = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

const char *rl_buf_str(const struct rl_buf *b)
{
	return b->data != NULL ? b->data : "";
}

char *rl_buf_detach(struct rl_buf *b)
{
	char *s;

	if (b->oom) {
		rl_buf_free(b);
		return NULL;
	}
	s = b->data != NULL ? b->data : strdup("");
	b->data = NULL;
	b->len = b->cap = 0;
	return s;
}

void rl_buf_free(struct rl_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
	b->oom = false;
}

static const struct {
	const char *name;
	int64_t ms;
} units[] = {
    {"ms", 1},
    {"s", 1000},
    {"m", 60 * 1000},
    {"h", 60 * 60 * 1000},
    {"d", 24 * 60 * 60 * 1000},
};

int rl_parse_duration(const char *text, int64_t default_unit_ms, int64_t *ms,
		      struct rl_err *err)
{
	const char *p = text;
	int64_t n = 0, unit = 0;
	size_t i;

	if (*p < '0' || *p > '9')
		goto bad;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (n > (INT64_MAX - (*p - '0')) / 10)
			return rl_err_set(err, "duration '%.64s' is too large",
					  text);
		n = n * 10 + (*p - '0');
	}
	if (*p == '\0') {
		if (default_unit_ms == 0)
			return rl_err_set(err,
					  "duration '%.64s' has no unit (use "
					  "ms, s, m, h or d)",
					  text);
		unit = default_unit_ms;
	} else {
		for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if (strcmp(p, units[i].name) == 0)
				unit = units[i].ms;
		if (unit == 0)
			goto bad;
	}
	if (n > INT64_MAX / unit)
		return rl_err_set(err, "duration '%.64s' is too large", text);
	*ms = n * unit;
	return 0;
bad:
	return rl_err_set(err,
			  "invalid duration '%.64s' (use a whole number and "
			  "ms, s, m, h or d)",
			  text);
}

void rl_buf_duration(struct rl_buf *b, int64_t ms)
{
	if (ms < 0)
		ms = 0;
	if (ms < 1000)
		rl_buf_printf(b, "%lldms", (long long)ms);
	else if (ms < 60 * 1000)
		/* truncated, not rounded: 59999ms must not read "60.0s" */
		rl_buf_printf(b, "%lld.%llds", (long long)(ms / 1000),
			      (long long)(ms / 100 % 10));
	else if (ms < 60 * 60 * 1000)
		rl_buf_printf(b, "%lldm%02llds", (long long)(ms / 60000),
			      (long long)(ms / 1000 % 60));
	else
		rl_buf_printf(b, "%lldh%02lldm", (long long)(ms / 3600000),
			      (long long)(ms / 60000 % 60));
}

int rl_parse_long(const char *text, long min, long max, long *out,
		  struct rl_err *err)
{
	char *end;
	long v;

	if (*text == '\0' || (*text == '-' && min >= 0) || *text == '+' ||
	    (*text != '-' && (*text < '0' || *text > '9')))
		return rl_err_set(err, "invalid number '%.64s'", text);
	errno = 0;
	v = strtol(text, &end, 10);
	if (*end != '\0')
		return rl_err_set(err, "invalid number '%.64s'", text);
	if (errno == ERANGE || v < min || v > max)
		return rl_err_set(err, "%.64s out of range (%ld..%ld)", text,
				  min, max);
	*out = v;
	return 0;
}

int rl_resize(void *pp, size_t n, size_t elem)
{
	void *old, *p;

	/* *pp is some T *: read and write it as bytes, not as a void * */
	memcpy(&old, pp, sizeof(old));
	if (n == 0) {
		free(old);
		p = NULL;
		memcpy(pp, &p, sizeof(p));
		return 0;
	}
	if (elem != 0 && n > SIZE_MAX / elem) {
		errno = ENOMEM;
		return -1;
	}
	p = realloc(old, n * elem);
	if (p == NULL)
		return -1;
	memcpy(pp, &p, sizeof(p));
	return 0;
}

int rl_grow(void *pp, size_t *cap, size_t need, size_t elem)
{
	size_t ncap;

	if (need <= *cap)
		return 0;
	ncap = *cap <= SIZE_MAX / 2 ? *cap * 2 : need;
	if (ncap < need)
		ncap = need;
	if (ncap < 8)
		ncap = 8;
	if (elem != 0 && ncap > SIZE_MAX / elem)
		ncap = need; /* doubling overflows; NEED alone may not */
	if (rl_resize(pp, ncap, elem) < 0)
		return -1;
	*cap = ncap;
	return 0;
}

void rl_close_from(int fd)
{
#if defined(HAVE_CLOSEFROM) || (defined(__GLIBC__) && __GLIBC_PREREQ(2, 34))
	closefrom(fd);
#else
	long max;

#ifdef SYS_close_range
	if (syscall(SYS_close_range, fd, ~0U, 0) == 0)
		return;
#endif
	max = sysconf(_SC_OPEN_MAX);
	if (max < 0 || max > 65536)
		max = 65536;
	for (; fd < max; fd++)
		close(fd);
#endif
}

char *rl_strdup0(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

void rl_buf_name_path(struct rl_buf *b, const char *dir, const char *name,
		      const char *suffix)
{
	const unsigned char *p;

	rl_buf_printf(b, "%s/", dir);
	for (p = (const unsigned char *)name; *p != '\0'; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' ||
		    *p == '-')
			rl_buf_append(b, (const char *)p, 1);
		else
			rl_buf_printf(b, "%%%02X", *p);
	}
	rl_buf_puts(b, suffix);
}

void rl_user_describe(char *buf, size_t len)
{
	struct passwd pw, *pwp = NULL;
	char pwbuf[1024], clean[65], uid[32];
	const char *name, *sudo = getenv("SUDO_USER");
	size_t i;

	if (getpwuid_r(getuid(), &pw, pwbuf, sizeof(pwbuf), &pwp) == 0 &&
	    pwp != NULL) {
		name = pw.pw_name;
	} else {
		snprintf(uid, sizeof(uid), "uid %ld", (long)getuid());
		name = uid;
	}
	if (sudo == NULL || *sudo == '\0' || !strcmp(sudo, name)) {
		snprintf(buf, len, "%s", name);
		return;
	}
	for (i = 0; sudo[i] != '\0' && i + 1 < sizeof(clean); i++)
		clean[i] = (sudo[i] > 0x20 && sudo[i] < 0x7f) ? sudo[i] : '?';
	clean[i] = '\0';
	snprintf(buf, len, "%s (sudo by %s)", name, clean);
}
