/*
 * findings - what `relancectl config check` found: a list of findings
 * (file, line, key, severity, message), rendered as text or as one JSON
 * document, and the checks that give warnings about a loaded model.
 *
 * An error stops the load (lib/config stops at the first one), so a check
 * has at most one error and then no model; a loaded model may have any
 * number of warnings. A new warning is a new rl_findings_add() call in
 * rl_findings_check_model() (or in any other module that judges the
 * configuration and is given the list).
 */
#ifndef RL_FINDINGS_H
#define RL_FINDINGS_H

#include <stddef.h>

#include "err.h"
#include "model.h"
#include "util.h"

enum rl_severity {
	RL_SEVERITY_WARNING = 1, /* works, but probably not as meant */
	RL_SEVERITY_ERROR = 2,	 /* refused: nothing would run */
};

/* One finding. Plain struct; strings owned by the list. */
struct rl_finding {
	enum rl_severity severity;
	char *file; /* NULL: not in a file (e.g. out of memory) */
	int line;   /* 0: the whole file or none */
	char *key;  /* the key concerned, or NULL */
	char *message;
};

/* A list; zero-initialise it (RL_FINDINGS_INIT), rl_findings_free(). */
struct rl_findings {
	struct rl_finding *items;
	size_t n;
	size_t cap;
	int oom; /* an addition failed for want of memory */
};
#define RL_FINDINGS_INIT                                                       \
	{                                                                      \
		NULL, 0, 0, 0                                                  \
	}

/* Adds a finding; FILE and KEY may be NULL, strings are copied. On
 * allocation failure sets f->oom and adds nothing. */
void rl_findings_add(struct rl_findings *f, enum rl_severity sev,
		     const char *file, int line, const char *key,
		     const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/*
 * Adds the error MSG of a failed load. Config errors read
 * "FILE:LINE: [SECTION: ]problem" (config.h): FILE and LINE are taken
 * from there when the message starts so, and the key from the first
 * "key 'NAME'" in it; the message is the rest. Others are kept whole
 * ("cannot open 'x': no such file").
 */
void rl_findings_add_error(struct rl_findings *f, const char *msg);

/*
 * The warnings about a loaded model M (added to F):
 *  - a host no component runs on ("host 'h' is used by no component");
 *  - graph_url without graph_dir (the links would lead to pictures
 *    nobody refreshes).
 */
void rl_findings_check_model(const struct rl_model *m, struct rl_findings *f);

/* The worst severity, 0 when empty: also `config check`'s exit code. */
int rl_findings_worst(const struct rl_findings *f);

/* "FILE:LINE: warning: MESSAGE" per finding, one a line. */
void rl_findings_text(const struct rl_findings *f, struct rl_buf *out);

/*
 * The findings as a JSON array: [{"file":"a.ini","line":3,"key":"port",
 * "severity":"error","message":"..."}], null for what is absent.
 */
void rl_findings_json(const struct rl_findings *f, struct rl_buf *out);

void rl_findings_free(struct rl_findings *f);

#endif
