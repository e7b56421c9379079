#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rl_test.h"
#include "transport_impl.h"
#include "transport_ssh.h"

TestSuite(ssh, .fini = rl_test_fini);

static char *compose(enum rl_shell sh, const char *cmd, const char *comp,
		     int64_t timeout_ms)
{
	struct rl_buf b = RL_BUF_INIT;
	struct rl_err err = {""};

	cr_assert_eq(rl_ssh_compose(&b, sh, cmd, comp, timeout_ms, &err), 0,
		     "%s", err.msg);
	return rl_buf_detach(&b);
}

/* Runs a composed posix line through /bin/sh, as sshd would. */
static char *run_sh(const char *line)
{
	struct rl_buf cmd = RL_BUF_INIT;
	char buf[4096];
	size_t n;
	FILE *p;

	rl_buf_puts(&cmd, "sh -c ");
	rl_ssh_sh_quote(&cmd, line);
	rl_buf_puts(&cmd, "; echo \"rc=$?\"");
	p = popen(rl_buf_str(&cmd), "r");
	cr_assert_not_null(p);
	n = fread(buf, 1, sizeof(buf) - 1, p);
	buf[n] = '\0';
	pclose(p);
	rl_buf_free(&cmd);
	return strdup(buf);
}

Test(ssh, sh_quote)
{
	struct rl_buf b = RL_BUF_INIT;

	rl_ssh_sh_quote(&b, "it's $HOME");
	cr_assert_str_eq(rl_buf_str(&b), "'it'\\''s $HOME'");
	rl_buf_free(&b);
}

Test(ssh, compose_posix_plain)
{
	char *s = compose(RL_SHELL_POSIX, "echo hi", "fx/pricer", 0);

	cr_assert_str_eq(s, "RELANCE_COMPONENT='fx/pricer'; export "
			    "RELANCE_COMPONENT; exec sh -c 'echo hi'");
	free(s);
	s = compose(RL_SHELL_POSIX, "true", NULL, 0);
	cr_assert_str_eq(s, "exec sh -c 'true'");
	free(s);
}

Test(ssh, compose_posix_timeout)
{
	char *s = compose(RL_SHELL_POSIX, "sleep 9", NULL, 2500);

	cr_assert_str_eq(s, "command -v timeout >/dev/null 2>&1 || exec sh "
			    "-c 'sleep 9'; exec timeout -k 1 2.500 sh -c "
			    "'sleep 9'");
	free(s);
}

Test(ssh, compose_posix_runs_quotes_env_and_status)
{
	const char *cmd = "printf '%s|' \"$RELANCE_COMPONENT\" 'a'\\''b' "
			  "\"$(echo x y)\"; exit 3";
	char *s = compose(RL_SHELL_POSIX, cmd, "app/c-1", 0);
	char *out = run_sh(s);

	cr_assert_str_eq(out, "app/c-1|a'b|x y|rc=3\n");
	free(out);
	free(s);
}

Test(ssh, compose_posix_timeout_kills)
{
	char *s = compose(RL_SHELL_POSIX, "sleep 5; echo late", "a/b", 200);
	int64_t t0 = rl_now_ms();
	char *out = run_sh(s);

	cr_assert_lt(rl_now_ms() - t0, 2000);
	cr_assert_str_eq(out, "rc=124\n");
	free(out);
	free(s);
}

Test(ssh, compose_refuses_odd_component)
{
	struct rl_buf b = RL_BUF_INIT;
	struct rl_err err = {""};

	cr_assert_eq(rl_ssh_compose(&b, RL_SHELL_CMD, "x", "a\"&del", 0, &err),
		     -1);
	cr_assert(strstr(err.msg, "component name 'a\"&del'"));
	rl_buf_free(&b);
}

Test(ssh, compose_cmd)
{
	char *s = compose(RL_SHELL_CMD, "sc query \"My Svc\" | find \"RUN\"",
			  "fx/gw", 5000);

	cr_assert_str_eq(s, "set \"RELANCE_COMPONENT=fx/gw\" && sc query "
			    "\"My Svc\" | find \"RUN\"");
	free(s);
}

Test(ssh, compose_powershell_plain)
{
	/* base64 of "Get-Service 'a b'" */
	char *s = compose(RL_SHELL_POWERSHELL, "Get-Service 'a b'", "fx/gw", 0);

	cr_assert_str_eq(
	    s, "$env:RELANCE_COMPONENT='fx/gw'; $global:LASTEXITCODE=0; "
	       "& ([scriptblock]::Create([Text.Encoding]::UTF8.GetString("
	       "[Convert]::FromBase64String('R2V0LVNlcnZpY2UgJ2EgYic=')))); "
	       "if (-not $?) { if ($LASTEXITCODE) { exit $LASTEXITCODE }; "
	       "exit 1 }; exit $LASTEXITCODE");
	cr_assert_null(strchr(s, '"'), "no double quote for cmd.exe to eat");
	free(s);
}

Test(ssh, compose_powershell_timeout)
{
	char *s = compose(RL_SHELL_POWERSHELL, "x", NULL, 1500);
	/* UTF-16LE of "$global:LASTEXITCODE=0; & {\nx\n}; " PS_EXIT...:
	 * check the frame and that the payload decodes as UTF-16LE */
	const char *p, *q;

	cr_assert(!strncmp(s,
			   "$p = Start-Process -FilePath powershell.exe "
			   "-ArgumentList '-NoProfile','-NonInteractive',"
			   "'-EncodedCommand','",
			   108));
	cr_assert(
	    strstr(s, "' -NoNewWindow -PassThru; $null = $p.Handle; "
		      "if (-not $p.WaitForExit(1500)) { taskkill.exe /T /F "
		      "/PID $p.Id | Out-Null; exit 124 }; exit $p.ExitCode"));
	p = s + 108;
	q = strchr(p, '\'');
	cr_assert_not_null(q);
	/* "$\0g\0" = JABnA... */
	cr_assert(
	    !strncmp(p, "JABnAGwAbwBiAGEAbAA6AEwAQQBTAFQARQBYAEkAVABD", 44));
	cr_assert_eq((q - p) % 4, 0);
	free(s);
}

Test(ssh, base64_and_fingerprint)
{
	struct rl_buf b = RL_BUF_INIT;
	unsigned char d[32];
	char fp[64];
	int i;

	rl_ssh_base64(&b, (const unsigned char *)"foob", 4, 1);
	cr_assert_str_eq(rl_buf_str(&b), "Zm9vYg==");
	rl_buf_reset(&b);
	rl_ssh_base64(&b, (const unsigned char *)"fooba", 5, 0);
	cr_assert_str_eq(rl_buf_str(&b), "Zm9vYmE");
	rl_buf_free(&b);
	for (i = 0; i < 32; i++)
		d[i] = (unsigned char)i;
	rl_ssh_fingerprint(d, fp, sizeof(fp));
	cr_assert_str_eq(fp,
			 "SHA256:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8");
}

static void keytype_of(const char *kind, const char *want)
{
	char dir[] = "/tmp/rl-sshkt-XXXXXX", cmd[512], path[300], type[64];
	struct rl_err err = {""};

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/k", dir);
	snprintf(cmd, sizeof(cmd),
		 "ssh-keygen -q -t %s -N secret -f %s >/dev/null", kind, path);
	cr_assert_eq(system(cmd), 0);
	cr_assert_eq(rl_ssh_key_type(path, type, sizeof(type), &err), 0, "%s",
		     err.msg);
	cr_assert_str_eq(type, want);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
}

Test(ssh, key_type_of_encrypted_openssh_keys)
{
	keytype_of("ed25519", "ssh-ed25519");
	keytype_of("rsa -b 1024", "ssh-rsa");
	keytype_of("ecdsa", "ecdsa-sha2-nistp256");
}

Test(ssh, key_type_unreadable)
{
	char type[64];
	struct rl_err err = {""};

	cr_assert_eq(
	    rl_ssh_key_type("/nonexistent/k", type, sizeof(type), &err), -1);
	cr_assert(strstr(err.msg, "cannot open identity '/nonexistent/k'"));
}
