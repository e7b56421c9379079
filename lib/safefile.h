/*
 * safefile - opening and replacing state files so that nobody who can
 * write a directory relance uses can redirect what relance (often root)
 * reads or writes there.
 *
 * The rules, one helper for every module (issue 12):
 *  - A directory is opened with O_DIRECTORY|O_NOFOLLOW: a symlink in its
 *    place is refused, and every file is then opened relative to that fd
 *    (openat), so a directory swapped afterwards changes nothing.
 *  - The directory can be judged like OpenSSH's StrictModes: refused when
 *    writable by group or others without the sticky bit, or owned by a
 *    user other than root and us.
 *  - A file is opened with O_NOFOLLOW|O_NONBLOCK|O_CLOEXEC, so neither a
 *    symlink nor a FIFO (whose open would block) is followed, then judged
 *    with fstat: a regular file with one link only (a hard link to a file
 *    elsewhere is refused). O_NONBLOCK is cleared before it is returned.
 *  - A file is replaced atomically: written to a temporary file with an
 *    unpredictable name created O_EXCL in the same directory, fsynced,
 *    renamed over the target, and the directory fsynced (once for a set
 *    of files, rl_file_write_atomic_all). A link planted
 *    at any name is never followed: rename replaces the link itself.
 *
 *  - Ownership (issue 12): a state file or directory belongs to the owner
 *    (uid and gid) of the directory it is created in. Root and the
 *    monitoring core's account share the journal, lock_dir and hold_dir,
 *    and either may run first: when relance runs as root, what it creates
 *    (a file by O_EXCL in rl_file_open, the temporary file of
 *    rl_file_write_atomic before its rename, a directory of
 *    rl_file_mkdir_p) is fchown()ed to that directory's owner and group
 *    at once. Modes are never changed (nothing becomes group or world
 *    writable); root writes the file anyway. Nothing is chowned when not
 *    root, and a file that existed is left as it is.
 *
 * Every error is one line naming the path and what was wrong
 * ("/var/lib/relance/holds/fx%2Fa.hold: not a regular file (a FIFO)");
 * errno is left telling why (ENOENT when something is missing, ELOOP for
 * a symlink, EINVAL for a file that is not regular or has several links,
 * EPERM for a directory the judge refuses).
 *
 * Who uses it: lib/hold.c (hold files: read, replaced), lib/generate.c
 * (the generated monitoring objects: replaced), lib/journal.c (the
 * journal: appended, read), lib/lock.c (the lock files) and
 * lib/ssh_hostkey.c (known_hosts, appended by `hostkey --add`). The
 * config (lib/config.c) follows links by design and judges with
 * rl_file_dir_judge() and its own checks.
 *
 * Nothing here blocks beyond the file system calls (fsync may take as
 * long as the disk does).
 */
#ifndef RL_SAFEFILE_H
#define RL_SAFEFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "err.h"

/* An open directory and its path (for messages). Plain struct:
 * initialise with RL_FILE_DIR_INIT, release with rl_file_dir_close(). */
struct rl_file_dir {
	int fd;	    /* O_DIRECTORY|O_NOFOLLOW|O_CLOEXEC; -1 when closed */
	char *path; /* owned */
};
#define RL_FILE_DIR_INIT                                                       \
	{                                                                      \
		-1, NULL                                                       \
	}

/* Judges for rl_file_dir_open(). */
/* refuse a directory writable by group or others without the sticky bit */
#define RL_FILE_DIR_MODE 0x1u
/* refuse a directory owned by a user other than root and our euid */
#define RL_FILE_DIR_OWNER 0x2u
/* both: OpenSSH's StrictModes */
#define RL_FILE_DIR_STRICT (RL_FILE_DIR_MODE | RL_FILE_DIR_OWNER)
/* a state directory root and the monitoring core's account share (the
 * journal's, lock_dir, hold_dir): as OWNER for a caller other than root;
 * root accepts any owner, because in such a directory no link, FIFO,
 * device or hard link is ever followed (the rules above) */
#define RL_FILE_DIR_SHARED 0x4u
/* what every state directory is judged by: MODE and SHARED */
#define RL_FILE_DIR_STATE (RL_FILE_DIR_MODE | RL_FILE_DIR_SHARED)

/*
 * Opens directory PATH into *D without following a symlink at its last
 * component, and judges it as FLAGS ask. Returns 0, or -1 with err e.g.
 * "/x/holds: not a directory or a symbolic link" or "/x/holds: writable
 * by group or others (mode 0777) and not sticky" and *D left closed.
 */
int rl_file_dir_open(struct rl_file_dir *d, const char *path, unsigned flags,
		     struct rl_err *err);

/*
 * Opens the directory holding PATH's last component ("." when PATH has
 * no slash), as rl_file_dir_open() does, and sets *NAME to that last
 * component (borrowed from PATH). A PATH that ends with '/' has no file
 * name: -1, "PATH: not a file name", errno EINVAL.
 */
int rl_file_dir_open_parent(struct rl_file_dir *d, const char *path,
			    unsigned flags, const char **name,
			    struct rl_err *err);

/* What a file of mode M is, for messages: "a FIFO", "a directory", "a
 * symbolic link", "a socket", "a device", else "not a regular file". */
const char *rl_file_kind(mode_t m);

/* Closes D's fd and frees its path; a closed D is a no-op. */
void rl_file_dir_close(struct rl_file_dir *d);

/*
 * Judges the open directory FD (named PATH in messages) as FLAGS ask; 0,
 * or -1 with err set and errno EPERM. For a caller that opened it.
 */
int rl_file_dir_judge(int fd, const char *path, unsigned flags,
		      struct rl_err *err);

/*
 * Opens NAME (one path component) in D for reading, or for appending
 * (O_WRONLY|O_APPEND, created with MODE when missing), as described
 * above. Returns the fd (the caller closes it), or -1 with err set
 * ("DIR/NAME: open: No such file or directory"; errno ENOENT).
 */
int rl_file_open_read(const struct rl_file_dir *d, const char *name,
		      struct rl_err *err);
int rl_file_open_append(const struct rl_file_dir *d, const char *name,
			mode_t mode, struct rl_err *err);

/* What rl_file_open() accepts besides a regular file with one link. */
/* a character device (/dev/null, /dev/full): only root can make one */
#define RL_FILE_CHARDEV 0x1u

/*
 * The general form: opens NAME in D with the access flags HOW (O_RDONLY,
 * O_WRONLY or O_RDWR, with O_APPEND, O_CREAT as wanted; O_NOFOLLOW,
 * O_NONBLOCK, O_CLOEXEC and O_NOCTTY are added) and MODE for a file it
 * creates, and judges it as above; ACCEPT widens the judge. Returns the
 * fd (blocking again), or -1 with err set and errno as above.
 */
int rl_file_open(const struct rl_file_dir *d, const char *name, int how,
		 mode_t mode, unsigned accept, struct rl_err *err);

/*
 * Replaces NAME in D with the LEN bytes at DATA, mode exactly MODE,
 * atomically: a reader sees the old file or the new one, never a part;
 * after a crash, the old or the new one. Returns 0, or -1 with err set
 * ("DIR/NAME: write: No space left on device"), the temporary file
 * removed and NAME as it was.
 */
int rl_file_write_atomic(const struct rl_file_dir *d, const char *name,
			 const void *data, size_t len, mode_t mode,
			 struct rl_err *err);

/* One file of rl_file_write_atomic_all(). Plain struct; the strings and
 * DATA are the caller's. */
struct rl_file_new {
	const char *name; /* one path component */
	const void *data;
	size_t len;
	bool
	    unchanged; /* set by the call: NAME already held this, left alone */
};

/*
 * Puts each of FILES[0..N) in D as rl_file_write_atomic() would, with
 * MODE, waiting for the disk less: a file that is already what would be
 * left there (a regular file with one link, mode MODE, owned as a new one
 * would be, holding exactly DATA) is left alone, its mtime too, and marked
 * unchanged; the others are written to temporary files 64 at a time, each
 * synced, then renamed into place, and the directory is synced once at
 * the end. Each file is replaced atomically (the old or the new, also
 * after a crash); the set is not: on an error the files already renamed
 * are new, the others as they were, and no temporary file is left.
 * Returns 0, or -1 with err naming the file ("DIR/NAME: write: No space
 * left on device"). Blocks as long as the syncs take.
 */
int rl_file_write_atomic_all(const struct rl_file_dir *d,
			     struct rl_file_new *files, size_t n, mode_t mode,
			     struct rl_err *err);

/*
 * A secret (the Icinga 2 API password, issue 14) in the file PATH, which
 * the admin names in the config: links are followed, as for the config
 * itself, but what is opened must be a regular file (opened non-blocking:
 * a FIFO is refused, not waited on) that nobody but its owner may read or
 * write (no permission bit for group or others), owned by the caller (root
 * may use any owner's file). rl_file_open_secret returns the open fd (the
 * caller closes it), or -1 with err "PATH: refused: readable by group or
 * others (mode 0644); chmod 600 PATH" (errno EPERM), or the open's error.
 */
int rl_file_open_secret(const char *path, struct rl_err *err);

/*
 * Reads the secret of PATH (rl_file_open_secret): its first line, without
 * the line break, at most RL_FILE_SECRET_MAX bytes, not empty. *SECRET is
 * the caller's: zero it before freeing it (rl_file_secret_free). Returns 0
 * or -1 with err set ("PATH: empty", "PATH: longer than 1024 bytes").
 */
#define RL_FILE_SECRET_MAX 1024
int rl_file_read_secret(const char *path, char **secret, struct rl_err *err);

/* Zeroes and frees a secret; NULL is a no-op. */
void rl_file_secret_free(char *secret);

/*
 * Creates directory DIR and its missing parents (mode 0755, less the
 * umask), following links in what already exists, as `mkdir -p`. Each
 * directory made while running as root is given to the owner and group
 * of the directory it was made in (the ownership rule below). WHAT names
 * it in errors: "cannot create lock directory '/x/locks': Permission
 * denied". Returns 0 (also when DIR already is a directory), or -1 with
 * err set. Nothing is judged here: open DIR with rl_file_dir_open after.
 */
int rl_file_mkdir_p(const char *dir, const char *what, struct rl_err *err);

#endif
