/*
 * err - the error type every library function fills.
 *
 * A library function that can fail returns 0 on success or a negative
 * value on failure, and then has written one line (no newline, no final
 * period) into the caller's struct rl_err. The message already carries
 * the input's place, e.g. "fx.ini:12: component 'fx/pricer': unknown key
 * 'retrys'". lib/ never prints and never exits on bad input.
 */
#ifndef RL_ERR_H
#define RL_ERR_H

#include <stddef.h>

#define RL_ERR_MAX 1024

/* Plain struct: msg is empty until an error is set. */
struct rl_err {
	char msg[RL_ERR_MAX];
};

/*
 * Sets the message (printf-style) and returns -1, so a failing path reads
 * `return rl_err_set(err, "...", ...);`. err may be NULL.
 */
int rl_err_set(struct rl_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Puts "PREFIX: " in front of the message already set, to add context as
 * the error travels up. Returns -1. err may be NULL.
 */
int rl_err_prefix(struct rl_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Clears the message. */
void rl_err_clear(struct rl_err *err);

/* A broken invariant: a bug in relance, not a user error. Aborts. */
#define RL_BUG(...) rl_bug(__FILE__, __LINE__, __VA_ARGS__)
void rl_bug(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4), noreturn));

#endif
