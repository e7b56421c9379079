/*
 * rl_test.h - what every unit test file shares.
 *
 * Criterion runs each test in a worker process that ends with _exit(), so
 * LeakSanitizer's check at exit never runs, and a test's result is sent
 * before its suite's .fini runs (an assertion there is ignored). So in a
 * sanitizer build rl_test_fini() runs the leak check itself at the end of
 * the worker and, when it finds leaks, appends "suite::test" to the file
 * named by $RL_LEAK_LOG; tests/criterion-tap then reports that test as
 * "not ok". Every suite ends its .fini with rl_test_fini(), or uses it as
 * its .fini: TestSuite(name, .fini = rl_test_fini).
 */
#ifndef RL_TEST_H
#define RL_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <criterion/criterion.h>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#define RL_TEST_LEAKS() __lsan_do_recoverable_leak_check()
#else
#define RL_TEST_LEAKS() 0
#endif

/* Makes a fresh directory "/tmp/rl-NAME-XXXXXX" into DIR (LEN >= 64). */
static inline void rl_test_tmpdir(char *dir, size_t len, const char *name)
{
	snprintf(dir, len, "/tmp/rl-%s-XXXXXX", name);
	cr_assert_not_null(mkdtemp(dir), "mkdtemp %s", dir);
}

/* Writes at PATH a file that is not a shared object (for the tests of a
   module that cannot be loaded: "invalid ELF header"). */
static inline void rl_test_not_elf(const char *path)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f, "cannot create %s", path);
	fputs("not a shared object, but long enough to be read as one, "
	      "which it is not: an ELF header starts with 0x7f 'E' 'L' 'F'\n",
	      f);
	fclose(f);
}

/* Removes a directory rl_test_tmpdir() made, and all in it. */
static inline void rl_test_rmtree(const char *dir)
{
	char cmd[160];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		cr_log_warn("cannot remove %s", dir);
}

/*
 * The text of the file at PATH (up to 64 KiB), NUL-terminated, in a
 * buffer of its own that the next call overwrites. Fails the test when
 * the file cannot be opened.
 */
static inline char *rl_test_read_file(const char *path)
{
	static char text[65536];
	FILE *f = fopen(path, "r");
	size_t n;

	cr_assert_not_null(f, "cannot open %s", path);
	n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	return text;
}

static inline void rl_test_fini(void)
{
	const char *log = getenv("RL_LEAK_LOG");
	FILE *f;

	if (RL_TEST_LEAKS() == 0 || log == NULL ||
	    criterion_current_test == NULL)
		return;
	f = fopen(log, "a");
	if (f == NULL)
		return;
	fprintf(f, "%s::%s\n", criterion_current_test->category,
		criterion_current_test->name);
	fclose(f);
}

#endif
