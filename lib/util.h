/*
 * util - small helpers shared by every module: clocks, a growable byte
 * buffer, growable arrays, strict number and duration parsing, JSON string
 * escaping, untrusted text on one line, closing inherited fds.
 */
#ifndef RL_UTIL_H
#define RL_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* Milliseconds on CLOCK_MONOTONIC: for deadlines and durations. */
int64_t rl_now_ms(void);
/* Microseconds on CLOCK_MONOTONIC. */
int64_t rl_now_us(void);
/* Milliseconds since the epoch (CLOCK_REALTIME): for the journal. */
int64_t rl_wall_ms(void);

/*
 * A growable buffer, always NUL-terminated. Plain struct: zero-initialise
 * it (RL_BUF_INIT) and release it with rl_buf_free(). On allocation failure
 * the buffer sets `oom` and ignores further appends, so a sequence of
 * appends needs one check at the end.
 */
struct rl_buf {
	char *data; /* NULL until the first append; rl_buf_str() never is */
	size_t len;
	size_t cap;
	bool oom;
};
#define RL_BUF_INIT                                                            \
	{                                                                      \
		NULL, 0, 0, false                                              \
	}

void rl_buf_append(struct rl_buf *b, const char *s, size_t n);
void rl_buf_puts(struct rl_buf *b, const char *s);
void rl_buf_printf(struct rl_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void rl_buf_vprintf(struct rl_buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/*
 * Untrusted text (a command's output, a value from the monitoring core or
 * a document) on one line of a message, a record or a terminal. Appends
 * at most MAX bytes of S (NULL reads as ""), every control byte
 * (0x00-0x1f, so newlines, tabs and ESC too) and DEL replaced by REPL.
 * A cut never splits a UTF-8 sequence: it backs up to the start of the
 * character. FLAGS:
 *   RL_ONELINE_PIPE      '|' becomes '/' too (a plugin's output ends its
 *                        text at the first '|'; "a/b" still reads well)
 *   RL_ONELINE_FIRST     stop at the first newline (only the first line
 *                        counts, the rest is not "cut")
 *   RL_ONELINE_ELLIPSIS  append "..." when text was left out
 * Returns true when text was left out. Bytes >= 0x80 pass unchanged.
 */
#define RL_ONELINE_PIPE 0x1u
#define RL_ONELINE_FIRST 0x2u
#define RL_ONELINE_ELLIPSIS 0x4u
bool rl_buf_oneline(struct rl_buf *b, const char *s, size_t max, char repl,
		    unsigned flags);
/* Appends s as a JSON string literal, quotes included. */
void rl_buf_json_str(struct rl_buf *b, const char *s);
void rl_buf_reset(struct rl_buf *b);
/* The text, "" for an empty buffer. Borrowed: valid until the next append. */
const char *rl_buf_str(const struct rl_buf *b);
/* Hands the text to the caller (who frees it) and empties the buffer. */
char *rl_buf_detach(struct rl_buf *b);
void rl_buf_free(struct rl_buf *b);

/*
 * Parses a duration: a non-negative integer followed by a unit, one of
 * ms, s, m, h, d ("500ms", "30s", "5m", "1h"). A bare number is refused
 * unless default_unit_ms is non-zero, in which case it counts in that unit.
 * Refuses signs, spaces, fractions, unknown units and overflow past
 * INT64_MAX ms. On success writes *ms and returns 0; else -1 with err set
 * to e.g. "invalid duration '5x' (use a whole number and ms, s, m, h or d)".
 */
int rl_parse_duration(const char *text, int64_t default_unit_ms, int64_t *ms,
		      struct rl_err *err);

/* Formats a duration for people: "850ms", "4.2s", "3m12s", "2h05m". */
void rl_buf_duration(struct rl_buf *b, int64_t ms);

/*
 * Parses a whole decimal integer in [min, max]: no sign unless min < 0, no
 * trailing text. Returns 0, or -1 with "invalid number 'x'" / "N out of
 * range (MIN..MAX)".
 */
int rl_parse_long(const char *text, long min, long max, long *out,
		  struct rl_err *err);

/*
 * Appends DIR/NAME-ESCAPED SUFFIX: every byte of NAME outside
 * [A-Za-z0-9._-] becomes %XX ("fx/pricer" -> "fx%2Fpricer"), so that no
 * name climbs out of DIR or collides with another.
 */
void rl_buf_name_path(struct rl_buf *b, const char *dir, const char *name,
		      const char *suffix);

/* Who asks, for the journal: the account we run as, and the person
 * behind sudo ("root (sudo by alice)"). */
void rl_user_describe(char *buf, size_t len);

/*
 * Resizes the array *PP (any pointer type; pass its address) to N
 * elements of ELEM bytes, like realloc(*pp, n * elem) but refusing a
 * product that overflows size_t. On success updates *pp and returns 0;
 * on failure (overflow or no memory) returns -1 with errno ENOMEM and
 * leaves *pp, still valid, as it was. N == 0 frees it and sets it NULL.
 */
int rl_resize(void *pp, size_t n, size_t elem);

/*
 * Makes room in the growable array *PP (pass its address) whose capacity
 * is *CAP elements of ELEM bytes for at least NEED elements. Does nothing
 * when NEED <= *CAP; else grows to the largest of NEED, twice *CAP and 8
 * (so appending one at a time costs amortised O(1)), falling back to
 * exactly NEED when doubling would overflow. Returns 0 with *pp and *cap
 * updated, or -1 (errno ENOMEM: no memory, or NEED * ELEM overflows
 * size_t) with *pp and *cap unchanged and the array still valid. The
 * caller keeps its count and frees *pp.
 */
int rl_grow(void *pp, size_t *cap, size_t need, size_t elem);

/*
 * Closes every file descriptor >= FD (closefrom, close_range, or a loop
 * up to the descriptor limit). Only system calls: safe between fork and
 * exec. For a child that must not inherit its parent's files.
 */
void rl_close_from(int fd);

/* strdup that returns NULL for NULL. */
char *rl_strdup0(const char *s);

#endif
