#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "confstore.h"
#include "rl_test.h"
#include "util.h"

static char dir[64];
static char journal[128];

static void setup(void)
{
	rl_test_tmpdir(dir, sizeof(dir), "confstore");
	snprintf(journal, sizeof(journal), "%s/journal.jsonl", dir);
}

static void teardown(void)
{
	rl_test_rmtree(dir);
	rl_test_fini();
}

TestSuite(confstore, .init = setup, .fini = teardown);

/* A distinct bundle and its hash for N. */
static void bundle_of(int n, char *text, size_t len, char hash[65])
{
	snprintf(text, len, "### relance config: r.ini (2 bytes)\n%d\n\n", n);
	cr_assert_eq(rl_confstore_hash(text, strlen(text), hash), 0);
}

static bool kept(const char *hash)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/configs/%s", dir, hash);
	return access(path, F_OK) == 0;
}

/* Dates the copy HASH back to AGO seconds before now. */
static void age(const char *hash, int ago)
{
	char path[256];
	struct timespec t[2];

	snprintf(path, sizeof(path), "%s/configs/%s", dir, hash);
	clock_gettime(CLOCK_REALTIME, &t[0]);
	t[0].tv_sec -= ago;
	t[1] = t[0];
	cr_assert_eq(utimensat(AT_FDCWD, path, t, 0), 0, "%s", path);
}

Test(confstore, sha256_of_known_text)
{
	char h[65];

	/* FIPS 180-2's example "abc" */
	cr_assert_eq(rl_confstore_hash("abc", 3, h), 0);
	cr_assert_str_eq(h, "ba7816bf8f01cfea414140de5dae2223"
			    "b00361a396177a9cb410ff61f20015ad");
	cr_assert_eq(rl_confstore_hash("", 0, h), 0);
	cr_assert_str_eq(h, "e3b0c44298fc1c149afbf4c8996fb924"
			    "27ae41e4649b934ca495991b7852b855");
}

Test(confstore, bundle_is_unambiguous)
{
	struct rl_buf b1 = RL_BUF_INIT, h1 = RL_BUF_INIT;
	struct rl_buf b2 = RL_BUF_INIT, h2 = RL_BUF_INIT;
	char x[65], y[65];

	/* "ab" + "c" and "a" + "bc": the same bytes, other files */
	rl_confstore_bundle_add(&b1, &h1, "1.ini", "ab", 2);
	rl_confstore_bundle_add(&b1, &h1, "2.ini", "c", 1);
	rl_confstore_bundle_add(&b2, &h2, "1.ini", "a", 1);
	rl_confstore_bundle_add(&b2, &h2, "2.ini", "bc", 2);
	cr_assert_str_eq(rl_buf_str(&b1),
			 "### relance config: 1.ini (2 bytes)\nab\n"
			 "### relance config: 2.ini (1 bytes)\nc\n");
	cr_assert_eq(rl_confstore_hash(h1.data, h1.len, x), 0);
	cr_assert_eq(rl_confstore_hash(h2.data, h2.len, y), 0);
	cr_assert_str_neq(x, y);
	rl_buf_free(&b1);
	rl_buf_free(&h1);
	rl_buf_free(&b2);
	rl_buf_free(&h2);
}

Test(confstore, store_is_bounded_and_keeps_the_newest)
{
	char text[6][128], hash[6][65], full[65];
	struct rl_err err = {""};
	int i;

	for (i = 0; i < 6; i++)
		bundle_of(i, text[i], sizeof(text[i]), hash[i]);
	for (i = 0; i < 4; i++) {
		cr_assert_eq(rl_confstore_save(journal, hash[i], text[i],
					       strlen(text[i]), 3, &err),
			     0, "%s", err.msg);
		age(hash[i], 100 - i); /* each older than the next */
	}
	/* 4 saved, 3 kept: the oldest went */
	cr_assert(!kept(hash[0]));
	cr_assert(kept(hash[1]) && kept(hash[2]) && kept(hash[3]));
	/* loaded again: the copy of 1 becomes the newest, 2 goes next */
	cr_assert_eq(rl_confstore_save(journal, hash[1], text[1],
				       strlen(text[1]), 3, &err),
		     0, "%s", err.msg);
	cr_assert_eq(rl_confstore_save(journal, hash[4], text[4],
				       strlen(text[4]), 3, &err),
		     0, "%s", err.msg);
	cr_assert(!kept(hash[2]));
	cr_assert(kept(hash[1]) && kept(hash[3]) && kept(hash[4]));
	/* newest other than 4: 1 (touched after 3) */
	age(hash[4], 1);
	age(hash[1], 2);
	age(hash[3], 3);
	cr_assert_eq(rl_confstore_newest(journal, hash[4], full, &err), 0);
	cr_assert_str_eq(full, hash[1]);
	cr_assert_eq(rl_confstore_newest(journal, NULL, full, &err), 0);
	cr_assert_str_eq(full, hash[4]);
}

Test(confstore, load_by_prefix)
{
	char text[128], hash[65], full[65], prefix[16];
	struct rl_err err = {""};
	char *got = NULL;
	size_t len = 0;

	bundle_of(7, text, sizeof(text), hash);
	/* nothing kept yet: no store at all */
	cr_assert_eq(rl_confstore_newest(journal, NULL, full, &err), 1);
	cr_assert_eq(rl_confstore_load(journal, "abcd", &got, &len, full, &err),
		     -2);
	cr_assert_eq(
	    rl_confstore_save(journal, hash, text, strlen(text), 5, &err), 0,
	    "%s", err.msg);
	/* a name that is not a hash is never a file name in the store */
	cr_assert_eq(
	    rl_confstore_save(journal, "../x", text, strlen(text), 5, &err),
	    -1);
	cr_assert_str_eq(err.msg, "cannot keep config copy: '../x' is not a "
				  "SHA-256 in hex");
	snprintf(prefix, sizeof(prefix), "%.8s", hash);
	cr_assert_eq(rl_confstore_load(journal, prefix, &got, &len, full, &err),
		     0, "%s", err.msg);
	cr_assert_str_eq(full, hash);
	cr_assert_eq(len, strlen(text));
	cr_assert_str_eq(got, text);
	free(got);
	cr_assert_eq(rl_confstore_load(journal, "0g12", &got, &len, full, &err),
		     -2);
	cr_assert_str_eq(err.msg, "'0g12' is not a config hash (4 to 64 "
				  "lowercase hex digits)");
	cr_assert_eq(rl_confstore_load(journal, "abc", &got, &len, full, &err),
		     -2);
	snprintf(prefix, sizeof(prefix), "%.4s", hash);
	prefix[0] = prefix[0] == '0' ? '1' : '0';
	cr_assert_eq(rl_confstore_load(journal, prefix, &got, &len, full, &err),
		     -2);
	cr_assert_not_null(strstr(err.msg, "no config copy"), "%s", err.msg);
}

Test(confstore, ambiguous_prefix)
{
	char text[128], hash[65], other[65], full[65], path[256];
	struct rl_err err = {""};
	char *got = NULL;
	size_t len = 0;
	FILE *f;

	bundle_of(1, text, sizeof(text), hash);
	cr_assert_eq(
	    rl_confstore_save(journal, hash, text, strlen(text), 5, &err), 0,
	    "%s", err.msg);
	/* a second copy whose name shares the first 10 digits */
	memcpy(other, hash, sizeof(other));
	other[63] = other[63] == '0' ? '1' : '0';
	snprintf(path, sizeof(path), "%s/configs/%s", dir, other);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fclose(f);
	snprintf(path, sizeof(path), "%.10s", hash);
	cr_assert_eq(rl_confstore_load(journal, path, &got, &len, full, &err),
		     -2);
	cr_assert_not_null(strstr(err.msg, "is ambiguous"), "%s", err.msg);
	/* the whole hash is not */
	cr_assert_eq(rl_confstore_load(journal, hash, &got, &len, full, &err),
		     0, "%s", err.msg);
	free(got);
}

/* root makes the store in the directory root shares with the core's
 * account: it is that directory's, not root's */
Test(confstore, store_belongs_to_the_journal_directory_owner)
{
	char text[128], hash[65], path[256];
	struct rl_err err = {""};
	struct stat st;

	if (geteuid() != 0)
		cr_skip_test("needs root to make another user's store");
	cr_assert_eq(chown(dir, 65534, 65534), 0);
	cr_assert_eq(chmod(dir, 02750), 0);
	bundle_of(3, text, sizeof(text), hash);
	cr_assert_eq(
	    rl_confstore_save(journal, hash, text, strlen(text), 5, &err), 0,
	    "%s", err.msg);
	snprintf(path, sizeof(path), "%s/configs", dir);
	cr_assert_eq(lstat(path, &st), 0);
	cr_assert_eq(st.st_uid, 65534);
	cr_assert_eq(st.st_gid, 65534);
	cr_assert_eq(st.st_mode & 07777, 02750, "mode %o", st.st_mode & 07777);
	/* the copy: readable by the group (setgid: the directory's) */
	snprintf(path, sizeof(path), "%s/configs/%s", dir, hash);
	cr_assert_eq(lstat(path, &st), 0);
	cr_assert_eq(st.st_gid, 65534);
	cr_assert_eq(st.st_mode & 07777, 0640);
}
