#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rl_test.h"
#include "ssh_hostkey.h"

static LIBSSH2_SESSION *session;
static char dir[64];

static void setup(void)
{
	cr_assert_eq(libssh2_init(0), 0);
	session = libssh2_session_init();
	cr_assert_not_null(session);
	rl_test_tmpdir(dir, sizeof(dir), "hostkey");
}

static void teardown(void)
{
	libssh2_session_free(session);
	libssh2_exit();
	rl_test_rmtree(dir);
	rl_test_fini();
}

TestSuite(ssh_hostkey, .init = setup, .fini = teardown);

/* an ed25519 public key blob, base64, and another one */
#define KEY_A                                                                  \
	"AAAAC3NzaC1lZDI1NTE5AAAAIGBClcHeYHogJ54PsDP5/XquV2CtztyQJjznwviuyLV8"
#define KEY_B                                                                  \
	"AAAAC3NzaC1lZDI1NTE5AAAAIGG0apzHUiOv4O3iCV6G+dZJ5x6bKkbvzgd53djv8B4G"

static const char *write_kh(const char *text)
{
	static char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/known_hosts", dir);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

/* How KH judges the base64 KEY for HOST:PORT (libssh2's own check). */
static int check(LIBSSH2_KNOWNHOSTS *kh, const char *host, int port,
		 const char *key)
{
	return libssh2_knownhost_checkp(kh, host, port, key, strlen(key),
					LIBSSH2_KNOWNHOST_TYPE_PLAIN |
					    LIBSSH2_KNOWNHOST_KEYENC_BASE64 |
					    LIBSSH2_KNOWNHOST_KEY_ED25519,
					NULL);
}

Test(ssh_hostkey, fingerprint)
{
	unsigned char d[32];
	char fp[64];
	int i;

	for (i = 0; i < 32; i++)
		d[i] = (unsigned char)i;
	rl_ssh_hostkey_fingerprint(d, fp, sizeof(fp));
	cr_assert_str_eq(fp,
			 "SHA256:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8");
}

Test(ssh_hostkey, load_reads_every_line)
{
	const char *path =
	    write_kh("# a comment\n\n"
		     "alpha.example ssh-ed25519 " KEY_A "\n"
		     "[beta.example]:2222 ssh-ed25519 " KEY_B " note\n");
	LIBSSH2_KNOWNHOSTS *kh = NULL;
	struct rl_err err = {""};
	struct rl_ssh_hostkey_skipped sk = {9, 9};

	cr_assert_eq(rl_ssh_hostkey_load(session, path, &kh, &sk, &err), 0,
		     "%s", err.msg);
	cr_assert_eq(sk.lines, 0);
	cr_assert_eq(sk.first, 0);
	cr_assert_eq(check(kh, "alpha.example", 22, KEY_A),
		     LIBSSH2_KNOWNHOST_CHECK_MATCH);
	cr_assert_eq(check(kh, "alpha.example", 22, KEY_B),
		     LIBSSH2_KNOWNHOST_CHECK_MISMATCH);
	cr_assert_eq(check(kh, "beta.example", 2222, KEY_B),
		     LIBSSH2_KNOWNHOST_CHECK_MATCH);
	cr_assert_eq(check(kh, "gamma.example", 22, KEY_A),
		     LIBSSH2_KNOWNHOST_CHECK_NOTFOUND);
	libssh2_knownhost_free(kh);
}

/* issue 12: one odd line failed every host; OpenSSH skips it */
Test(ssh_hostkey, load_skips_an_unparsable_line_and_names_it)
{
	const char *path = write_kh("garbage\n"
				    "alpha.example ssh-ed25519 " KEY_A "\n"
				    "gamma.example ssh-ed25519 !!!\n"
				    "beta.example ssh-ed25519 " KEY_B "\n"
				    "also garbage\n");
	LIBSSH2_KNOWNHOSTS *kh = NULL;
	struct rl_err err = {""};
	struct rl_ssh_hostkey_skipped sk;
	char more[64];

	cr_assert_eq(rl_ssh_hostkey_load(session, path, &kh, &sk, &err), 0,
		     "%s", err.msg);
	cr_assert_eq(sk.lines, 3);
	cr_assert_eq(sk.first, 1);
	cr_assert_str_eq(rl_ssh_hostkey_more(&sk, more, sizeof(more)),
			 " (and 2 more)");
	cr_assert_eq(check(kh, "alpha.example", 22, KEY_A),
		     LIBSSH2_KNOWNHOST_CHECK_MATCH);
	cr_assert_eq(check(kh, "beta.example", 22, KEY_B),
		     LIBSSH2_KNOWNHOST_CHECK_MATCH);
	libssh2_knownhost_free(kh);

	path = write_kh("alpha.example ssh-ed25519 " KEY_A "\nbad");
	cr_assert_eq(rl_ssh_hostkey_load(session, path, &kh, &sk, &err), 0,
		     "%s", err.msg);
	cr_assert_eq(sk.lines, 1, "a last line without a newline");
	cr_assert_eq(sk.first, 2);
	cr_assert_str_eq(rl_ssh_hostkey_more(&sk, more, sizeof(more)), "");
	cr_assert_eq(check(kh, "alpha.example", 22, KEY_A),
		     LIBSSH2_KNOWNHOST_CHECK_MATCH);
	libssh2_knownhost_free(kh);
}

Test(ssh_hostkey, load_missing_file_is_empty)
{
	char path[128];
	LIBSSH2_KNOWNHOSTS *kh = NULL;
	struct rl_err err = {""};

	snprintf(path, sizeof(path), "%s/none", dir);
	cr_assert_eq(rl_ssh_hostkey_load(session, path, &kh, NULL, &err), 0,
		     "%s", err.msg);
	cr_assert_eq(check(kh, "alpha.example", 22, KEY_A),
		     LIBSSH2_KNOWNHOST_CHECK_NOTFOUND);
	libssh2_knownhost_free(kh);
}

Test(ssh_hostkey, load_unreadable_file_fails)
{
	LIBSSH2_KNOWNHOSTS *kh = NULL;
	struct rl_err err = {""};
	char want[200];

	/* a directory: fopen succeeds for root, reading does not */
	cr_assert_eq(rl_ssh_hostkey_load(session, dir, &kh, NULL, &err), -1);
	cr_assert_null(kh);
	snprintf(want, sizeof(want), "cannot read known_hosts '%s': ", dir);
	cr_assert(!strncmp(err.msg, want, strlen(want)), "%s", err.msg);
}
