#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rl_test.h"
#include "transport_ssh.h"

TestSuite(ssh, .fini = rl_test_fini);

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
