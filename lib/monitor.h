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
#include "model.h"
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

/* What status.dat (or the Icinga 2 API) says of one service. Plain
 * struct. */
struct rl_service_status {
	bool found;
	bool acknowledged;  /* problem_has_been_acknowledged=1 */
	int downtime_depth; /* scheduled_downtime_depth */
	int current_state;  /* 0..3 */
	int64_t updated;    /* the file's mtime: how fresh this is */
	bool hard;	    /* state_type HARD (the API only) */
	const char *source; /* "status file", "Icinga 2 API": for messages */
};

/*
 * Reads the servicestatus block of HOST/SERVICE from a Nagios status.dat
 * (status_file). A missing service is found=false, not an error; a file
 * that cannot be read is an error naming it.
 */
int rl_monitor_status_dat(const char *path, const char *host,
			  const char *service, struct rl_service_status *out,
			  struct rl_err *err);

/* ---- the pipe or the API, as the config says (issue 14) ---------------- */

/*
 * Whether the core can be told anything: command_file is set, or
 * [icinga_api] is (the config never has both).
 */
bool rl_monitor_enabled(const struct rl_site *s);

/*
 * Delivers the command lines in TEXT (built with rl_monitor_cmd_*) to the
 * core before DEADLINE_MS: through the pipe (rl_monitor_send), or, with
 * [icinga_api], each line as its action of the Icinga 2 REST API
 * (lib/icinga_api): ADD_SVC_COMMENT as add-comment,
 * PROCESS_SERVICE_CHECK_RESULT as process-check-result (check_source: the
 * site's node), SCHEDULE_FORCED_SVC_CHECK as reschedule-check (forced).
 * Stops at the first line that fails; err names the endpoint, the action
 * and what failed. Nothing configured: 0, nothing done. DETOUR (may be
 * NULL) is set to "" or, when the API's first URL was skipped and a later
 * one took the lines, to that detour on one line
 * (rl_icinga_api_detour); the pipe has none.
 */
int rl_monitor_deliver(const struct rl_site *s, const char *text,
		       int64_t deadline_ms, struct rl_err *detour,
		       struct rl_err *err);

/* The API's action for the command line LINE (up to its '\n'), parsed
 * into its fields. Plain struct; the strings point into BUF. */
struct rl_monitor_api_cmd {
	const char *action; /* "add-comment", ... */
	const char *host, *service;
	const char *author, *text; /* add-comment */
	int state;		   /* process-check-result */
	char buf[RL_MONITOR_LINE_MAX + 1];
};

/* Parses one command line of rl_monitor_cmd_* (pure). Returns 0, or -1
 * with err set for a command the API path does not know. */
int rl_monitor_api_cmd(const char *line, struct rl_monitor_api_cmd *out,
		       struct rl_err *err);

/*
 * What the core says of HOST/SERVICE: from the Icinga 2 API when
 * [icinga_api] is set (waiting until DEADLINE_MS at most), else from
 * status_file. *HAVE is false when neither is configured. Returns 0, or
 * -1 with err set (out->found is false then). DETOUR (may be NULL): as
 * for rl_monitor_deliver.
 */
int rl_monitor_status(const struct rl_site *s, const char *host,
		      const char *service, int64_t deadline_ms,
		      struct rl_service_status *out, bool *have,
		      struct rl_err *detour, struct rl_err *err);
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
