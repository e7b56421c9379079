/*
 * cmd_hostkey - `relancectl hostkey HOST [--add]`: the SSH host key HOST
 * offers, whether known_hosts has it, and on --add an unknown key added.
 */
#include "build.h"

#include <stdio.h>
#include <string.h>

#include "ctl.h"
#include "ssh_hostkey.h"

static const char *hostkey_state_word(enum rl_ssh_hostkey_state st)
{
	switch (st) {
	case RL_SSH_HOSTKEY_KNOWN:
		return "known";
	case RL_SSH_HOSTKEY_MISMATCH:
		return "MISMATCH";
	default:
		return "unknown";
	}
}

struct hostkey_args {
	bool add; /* --add */
};

static const struct rl_opt hostkey_opts[] = {
    RL_OPT(0, "add", RL_OPT_FLAG, offsetof(struct hostkey_args, add)),
    {0},
};

static int cmd_hostkey(struct ctl *ctl, int argc, char **argv)
{
	struct rl_err err = {""};
	struct hostkey_args a = {false};
	struct rl_ssh_hostkey k;
	const struct rl_host *h;
	const char *kh;
	int r;

	r = ctl_parse(ctl, &ctl_cmd_hostkey, &a, &argc, &argv);
	if (r != CTL_GO_ON)
		return r;
	if (argc != 1)
		return usage_error("hostkey: expected one host");
	r = load_config(ctl);
	if (r)
		return r;
	h = rl_model_host(ctl->model, argv[0]);
	if (!h || h->transport != RL_TRANSPORT_SSH) {
		char msg[300];

		snprintf(msg, sizeof(msg), "hostkey: %s '%.200s'",
			 h ? "not an ssh host" : "unknown host", argv[0]);
		return fail(EXIT_USAGE, msg);
	}
	kh = ctl->model->site.ssh.known_hosts;
	memset(&k, 0, sizeof(k));
	if (rl_ssh_hostkey_probe(
		ctl->model, h,
		rl_now_ms() + (ctl->timeout_ms ? ctl->timeout_ms : 10000), &k,
		&err) < 0)
		return fail(EXIT_FAILED, err.msg);
	if (k.warning[0])
		fprintf(stderr, "relancectl: warning: %s\n", k.warning);
	if (ctl->json) {
		struct rl_buf b = RL_BUF_INIT;

		rl_buf_puts(&b, "{\"host\":");
		rl_buf_json_str(&b, h->name);
		rl_buf_puts(&b, ",\"name\":");
		rl_buf_json_str(&b, k.name);
		rl_buf_puts(&b, ",\"type\":");
		rl_buf_json_str(&b, k.type);
		rl_buf_puts(&b, ",\"fingerprint\":");
		rl_buf_json_str(&b, k.fingerprint);
		rl_buf_puts(&b, ",\"known_hosts\":");
		rl_buf_json_str(&b, hostkey_state_word(k.state));
		rl_buf_puts(&b, "}\n");
		r = print_buf(&b);
		rl_buf_free(&b);
	} else {
		printf("%s (%s): %s %s\n", h->name, k.name, k.type,
		       k.fingerprint);
		printf("known_hosts %s: %s\n", kh, hostkey_state_word(k.state));
	}
	if (r)
		goto out;
	if (k.state == RL_SSH_HOSTKEY_MISMATCH) {
		fprintf(stderr,
			"relancectl: HOST KEY MISMATCH for %s: '%s' holds "
			"another %s key; someone may be intercepting. Verify "
			"the key on the host itself (ssh-keygen -lf on its "
			"host key) and resolve it by hand in '%s'%s\n",
			k.name, kh, k.type, kh, a.add ? "; nothing added" : "");
		r = EXIT_FAILED;
		goto out;
	}
	if (a.add && k.state == RL_SSH_HOSTKEY_UNKNOWN) {
		if (rl_ssh_hostkey_add(ctl->model, h, &k, &err) < 0) {
			r = fail(EXIT_FAILED, err.msg);
			goto out;
		}
		if (!ctl->json)
			printf("added to %s\n", kh);
	}
	r = EXIT_OK;
out:
	rl_ssh_hostkey_free(&k);
	return r;
}

const struct ctl_cmd ctl_cmd_hostkey = {"hostkey", cmd_hostkey, hostkey_opts};
