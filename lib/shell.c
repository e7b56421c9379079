#include "build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "shell.h"

void rl_shell_sh_quote(struct rl_buf *out, const char *s)
{
	rl_buf_puts(out, "'");
	for (; *s; s++) {
		if (*s == '\'')
			rl_buf_puts(out, "'\\''");
		else
			rl_buf_append(out, s, 1);
	}
	rl_buf_puts(out, "'");
}

void rl_shell_utf16le(struct rl_buf *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		unsigned long cp;
		int more, k;

		if (*p < 0x80) {
			cp = *p;
			more = 0;
		} else if ((*p & 0xe0) == 0xc0) {
			cp = *p & 0x1f;
			more = 1;
		} else if ((*p & 0xf0) == 0xe0) {
			cp = *p & 0x0f;
			more = 2;
		} else if ((*p & 0xf8) == 0xf0) {
			cp = *p & 0x07;
			more = 3;
		} else {
			cp = 0xfffd;
			more = -1;
		}
		p++;
		for (k = 0; k < more; k++, p++) {
			if ((*p & 0xc0) != 0x80) {
				cp = 0xfffd;
				break;
			}
			cp = (cp << 6) | (*p & 0x3f);
		}
		if (cp > 0x10ffff)
			cp = 0xfffd;
		if (cp >= 0x10000) {
			unsigned long v = cp - 0x10000;
			unsigned int hi = 0xd800 + (unsigned int)(v >> 10);
			unsigned int lo = 0xdc00 + (unsigned int)(v & 0x3ff);
			char u[4] = {(char)(hi & 0xff), (char)(hi >> 8),
				     (char)(lo & 0xff), (char)(lo >> 8)};
			rl_buf_append(out, u, 4);
		} else {
			char u[2] = {(char)(cp & 0xff), (char)(cp >> 8)};
			rl_buf_append(out, u, 2);
		}
	}
}

static bool component_ok(const char *c)
{
	if (!*c)
		return false;
	for (; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || strchr("._/-", *c)))
			return false;
	return true;
}

/* The PowerShell lines that turn the last result into an exit status:
 * a native command's code, 1 for a failed cmdlet, else 0. */
#define PS_EXIT                                                                \
	"if (-not $?) { if ($LASTEXITCODE) { exit $LASTEXITCODE }; "           \
	"exit 1 }; exit $LASTEXITCODE"

static void compose_powershell(struct rl_buf *out, const char *command,
			       const char *component, int64_t timeout_ms)
{
	struct rl_buf raw = RL_BUF_INIT;

	if (component)
		rl_buf_printf(out, "$env:RELANCE_COMPONENT='%s'; ", component);
	if (timeout_ms <= 0) {
		rl_buf_puts(out, "$global:LASTEXITCODE=0; & ([scriptblock]::"
				 "Create([Text.Encoding]::UTF8.GetString("
				 "[Convert]::FromBase64String('");
		rl_base64_encode(out, (const unsigned char *)command,
				 strlen(command), 1);
		rl_buf_puts(out, "')))); " PS_EXIT);
		return;
	}
	/* a child powershell we can kill with its whole tree */
	rl_buf_puts(&raw, "$global:LASTEXITCODE=0; & {\n");
	rl_buf_puts(&raw, command);
	rl_buf_puts(&raw, "\n}; " PS_EXIT);
	{
		struct rl_buf u16 = RL_BUF_INIT;

		rl_shell_utf16le(&u16, rl_buf_str(&raw));
		rl_buf_puts(out, "$p = Start-Process -FilePath powershell.exe "
				 "-ArgumentList '-NoProfile','-NonInteractive',"
				 "'-EncodedCommand','");
		rl_base64_encode(out, (const unsigned char *)rl_buf_str(&u16),
				 u16.len, 1);
		if (u16.oom)
			out->oom = true;
		rl_buf_free(&u16);
	}
	rl_buf_printf(out,
		      "' -NoNewWindow -PassThru; $null = $p.Handle; "
		      "if (-not $p.WaitForExit(%lld)) { "
		      "taskkill.exe /T /F /PID $p.Id | Out-Null; exit 124 }; "
		      "exit $p.ExitCode",
		      (long long)timeout_ms);
	if (raw.oom)
		out->oom = true;
	rl_buf_free(&raw);
}

/*
 * The command runs in the background with /dev/null on stdin, under
 * `timeout` when there is one; a watcher reads the channel (fd 3, the
 * login shell's stdin, which the client never writes to) and at its EOF,
 * when the channel closed or the client died, kills the command's group
 * (`timeout` makes one of its own) and the session's (sshd made the login
 * shell a session leader: its group is everything this line started that
 * did not leave it). When the command ends first, the watcher is killed
 * and the command's status passed on, a death by signal as the same
 * signal.
 */
static void compose_posix(struct rl_buf *out, const char *command,
			  int64_t timeout_ms)
{
	rl_buf_puts(out, "exec 3<&0 </dev/null; ");
	if (timeout_ms > 0) {
		rl_buf_printf(out,
			      "if command -v timeout >/dev/null 2>&1; then "
			      "timeout -k 1 %lld.%03lld sh -c ",
			      (long long)(timeout_ms / 1000),
			      (long long)(timeout_ms % 1000));
		rl_shell_sh_quote(out, command);
		rl_buf_puts(out, " 3<&- & c=$!; else ");
	}
	rl_buf_puts(out, "sh -c ");
	rl_shell_sh_quote(out, command);
	rl_buf_puts(out, " 3<&- & c=$!; ");
	if (timeout_ms > 0)
		rl_buf_puts(out, "fi; ");
	rl_buf_puts(out, "{ while read -r _; do :; done; kill -KILL -$c; "
			 "kill -KILL 0; } <&3 >/dev/null 2>&1 & w=$!; "
			 "exec 3<&-; wait $c; s=$?; kill $w 2>/dev/null; "
			 "[ $s -gt 128 ] && kill -$((s - 128)) $$ 2>/dev/null; "
			 "exit $s");
}

int rl_shell_compose(struct rl_buf *out, enum rl_shell shell,
		     const char *command, const char *component,
		     int64_t timeout_ms, struct rl_err *err)
{
	if (component && !component_ok(component))
		return rl_err_set(err,
				  "component name '%.100s' cannot be "
				  "passed to a remote shell",
				  component);
	switch (shell) {
	case RL_SHELL_POSIX:
		if (component) {
			rl_buf_puts(out, "RELANCE_COMPONENT=");
			rl_shell_sh_quote(out, component);
			rl_buf_puts(out, "; export RELANCE_COMPONENT; ");
		}
		compose_posix(out, command, timeout_ms);
		break;
	case RL_SHELL_POWERSHELL:
		compose_powershell(out, command, component, timeout_ms);
		break;
	case RL_SHELL_CMD:
		if (component)
			rl_buf_printf(out, "set \"RELANCE_COMPONENT=%s\" && ",
				      component);
		rl_buf_puts(out, command);
		break;
	default:
		RL_BUG("unknown shell %d", (int)shell);
	}
	if (out->oom)
		return rl_err_set(err, "out of memory");
	return 0;
}

/* ---- one remote command for many checks (shell.h) --------------------- */

/* A sleep in the background, its pid in z, waited for; where sleep takes
 * only whole seconds, once more rounded up. */
static void put_sleep(struct rl_buf *out, int64_t ms)
{
	rl_buf_printf(out,
		      "sleep %lld.%03lld 2>/dev/null & echo $! >\"$d/z\"; "
		      "wait $! || { sleep %lld & echo $! >\"$d/z\"; wait $!; "
		      "}; ",
		      (long long)(ms / 1000), (long long)(ms % 1000),
		      (long long)((ms + 999) / 1000));
}

struct batch_event {
	int64_t at_ms;
	bool kill; /* false: TERM at the timeout, true: KILL a second later */
	size_t idx;
};

static int event_cmp(const void *a, const void *b)
{
	const struct batch_event *x = a, *y = b;

	if (x->at_ms != y->at_ms)
		return x->at_ms < y->at_ms ? -1 : 1;
	if (x->kill != y->kill)
		return x->kill ? 1 : -1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/*
 * The timer: one process for the whole batch (not a `timeout` per check:
 * starting 6 of those cost a loaded target 100 ms). It sleeps from one
 * deadline to the next; at a check's timeout k() marks it timed out (t<i>)
 * and sends its process SIGTERM, a second later SIGKILL, unless it has
 * ended (x<i>); the check then reports 124, as `timeout` would. Each
 * sleep's pid is in z, so that the end of the batch can stop it.
 */
static int put_timer(struct rl_buf *out, const struct rl_batch_item *items,
		     size_t n)
{
	struct batch_event *ev = calloc(2 * n + 1, sizeof(*ev));
	size_t m = 0, i, j;
	int64_t now = 0;

	if (!ev)
		return -1;
	for (i = 0; i < n; i++) {
		if (items[i].timeout_ms <= 0)
			continue;
		ev[m++] = (struct batch_event){items[i].timeout_ms, false, i};
		ev[m++] =
		    (struct batch_event){items[i].timeout_ms + 1000, true, i};
	}
	if (m) {
		qsort(ev, m, sizeof(*ev), event_cmp);
		rl_buf_puts(out, "(exec >/dev/null 2>&1 4<&-; ");
		for (i = 0; i < m; i = j) {
			put_sleep(out, ev[i].at_ms - now);
			now = ev[i].at_ms;
			for (j = i; j < m && ev[j].at_ms == ev[i].at_ms &&
				    ev[j].kill == ev[i].kill;
			     j++)
				;
			rl_buf_printf(out, "k %s",
				      ev[i].kill ? "KILL" : "TERM");
			for (; i < j; i++)
				rl_buf_printf(out, " %zu", ev[i].idx);
			rl_buf_puts(out, "; ");
		}
		rl_buf_puts(out, ") & m=$!; ");
	}
	free(ev);
	return 0;
}

/*
 * The watcher reads the channel (fd 3) as compose_posix's does; at its EOF
 * (the channel closed: the client is done with the batch, or gone) it
 * removes the directory and kills the session's group: every check and
 * what it started, unless it left the group. r() runs one check in the
 * background with its outputs in files, records its pid, waits for it and
 * writes "IDX STATUS" to the FIFO (a short write: atomic); the loop at the
 * end reads those lines in the order the checks end and writes each
 * frame, so only that one process writes to the channel.
 */
int rl_shell_compose_batch(struct rl_buf *out, const char *token,
			   const struct rl_batch_item *items, size_t n,
			   struct rl_err *err)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (items[i].component && !component_ok(items[i].component))
			return rl_err_set(err,
					  "component name '%.100s' cannot be "
					  "passed to a remote shell",
					  items[i].component);
	rl_buf_printf(
	    out,
	    "exec 3<&0 </dev/null; umask 077; "
	    "d=${TMPDIR:-/tmp}/relance.%s.$$; mkdir \"$d\" || exit 97; "
	    "mkfifo \"$d/f\" || { rmdir \"$d\"; exit 97; }; "
	    "exec 4<>\"$d/f\"; "
	    "{ while read -r _; do :; done; rm -rf \"$d\"; kill -KILL 0; } "
	    "<&3 >/dev/null 2>&1 4<&- & w=$!; exec 3<&-; m=; "
	    "r() { sh -c \"$2\" >\"$d/o$1\" 2>\"$d/e$1\" & "
	    "echo $! >\"$d/p$1\"; wait $!; s=$?; "
	    ": >\"$d/x$1\"; [ -e \"$d/t$1\" ] && s=124; "
	    "echo \"$1 $s\" >\"$d/f\"; }; "
	    "k() { g=$1; shift; for i; do [ -e \"$d/x$i\" ] || "
	    "{ : >\"$d/t$i\"; read -r q <\"$d/p$i\" && kill -$g \"$q\"; }; "
	    "done; }; ",
	    token);
	for (i = 0; i < n; i++) {
		rl_buf_puts(out, "(");
		if (items[i].component) {
			rl_buf_puts(out, "RELANCE_COMPONENT=");
			rl_shell_sh_quote(out, items[i].component);
			rl_buf_puts(out, "; export RELANCE_COMPONENT; ");
		}
		rl_buf_printf(out, "r %zu ", i);
		rl_shell_sh_quote(out, items[i].command);
		/* what the shell says of the check's end ("Terminated") goes
		 * after the check's own stderr, as on a channel */
		rl_buf_printf(out, ") 4<&- 2>>\"$d/e%zu\" & ", i);
	}
	if (put_timer(out, items, n) < 0)
		return rl_err_set(err, "out of memory");
	rl_buf_printf(
	    out,
	    "k=0; while [ $k -lt %zu ] && read -r i s <&4; do k=$((k + 1)); "
	    "o=0; e=0; [ -s \"$d/o$i\" ] && o=$(wc -c <\"$d/o$i\"); "
	    "[ -s \"$d/e$i\" ] && e=$(wc -c <\"$d/e$i\"); o=$((o)); e=$((e)); "
	    "[ $o -gt %d ] && o=%d; [ $e -gt %d ] && e=%d; "
	    "printf 'RLB1 %s %%s %%s %%s %%s\\n' \"$i\" \"$s\" \"$o\" \"$e\"; "
	    "[ $o -gt 0 ] && dd if=\"$d/o$i\" bs=$o count=1 conv=sync "
	    "2>/dev/null; "
	    "[ $e -gt 0 ] && dd if=\"$d/e$i\" bs=$e count=1 conv=sync "
	    "2>/dev/null; "
	    "done; "
	    "[ -n \"$m\" ] && { kill $m; read -r z <\"$d/z\" && kill $z; } "
	    "2>/dev/null; "
	    "kill $w 2>/dev/null; rm -rf \"$d\"; exit 0",
	    n, RL_BATCH_STREAM_MAX, RL_BATCH_STREAM_MAX, RL_BATCH_STREAM_MAX,
	    RL_BATCH_STREAM_MAX, token);
	if (out->oom)
		return rl_err_set(err, "out of memory");
	return 0;
}

int rl_batch_init(struct rl_batch_parser *p, const char *token, size_t n)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->token, sizeof(p->token), "%s", token);
	p->n = n;
	p->seen = calloc(n ? n : 1, 1);
	return p->seen ? 0 : -1;
}

void rl_batch_free(struct rl_batch_parser *p)
{
	free(p->seen);
	p->seen = NULL;
}

static int batch_bad(struct rl_batch_parser *p, const char *what)
{
	p->failed = true;
	snprintf(p->error, sizeof(p->error), "bad report from the target: %s",
		 what);
	return -1;
}

/* Reads a decimal field of at most 9 digits followed by STOP. */
static bool batch_field(const char **s, char stop, size_t *v)
{
	const char *p = *s;
	size_t x = 0;

	if (*p < '0' || *p > '9')
		return false;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (p - *s >= 9)
			return false;
		x = x * 10 + (size_t)(*p - '0');
	}
	if (*p != stop)
		return false;
	*s = p + 1;
	*v = x;
	return true;
}

static int batch_header(struct rl_batch_parser *p)
{
	const char *s = p->head;
	size_t idx, status, olen, elen, tl = strlen(p->token);

	if (strncmp(s, "RLB1 ", 5) || strncmp(s + 5, p->token, tl) ||
	    s[5 + tl] != ' ')
		return batch_bad(p,
				 "a frame header without this batch's token");
	s += 6 + tl;
	if (!batch_field(&s, ' ', &idx) || !batch_field(&s, ' ', &status) ||
	    !batch_field(&s, ' ', &olen) || !batch_field(&s, '\0', &elen))
		return batch_bad(p, "a malformed frame header");
	if (idx >= p->n)
		return batch_bad(p, "a frame for a check not in the batch");
	if (p->seen[idx])
		return batch_bad(p, "two frames for one check");
	if (status > 255 || olen > RL_BATCH_STREAM_MAX ||
	    elen > RL_BATCH_STREAM_MAX)
		return batch_bad(p, "a status or length out of range");
	p->seen[idx] = 1;
	p->idx = idx;
	p->status = (int)status;
	p->left = olen;
	p->err_len = elen;
	p->state = 1;
	return 0;
}

/* The current stream is over: on to stderr, or the frame is complete. */
static void batch_next(struct rl_batch_parser *p,
		       const struct rl_batch_sink *sink)
{
	while (p->state != 0 && p->left == 0) {
		if (p->state == 1) {
			p->state = 2;
			p->left = p->err_len;
			continue;
		}
		p->state = 0;
		p->hlen = 0;
		p->done++;
		sink->done(sink->ctx, p->idx, p->status);
	}
}

int rl_batch_feed(struct rl_batch_parser *p, const char *data, size_t len,
		  const struct rl_batch_sink *sink)
{
	while (len > 0 && !p->failed) {
		if (p->state == 0) {
			if (p->done == p->n)
				return batch_bad(p,
						 "bytes after the last frame");
			if (*data == '\n') {
				p->head[p->hlen] = '\0';
				if (batch_header(p) < 0)
					return -1;
				data++;
				len--;
				batch_next(p, sink);
				continue;
			}
			if (p->hlen + 1 >= sizeof(p->head) || *data == '\0')
				return batch_bad(p, "a malformed frame header");
			p->head[p->hlen++] = *data++;
			len--;
		} else {
			size_t k = len < p->left ? len : p->left;

			sink->output(sink->ctx, p->idx, p->state, data, k);
			data += k;
			len -= k;
			p->left -= k;
			batch_next(p, sink);
		}
	}
	return p->failed ? -1 : 0;
}
