/*
 * ssh_drive - runs batches of commands through the ssh backend, for the
 * integration tests (tests/integration/test_ssh_*.sh).
 *
 *   ssh_drive [-k known_hosts] [-i identity] [-u user] [-P passfile]
 *             [-T connect_timeout_ms] [-C max_channels] [-S max_handshakes]
 *             [-d batch_deadline_ms] [-r batches] [-w ms_between_batches]
 *             [-b] -h NAME=ADDR:PORT ... < commands
 *
 * Each stdin line is "HOST TIMEOUT_MS COMPONENT|- COMMAND...". Each result
 * is printed on one line:
 *   batch=B cmd=I host=H status=exited stage=command exit=0 signal=0
 *   ms=12 out=[...] err=[...] error=[...] outlen=N outcut=0 via=[...]
 * with newlines in the outputs shown as \n. The last line is
 * "batch=B wall_ms=N". Each batch is one rl_transport_run() on one
 * transport, so sessions are kept between batches. -b marks every command
 * batchable (a check: transport.h), so that a host's commands run in one
 * remote command (issue 17).
 */
#include "build.h"

#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "transport.h"
#include "util.h"

static const char *status_name(enum rl_cmd_status s)
{
	static const char *const n[] = {"pending", "exited", "signaled",
					"timeout", "failed"};
	return n[s];
}

static const char *stage_name(enum rl_cmd_stage s)
{
	static const char *const n[] = {"resolve", "connect", "handshake",
					"hostkey", "auth",    "exec",
					"command"};
	return n[s];
}

static void show(const char *s)
{
	for (; s && *s; s++) {
		if (*s == '\n')
			fputs("\\n", stdout);
		else
			putchar(*s);
	}
}

int main(int argc, char **argv)
{
	struct rl_model m;
	struct rl_host *hosts = calloc(64, sizeof(*hosts));
	struct rl_cmd *cmds = calloc(1024, sizeof(*cmds));
	size_t nh = 0, nc = 0, i, bi;
	int64_t deadline_ms = 10000;
	int batches = 1, wait_ms = 0, opt;
	bool batchable = false;
	char line[4096];
	struct rl_err err = {""};
	struct rl_transport *t;

	if (!hosts || !cmds)
		return 2;
	memset(&m, 0, sizeof(m));
	while ((opt = getopt(argc, argv, "k:i:u:P:T:C:S:d:r:w:h:b")) != -1) {
		char *eq, *colon;

		switch (opt) {
		case 'k':
			m.site.ssh.known_hosts = optarg;
			break;
		case 'i':
			m.site.ssh.identity = optarg;
			break;
		case 'u':
			m.site.ssh.user = optarg;
			break;
		case 'P':
			m.site.ssh.passphrase_file = optarg;
			break;
		case 'T':
			m.site.ssh.timeout_ms = atoll(optarg);
			break;
		case 'C':
			m.site.ssh.max_channels = atoi(optarg);
			break;
		case 'S':
			m.site.ssh.max_handshakes = atoi(optarg);
			break;
		case 'd':
			deadline_ms = atoll(optarg);
			break;
		case 'r':
			batches = atoi(optarg);
			break;
		case 'w':
			wait_ms = atoi(optarg);
			break;
		case 'b':
			batchable = true;
			break;
		case 'h':
			eq = strchr(optarg, '=');
			colon = strrchr(optarg, ':');
			if (!eq || !colon || colon < eq || nh == 64)
				return 2;
			*eq = *colon = '\0';
			hosts[nh].name = optarg;
			hosts[nh].address = eq + 1;
			hosts[nh].port = atoi(colon + 1);
			hosts[nh].shell = RL_SHELL_POSIX;
			hosts[nh].index = nh;
			nh++;
			break;
		default:
			return 2;
		}
	}
	while (nc < 1024 && fgets(line, sizeof(line), stdin)) {
		char *host = strtok(line, " "), *to = strtok(NULL, " ");
		char *comp = strtok(NULL, " "), *cmd = strtok(NULL, "\n");

		if (!host || !to || !comp || !cmd)
			continue;
		for (i = 0; i < nh && strcmp(hosts[i].name, host); i++)
			;
		if (i == nh) {
			fprintf(stderr, "ssh_drive: unknown host '%s'\n", host);
			return 2;
		}
		cmds[nc].host = &hosts[i];
		cmds[nc].timeout_ms = atoll(to);
		cmds[nc].component = strcmp(comp, "-") ? strdup(comp) : NULL;
		cmds[nc].command = strdup(cmd);
		cmds[nc].batchable = batchable;
		nc++;
	}
	if (!(t = rl_transport_new(&m, &err))) {
		fprintf(stderr, "ssh_drive: %s\n", err.msg);
		return 2;
	}
	for (bi = 0; bi < (size_t)batches; bi++) {
		int64_t t0 = rl_now_ms();

		if (bi && wait_ms)
			usleep((useconds_t)wait_ms * 1000);
		t0 = rl_now_ms();
		if (rl_transport_run(t, cmds, nc, t0 + deadline_ms, &err)) {
			fprintf(stderr, "ssh_drive: %s\n", err.msg);
			return 2;
		}
		for (i = 0; i < nc; i++) {
			struct rl_cmd *c = &cmds[i];

			printf("batch=%zu cmd=%zu host=%s status=%s stage=%s "
			       "exit=%d signal=%d ms=%lld out=[",
			       bi, i, c->host->name, status_name(c->status),
			       stage_name(c->stage), c->exit_code, c->signal,
			       (long long)(c->duration_us / 1000));
			show(c->out);
			fputs("] err=[", stdout);
			show(c->err);
			fputs("] error=[", stdout);
			show(c->error);
			printf("] outlen=%zu outcut=%d via=[", c->out_len,
			       (int)c->out_cut);
			show(c->via);
			fputs("]\n", stdout);
			rl_cmd_clear(c);
		}
		printf("batch=%zu wall_ms=%lld\n", bi,
		       (long long)(rl_now_ms() - t0));
		fflush(stdout);
	}
	rl_transport_free(t);
	for (i = 0; i < nc; i++) {
		free((char *)cmds[i].command);
		free((char *)cmds[i].component);
	}
	free(cmds);
	free(hosts);
	return 0;
}
