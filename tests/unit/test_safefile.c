/*
 * safefile: directories judged, links and FIFOs refused, files replaced
 * atomically, in a temporary directory of the test's own.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rl_test.h"
#include "safefile.h"

static char dir[64];
static struct rl_err err;
static struct rl_file_dir d = RL_FILE_DIR_INIT;

static void setup(void)
{
	rl_test_tmpdir(dir, sizeof(dir), "safefile");
	memset(&err, 0, sizeof(err));
}

static void teardown(void)
{
	rl_file_dir_close(&d);
	rl_test_rmtree(dir);
	rl_test_fini();
}

/* a FIFO's open must never block: the timeout catches one that does */
TestSuite(safefile, .init = setup, .fini = teardown, .timeout = 20);

static const char *in_dir(const char *name)
{
	static char p[4][256];
	static int next;
	char *s = p[next++ % 4];

	snprintf(s, sizeof(p[0]), "%s/%s", dir, name);
	return s;
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	fputs(text, f);
	cr_assert_eq(fclose(f), 0);
}

static void open_dir(unsigned flags)
{
	cr_assert_eq(rl_file_dir_open(&d, dir, flags, &err), 0, "%s", err.msg);
}

/* --- directories --------------------------------------------------------- */

Test(safefile, dir_symlink_refused)
{
	char *link = strdup(in_dir("link"));

	cr_assert_not_null(link);
	cr_assert_eq(mkdir(in_dir("real"), 0755), 0);
	cr_assert_eq(symlink(in_dir("real"), link), 0);
	cr_assert_eq(rl_file_dir_open(&d, link, 0, &err), -1);
	cr_assert_eq(d.fd, -1);
	cr_assert(strstr(err.msg, "is a symbolic link, not a directory"), "%s",
		  err.msg);
	cr_assert(strncmp(err.msg, link, strlen(link)) == 0, "%s", err.msg);
	/* a file is no directory either */
	put(in_dir("file"), "x");
	cr_assert_eq(rl_file_dir_open(&d, in_dir("file"), 0, &err), -1);
	cr_assert(strstr(err.msg, "not a directory"), "%s", err.msg);
	cr_assert_eq(rl_file_dir_open(&d, in_dir("none"), 0, &err), -1);
	cr_assert_eq(errno, ENOENT);
	cr_assert(strstr(err.msg, "none: open: No such file"), "%s", err.msg);
	free(link);
}

Test(safefile, dir_world_writable_refused)
{
	cr_assert_eq(chmod(dir, 0777), 0);
	cr_assert_eq(rl_file_dir_open(&d, dir, RL_FILE_DIR_MODE, &err), -1);
	cr_assert_eq(errno, EPERM);
	cr_assert(strstr(err.msg, "writable by group or others (mode 0777) "
				  "and not sticky"),
		  "%s", err.msg);
	cr_assert_eq(chmod(dir, 0770), 0);
	cr_assert_eq(rl_file_dir_open(&d, dir, RL_FILE_DIR_STRICT, &err), -1);
	cr_assert(strstr(err.msg, "(mode 0770)"), "%s", err.msg);
	/* no judge asked: opened */
	cr_assert_eq(chmod(dir, 0777), 0);
	open_dir(0);
	rl_file_dir_close(&d);
	/* private: fine */
	cr_assert_eq(chmod(dir, 0755), 0);
	open_dir(RL_FILE_DIR_STRICT);
}

Test(safefile, dir_sticky_accepted)
{
	cr_assert_eq(chmod(dir, 01777), 0);
	open_dir(RL_FILE_DIR_STRICT);
	cr_assert_geq(d.fd, 0);
	cr_assert_str_eq(d.path, dir);
}

Test(safefile, dir_owned_by_another_user)
{
	if (geteuid() != 0)
		cr_skip_test("needs root to give the directory away");
	cr_assert_eq(chown(dir, 4242, 4242), 0);
	cr_assert_eq(rl_file_dir_open(&d, dir, RL_FILE_DIR_OWNER, &err), -1);
	cr_assert(strstr(err.msg, "owned by uid 4242, neither root nor us"),
		  "%s", err.msg);
	/* the mode alone is fine */
	open_dir(RL_FILE_DIR_MODE);
	rl_file_dir_close(&d);
	cr_assert_eq(chown(dir, 0, 0), 0);
	open_dir(RL_FILE_DIR_STRICT);
}

/* a state directory shared by root and the core's account: root takes
 * any owner, anyone else only root or itself */
Test(safefile, dir_shared_owner_rule)
{
	int status;
	pid_t pid;

	if (geteuid() != 0)
		cr_skip_test("needs root to give the directory away");
	cr_assert_eq(chmod(dir, 0755), 0);
	cr_assert_eq(chown(dir, 4242, 4242), 0);
	open_dir(RL_FILE_DIR_STATE);
	rl_file_dir_close(&d);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		struct rl_err e = {""};
		struct rl_file_dir c = RL_FILE_DIR_INIT;

		if (setgid(4343) < 0 || setuid(4343) < 0)
			_exit(2);
		if (rl_file_dir_open(&c, dir, RL_FILE_DIR_STATE, &e) == 0)
			_exit(3);
		_exit(strstr(e.msg, "owned by uid 4242") != NULL ? 0 : 4);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		  "child: status %d", status);
}

Test(safefile, dir_open_parent)
{
	const char *name = NULL;

	cr_assert_eq(rl_file_dir_open_parent(&d, in_dir("a.jsonl"),
					     RL_FILE_DIR_STRICT, &name, &err),
		     0, "%s", err.msg);
	cr_assert_str_eq(d.path, dir);
	cr_assert_str_eq(name, "a.jsonl");
	rl_file_dir_close(&d);
	cr_assert_eq(rl_file_dir_open_parent(&d, "a.jsonl", 0, &name, &err), 0,
		     "%s", err.msg);
	cr_assert_str_eq(d.path, ".");
	cr_assert_str_eq(name, "a.jsonl");
	rl_file_dir_close(&d);
	cr_assert_eq(rl_file_dir_open_parent(&d, "/etc", 0, &name, &err), 0,
		     "%s", err.msg);
	cr_assert_str_eq(d.path, "/");
	cr_assert_str_eq(name, "etc");
	rl_file_dir_close(&d);
	cr_assert_eq(rl_file_dir_open_parent(&d, in_dir("x/"), 0, &name, &err),
		     -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert(strstr(err.msg, "not a file name"), "%s", err.msg);
	cr_assert_eq(d.fd, -1);
}

/* --- opening files ------------------------------------------------------- */

Test(safefile, read_regular_file_blocking)
{
	char buf[16];
	int fd, fl;

	put(in_dir("state"), "hello");
	open_dir(RL_FILE_DIR_STRICT);
	fd = rl_file_open_read(&d, "state", &err);
	cr_assert_geq(fd, 0, "%s", err.msg);
	fl = fcntl(fd, F_GETFL);
	cr_assert_eq(fl & O_NONBLOCK, 0, "O_NONBLOCK left set");
	cr_assert_neq(fcntl(fd, F_GETFD) & FD_CLOEXEC, 0);
	cr_assert_eq(read(fd, buf, sizeof(buf)), 5);
	close(fd);
	cr_assert_eq(rl_file_open_read(&d, "missing", &err), -1);
	cr_assert_eq(errno, ENOENT);
	cr_assert(strstr(err.msg, "/missing: open: No such file"), "%s",
		  err.msg);
}

Test(safefile, symlink_refused)
{
	put(in_dir("victim"), "precious");
	cr_assert_eq(symlink(in_dir("victim"), in_dir("state")), 0);
	open_dir(0);
	cr_assert_eq(rl_file_open_read(&d, "state", &err), -1);
	cr_assert_eq(errno, ELOOP);
	cr_assert(strstr(err.msg, "/state: is a symbolic link, not a regular "
				  "file (not followed)"),
		  "%s", err.msg);
	cr_assert_eq(rl_file_open_append(&d, "state", 0644, &err), -1);
	cr_assert_eq(errno, ELOOP);
	cr_assert_str_eq(rl_test_read_file(in_dir("victim")), "precious");
	/* a dangling link is not created through either */
	cr_assert_eq(symlink(in_dir("new"), in_dir("dangling")), 0);
	cr_assert_eq(rl_file_open_append(&d, "dangling", 0644, &err), -1);
	cr_assert_eq(access(in_dir("new"), F_OK), -1);
}

Test(safefile, fifo_refused_without_blocking)
{
	cr_assert_eq(mkfifo(in_dir("fifo"), 0644), 0);
	open_dir(0);
	/* blocking opens would wait for a writer, or a reader, forever */
	cr_assert_eq(rl_file_open_read(&d, "fifo", &err), -1);
	cr_assert(strstr(err.msg, "/fifo: is a FIFO, not a regular file"), "%s",
		  err.msg);
	cr_assert_eq(rl_file_open_append(&d, "fifo", 0644, &err), -1);
	cr_assert(strstr(err.msg, "/fifo: is a FIFO, not a regular file"), "%s",
		  err.msg);
	cr_assert_eq(errno, EINVAL);
}

Test(safefile, fifo_with_reader_refused)
{
	int rd = open(in_dir("fifo"), O_RDONLY | O_NONBLOCK);

	cr_assert_eq(rd, -1); /* not made yet */
	cr_assert_eq(mkfifo(in_dir("fifo"), 0644), 0);
	rd = open(in_dir("fifo"), O_RDONLY | O_NONBLOCK);
	cr_assert_geq(rd, 0);
	open_dir(0);
	/* with a reader the open succeeds: fstat must refuse it */
	cr_assert_eq(rl_file_open_append(&d, "fifo", 0644, &err), -1);
	cr_assert(strstr(err.msg, "is a FIFO"), "%s", err.msg);
	close(rd);
}

Test(safefile, hard_link_refused)
{
	put(in_dir("victim"), "precious");
	cr_assert_eq(link(in_dir("victim"), in_dir("state")), 0);
	open_dir(0);
	cr_assert_eq(rl_file_open_read(&d, "state", &err), -1);
	cr_assert(strstr(err.msg, "/state: has 2 hard links"), "%s", err.msg);
	cr_assert_eq(rl_file_open_append(&d, "state", 0644, &err), -1);
	cr_assert_str_eq(rl_test_read_file(in_dir("victim")), "precious");
}

Test(safefile, append_creates_and_appends)
{
	struct stat st;
	int fd;

	open_dir(0);
	fd = rl_file_open_append(&d, "journal", 0600, &err);
	cr_assert_geq(fd, 0, "%s", err.msg);
	cr_assert_eq(write(fd, "a\n", 2), 2);
	close(fd);
	fd = rl_file_open_append(&d, "journal", 0600, &err);
	cr_assert_geq(fd, 0, "%s", err.msg);
	cr_assert_eq(write(fd, "b\n", 2), 2);
	close(fd);
	cr_assert_str_eq(rl_test_read_file(in_dir("journal")), "a\nb\n");
	cr_assert_eq(stat(in_dir("journal"), &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0600);
}

/* read-write (the journal, the lock files); a FIFO opened O_RDWR would
 * not block, but it is still refused */
Test(safefile, open_read_write_and_devices)
{
	int fd;

	open_dir(RL_FILE_DIR_STRICT);
	fd = rl_file_open(&d, "state", O_RDWR | O_CREAT, 0640, 0, &err);
	cr_assert_geq(fd, 0, "%s", err.msg);
	cr_assert_eq(write(fd, "x", 1), 1);
	cr_assert_eq(lseek(fd, 0, SEEK_SET), 0);
	close(fd);
	cr_assert_eq(mkfifo(in_dir("fifo"), 0600), 0);
	cr_assert_eq(rl_file_open(&d, "fifo", O_RDWR, 0, 0, &err), -1);
	cr_assert(strstr(err.msg, "/fifo: is a FIFO, not a regular file"), "%s",
		  err.msg);
	rl_file_dir_close(&d);
	/* a device only when asked: "/dev" + "/null" is not "//null" */
	cr_assert_eq(rl_file_dir_open(&d, "/dev", 0, &err), 0, "%s", err.msg);
	cr_assert_eq(rl_file_open(&d, "null", O_WRONLY, 0, 0, &err), -1);
	cr_assert_str_eq(err.msg, "/dev/null: is a device, not a regular file");
	fd = rl_file_open(&d, "null", O_WRONLY, 0, RL_FILE_CHARDEV, &err);
	cr_assert_geq(fd, 0, "%s", err.msg);
	close(fd);
	rl_file_dir_close(&d);
	cr_assert_eq(rl_file_dir_open(&d, "/", 0, &err), 0, "%s", err.msg);
	cr_assert_eq(rl_file_open(&d, "dev", O_RDONLY, 0, 0, &err), -1);
	cr_assert_str_eq(err.msg, "/dev: is a directory, not a regular file");
}

Test(safefile, names_stay_in_the_directory)
{
	open_dir(0);
	cr_assert_eq(rl_file_open_read(&d, "../etc", &err), -1);
	cr_assert(strstr(err.msg, "'../etc' is not a file name"), "%s",
		  err.msg);
	cr_assert_eq(rl_file_open_read(&d, "..", &err), -1);
	cr_assert_eq(rl_file_write_atomic(&d, "a/b", "x", 1, 0644, &err), -1);
	cr_assert_eq(rl_file_write_atomic(&d, "", "x", 1, 0644, &err), -1);
}

/* --- atomic writes ------------------------------------------------------- */

/* The names in DIR other than KEEP1 and KEEP2, joined by ' '. */
static const char *others(const char *keep1, const char *keep2)
{
	static char out[1024];
	DIR *dp = opendir(dir);
	struct dirent *e;

	cr_assert_not_null(dp);
	out[0] = '\0';
	while ((e = readdir(dp)) != NULL)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
		    strcmp(e->d_name, keep1) && strcmp(e->d_name, keep2)) {
			strncat(out, e->d_name, sizeof(out) - strlen(out) - 2);
			strcat(out, " ");
		}
	closedir(dp);
	return out;
}

Test(safefile, write_atomic_creates_and_replaces)
{
	struct stat st;

	open_dir(RL_FILE_DIR_STRICT);
	umask(077);
	cr_assert_eq(rl_file_write_atomic(&d, "f", "one\n", 4, 0644, &err), 0,
		     "%s", err.msg);
	cr_assert_str_eq(rl_test_read_file(in_dir("f")), "one\n");
	cr_assert_eq(stat(in_dir("f"), &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0644, "mode %o, whatever the umask",
		     st.st_mode & 07777);
	cr_assert_eq(rl_file_write_atomic(&d, "f", "two", 3, 0600, &err), 0,
		     "%s", err.msg);
	cr_assert_str_eq(rl_test_read_file(in_dir("f")), "two");
	cr_assert_eq(stat(in_dir("f"), &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0600);
	cr_assert_eq(rl_file_write_atomic(&d, "empty", "", 0, 0644, &err), 0);
	cr_assert_str_eq(rl_test_read_file(in_dir("empty")), "");
	cr_assert_str_eq(others("f", "empty"), "", "temporary files left");
}

Test(safefile, write_atomic_replaces_a_link_not_its_target)
{
	struct stat st;

	put(in_dir("victim"), "precious");
	cr_assert_eq(symlink(in_dir("victim"), in_dir("f")), 0);
	cr_assert_eq(link(in_dir("victim"), in_dir("g")), 0);
	open_dir(0);
	cr_assert_eq(rl_file_write_atomic(&d, "f", "new", 3, 0644, &err), 0,
		     "%s", err.msg);
	cr_assert_eq(rl_file_write_atomic(&d, "g", "new", 3, 0644, &err), 0,
		     "%s", err.msg);
	cr_assert_str_eq(rl_test_read_file(in_dir("victim")), "precious");
	cr_assert_eq(lstat(in_dir("f"), &st), 0);
	cr_assert(S_ISREG(st.st_mode), "the link itself is replaced");
	cr_assert_str_eq(rl_test_read_file(in_dir("f")), "new");
}

/*
 * Links planted at every temporary name an attacker could guess from the
 * old writers (NAME.tmp.PID, .NAME.tmpPID) and at the new pattern's
 * prefix: none is followed, over many writes.
 */
Test(safefile, planted_temp_links_not_followed)
{
	char name[128];
	int i;

	put(in_dir("victim"), "precious");
	snprintf(name, sizeof(name), "f.tmp.%ld", (long)getpid());
	cr_assert_eq(symlink(in_dir("victim"), in_dir(name)), 0);
	snprintf(name, sizeof(name), ".f.tmp%ld", (long)getpid());
	cr_assert_eq(symlink(in_dir("victim"), in_dir(name)), 0);
	cr_assert_eq(symlink(in_dir("victim"), in_dir(".f.")), 0);
	open_dir(0);
	for (i = 0; i < 50; i++)
		cr_assert_eq(
		    rl_file_write_atomic(&d, "f", "new", 3, 0644, &err), 0,
		    "%s", err.msg);
	cr_assert_str_eq(rl_test_read_file(in_dir("victim")), "precious");
	cr_assert_str_eq(rl_test_read_file(in_dir("f")), "new");
}

Test(safefile, write_atomic_failure_leaves_nothing)
{
	open_dir(0);
	cr_assert_eq(mkdir(in_dir("sub"), 0755), 0);
	put(in_dir("sub/keep"), "x");
	/* a directory in the way: the rename fails */
	cr_assert_eq(rl_file_write_atomic(&d, "sub", "new", 3, 0644, &err), -1);
	cr_assert(strstr(err.msg, "/sub: rename: "), "%s", err.msg);
	cr_assert_str_eq(others("sub", "sub"), "", "temporary file left");
	cr_assert_str_eq(rl_test_read_file(in_dir("sub/keep")), "x");
}

/* --- ownership: what root creates belongs to the directory's owner ------- */

static void assert_owner(const char *path, uid_t uid, gid_t gid)
{
	struct stat st;

	cr_assert_eq(lstat(path, &st), 0, "%s: %s", path, strerror(errno));
	cr_assert_eq(st.st_uid, uid, "%s: uid %ld, not %ld", path,
		     (long)st.st_uid, (long)uid);
	cr_assert_eq(st.st_gid, gid, "%s: gid %ld, not %ld", path,
		     (long)st.st_gid, (long)gid);
	cr_assert_eq(st.st_mode & (S_IWGRP | S_IWOTH), 0,
		     "%s: writable by group or others (%04o)", path,
		     (unsigned)(st.st_mode & 07777));
}

Test(safefile, root_creates_files_for_the_dir_owner)
{
	int fd;

	if (geteuid() != 0)
		cr_skip_test("needs root to give files away");
	put(in_dir("old"), "root's");
	put(in_dir("victim"), "x");
	cr_assert_eq(symlink(in_dir("victim"), in_dir("link")), 0);
	cr_assert_eq(chmod(dir, 0755), 0);
	cr_assert_eq(chown(dir, 4242, 4343), 0);
	open_dir(RL_FILE_DIR_STATE);
	/* appended (the journal), opened read-write (a lock file) */
	fd = rl_file_open_append(&d, "journal", 0640, &err);
	cr_assert_geq(fd, 0, "%s", err.msg);
	close(fd);
	assert_owner(in_dir("journal"), 4242, 4343);
	fd = rl_file_open(&d, "a.lock", O_RDWR | O_CREAT, 0644, 0, &err);
	cr_assert_geq(fd, 0, "%s", err.msg);
	close(fd);
	assert_owner(in_dir("a.lock"), 4242, 4343);
	/* opened again: still one file, still theirs */
	fd = rl_file_open(&d, "a.lock", O_RDWR | O_CREAT, 0644, 0, &err);
	cr_assert_geq(fd, 0, "%s", err.msg);
	close(fd);
	assert_owner(in_dir("a.lock"), 4242, 4343);
	/* replaced (a hold): the new file is theirs from before the rename */
	cr_assert_eq(rl_file_write_atomic(&d, "h.hold", "x", 1, 0644, &err), 0,
		     "%s", err.msg);
	assert_owner(in_dir("h.hold"), 4242, 4343);
	cr_assert_eq(rl_file_write_atomic(&d, "old", "new", 3, 0640, &err), 0,
		     "%s", err.msg);
	assert_owner(in_dir("old"), 4242, 4343);
	/* a file that was there is left as it is, a link is not followed */
	put(in_dir("kept"), "root's");
	fd = rl_file_open_append(&d, "kept", 0640, &err);
	cr_assert_geq(fd, 0, "%s", err.msg);
	close(fd);
	assert_owner(in_dir("kept"), 0, 0);
	cr_assert_eq(rl_file_open_append(&d, "link", 0640, &err), -1);
	cr_assert_eq(errno, ELOOP);
	assert_owner(in_dir("victim"), 0, 0);
}

Test(safefile, mkdir_p_gives_each_new_dir_to_its_parents_owner)
{
	char *deep = strdup(in_dir("a/b/c"));

	if (geteuid() != 0)
		cr_skip_test("needs root to give directories away");
	cr_assert_not_null(deep);
	cr_assert_eq(chmod(dir, 0755), 0);
	cr_assert_eq(chown(dir, 4242, 4343), 0);
	cr_assert_eq(rl_file_mkdir_p(deep, "lock directory", &err), 0, "%s",
		     err.msg);
	assert_owner(in_dir("a"), 4242, 4343);
	assert_owner(in_dir("a/b"), 4242, 4343);
	assert_owner(deep, 4242, 4343);
	/* there already: nothing to do */
	cr_assert_eq(rl_file_mkdir_p(deep, "lock directory", &err), 0, "%s",
		     err.msg);
	/* made in root's directory: root's */
	cr_assert_eq(mkdir(in_dir("r"), 0755), 0);
	cr_assert_eq(rl_file_mkdir_p(in_dir("r/s"), "hold directory", &err), 0,
		     "%s", err.msg);
	assert_owner(in_dir("r/s"), 0, 0);
	free(deep);
}

Test(safefile, mkdir_p_errors_name_what_and_where)
{
	char want[300];

	put(in_dir("file"), "x");
	cr_assert_eq(rl_file_mkdir_p(in_dir("file"), "lock directory", &err),
		     -1);
	snprintf(want, sizeof(want),
		 "cannot create lock directory '%s': not a directory",
		 in_dir("file"));
	cr_assert_str_eq(err.msg, want);
	/* under a file: the system's word for it */
	cr_assert_eq(
	    rl_file_mkdir_p(in_dir("file/sub"), "hold directory", &err), -1);
	snprintf(want, sizeof(want),
		 "cannot create hold directory '%s': ", in_dir("file/sub"));
	cr_assert(strncmp(err.msg, want, strlen(want)) == 0, "%s", err.msg);
}

/* not root: nothing is given away (and nothing fails for it) */
Test(safefile, not_root_keeps_its_own_files)
{
	int status;
	pid_t pid;

	if (geteuid() != 0)
		cr_skip_test("needs root to become another user");
	cr_assert_eq(chmod(dir, 0755), 0);
	cr_assert_eq(chown(dir, 4242, 0), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		struct rl_err e = {""};
		struct rl_file_dir c = RL_FILE_DIR_INIT;
		struct stat st;
		int fd;

		if (setgid(4343) < 0 || setuid(4242) < 0)
			_exit(2);
		if (rl_file_dir_open(&c, dir, RL_FILE_DIR_STATE, &e) < 0)
			_exit(3);
		fd = rl_file_open_append(&c, "mine", 0640, &e);
		if (fd < 0 || fstat(fd, &st) < 0)
			_exit(4);
		if (rl_file_mkdir_p(in_dir("sub"), "hold directory", &e) < 0)
			_exit(5);
		/* its own group, not the directory's (0) */
		_exit(st.st_uid == 4242 && st.st_gid == 4343 ? 0 : 6);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		  "child: status %d", status);
	assert_owner(in_dir("sub"), 4242, 4343);
}
