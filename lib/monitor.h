/*
 * monitor - telling the monitoring core what happened, and reading what it
 * knows (acknowledgements, downtimes).
 *
 * External commands go through the core's command pipe (Nagios
 * `command_file`, Icinga 2's ExternalCommandListener): one line
 * "[TIMESTAMP] NAME;arg;arg...\n" per command, written with a single
 * write() so that it is atomic (at most PIPE_BUF bytes). The pipe is opened
 * non-blocking: no reader (the core is down) is an error at once, and a
 * full pipe is waited on only until the caller's deadline.
 *
 * Values that reach a command line are checked: a host or service name
 * holding ';' or a line break is refused (it would shift the fields or
 * start a second command); free text (comments, plugin output) has line
 * breaks turned into spaces for the same reason, and '|' into '/' in check
 * output so that it is not read as perfdata.
 */
#ifndef RL_MONITOR_H
#define RL_MONITOR_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "plugin.h"
#include "util.h"

/* The longest command line the pipe takes in one atomic write. */
#define RL_MONITOR_LINE_MAX 4096

/*
 * Appends external command lines to B (each ends with '\n'), stamped with
 * the current time. Return 0, or -1 with err set when a name is refused.
 *   ADD_SVC_COMMENT;host;service;0;author;text   (not persistent)
 *   PROCESS_SERVICE_CHECK_RESULT;host;service;state;output
 *   SCHEDULE_FORCED_SVC_CHECK;host;service;time
 *   DEL_SVC_COMMENT;id   (rl_monitor_cmd_del_comment: cannot fail)
 */
int rl_monitor_cmd_comment(struct rl_buf *b, const char *host,
			   const char *service, const char *author,
			   const char *text, struct rl_err *err);
int rl_monitor_cmd_result(struct rl_buf *b, const char *host,
			  const char *service, enum rl_state state,
			  const char *output, struct rl_err *err);
int rl_monitor_cmd_forced_check(struct rl_buf *b, const char *host,
				const char *service, struct rl_err *err);
void rl_monitor_cmd_del_comment(struct rl_buf *b, unsigned long id);

/*
 * Writes the command lines in TEXT to the pipe at PATH, each with one
 * write(), before DEADLINE_MS (rl_now_ms() clock). Errors, naming PATH:
 * not a FIFO, no reader ("is the core running?"), a line longer than
 * RL_MONITOR_LINE_MAX, the deadline passed with the pipe still full, the
 * reader gone half-way (EPIPE; SIGPIPE is not raised). Blocks at most
 * until the deadline.
 */
int rl_monitor_send(const char *path, const char *text, int64_t deadline_ms,
		    struct rl_err *err);

/* What status.dat says of one service. Plain struct. */
struct rl_service_status {
	bool found;
	bool acknowledged;  /* problem_has_been_acknowledged=1 */
	int downtime_depth; /* scheduled_downtime_depth */
	int current_state;  /* 0..3 */
	int64_t updated;    /* the file's mtime: how fresh this is */
};

/*
 * Reads the servicestatus block of HOST/SERVICE from a Nagios status.dat
 * (status_file). A missing service is found=false, not an error; a file
 * that cannot be read is an error naming it.
 */
int rl_monitor_status_dat(const char *path, const char *host,
			  const char *service, struct rl_service_status *out,
			  struct rl_err *err);

/*
 * The ids of the comments AUTHOR wrote on HOST/SERVICE (servicecomment
 * blocks of a Nagios status.dat: entry_type 1, a comment, not an
 * acknowledgement or a downtime's), so that they can be replaced rather
 * than piled up. *ids (caller frees; NULL when *n is 0) gets them in the
 * file's order. Returns 0, or -1 with err naming the file.
 */
int rl_monitor_status_comments(const char *path, const char *host,
			       const char *service, const char *author,
			       unsigned long **ids, size_t *n,
			       struct rl_err *err);

#endif
