/*
 * transport_local - the `local` backend: commands run on this machine.
 *
 * Each command is a child in its own process group, with a minimal
 * environment, /dev/null on stdin, its stdout and stderr on pipes and
 * every other fd closed. Plain words are exec'd directly (rl_command_split);
 * anything else goes to /bin/sh -c. A timeout or an interruption kills the
 * whole group. If this process dies without killing it (SIGKILL), the
 * kernel kills the command itself (PR_SET_PDEATHSIG); what the command
 * started in turn is its own to end.
 *
 * A host with `user = NAME` has its commands run as NAME: as they are
 * when we are NAME, by a child that switches to NAME when we are root
 * (the groups, gid and uid looked up before fork, so that the child makes
 * system calls only), and not at all otherwise (rl_transport_check_user).
 */
#include "build.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "transport.h"
#include "transport_impl.h"
#include "util.h"

#define LOCAL_PATH                                                             \
	"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
/* after SIGTERM on a timeout, SIGKILL the group this much later */
#define TERM_GRACE_MS 200
/* after the child exited, wait this long at most for trailing output:
 * a daemon it started may hold the pipes for ever */
#define LINGER_MS 20
/* without pidfd_open: how often to ask waitpid */
#define WAITPID_PERIOD_MS 10
/* at the batch deadline: how long to wait for killed children to be
 * reaped before leaving them for later */
#define EXPIRE_REAP_MS 20
/* reads per fd and step, so that a chatty command cannot hold the loop */
#define READS_PER_STEP 16

enum lstate { L_IDLE = 0, L_RUNNING, L_LINGER, L_DONE };

/* fds of one command, by slot */
enum { FD_EXEC = 0, FD_OUT = 1, FD_ERR = 2, FD_PID = 3, NFD };

struct lcmd {
	struct rl_cmd *c;
	enum lstate state;
	pid_t pid;	     /* > 0 until reaped */
	int fd[NFD];	     /* -1 when closed */
	int idx[NFD];	     /* index in this turn's pollset, or -1 */
	char *prog;	     /* what was exec'd, for messages */
	const char *as_user; /* whom the child switched to, or NULL */
	int64_t start_us;
	int64_t end_us;
	int64_t deadline_ms; /* own timeout, or the batch's */
	int64_t kill_ms;     /* after a SIGTERM: SIGKILL the group then */
	int64_t linger_ms;   /* after exit: stop waiting for output then */
	int wstatus;
	int exec_errno;
	bool timed_out;
	bool killed;
};

struct local_backend {
	struct rl_backend base; /* first: the ops see this */
	char *env_home;		/* "HOME=...", or NULL */
	char *env_user;		/* "USER=..." */
	char *env_logname;	/* "LOGNAME=..." */
	struct lcmd *cmds;
	size_t n;
	int64_t batch_deadline_ms;
	pid_t *zombies; /* killed at a deadline, not reaped yet */
	size_t n_zombies;
	size_t cap_zombies;
};

static void close_fd(int *fd)
{
	if (*fd >= 0) {
		close(*fd);
		*fd = -1;
	}
}

/* Moves a child-side fd above 2, so that dup2 onto 0..2 never clobbers
 * another source. Returns 0 or -1 (errno set). */
static int fd_above_stdio(int *fd)
{
	int nfd;

	if (*fd > 2)
		return 0;
	nfd = fcntl(*fd, F_DUPFD_CLOEXEC, 3);
	if (nfd < 0)
		return -1;
	close(*fd);
	*fd = nfd;
	return 0;
}

static int set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -1;
	return 0;
}

static int open_pidfd(pid_t pid)
{
#ifdef SYS_pidfd_open
	long fd = syscall(SYS_pidfd_open, pid, 0);

	return fd >= 0 ? (int)fd : -1;
#else
	(void)pid;
	return -1;
#endif
}

/*
 * glibc refuses to touch the signals it reserves for itself (32, 33), but
 * a parent may have left them ignored, and an ignored signal survives
 * exec: set them to the default with the system call itself.
 */
static void reset_reserved_signal(int sig)
{
#ifdef SYS_rt_sigaction
	struct {
		void (*handler)(int);
		unsigned long flags;
		void (*restorer)(void);
		unsigned long mask[2]; /* >= the kernel's sigset, 64 bits */
	} ksa;

	memset(&ksa, 0, sizeof(ksa));
	ksa.handler = SIG_DFL;
	syscall(SYS_rt_sigaction, sig, &ksa, NULL, (size_t)8);
#else
	(void)sig;
#endif
}

/* Whom a child becomes before exec (a local host's or component's `user`, we
 * being root), all looked up before fork. */
struct switch_to {
	bool on;
	uid_t uid;
	gid_t gid;
	gid_t *groups; /* getgrouplist's, with gid */
	int n_groups;
	char *home;
	const char *name; /* the account (borrowed from the config) */
};

/*
 * In the child, between fork and exec: only async-signal-safe calls.
 * Every source fd is above 2 (fd_above_stdio).
 */
__attribute__((noreturn)) static void
child_exec(pid_t parent, int devnull, int out, int err, int exec_fd,
	   const char *path, char *const argv[], char *const envp[],
	   bool search, const struct switch_to *sw)
{
	struct sigaction sa;
	sigset_t none;
	int e;

	/* the parent blocked every signal around fork: restore defaults
	 * first, then unblock, so no inherited handler can run here */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	for (int sig = 1; sig < NSIG; sig++)
		if (sigaction(sig, &sa, NULL) < 0 && errno == EINVAL)
			reset_reserved_signal(sig);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);

	/* its own process group, so that a timeout kills all it started */
	setpgid(0, 0);
	/* the host's user: groups, then gid, then uid, each checked; before
	 * PR_SET_PDEATHSIG, which a change of credentials clears */
	if (sw->on) {
		if (setgroups((size_t)sw->n_groups, sw->groups) < 0 ||
		    setgid(sw->gid) < 0 || setuid(sw->uid) < 0)
			goto fail;
		if (getuid() != sw->uid || geteuid() != sw->uid ||
		    getgid() != sw->gid || getegid() != sw->gid) {
			errno = EPERM;
			goto fail;
		}
		if (sw->home == NULL || chdir(sw->home) < 0)
			if (chdir("/") < 0)
				goto fail;
	}
	/* killed with us, even by SIGKILL; if we died before prctl took
	 * effect, our parent is someone else already: end now */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(127);

	if (dup2(devnull, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
		goto fail;
	if (exec_fd != 3) {
		if (dup3(exec_fd, 3, O_CLOEXEC) < 0)
			goto fail;
		exec_fd = 3;
	}
	rl_close_from(4);

	if (search) {
		/* execvp searches the PATH of environ: make it ours */
		environ = (char **)envp;
		execvp(path, argv);
	} else {
		execve(path, argv, envp);
	}
fail:
	e = errno;
	if (write(exec_fd, &e, sizeof(e)) < 0)
		e = 0; /* nobody to tell */
	_exit(127);
}

static char *env_pair(const char *name, const char *value)
{
	size_t nl = strlen(name), vl = strlen(value);
	char *s = malloc(nl + vl + 2);

	if (s == NULL)
		return NULL;
	memcpy(s, name, nl);
	s[nl] = '=';
	memcpy(s + nl + 1, value, vl + 1);
	return s;
}

static void switch_free(struct switch_to *sw)
{
	free(sw->groups);
	free(sw->home);
	memset(sw, 0, sizeof(*sw));
}

/* The account NAME into *SW (not switched on): uid, gid, home, and its
 * groups when GROUPS. Returns 0, or -1 with errno (ENOENT: no such
 * account, ENOMEM). */
static int lookup_user(const char *name, struct switch_to *sw, bool groups)
{
	struct passwd pw, *res = NULL;
	long size = sysconf(_SC_GETPW_R_SIZE_MAX);
	char *buf;
	int r, n = 16, e = 0;

	memset(sw, 0, sizeof(*sw));
	if (size < 1024 || size > 1 << 20)
		size = 16384;
	buf = malloc((size_t)size);
	if (buf == NULL)
		return -1;
	r = getpwnam_r(name, &pw, buf, (size_t)size, &res);
	if (r != 0 || res == NULL) {
		e = r != 0 ? r : ENOENT;
		goto out;
	}
	sw->uid = pw.pw_uid;
	sw->gid = pw.pw_gid;
	if (pw.pw_dir != NULL && pw.pw_dir[0] == '/' &&
	    (sw->home = strdup(pw.pw_dir)) == NULL) {
		e = ENOMEM;
		goto out;
	}
	while (groups) {
		if (rl_resize(&sw->groups, (size_t)n, sizeof(*sw->groups)) <
		    0) {
			e = ENOMEM;
			goto out;
		}
		sw->n_groups = n;
		if (getgrouplist(name, sw->gid, sw->groups, &sw->n_groups) >= 0)
			break;
		if (sw->n_groups <= n || sw->n_groups > 65536) {
			e = EINVAL;
			goto out;
		}
		n = sw->n_groups;
	}
out:
	free(buf);
	if (e != 0) {
		switch_free(sw);
		errno = e;
		return -1;
	}
	return 0;
}

static bool sw_is_root(const char *user)
{
	return strcmp(user, "root") == 0;
}

/* Whom a command on H runs as (USER, else H's `user`), into *SW; SW->on
 * when we are root and must switch. Returns 0, or -1 with MSG (without
 * the host's name) saying why it cannot run. */
static int run_as(const struct rl_host *h, const char *user,
		  struct switch_to *sw, char *msg, size_t len)
{
	struct passwd pw, *res = NULL;
	char buf[1024], me[64];
	uid_t euid = geteuid();

	memset(sw, 0, sizeof(*sw));
	if (h == NULL || h->transport != RL_TRANSPORT_LOCAL)
		return 0;
	if (user == NULL)
		user = h->user;
	if (user == NULL)
		return 0;
	if (lookup_user(user, sw, euid == 0) < 0) {
		if (errno == ENOENT)
			snprintf(msg, len, "no user '%.64s' on this machine",
				 user);
		else
			snprintf(msg, len, "cannot look up user '%.64s': %s",
				 user, strerror(errno));
		return -1;
	}
	if (euid == sw->uid) {
		switch_free(sw);
		return 0;
	}
	if (euid == 0) {
		sw->on = true;
		sw->name = user;
		return 0;
	}
	switch_free(sw);
	if (getpwuid_r(euid, &pw, buf, sizeof(buf), &res) == 0 && res != NULL)
		snprintf(me, sizeof(me), "'%.60s'", pw.pw_name);
	else
		snprintf(me, sizeof(me), "uid %ld", (long)euid);
	snprintf(msg, len,
		 "commands run as '%.64s', relance runs as %s and cannot "
		 "switch (run as root%s%.64s, or use transport = ssh)",
		 user, me, sw_is_root(user) ? "" : " or ",
		 sw_is_root(user) ? "" : user);
	return -1;
}

int rl_transport_check_user(const struct rl_host *h, const char *user,
			    struct rl_err *err)
{
	struct switch_to sw;
	char msg[RL_ERR_MAX];

	if (run_as(h, user, &sw, msg, sizeof(msg)) < 0)
		return rl_err_set(err, "host '%s': %s", h->name, msg);
	switch_free(&sw);
	return 0;
}

int rl_transport_check_users(const struct rl_component *const *c, size_t n,
			     struct rl_err *err)
{
	for (size_t i = 0; i < n; i++)
		if (rl_transport_check_user(c[i]->host, c[i]->user, err) < 0)
			return -1;
	return 0;
}

/* Starts one command. On failure the command is FAILED and L_DONE. */
static void spawn(struct local_backend *b, struct lcmd *lc)
{
	struct rl_cmd *c = lc->c;
	char **argv = NULL;
	char *sh_argv[4];
	char *const *run_argv;
	const char *path;
	char *envp[8];
	char *env_comp = NULL, *env_as[3] = {NULL, NULL, NULL};
	char why[RL_ERR_MAX];
	struct switch_to sw;
	size_t ne = 0;
	int out[2] = {-1, -1}, err[2] = {-1, -1}, ex[2] = {-1, -1};
	int devnull = -1;
	sigset_t all, old;
	bool search;
	pid_t pid, parent;
	int r, e;

	lc->state = L_DONE;
	if (run_as(c->host, c->user, &sw, why, sizeof(why)) < 0) {
		rl_cmd_fail(c, RL_STAGE_EXEC, "%s", why);
		return;
	}
	r = rl_command_split(c->command, &argv);
	if (r < 0) {
		rl_cmd_fail(c, RL_STAGE_EXEC, "out of memory");
		goto out;
	}
	if (r == 1) {
		run_argv = argv;
		path = argv[0];
		search = true;
	} else {
		sh_argv[0] = (char *)"sh";
		sh_argv[1] = (char *)"-c";
		sh_argv[2] = (char *)c->command;
		sh_argv[3] = NULL;
		run_argv = sh_argv;
		path = "/bin/sh";
		search = false;
	}
	lc->prog = strdup(path);
	if (lc->prog == NULL) {
		rl_cmd_fail(c, RL_STAGE_EXEC, "out of memory");
		goto out;
	}

	envp[ne++] = (char *)LOCAL_PATH;
	envp[ne++] = (char *)"LANG=C";
	if (sw.on) {
		/* whom it runs as: that account's HOME, USER, LOGNAME */
		env_as[0] = env_pair("HOME", sw.home != NULL ? sw.home : "/");
		env_as[1] = env_pair("USER", sw.name);
		env_as[2] = env_pair("LOGNAME", sw.name);
		if (!env_as[0] || !env_as[1] || !env_as[2]) {
			rl_cmd_fail(c, RL_STAGE_EXEC, "out of memory");
			goto out;
		}
		for (int i = 0; i < 3; i++)
			envp[ne++] = env_as[i];
		lc->as_user = sw.name;
	} else {
		if (b->env_home != NULL)
			envp[ne++] = b->env_home;
		if (b->env_user != NULL) {
			envp[ne++] = b->env_user;
			envp[ne++] = b->env_logname;
		}
	}
	if (c->component != NULL) {
		size_t len = strlen(c->component);

		env_comp = malloc(sizeof("RELANCE_COMPONENT=") + len);
		if (env_comp == NULL) {
			rl_cmd_fail(c, RL_STAGE_EXEC, "out of memory");
			goto out;
		}
		memcpy(env_comp, "RELANCE_COMPONENT=", 18);
		memcpy(env_comp + 18, c->component, len + 1);
		envp[ne++] = env_comp;
	}
	envp[ne] = NULL;

	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (devnull < 0 || pipe2(out, O_CLOEXEC) < 0 ||
	    pipe2(err, O_CLOEXEC) < 0 || pipe2(ex, O_CLOEXEC) < 0 ||
	    fd_above_stdio(&devnull) < 0 || fd_above_stdio(&out[1]) < 0 ||
	    fd_above_stdio(&err[1]) < 0 || fd_above_stdio(&ex[1]) < 0 ||
	    set_nonblock(out[0]) < 0 || set_nonblock(err[0]) < 0 ||
	    set_nonblock(ex[0]) < 0) {
		rl_cmd_fail(c, RL_STAGE_EXEC, "cannot start '%.200s': %s",
			    c->command, strerror(errno));
		goto out;
	}

	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	lc->start_us = rl_now_us();
	parent = getpid();
	pid = fork();
	if (pid == 0)
		child_exec(parent, devnull, out[1], err[1], ex[1], path,
			   run_argv, envp, search, &sw);
	e = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (pid < 0) {
		rl_cmd_fail(c, RL_STAGE_EXEC, "cannot start '%.200s': %s",
			    c->command, strerror(e));
		goto out;
	}
	/* also here, so that a kill of the group right away finds it */
	setpgid(pid, pid);

	lc->pid = pid;
	lc->fd[FD_OUT] = out[0];
	lc->fd[FD_ERR] = err[0];
	lc->fd[FD_EXEC] = ex[0];
	lc->fd[FD_PID] = open_pidfd(pid);
	out[0] = err[0] = ex[0] = -1;
	lc->state = L_RUNNING;
out:
	close_fd(&devnull);
	close_fd(&out[0]);
	close_fd(&out[1]);
	close_fd(&err[0]);
	close_fd(&err[1]);
	close_fd(&ex[0]);
	close_fd(&ex[1]);
	free(env_comp);
	for (int i = 0; i < 3; i++)
		free(env_as[i]);
	switch_free(&sw);
	rl_argv_free(argv);
}

/* Did this turn's poll say something about slot s (or was it not asked)? */
static bool fd_ready(const struct lcmd *lc, int s, const struct rl_pollset *ps)
{
	int i = lc->idx[s];

	if (i < 0 || (size_t)i >= ps->n || ps->fds[i].fd != lc->fd[s])
		return true; /* not polled this turn: just try */
	return ps->fds[i].revents != 0;
}

/* Reads what is there now from out or err; closes it at EOF. */
static void read_stream(struct lcmd *lc, int s)
{
	char buf[16384];

	for (int i = 0; i < READS_PER_STEP && lc->fd[s] >= 0; i++) {
		ssize_t n = read(lc->fd[s], buf, sizeof(buf));

		if (n > 0) {
			rl_cmd_take_output(lc->c, s, buf, (size_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		close_fd(&lc->fd[s]); /* EOF, or an error: no more */
	}
}

/* The exec-error pipe: EOF means exec worked, an int is exec's errno. */
static void read_exec(struct lcmd *lc)
{
	int e;
	ssize_t n;

	if (lc->fd[FD_EXEC] < 0)
		return;
	do
		n = read(lc->fd[FD_EXEC], &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return;
	if (n == (ssize_t)sizeof(e))
		lc->exec_errno = e != 0 ? e : EINVAL;
	close_fd(&lc->fd[FD_EXEC]);
}

static void service_fds(struct lcmd *lc, const struct rl_pollset *ps,
			bool force)
{
	if (lc->fd[FD_EXEC] >= 0 && (force || fd_ready(lc, FD_EXEC, ps)))
		read_exec(lc);
	for (int s = FD_OUT; s <= FD_ERR; s++)
		if (lc->fd[s] >= 0 && (force || fd_ready(lc, s, ps)))
			read_stream(lc, s);
}

/* Reports the result and releases the command's fds. */
static void finish(struct lcmd *lc)
{
	struct rl_cmd *c = lc->c;
	int64_t dur = lc->end_us - lc->start_us;

	for (int s = 0; s < NFD; s++)
		close_fd(&lc->fd[s]);
	if (lc->exec_errno != 0 && lc->as_user != NULL) {
		rl_cmd_fail(c, RL_STAGE_EXEC,
			    "cannot run '%.200s' as '%.64s': %s", lc->prog,
			    lc->as_user, strerror(lc->exec_errno));
	} else if (lc->exec_errno != 0) {
		rl_cmd_fail(c, RL_STAGE_EXEC, "cannot run '%.200s': %s",
			    lc->prog, strerror(lc->exec_errno));
	} else if (lc->timed_out) {
		rl_cmd_timeout(c, RL_STAGE_COMMAND, dur);
	} else if (WIFSIGNALED(lc->wstatus)) {
		c->status = RL_CMD_SIGNALED;
		c->stage = RL_STAGE_COMMAND;
		c->signal = WTERMSIG(lc->wstatus);
	} else {
		c->status = RL_CMD_EXITED;
		c->stage = RL_STAGE_COMMAND;
		c->exit_code = WEXITSTATUS(lc->wstatus);
	}
	c->duration_us = dur;
	free(lc->prog);
	lc->prog = NULL;
	lc->state = L_DONE;
}

/*
 * If the child has exited, reaps it and moves to L_LINGER (or L_DONE
 * when its pipes are already closed). Never waits for EOF: a daemon it
 * started may hold the pipes.
 */
static void check_exit(struct lcmd *lc, const struct rl_pollset *ps,
		       int64_t now_ms)
{
	siginfo_t si;
	int r;

	if (lc->fd[FD_PID] >= 0 && !fd_ready(lc, FD_PID, ps))
		return;
	memset(&si, 0, sizeof(si));
	/* look without reaping: the zombie keeps the group id ours */
	r = waitid(P_PID, (id_t)lc->pid, &si, WEXITED | WNOHANG | WNOWAIT);
	if (r == 0 && si.si_pid == 0)
		return; /* still running */
	if (r == 0) {
		if (lc->timed_out)
			kill(-lc->pid, SIGKILL); /* what is left of it */
		while (waitpid(lc->pid, &lc->wstatus, 0) < 0 && errno == EINTR)
			;
	} else if (errno == EINTR) {
		return;
	} else {
		/* ECHILD: someone else reaped it (SIGCHLD ignored?) */
		lc->wstatus = 0;
		if (!lc->timed_out && lc->exec_errno == 0)
			lc->exec_errno = ECHILD;
	}
	if (!lc->timed_out)
		lc->end_us = rl_now_us();
	lc->pid = 0;
	close_fd(&lc->fd[FD_PID]);
	read_exec(lc);
	service_fds(lc, ps, true);
	if (lc->fd[FD_OUT] < 0 && lc->fd[FD_ERR] < 0) {
		finish(lc);
		return;
	}
	lc->state = L_LINGER;
	lc->linger_ms = now_ms + LINGER_MS;
}

static void reap_zombies(struct local_backend *b)
{
	size_t i = 0;

	while (i < b->n_zombies) {
		pid_t r = waitpid(b->zombies[i], NULL, WNOHANG);

		if (r == 0 || (r < 0 && errno == EINTR)) {
			i++;
			continue;
		}
		b->zombies[i] = b->zombies[--b->n_zombies];
	}
}

static void add_zombie(struct local_backend *b, pid_t pid)
{
	if (rl_grow(&b->zombies, &b->cap_zombies, b->n_zombies + 1,
		    sizeof(*b->zombies)) < 0) {
		/* it was sent SIGKILL: this wait is short */
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		return;
	}
	b->zombies[b->n_zombies++] = pid;
}

static size_t local_step(struct rl_backend *base, const struct rl_pollset *ps,
			 int64_t now_ms)
{
	struct local_backend *b = (struct local_backend *)base;
	size_t unfinished = 0;

	if (b->n_zombies > 0)
		reap_zombies(b);
	for (size_t i = 0; i < b->n; i++) {
		struct lcmd *lc = &b->cmds[i];

		if (lc->state == L_DONE)
			continue;
		service_fds(lc, ps, false);
		if (lc->state == L_RUNNING) {
			check_exit(lc, ps, now_ms);
		} else if (lc->state == L_LINGER) {
			if ((lc->fd[FD_OUT] < 0 && lc->fd[FD_ERR] < 0) ||
			    now_ms >= lc->linger_ms)
				finish(lc);
		}
		if (lc->state == L_RUNNING) {
			/* its own timeout; the batch deadline is expire's */
			if (!lc->timed_out && now_ms >= lc->deadline_ms &&
			    lc->deadline_ms < b->batch_deadline_ms) {
				lc->timed_out = true;
				lc->end_us = rl_now_us();
				kill(-lc->pid, SIGTERM);
				lc->kill_ms = now_ms + TERM_GRACE_MS;
				if (lc->kill_ms > b->batch_deadline_ms)
					lc->kill_ms = b->batch_deadline_ms;
			}
			if (lc->timed_out && !lc->killed &&
			    now_ms >= lc->kill_ms) {
				kill(-lc->pid, SIGKILL);
				lc->killed = true;
			}
		}
		if (lc->state != L_DONE)
			unfinished++;
	}
	return unfinished;
}

static void lower(int64_t *wake, int64_t t)
{
	if (t < *wake)
		*wake = t;
}

static int local_pollfds(struct rl_backend *base, struct rl_pollset *ps,
			 int64_t *wake_ms)
{
	struct local_backend *b = (struct local_backend *)base;
	int64_t now = rl_now_ms();

	for (size_t i = 0; i < b->n; i++) {
		struct lcmd *lc = &b->cmds[i];

		for (int s = 0; s < NFD; s++) {
			lc->idx[s] = -1;
			if (lc->state == L_DONE || lc->fd[s] < 0)
				continue;
			lc->idx[s] = rl_pollset_add(ps, lc->fd[s], POLLIN);
			if (lc->idx[s] < 0)
				return -1;
		}
		if (lc->state == L_RUNNING) {
			if (lc->fd[FD_PID] < 0)
				lower(wake_ms, now + WAITPID_PERIOD_MS);
			if (!lc->timed_out &&
			    lc->deadline_ms < b->batch_deadline_ms)
				lower(wake_ms, lc->deadline_ms);
			if (lc->timed_out && !lc->killed)
				lower(wake_ms, lc->kill_ms);
		} else if (lc->state == L_LINGER) {
			lower(wake_ms, lc->linger_ms);
		}
	}
	return 0;
}

/* Waits a little for children killed at the deadline, then leaves the
 * rest to later steps (or to free). Bounded by EXPIRE_REAP_MS. */
static void reap_briefly(struct local_backend *b, int64_t ms)
{
	int64_t until = rl_now_ms() + ms;
	struct timespec ts = {0, 1000 * 1000};

	for (;;) {
		reap_zombies(b);
		if (b->n_zombies == 0 || rl_now_ms() >= until)
			return;
		nanosleep(&ts, NULL);
	}
}

static void local_expire(struct rl_backend *base, int64_t now_ms)
{
	struct local_backend *b = (struct local_backend *)base;
	struct rl_pollset none = {NULL, 0, 0};

	for (size_t i = 0; i < b->n; i++) {
		struct lcmd *lc = &b->cmds[i];

		if (lc->state == L_RUNNING) {
			/* it may have ended just now: then it has a result */
			service_fds(lc, &none, true);
			check_exit(lc, &none, now_ms);
		}
		if (lc->state == L_RUNNING) {
			if (!lc->timed_out) {
				lc->timed_out = true;
				lc->end_us = rl_now_us();
			}
			kill(-lc->pid, SIGKILL);
			service_fds(lc, &none, true);
			add_zombie(b, lc->pid);
			lc->pid = 0;
			finish(lc);
		} else if (lc->state == L_LINGER) {
			finish(lc);
		}
	}
	if (b->n_zombies > 0)
		reap_briefly(b, EXPIRE_REAP_MS);
}

static void free_cmds(struct local_backend *b)
{
	if (b->cmds == NULL)
		return;
	/* a batch always ends by expire or with every command done */
	local_expire(&b->base, rl_now_ms());
	free(b->cmds);
	b->cmds = NULL;
	b->n = 0;
}

static int local_start(struct rl_backend *base, struct rl_cmd **cmds, size_t n,
		       int64_t deadline_ms, struct rl_err *err)
{
	struct local_backend *b = (struct local_backend *)base;

	free_cmds(b);
	if (b->n_zombies > 0)
		reap_zombies(b);
	b->cmds = calloc(n ? n : 1, sizeof(*b->cmds));
	if (b->cmds == NULL)
		return rl_err_set(err, "out of memory");
	b->n = n;
	b->batch_deadline_ms = deadline_ms;
	for (size_t i = 0; i < n; i++) {
		struct lcmd *lc = &b->cmds[i];
		int64_t now = rl_now_ms();

		lc->c = cmds[i];
		for (int s = 0; s < NFD; s++) {
			lc->fd[s] = -1;
			lc->idx[s] = -1;
		}
		lc->deadline_ms = deadline_ms;
		if (cmds[i]->timeout_ms > 0 &&
		    cmds[i]->timeout_ms < deadline_ms - now)
			lc->deadline_ms = now + cmds[i]->timeout_ms;
		spawn(b, lc);
	}
	return 0;
}

static void local_free(struct rl_backend *base)
{
	struct local_backend *b = (struct local_backend *)base;

	if (b == NULL)
		return;
	free_cmds(b);
	if (b->n_zombies > 0)
		reap_briefly(b, EXPIRE_REAP_MS);
	free(b->zombies);
	free(b->env_home);
	free(b->env_user);
	free(b->env_logname);
	free(b);
}

static const struct rl_backend_ops local_ops = {
    .start = local_start,
    .pollfds = local_pollfds,
    .step = local_step,
    .expire = local_expire,
    .free = local_free,
};

/* HOME, USER and LOGNAME of the caller: from the password database, else
 * from the environment. Returns 0 or -1 on allocation failure. */
static int caller_env(struct local_backend *b)
{
	const char *home = NULL, *user = NULL;
	struct passwd pw, *res = NULL;
	long size = sysconf(_SC_GETPW_R_SIZE_MAX);
	char *buf;
	int r = -1;

	if (size < 1024 || size > 1 << 20)
		size = 16384;
	buf = malloc((size_t)size);
	if (buf == NULL)
		return -1;
	if (getpwuid_r(getuid(), &pw, buf, (size_t)size, &res) == 0 &&
	    res != NULL) {
		home = pw.pw_dir;
		user = pw.pw_name;
	}
	if (home == NULL || home[0] == '\0')
		home = getenv("HOME");
	if (user == NULL || user[0] == '\0')
		user = getenv("USER");
	if (home != NULL && (b->env_home = env_pair("HOME", home)) == NULL)
		goto out;
	if (user != NULL) {
		b->env_user = env_pair("USER", user);
		b->env_logname = env_pair("LOGNAME", user);
		if (b->env_user == NULL || b->env_logname == NULL)
			goto out;
	}
	r = 0;
out:
	free(buf);
	return r;
}

struct rl_backend *rl_backend_local_new(const struct rl_model *m,
					struct rl_err *err)
{
	struct local_backend *b = calloc(1, sizeof(*b));

	(void)m;
	if (b == NULL) {
		rl_err_set(err, "out of memory");
		return NULL;
	}
	b->base.ops = &local_ops;
	if (caller_env(b) < 0) {
		local_free(&b->base);
		rl_err_set(err, "out of memory");
		return NULL;
	}
	return &b->base;
}
