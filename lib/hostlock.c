#include "build.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base64.h"
#include "hostlock.h"
#include "shell.h"

#define ANSWER "relance-lock: "

/* The lock's file name: the component name with '/' as "%2F". Component
 * names are [A-Za-z0-9._-]+/[A-Za-z0-9._-]+ (model), so nothing else
 * needs escaping; anything else is refused rather than escaped wrongly. */
static int lock_name(const char *component, struct rl_buf *b,
		     struct rl_err *err)
{
	const char *p;

	for (p = component; *p != '\0'; p++) {
		char c = *p;

		if (c == '/')
			rl_buf_puts(b, "%2F");
		else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			 (c >= '0' && c <= '9') || c == '.' || c == '_' ||
			 c == '-')
			rl_buf_append(b, &c, 1);
		else
			return rl_err_set(
			    err,
			    "component '%.100s': invalid name for a host lock",
			    component);
	}
	return 0;
}

/* Appends up to MAX characters of S, anything but letters, digits and
 * OTHERS as '_'. */
static void safe_text(const char *s, const char *others, size_t max,
		      struct rl_buf *b)
{
	size_t start = b->len;
	const char *p;

	for (p = s; *p != '\0' && b->len - start < max; p++) {
		char c = *p;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || strchr(others, c)))
			c = '_';
		rl_buf_append(b, &c, 1);
	}
}

/* The owner line, reduced to characters that are safe and readable. */
static void owner_text(const char *owner, struct rl_buf *b)
{
	safe_text(owner, " ._-:/@()=,+", 200, b);
}

static bool windows(enum rl_shell shell)
{
	return shell == RL_SHELL_POWERSHELL || shell == RL_SHELL_CMD;
}

static bool dir_char(char c, bool win)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || strchr("._/-", c) ||
	       (win && c == '\\');
}

/* DIR as the lock directory of SHELL: [A-Za-z0-9._/-], absolute; on
 * Windows also '\' and a drive ("C:/relance/locks"). */
static int check_dir(enum rl_shell shell, const char *dir, struct rl_err *err)
{
	bool win = windows(shell);
	const char *p = dir;

	if (win && ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')) &&
	    p[1] == ':')
		p += 2;
	if (*p != '/' && !(win && *p == '\\'))
		return rl_err_set(
		    err, "host lock directory '%.100s' is not absolute", dir);
	for (; *p != '\0'; p++)
		if (!dir_char(*p, win))
			return rl_err_set(
			    err,
			    "host lock directory '%.100s': use letters, "
			    "digits, '.', '_', '-' and '/'",
			    dir);
	return 0;
}

/* S between single quotes for PowerShell, where a quote is doubled. Only
 * ASCII reaches here (PowerShell also takes the typographic quotes as
 * quotes: none can be among the safe characters). */
static void ps_quote(struct rl_buf *out, const char *s)
{
	rl_buf_puts(out, "'");
	for (; *s != '\0'; s++)
		rl_buf_append(out, *s == '\'' ? "''" : s, *s == '\'' ? 2 : 1);
	rl_buf_puts(out, "'");
}

/* d, l and o: the lock directory, this lock, and our owner line; z, when
 * DEAD is not NULL: the owner line of a dead owner to take over. */
static int prologue(struct rl_buf *out, enum rl_shell shell, const char *dir,
		    const char *name, const char *owner, const char *dead,
		    struct rl_err *err)
{
	if (dir != NULL && check_dir(shell, dir, err) < 0)
		return -1;
	if (windows(shell)) {
		rl_buf_puts(out, "$ErrorActionPreference = 'Stop'; "
				 "$ProgressPreference = 'SilentlyContinue'; ");
		if (dir == NULL)
			rl_buf_puts(
			    out,
			    "$d = $env:USERPROFILE; "
			    "if (-not $d) { $d = [IO.Path]::GetTempPath() }; "
			    "$d = [IO.Path]::Combine($d, '.relance', "
			    "'locks'); ");
		else {
			rl_buf_puts(out, "$d = ");
			ps_quote(out, dir);
			rl_buf_puts(out, "; ");
		}
		rl_buf_printf(
		    out, "$l = [IO.Path]::Combine($d, '%s.lock'); $o = ", name);
		ps_quote(out, owner);
		rl_buf_puts(out, "; ");
		if (dead != NULL) {
			rl_buf_puts(out, "$z = ");
			ps_quote(out, dead);
			rl_buf_puts(out, "; ");
		}
		return 0;
	}
	if (dir == NULL) {
		rl_buf_puts(out,
			    "umask 077; d=\"${HOME:-/tmp}/.relance/locks\"; ");
	} else {
		rl_buf_puts(out, "umask 077; d=");
		rl_shell_sh_quote(out, dir);
		rl_buf_puts(out, "; ");
	}
	rl_buf_printf(out, "l=\"$d/%s.lock\"; o=", name);
	rl_shell_sh_quote(out, owner);
	rl_buf_puts(out, "; ");
	if (dead != NULL) {
		rl_buf_puts(out, "z=");
		rl_shell_sh_quote(out, dead);
		rl_buf_puts(out, "; ");
	}
	return 0;
}

/*
 * The start of every lock command: checks the names, then sets d, l and o
 * (and z to DEAD, reduced to safe characters, when not NULL).
 * Returns 0 or -1 with err set.
 */
static int begin(enum rl_shell shell, const char *dir, const char *component,
		 const char *owner, const char *dead, struct rl_buf *out,
		 struct rl_err *err)
{
	struct rl_buf name = RL_BUF_INIT, who = RL_BUF_INIT, gone = RL_BUF_INIT;
	int r = -1;

	if (lock_name(component, &name, err) < 0)
		goto out;
	owner_text(owner, &who);
	if (dead != NULL)
		owner_text(dead, &gone);
	r = prologue(out, shell, dir, rl_buf_str(&name), rl_buf_str(&who),
		     dead != NULL ? rl_buf_str(&gone) : NULL, err);
out:
	rl_buf_free(&name);
	rl_buf_free(&who);
	rl_buf_free(&gone);
	return r;
}

/*
 * cmd hosts run the PowerShell script SCRIPT, handed over as
 * -EncodedCommand (base64 of its UTF-16LE text): nothing in it meets
 * cmd's quoting or its %VAR% expansion. Every Windows relance supports
 * has powershell.exe. Appends the cmd line to OUT; frees SCRIPT.
 */
static int wrap_for_cmd(struct rl_buf *script, struct rl_buf *out,
			struct rl_err *err)
{
	struct rl_buf u16 = RL_BUF_INIT;
	const char *p;

	/* its names were checked: ASCII only, as cmd's code page needs */
	for (p = rl_buf_str(script); *p != '\0'; p++)
		if ((unsigned char)*p >= 0x80)
			RL_BUG("host lock script holds a non-ASCII byte");
	rl_shell_utf16le(&u16, rl_buf_str(script));
	rl_buf_puts(out, "powershell.exe -NoProfile -NonInteractive "
			 "-EncodedCommand ");
	rl_base64_encode(out, (const unsigned char *)rl_buf_str(&u16), u16.len,
			 1);
	if (u16.oom || script->oom)
		out->oom = true;
	rl_buf_free(&u16);
	rl_buf_free(script);
	return out->oom ? rl_err_set(err, "out of memory") : 0;
}

/*
 * PowerShell (5.1 and later): the lock is a file, NAME.lock, made with
 * FileMode CreateNew (CreateFile CREATE_NEW: atomic, fails if it exists;
 * New-Item -ItemType Directory is not: it looks, then creates, and its
 * create succeeds on an existing directory). The owner and expiry lines
 * are written through the handle that created it; a lock file that is
 * still empty or unreadable is being taken: held. An expired lock is
 * moved aside (MoveFile: one mover wins), checked to be the one read,
 * deleted and taken; if it was not, it is put back. With TAKEOVER, a lock
 * whose owner line is $z is taken over the same way, checked to still hold
 * both lines read.
 */
static void ps_acquire(struct rl_buf *out, int64_t ttl_s, bool takeover)
{
	rl_buf_printf(
	    out,
	    "try { $null = [IO.Directory]::CreateDirectory($d) } catch { "
	    "[Console]::Error.WriteLine('cannot create ' + $d + ': ' + "
	    "$_.Exception.Message); exit 3 }; "
	    "$now = [DateTimeOffset]::UtcNow.ToUnixTimeSeconds(); "
	    "$take = { try { $f = [IO.File]::Open($l, "
	    "[IO.FileMode]::CreateNew, [IO.FileAccess]::Write, "
	    "[IO.FileShare]::None) } catch { return $false }; "
	    "try { $b = [Text.Encoding]::ASCII.GetBytes($o + \"`n\" + "
	    "($now + %lld) + \"`n\"); $f.Write($b, 0, $b.Length) } "
	    "finally { $f.Close() }; return $true }; "
	    "if (& $take) { '" ANSWER "acquired'; exit 0 }; "
	    "$x = @(); try { $x = @([IO.File]::ReadAllLines($l)) } catch { }; "
	    "$h = ''; $e = ''; "
	    "if ($x.Count -ge 1) { $h = $x[0] }; "
	    "if ($x.Count -ge 2 -and $x[1] -cmatch '^[0-9]+$') { $e = $x[1] }; "
	    "if (%s) { "
	    "$s = $l + '.stale.' + $PID; "
	    "$m = $true; try { [IO.File]::Move($l, $s) } catch { $m = $false "
	    "}; "
	    "if ($m) { "
	    "$y = @(); try { $y = @([IO.File]::ReadAllLines($s)) } catch { }; "
	    "if ($y.Count -ge 2 -and %s$y[1] -ceq $e) { [IO.File]::Delete($s); "
	    "if (& $take) { '" ANSWER "acquired'; exit 0 } } "
	    "else { try { [IO.File]::Move($s, $l) } catch { } } } }; "
	    "if ($h -eq '') { $h = '(being taken)' }; "
	    "'" ANSWER "held ' + $h; exit 1",
	    (long long)ttl_s,
	    takeover ? "($e -ne '' -and [int64]$e -lt $now) -or $h -ceq $z"
		     : "$e -ne '' -and [int64]$e -lt $now",
	    takeover ? "$y[0] -ceq $h -and " : "");
}

static void ps_release(struct rl_buf *out)
{
	rl_buf_puts(
	    out,
	    "$x = @(); try { $x = @([IO.File]::ReadAllLines($l)) } catch { }; "
	    "if ($x.Count -ge 1 -and $x[0] -ceq $o) { [IO.File]::Delete($l); "
	    "'" ANSWER "released' } else { '" ANSWER "not ours' }");
}

/* The acquire command; with DEAD, the takeover command too. */
static int acquire_command(enum rl_shell shell, const char *dir,
			   const char *component, const char *owner,
			   const char *dead, int64_t ttl_s, struct rl_buf *out,
			   struct rl_err *err)
{
	struct rl_buf script = RL_BUF_INIT;
	bool takeover = dead != NULL;

	if (ttl_s <= 0)
		return rl_err_set(err, "host lock: ttl must be positive");
	if (shell == RL_SHELL_CMD) {
		if (begin(shell, dir, component, owner, dead, &script, err) <
		    0) {
			rl_buf_free(&script);
			return -1;
		}
		ps_acquire(&script, ttl_s, takeover);
		return wrap_for_cmd(&script, out, err);
	}
	if (begin(shell, dir, component, owner, dead, out, err) < 0)
		return -1;
	if (shell == RL_SHELL_POWERSHELL) {
		ps_acquire(out, ttl_s, takeover);
		return out->oom ? rl_err_set(err, "out of memory") : 0;
	}
	/*
	 * A directory we cannot write (made by another account) is an
	 * error, not a lock "being taken" by someone: exit 3, said.
	 * take: mkdir is the atomic step; the owner file follows. A lock
	 * without its owner file yet is being taken right now: held.
	 * An expired lock is moved aside (rename is atomic: one taker wins)
	 * and, if what was moved turns out not to be the expired lock we
	 * read (someone took over in between), it is put back. A takeover
	 * (the owner line is $z) goes the same way, and checks both lines.
	 */
	rl_buf_printf(
	    out,
	    "mkdir -p \"$d\" || exit 3; [ -w \"$d\" ] && [ -x \"$d\" ] || "
	    "{ echo \"cannot write $d\" >&2; exit 3; }; now=$(date +%%s); "
	    "take() { mkdir \"$l\" 2>/dev/null || return 1; "
	    "printf '%%s\\n%%s\\n' \"$o\" $((now + %lld)) >\"$l/owner\"; "
	    "echo '" ANSWER "acquired'; exit 0; }; "
	    "take; "
	    "h=$(sed -n 1p \"$l/owner\" 2>/dev/null); "
	    "e=$(sed -n 2p \"$l/owner\" 2>/dev/null); "
	    "case $e in ''|*[!0-9]*) e=;; esac; "
	    "if %s; then "
	    "s=\"$l.stale.$$\"; "
	    "if mv \"$l\" \"$s\" 2>/dev/null; then "
	    "if %s[ \"$(sed -n 2p \"$s/owner\" 2>/dev/null)\" = \"$e\" ]; then "
	    "rm -rf \"$s\"; take; else mv \"$s\" \"$l\" 2>/dev/null; fi; "
	    "fi; fi; "
	    "echo \"" ANSWER "held ${h:-(being taken)}\"; exit 1",
	    (long long)ttl_s,
	    takeover ? "{ [ -n \"$e\" ] && [ \"$e\" -lt \"$now\" ]; } || "
		       "[ \"$h\" = \"$z\" ]"
		     : "[ -n \"$e\" ] && [ \"$e\" -lt \"$now\" ]",
	    takeover ? "[ \"$(sed -n 1p \"$s/owner\" 2>/dev/null)\" = \"$h\" ] "
		       "&& "
		     : "");
	return out->oom ? rl_err_set(err, "out of memory") : 0;
}

int rl_hostlock_acquire_command(enum rl_shell shell, const char *dir,
				const char *component, const char *owner,
				int64_t ttl_s, struct rl_buf *out,
				struct rl_err *err)
{
	return acquire_command(shell, dir, component, owner, NULL, ttl_s, out,
			       err);
}

int rl_hostlock_takeover_command(enum rl_shell shell, const char *dir,
				 const char *component, const char *owner,
				 const char *dead, int64_t ttl_s,
				 struct rl_buf *out, struct rl_err *err)
{
	return acquire_command(shell, dir, component, owner, dead, ttl_s, out,
			       err);
}

int rl_hostlock_release_command(enum rl_shell shell, const char *dir,
				const char *component, const char *owner,
				struct rl_buf *out, struct rl_err *err)
{
	struct rl_buf script = RL_BUF_INIT;

	if (shell == RL_SHELL_CMD) {
		if (begin(shell, dir, component, owner, NULL, &script, err) <
		    0) {
			rl_buf_free(&script);
			return -1;
		}
		ps_release(&script);
		return wrap_for_cmd(&script, out, err);
	}
	if (begin(shell, dir, component, owner, NULL, out, err) < 0)
		return -1;
	if (shell == RL_SHELL_POWERSHELL) {
		ps_release(out);
		return out->oom ? rl_err_set(err, "out of memory") : 0;
	}
	rl_buf_puts(
	    out,
	    "if [ \"$(sed -n 1p \"$l/owner\" 2>/dev/null)\" = \"$o\" ]; then "
	    "rm -rf \"$l\"; echo '" ANSWER "released'; "
	    "else echo '" ANSWER "not ours'; fi");
	return out->oom ? rl_err_set(err, "out of memory") : 0;
}

/* The start time of process PID (/proc/PID/stat field 22, clock ticks
 * since boot) into *START and whether it is a zombie into *ZOMBIE.
 * Returns 0, or -1 with errno (ENOENT: no such process). */
static int proc_start(long pid, unsigned long long *start, bool *zombie)
{
	char path[64], buf[1024], *p;
	FILE *f;
	size_t n;
	int field;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	f = fopen(path, "r");
	if (f == NULL)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* the name (field 2) may hold spaces and ')': the last ')' ends it */
	p = strrchr(buf, ')');
	if (p == NULL || p[1] != ' ') {
		errno = EINVAL;
		return -1;
	}
	p += 2; /* field 3, the state */
	*zombie = *p == 'Z' || *p == 'X';
	for (field = 3; field < 22 && p != NULL; field++) {
		p = strchr(p, ' ');
		if (p != NULL)
			p++;
	}
	if (p == NULL || sscanf(p, "%llu", start) != 1) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

/* This boot's id (/proc/sys/kernel/random/boot_id) into ID, or "" when
 * it cannot be read. */
static void boot_id(char *id, size_t len)
{
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");

	id[0] = '\0';
	if (f == NULL)
		return;
	if (fgets(id, (int)len, f) == NULL)
		id[0] = '\0';
	id[strcspn(id, "\r\n")] = '\0';
	fclose(f);
}

int rl_hostlock_owner(const char *node, const char *what, struct rl_buf *out,
		      struct rl_err *err)
{
	unsigned long long start = 0;
	bool zombie = false;
	char boot[64];
	long pid = (long)getpid();

	if (proc_start(pid, &start, &zombie) < 0)
		return rl_err_set(err, "cannot read /proc/%ld/stat: %s", pid,
				  strerror(errno));
	boot_id(boot, sizeof(boot));
	if (boot[0] == '\0' ||
	    strspn(boot, "0123456789abcdef-") != strlen(boot))
		return rl_err_set(err, "cannot read this boot's id "
				       "(/proc/sys/kernel/random/boot_id)");
	safe_text(node, "._-:@", 64, out); /* one word, the line's first */
	rl_buf_printf(out, " pid %ld start %llu boot %s %s", pid, start, boot,
		      what);
	return out->oom ? rl_err_set(err, "out of memory") : 0;
}

/* An owner line rl_hostlock_owner wrote, in its parts. */
struct owner {
	char node[65];
	long pid;
	unsigned long long start;
	char boot[64];
};

/* Parses LINE as "NODE pid PID start TICKS boot ID ..." into *O.
 * Returns false for any other line (an older relance's "NODE pid PID
 * ...", which is judged by its expiry alone). */
static bool owner_parse(const char *line, struct owner *o)
{
	int n = 0;

	if (sscanf(line, "%64s pid %ld start %llu boot %63s%n", o->node,
		   &o->pid, &o->start, o->boot, &n) != 4 ||
	    n == 0 || (line[n] != ' ' && line[n] != '\0'))
		return false;
	return o->pid > 0;
}

/*
 * Whether HOLDER is a dead owner of this node: MINE (our owner line) and
 * HOLDER parse, name the same node and the same boot, and HOLDER's pid is
 * gone, a zombie, or another process now (another start time). Anything
 * this process cannot judge (another node, another boot, an old-format
 * line, /proc unreadable) is alive: expiry decides.
 */
static bool owner_dead(const char *mine, const char *holder)
{
	struct owner me, it;
	unsigned long long start;
	bool zombie = false;

	if (!owner_parse(mine, &me) || !owner_parse(holder, &it))
		return false;
	if (strcmp(me.node, it.node) != 0 || strcmp(me.boot, it.boot) != 0)
		return false;
	if (proc_start(it.pid, &start, &zombie) < 0)
		return errno == ENOENT;
	return zombie || start != it.start;
}

/* ---- in process: a host of transport local ---------------------------- */

/*
 * The very protocol of the POSIX commands above, made of system calls:
 * the same directory (as the local transport's shell would find ~: the
 * password database's home, else $HOME, else /tmp), the same mkdir, the
 * same owner file, the same moves aside. A lock taken here and one taken
 * by those commands (over SSH, on this machine) exclude each other.
 */

/* ~ as the local transport gives it to its commands (transport_local.c's
 * caller_env), then the shell's ${HOME:-/tmp}. */
static void home_dir(struct rl_buf *b)
{
	struct passwd pw, *res = NULL;
	char buf[4096];
	const char *home = NULL;

	if (getpwuid_r(getuid(), &pw, buf, sizeof(buf), &res) == 0 &&
	    res != NULL)
		home = pw.pw_dir;
	if (home == NULL || home[0] == '\0')
		home = getenv("HOME");
	rl_buf_puts(b, home != NULL && home[0] != '\0' ? home : "/tmp");
}

/* mkdir -p PATH, each new directory 0700 (the commands' umask 077). */
static int mkdir_p(char *path)
{
	char *p;

	for (p = path + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;

		*p = '\0';
		if (mkdir(path, 0700) < 0 && errno != EEXIST) {
			*p = c;
			return -1;
		}
		*p = c;
		if (c == '\0')
			return 0;
	}
}

/* rm -rf NAME in DFD: links never followed, a few levels deep at most
 * (a lock holds one file). Returns 0, or -1 with errno. */
static int remove_tree(int dfd, const char *name, int depth)
{
	struct dirent *de;
	DIR *d;
	int fd, e = 0;

	if (unlinkat(dfd, name, 0) == 0 || errno == ENOENT)
		return 0;
	if (errno != EISDIR && errno != EPERM)
		return -1;
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	d = fdopendir(fd);
	if (d == NULL) {
		close(fd);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (depth >= 8 ? unlinkat(fd, de->d_name, 0) < 0
			       : remove_tree(fd, de->d_name, depth + 1) < 0)
			e = errno;
	}
	closedir(d);
	if (unlinkat(dfd, name, AT_REMOVEDIR) < 0)
		return -1;
	errno = e;
	return e != 0 ? -1 : 0;
}

/* The first two lines of LOCK/owner in DFD, as `sed -n 1p` and `sed -n
 * 2p` give them (a missing file: two empty lines). */
static void read_owner(int dfd, const char *lock, char *l1, size_t n1, char *l2,
		       size_t n2)
{
	char path[300], buf[1024], *nl;
	ssize_t n = 0;
	int fd;

	l1[0] = l2[0] = '\0';
	snprintf(path, sizeof(path), "%s/owner", lock);
	fd = openat(dfd, path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return;
	do
		n = read(fd, buf, sizeof(buf) - 1);
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	nl = strchr(buf, '\n');
	if (nl != NULL)
		*nl = '\0';
	snprintf(l1, n1, "%s", buf);
	if (nl != NULL) {
		char *l = nl + 1;

		l[strcspn(l, "\n")] = '\0';
		snprintf(l2, n2, "%s", l);
	}
}

/* take(): mkdir LOCK, then its owner file. 1: taken; 0: the mkdir failed
 * (held, or being taken); -1: the owner file could not be written (the
 * lock is removed again; errno). */
static int take_here(int dfd, const char *lock, const char *o, long long until)
{
	char path[300], line[512];
	int fd, n, e;

	if (mkdirat(dfd, lock, 0700) < 0)
		return 0;
	snprintf(path, sizeof(path), "%s/owner", lock);
	n = snprintf(line, sizeof(line), "%s\n%lld\n", o, until);
	fd = openat(dfd, path,
		    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd >= 0 && write(fd, line, (size_t)n) == n && close(fd) == 0)
		return 1;
	e = errno;
	if (fd >= 0)
		close(fd);
	remove_tree(dfd, lock, 0);
	errno = e;
	return -1;
}

/* Opens the lock directory (DIR or ~/.relance/locks), made if missing,
 * into *DFD; its path into D. */
static int open_dir_here(const char *dir, bool make, struct rl_buf *d, int *dfd,
			 const char **why)
{
	if (dir != NULL) {
		rl_buf_puts(d, dir);
	} else {
		home_dir(d);
		rl_buf_puts(d, "/.relance/locks");
	}
	if (d->oom) {
		errno = ENOMEM;
		*why = "cannot create";
		return -1;
	}
	if (make && mkdir_p(d->data) < 0) {
		*why = "cannot create";
		return -1;
	}
	*dfd = open(rl_buf_str(d), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*dfd < 0) {
		/* as the command says it: another account's directory */
		*why = errno == EACCES ? "cannot write" : "cannot open";
		return -1;
	}
	return 0;
}

/* The acquire (DEAD NULL) or takeover, in process: the POSIX command's
 * steps one for one. */
static int acquire_here(const struct rl_component *c, const char *dir,
			const char *owner, const char *dead, int64_t ttl_s,
			struct rl_hostlock_result *res, struct rl_err *err)
{
	struct rl_buf name = RL_BUF_INIT, o = RL_BUF_INIT, z = RL_BUF_INIT,
		      d = RL_BUF_INIT;
	char lock[256], stale[300], h[1024], e[64], y1[1024], y2[64];
	const char *why = NULL;
	long long now, exp = 0;
	int dfd = -1, r = -1, t;
	bool expired;

	memset(res, 0, sizeof(*res));
	if (ttl_s <= 0) {
		rl_err_set(err, "host lock: ttl must be positive");
		goto out;
	}
	if (lock_name(c->name, &name, err) < 0 ||
	    (dir != NULL && check_dir(RL_SHELL_POSIX, dir, err) < 0))
		goto out;
	owner_text(owner, &o);
	if (dead != NULL)
		owner_text(dead, &z);
	if (name.oom || o.oom || z.oom) {
		rl_err_set(err, "out of memory");
		goto out;
	}
	snprintf(lock, sizeof(lock), "%s.lock", rl_buf_str(&name));
	if (open_dir_here(dir, true, &d, &dfd, &why) < 0) {
		rl_err_set(err, "host '%s': lock of '%s': %s %s: %s",
			   c->host_name, c->name, why, rl_buf_str(&d),
			   strerror(errno));
		goto out;
	}
	if (access(rl_buf_str(&d), W_OK | X_OK) < 0) {
		rl_err_set(err, "host '%s': lock of '%s': cannot write %s",
			   c->host_name, c->name, rl_buf_str(&d));
		goto out;
	}
	now = (long long)time(NULL);
	t = take_here(dfd, lock, rl_buf_str(&o), now + ttl_s);
	if (t != 0)
		goto taken;
	read_owner(dfd, lock, h, sizeof(h), e, sizeof(e));
	if (e[0] == '\0' || strspn(e, "0123456789") != strlen(e))
		e[0] = '\0';
	else
		exp = strtoll(e, NULL, 10); /* beyond: LLONG_MAX, not expired */
	expired = e[0] != '\0' && exp < now;
	if (expired || (dead != NULL && strcmp(h, rl_buf_str(&z)) == 0)) {
		/* moved aside: one mover wins; put back if it was not the
		 * lock read */
		snprintf(stale, sizeof(stale), "%s.stale.%ld", lock,
			 (long)getpid());
		if (renameat(dfd, lock, dfd, stale) == 0) {
			read_owner(dfd, stale, y1, sizeof(y1), y2, sizeof(y2));
			if ((dead == NULL || strcmp(y1, h) == 0) &&
			    strcmp(y2, e) == 0) {
				remove_tree(dfd, stale, 0);
				t = take_here(dfd, lock, rl_buf_str(&o),
					      now + ttl_s);
				if (t != 0)
					goto taken;
			} else {
				renameat(dfd, stale, dfd, lock);
			}
		}
	}
	h[strcspn(h, "\r")] = '\0'; /* the answer line ends there */
	snprintf(res->holder, sizeof(res->holder), "%.*s",
		 (int)sizeof(res->holder) - 1,
		 h[0] != '\0' ? h : "(being taken)");
	r = 0;
	goto out;
taken:
	if (t < 0) {
		rl_err_set(
		    err,
		    "host '%s': lock of '%s': cannot write %s/%s/owner: %s",
		    c->host_name, c->name, rl_buf_str(&d), lock,
		    strerror(errno));
		goto out;
	}
	res->acquired = true;
	r = 0;
out:
	if (dfd >= 0)
		close(dfd);
	rl_buf_free(&name);
	rl_buf_free(&o);
	rl_buf_free(&z);
	rl_buf_free(&d);
	return r;
}

/* The release, in process: removed if, and only if, line 1 is ours. */
static int release_here(const struct rl_component *c, const char *dir,
			const char *owner, struct rl_err *err)
{
	struct rl_buf name = RL_BUF_INIT, o = RL_BUF_INIT, d = RL_BUF_INIT;
	char lock[256], h[1024], e[64];
	const char *why = NULL;
	int dfd = -1, r = -1;

	if (lock_name(c->name, &name, err) < 0 ||
	    (dir != NULL && check_dir(RL_SHELL_POSIX, dir, err) < 0))
		goto out;
	owner_text(owner, &o);
	if (name.oom || o.oom) {
		rl_err_set(err, "out of memory");
		goto out;
	}
	snprintf(lock, sizeof(lock), "%s.lock", rl_buf_str(&name));
	if (open_dir_here(dir, false, &d, &dfd, &why) < 0) {
		r = errno == ENOENT ? 0 : -1; /* no directory: not ours */
		if (r < 0)
			rl_err_set(err, "host '%s': lock of '%s': %s %s: %s",
				   c->host_name, c->name, why, rl_buf_str(&d),
				   strerror(errno));
		goto out;
	}
	read_owner(dfd, lock, h, sizeof(h), e, sizeof(e));
	if (strcmp(h, rl_buf_str(&o)) == 0 && remove_tree(dfd, lock, 0) < 0) {
		rl_err_set(err,
			   "host '%s': lock of '%s': cannot remove %s/%s: %s",
			   c->host_name, c->name, rl_buf_str(&d), lock,
			   strerror(errno));
		goto out;
	}
	r = 0;
out:
	if (dfd >= 0)
		close(dfd);
	rl_buf_free(&name);
	rl_buf_free(&o);
	rl_buf_free(&d);
	return r;
}

/* The host's `user` is whom this process already is (the commands would
 * run as it: a switch to another account keeps the lock command, which
 * makes the directory and files as that account). */
static bool same_user(const char *user)
{
	struct passwd pw, *res = NULL;
	char buf[4096];

	if (user == NULL)
		return true;
	return getpwnam_r(user, &pw, buf, sizeof(buf), &res) == 0 &&
	       res != NULL && pw.pw_uid == geteuid() && pw.pw_uid == getuid();
}

/* A lock of C is taken in this process: its host is this machine, with
 * the POSIX shell the commands would run in, as this very account. */
static bool here(const struct rl_component *c)
{
	return c->host != NULL && c->host->transport == RL_TRANSPORT_LOCAL &&
	       c->host->shell == RL_SHELL_POSIX && same_user(c->host->user);
}

/* Runs one lock command on c's host; *cmd holds the result. */
static int run_one(struct rl_transport *t, const struct rl_component *c,
		   const char *command, int64_t deadline_ms, struct rl_cmd *cmd,
		   struct rl_err *err)
{
	char desc[300];

	memset(cmd, 0, sizeof(*cmd));
	cmd->host = c->host;
	cmd->command = command;
	cmd->component = c->name;
	if (rl_transport_run(t, cmd, 1, deadline_ms, err) < 0)
		return -1;
	if (cmd->status != RL_CMD_EXITED || cmd->out == NULL ||
	    strncmp(cmd->out, ANSWER, strlen(ANSWER)) != 0) {
		rl_cmd_describe(cmd, desc, sizeof(desc));
		rl_err_set(err, "host '%s': lock of '%s': %s%s%.100s",
			   c->host_name, c->name, desc,
			   cmd->err != NULL && cmd->err[0] ? ": " : "",
			   cmd->err != NULL ? cmd->err : "");
		rl_cmd_clear(cmd);
		return -1;
	}
	return 0;
}

/* One acquire (DEAD NULL) or takeover of DEAD: *res filled. */
static int acquire_once(struct rl_transport *t, const struct rl_component *c,
			const char *dir, const char *owner, const char *dead,
			int64_t ttl_s, int64_t deadline_ms, bool by_command,
			struct rl_hostlock_result *res, struct rl_err *err)
{
	struct rl_buf command = RL_BUF_INIT;
	struct rl_cmd cmd;
	const char *answer;
	size_t n;
	int r = -1;

	if (here(c) && !by_command)
		return acquire_here(c, dir, owner, dead, ttl_s, res, err);
	if (acquire_command(c->host->shell, dir, c->name, owner, dead, ttl_s,
			    &command, err) < 0)
		goto out;
	if (run_one(t, c, rl_buf_str(&command), deadline_ms, &cmd, err) < 0)
		goto out;
	answer = cmd.out + strlen(ANSWER);
	memset(res, 0, sizeof(*res));
	if (strncmp(answer, "acquired", 8) == 0) {
		res->acquired = true;
	} else if (strncmp(answer, "held ", 5) == 0) {
		n = strcspn(answer + 5, "\r\n"); /* Windows: CRLF */
		snprintf(res->holder, sizeof(res->holder), "%.*s", (int)n,
			 answer + 5);
	} else {
		rl_err_set(err, "host '%s': lock of '%s': unexpected answer",
			   c->host_name, c->name);
		rl_cmd_clear(&cmd);
		goto out;
	}
	rl_cmd_clear(&cmd);
	r = 0;
out:
	rl_buf_free(&command);
	return r;
}

static int acquire(struct rl_transport *t, const struct rl_component *c,
		   const char *dir, const char *owner, int64_t ttl_s,
		   int64_t deadline_ms, bool by_command,
		   struct rl_hostlock_result *res, struct rl_err *err)
{
	char dead[sizeof(res->holder)];

	if (acquire_once(t, c, dir, owner, NULL, ttl_s, deadline_ms, by_command,
			 res, err) < 0)
		return -1;
	/* held by a process of this node that is gone: the node judges it
	 * (the pid lives here, not on the target), the target replaces the
	 * lock only if it still holds that very owner line */
	if (res->acquired || !owner_dead(owner, res->holder))
		return 0;
	snprintf(dead, sizeof(dead), "%s", res->holder);
	if (acquire_once(t, c, dir, owner, dead, ttl_s, deadline_ms, by_command,
			 res, err) < 0)
		return -1;
	if (res->acquired) {
		res->taken_over = true;
		snprintf(res->previous, sizeof(res->previous), "%s", dead);
	}
	return 0;
}

int rl_hostlock_acquire(struct rl_transport *t, const struct rl_component *c,
			const char *dir, const char *owner, int64_t ttl_s,
			int64_t deadline_ms, struct rl_hostlock_result *res,
			struct rl_err *err)
{
	return acquire(t, c, dir, owner, ttl_s, deadline_ms, false, res, err);
}

int rl_hostlock_acquire_by_command(struct rl_transport *t,
				   const struct rl_component *c,
				   const char *dir, const char *owner,
				   int64_t ttl_s, int64_t deadline_ms,
				   struct rl_hostlock_result *res,
				   struct rl_err *err)
{
	return acquire(t, c, dir, owner, ttl_s, deadline_ms, true, res, err);
}

static int release(struct rl_transport *t, const struct rl_component *c,
		   const char *dir, const char *owner, int64_t deadline_ms,
		   bool by_command, struct rl_err *err)
{
	struct rl_buf command = RL_BUF_INIT;
	struct rl_cmd cmd;
	int r = -1;

	if (here(c) && !by_command)
		return release_here(c, dir, owner, err);
	if (rl_hostlock_release_command(c->host->shell, dir, c->name, owner,
					&command, err) < 0)
		goto out;
	if (run_one(t, c, rl_buf_str(&command), deadline_ms, &cmd, err) < 0)
		goto out;
	rl_cmd_clear(&cmd);
	r = 0;
out:
	rl_buf_free(&command);
	return r;
}

int rl_hostlock_release(struct rl_transport *t, const struct rl_component *c,
			const char *dir, const char *owner, int64_t deadline_ms,
			struct rl_err *err)
{
	return release(t, c, dir, owner, deadline_ms, false, err);
}

int rl_hostlock_release_by_command(struct rl_transport *t,
				   const struct rl_component *c,
				   const char *dir, const char *owner,
				   int64_t deadline_ms, struct rl_err *err)
{
	return release(t, c, dir, owner, deadline_ms, true, err);
}
