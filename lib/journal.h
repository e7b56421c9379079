/*
 * journal - the append-only record of every action, JSON Lines.
 *
 * One JSON object per line. Each record is written with one write() on an
 * O_APPEND descriptor, under an exclusive flock of the file, and flushed
 * with fdatasync() before rl_journal_append() returns: many processes may
 * append at once and lose or tear nothing. A record that cannot be written
 * whole is an error, and the caller must not go on with the action.
 *
 * Fields (absent ones are left out of the line):
 *   time "2026-11-24T03:12:05.123Z", ts (ms since epoch), node, user, pid,
 *   run (id shared by the records of one action), event, phase, action,
 *   component, host, command, exit (int), signal (int), duration_ms (int),
 *   result, message, reason, author, config
 * in that order. config is the SHA-256 of the configuration the writer
 * loaded (lib/confstore.h); rl_journal_append() puts the journal's own
 * (rl_journal_set_config) into every record that does not name one, so
 * every record type carries it. Strings are escaped as JSON (control characters
 * as \uXXXX) so a record is always one line.
 *
 * A writer that died in the middle of a record leaves a last line without
 * its newline: rl_journal_append() cuts that fragment off (under the lock)
 * before it writes, so that its record does not get glued onto it. A short
 * write is taken back the same way.
 */
#ifndef RL_JOURNAL_H
#define RL_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* One record. Plain struct; NULL strings and -1 numbers are left out. */
struct rl_journal_rec {
	int64_t ts_ms; /* 0 on append: now */
	const char *node;
	const char *user;
	int64_t pid; /* 0 on append: getpid(); -1: left out */
	const char *run;
	const char *event;  /* "plan", "step", "decision", "hold", ... */
	const char *phase;  /* "begin" or "end" */
	const char *action; /* "start", "stop", "restart", "check", ... */
	const char *component;
	const char *host;
	const char *command;
	int64_t exit_code;   /* -1: none */
	int64_t signal;	     /* -1: none */
	int64_t duration_ms; /* -1: none */
	const char *result;  /* "ok", "failed", "skipped", "timeout", ... */
	const char *message;
	const char *reason;
	const char *author;
	const char *config; /* NULL on append: the journal's config hash */
};

/* Sets every number to -1 (pid and ts to 0) and every string to NULL. */
void rl_journal_rec_init(struct rl_journal_rec *r);

struct rl_journal;

/*
 * Rotation (issue 13). The journal PATH is rotated by the writers
 * themselves: when a record leaves it at max_size bytes or more, the
 * writer that appended it, still holding the journal's flock, renames
 * PATH.K to PATH.K+1 (the oldest, PATH.KEEP and beyond, removed), then
 * PATH to PATH.1, and creates PATH again with the owner, group and mode
 * of the file it rotated (root and the core's account both go on
 * appending, whichever rotates). Every writer,
 * before it writes, checks under the flock that its descriptor is still
 * the file named PATH and reopens it by name otherwise, so a process
 * that opened the journal before a rotation (the handler's worker, a
 * long restart) writes its next record into the new PATH, never into a
 * rotated file, and nothing is lost or torn: a rotated file ends with a
 * whole record. Readers (rl_journal_read*) read PATH.N .. PATH.1, then
 * PATH, in order; no compression (16M x 8 files bound the disk).
 */
#define RL_JOURNAL_MAX_SIZE ((int64_t)16 << 20) /* default, bytes */
#define RL_JOURNAL_KEEP 8			/* default rotated files */

/*
 * Opens (creating with mode 0640) the journal at PATH for appending. The
 * directory must exist. Nothing is followed or waited for (lib/safefile):
 * a symlink, a FIFO, a socket, a hard-linked file (st_nlink > 1) and a
 * directory that group or others may write without the sticky bit (or,
 * for a caller other than root, owned by another user than root and the
 * caller) are refused ("cannot open journal 'PATH': PATH: is a FIFO, not
 * a regular file (not followed)"); a character device (/dev/null) is
 * written as it is. Other errors name the path and errno text.
 */
struct rl_journal *rl_journal_open(const char *path, struct rl_err *err);
void rl_journal_close(struct rl_journal *j);

/* Rotate J beyond MAX_SIZE bytes (0: never, the default of
 * rl_journal_open), keeping KEEP rotated files (1..10000). */
void rl_journal_set_rotation(struct rl_journal *j, int64_t max_size, int keep);

/*
 * Every record appended to J from now on carries HASH ("config"; NULL or
 * "": none); with BUNDLE (LEN bytes, copied) and KEEP > 0, the first
 * record appended also keeps that config in the store beside the journal
 * (rl_confstore_save, at most KEEP copies). A copy that cannot be kept is
 * not an error of the append (`config diff` is all it costs); it is tried
 * again with the next record. Returns 0, or -1 (out of memory).
 */
int rl_journal_set_config(struct rl_journal *j, const char *hash,
			  const char *bundle, size_t len, int keep,
			  struct rl_err *err);

/*
 * A program's journal: opens M's site.journal as rl_journal_open() does,
 * with the site's rotation (journal_max_size, journal_keep) and M's config
 * (config_hash, config_bundle, config_keep) set. Every program that
 * journals opens it this way.
 */
struct rl_model;
struct rl_journal *rl_journal_open_site(const struct rl_model *m,
					struct rl_err *err);
const char *rl_journal_path(const struct rl_journal *j);

/* Appends one record, whole and synced, or fails with err set ("cannot
 * write journal 'PATH': No space left on device"). Blocks while another
 * process holds the journal's flock (that is, for one write and sync). */
int rl_journal_append(struct rl_journal *j, const struct rl_journal_rec *r,
		      struct rl_err *err);

/*
 * Group commit. rl_journal_append_unsynced writes one record whole, like
 * rl_journal_append, but leaves it unsynced; rl_journal_sync (or the next
 * rl_journal_append, or rl_journal_close) syncs it with every record
 * written before. A writer announces an action with records it syncs
 * before the action runs (a power loss never leaves an action done
 * without its begin record); an outcome may wait for the next sync (lost
 * in a power loss at worst, leaving "began, no end", as a worker killed
 * in the middle does). A process killed loses nothing either way: the
 * records are in the file. rl_journal_sync returns 0, or -1 with err set
 * ("cannot sync journal 'PATH': ...").
 */
int rl_journal_append_unsynced(struct rl_journal *j,
			       const struct rl_journal_rec *r,
			       struct rl_err *err);
int rl_journal_sync(struct rl_journal *j, struct rl_err *err);

/* Formats one record as a JSON line (with '\n') into a new string the
 * caller frees; NULL on allocation failure. Exposed for tests. */
char *rl_journal_format(const struct rl_journal_rec *r);

/*
 * Reads the journal at PATH, its rotated files first (PATH.N .. PATH.1,
 * up to two missing numbers in a row; each read as described here, its
 * own name in messages; a file that a rotation renamed while the reader
 * opened them is read once), from the start and calls CB for every
 * record (strings borrowed for the call only). A torn or foreign line is
 * reported through err only if it is not the last line of its file; CB
 * returning non-zero stops the read and is returned. A missing file
 * reads as empty. All the files are open at once during the read.
 * Returns 0, CB's value, or -1 with "PATH:N: not a journal record" (or
 * "cannot read journal 'PATH': ..."). PATH is opened as for writing
 * (refusing a link, a FIFO, a device or a hard-linked file, never
 * blocking). Takes no lock: a record being
 * written is at worst an unfinished last line, which is skipped.
 */
typedef int (*rl_journal_cb)(const struct rl_journal_rec *r, void *ctx);
int rl_journal_read(const char *path, rl_journal_cb cb, void *ctx,
		    struct rl_err *err);

/*
 * The same for the records stamped SINCE_MS (wall clock) or later only,
 * without reading the whole file: it starts from the end and goes back
 * until it meets a record a minute older than SINCE_MS (and opens no
 * rotated file older than the first that begins before that). A file whose
 * stamps jump back by more than that may lose records to this reader.
 * Errors in the part read only.
 */
int rl_journal_read_since(const char *path, int64_t since_ms, rl_journal_cb cb,
			  void *ctx, struct rl_err *err);

/* Parses one line into R, strings pointing into the copy kept in *store
 * (caller frees *store). Returns 0, or -1 if it is not a record (then
 * *store is NULL). Absent fields read as NULL or -1 (ts and pid too);
 * unknown fields holding a string or an integer are skipped; any other
 * value (float, true, null, object), a raw control character, a lone
 * surrogate or \u0000 makes the line not a record. */
int rl_journal_parse_line(const char *line, struct rl_journal_rec *r,
			  char **store);

#endif
