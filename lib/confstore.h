/*
 * confstore - which configuration ran: its hash, and the copies kept of
 * each one loaded (issue 18).
 *
 * The configuration relance loaded is every file it read, the main file
 * first and then each include in the order it was read, bundled into one
 * text (rl_confstore_bundle_add):
 *
 *   ### relance config: PATH (N bytes)
 *   <the N bytes of the file, as read>
 *   <a newline>
 *
 * The byte count makes the bundle unambiguous (no content can pass for a
 * header), and the headers make a unified diff of two bundles readable.
 * The hash is the SHA-256 (OpenSSL's libcrypto EVP API, which libssh2
 * already pulls in), as 64 lowercase hex digits, of the same sequence
 * without the paths: for each file its byte count in decimal, a newline
 * and its bytes. Identical files read in the same order give the same
 * hash, whichever path they were read through (`-c ./relance.ini` and
 * the handler's absolute path agree); any byte or another include order
 * gives another. Every journal record carries it ("config"), the text
 * output its first 8 digits.
 *
 * The copies: a program that journals keeps the bundle of its config in
 * DIR/configs/HASH (DIR: the journal's directory), written atomically
 * through lib/safefile, mode 0640. The store is bounded: a save touches
 * the copy's time and removes the oldest copies beyond KEEP.
 */
#ifndef RL_CONFSTORE_H
#define RL_CONFSTORE_H

#include <stddef.h>

#include "err.h"
#include "util.h"

#define RL_CONFSTORE_HASH_LEN 64 /* hex digits */
#define RL_CONFSTORE_SHORT 8	 /* hex digits shown in text output */
#define RL_CONFSTORE_KEEP 32	 /* copies kept by default */

/* Appends the file PATH, whose LEN bytes are TEXT, to bundle B and to
 * HASHED, the text the hash is taken of (the rl_bufs' oom flags say
 * whether it worked). */
void rl_confstore_bundle_add(struct rl_buf *b, struct rl_buf *hashed,
			     const char *path, const char *text, size_t len);

/* Writes the SHA-256 of the LEN bytes at DATA as hex, NUL-terminated,
 * into OUT. Returns 0, or -1 if libcrypto fails (out of memory). */
int rl_confstore_hash(const void *data, size_t len,
		      char out[RL_CONFSTORE_HASH_LEN + 1]);

/* The store's directory for the journal at JOURNAL: "DIR/configs" (the
 * caller frees), NULL on allocation failure. */
char *rl_confstore_dir(const char *journal);

/*
 * Keeps BUNDLE (LEN bytes, whose hash is HASH) in the store of the
 * journal at JOURNAL, creating the configs directory when missing (with
 * the journal directory's mode, setgid bit included, without write for
 * others, and its owner and group when root creates it); then removes the
 * oldest copies beyond KEEP (at least 1). Returns 0, or -1 with err set
 * ("cannot keep config copy 'DIR/HASH': ..."). Blocks on file I/O only.
 */
int rl_confstore_save(const char *journal, const char *hash, const char *bundle,
		      size_t len, int keep, struct rl_err *err);

/*
 * Reads the copy whose hash starts with PREFIX (at least 4 hex digits)
 * from the store of JOURNAL into *BUNDLE (NUL-terminated, the caller
 * frees; *LEN its length) and its full hash into FULL. Returns 0; -2
 * with err set when there is no such copy: "no config copy 'PREFIX' in
 * 'DIR'", "config hash prefix 'PREFIX' is ambiguous in 'DIR'", "'X' is
 * not a config hash (4 to 64 lowercase hex digits)"; -1 with err set on
 * a system error.
 */
int rl_confstore_load(const char *journal, const char *prefix, char **bundle,
		      size_t *len, char full[RL_CONFSTORE_HASH_LEN + 1],
		      struct rl_err *err);

/*
 * The newest copy in the store of JOURNAL other than EXCEPT (a full hash,
 * or NULL), into FULL. Returns 0, 1 if there is none, or -1 with err set.
 */
int rl_confstore_newest(const char *journal, const char *except,
			char full[RL_CONFSTORE_HASH_LEN + 1],
			struct rl_err *err);

#endif
