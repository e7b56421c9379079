#include "build.h"

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
