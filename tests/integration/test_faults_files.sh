#!/bin/sh
# Issue 12, the files relance opens: nothing it writes or reads as state
# can be redirected by a link, hang it as a FIFO, or be truncated through
# a hard link; a directory others may write is refused for config. Each
# case runs the real programs under `timeout 20`, so a hang fails (exit
# 124) instead of blocking the suite.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/sshd.sh"

ctl="$top_builddir/ctl/relancectl"
hc="$top_builddir/handlers/handle_component"
cc="$top_builddir/plugins/check_component"
[ -x "$ctl" ] && [ -x "$hc" ] && [ -x "$cc" ] || skip_all "programs not built"
[ "$(id -u)" = 0 ] || skip_all "runs as root, as the suite does"
command -v timeout >/dev/null || skip_all "timeout needed"

have_sshd=no
if [ -x "$SSHD_BIN" ] && command -v ssh-keygen >/dev/null; then
	sshd_setup # its trap stops sshd and removes $SSHD_DIR on exit
	have_sshd=yes
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/faults_files.XXXXXX") || exit 1
cleanup() {
	# the check the alarm test leaves behind (its own process group)
	[ -f "$T/stubborn.pid" ] && kill -s KILL -- "-$(cat "$T/stubborn.pid")" 2>/dev/null
	rm -rf "$T"
	[ "$have_sshd" = no ] || sshd_cleanup
}
trap cleanup EXIT
trap 'exit 1' INT TERM
unset RELANCE_CONFIG NO_COLOR
export LSAN_OPTIONS="suppressions=$top_srcdir/tests/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"

# conf FILE JOURNAL LOCK_DIR [EXTRA]: one local component fx/a whose
# state is the file $T/up; EXTRA goes into [relance]
conf() {
	cat >"$1" <<EOF
[relance]
journal = $2
lock_dir = $3
hold_dir = $T/holds
${4:-}
core_user = root
[host "here"]
transport = local
[component "fx/a"]
host = here
check = test -f $T/up
start = touch $T/up
stop = rm -f $T/up
EOF
	chmod 600 "$1"
}
run() { # run PROG ARGS...: output in $out, status in $st (124: it hung)
	out=$(timeout 20 "$@" 2>&1)
	st=$?
}
lines() { printf '%s\n' "$out" | grep -c .; }
touch "$T/up"

# --- the journal ----------------------------------------------------------

# a symlink planted at the journal's name: the target is neither appended
# to nor cut back by the torn-tail repair (its last line has no newline)
mkdir "$T/j1"
printf 'precious line one\nprecious tail without newline' >"$T/victim"
cp "$T/victim" "$T/victim.orig"
ln -s "$T/victim" "$T/j1/journal.jsonl"
conf "$T/c1.ini" "$T/j1/journal.jsonl" "$T/locks"
run "$ctl" -c "$T/c1.ini" restart fx/a
is "$st" 5 "symlinked journal: restart refuses, exit 5 (nothing done)"
like "$out" "journal.*symbolic link" "symlinked journal: says it is a link"
cmp -s "$T/victim" "$T/victim.orig"
ok $? "symlinked journal: the link's target is byte for byte untouched"
run "$ctl" -c "$T/c1.ini" history
ok $([ "$st" != 0 ] && [ "$st" != 124 ]; echo $?) \
	"symlinked journal: history refuses it (exit $st)"
unlike "$out" "precious" "symlinked journal: history shows nothing of the target"

# a FIFO as the journal: refused at once, never written into the pipe
mkdir "$T/j2"
mkfifo "$T/j2/journal.jsonl"
conf "$T/c2.ini" "$T/j2/journal.jsonl" "$T/locks"
run "$ctl" -c "$T/c2.ini" restart fx/a
is "$st" 5 "FIFO journal: restart exits 5, not 0 with its records lost"
like "$out" "journal.*FIFO" "FIFO journal: says it is a FIFO"
run "$ctl" -c "$T/c2.ini" history
ok $([ "$st" != 0 ] && [ "$st" != 124 ]; echo $?) \
	"FIFO journal: history returns with an error (exit $st), no hang"
like "$out" "FIFO" "FIFO journal: history says why"
run "$hc" -c "$T/c2.ini" -C fx/a --state CRITICAL --state-type HARD \
	--attempt 3 --foreground
is "$st" 5 "FIFO journal: the handler stops before anything, exit 5"

# a hard link to another file as the journal
mkdir "$T/j3"
printf 'other file\n' >"$T/other"
cp "$T/other" "$T/other.orig"
ln "$T/other" "$T/j3/journal.jsonl"
conf "$T/c3.ini" "$T/j3/journal.jsonl" "$T/locks"
run "$ctl" -c "$T/c3.ini" restart fx/a
is "$st" 5 "hard-linked journal: restart refuses, exit 5"
like "$out" "hard links" "hard-linked journal: says why"
cmp -s "$T/other" "$T/other.orig"
ok $? "hard-linked journal: the other name's content is untouched"

# the journal's directory writable by others (no sticky bit)
mkdir "$T/j4"
chmod 0777 "$T/j4"
conf "$T/c4.ini" "$T/j4/journal.jsonl" "$T/locks"
run "$ctl" -c "$T/c4.ini" restart fx/a
is "$st" 5 "journal directory mode 0777: refused, exit 5"
like "$out" "writable by group or others" "0777 journal directory: says why"
[ ! -e "$T/j4/journal.jsonl" ]
ok $? "0777 journal directory: nothing created there"
chmod 1777 "$T/j4"
run "$ctl" -c "$T/c4.ini" restart fx/a
is "$st" 0 "journal directory mode 1777 (sticky, as /tmp): taken"

# --- the lock files -------------------------------------------------------

# a hard link to a file at a lock file's name: never truncated
mkdir "$T/l1"
printf 'do not truncate me\n' >"$T/precious"
cp "$T/precious" "$T/precious.orig"
ln "$T/precious" "$T/l1/fx%2Fa.lock"
conf "$T/c5.ini" "$T/j5.jsonl" "$T/l1"
run "$ctl" -c "$T/c5.ini" restart fx/a
ok $([ "$st" != 0 ] && [ "$st" != 124 ]; echo $?) \
	"hard-linked lock file: restart refused (exit $st)"
like "$out" "fx%2Fa.lock: has 2 hard links" "hard-linked lock file: says why"
cmp -s "$T/precious" "$T/precious.orig"
ok $? "hard-linked lock file: the other name is not truncated"

# a symlink to a file at a lock file's name
mkdir "$T/l2"
printf 'do not truncate me either\n' >"$T/precious2"
cp "$T/precious2" "$T/precious2.orig"
ln -s "$T/precious2" "$T/l2/fx%2Fa.lock"
conf "$T/c6.ini" "$T/j6.jsonl" "$T/l2"
run "$ctl" -c "$T/c6.ini" restart fx/a
ok $([ "$st" != 0 ] && [ "$st" != 124 ]; echo $?) \
	"symlinked lock file: restart refused (exit $st)"
cmp -s "$T/precious2" "$T/precious2.orig"
ok $? "symlinked lock file: its target untouched"

# a symlinked lock_dir is not followed
mkdir "$T/l3real"
ln -s "$T/l3real" "$T/l3"
conf "$T/c7.ini" "$T/j7.jsonl" "$T/l3"
run "$ctl" -c "$T/c7.ini" restart fx/a
ok $([ "$st" != 0 ] && [ "$st" != 124 ]; echo $?) \
	"symlinked lock_dir: restart refused (exit $st)"
like "$out" "symbolic link, not a directory" "symlinked lock_dir: says why"
is "$(ls -A "$T/l3real")" "" "symlinked lock_dir: nothing created behind it"

# a FIFO at a lock file's name
mkdir "$T/l4"
mkfifo "$T/l4/fx%2Fa.lock"
conf "$T/c8.ini" "$T/j8.jsonl" "$T/l4"
run "$ctl" -c "$T/c8.ini" restart fx/a
ok $([ "$st" != 0 ] && [ "$st" != 124 ]; echo $?) \
	"FIFO lock file: restart refused at once (exit $st)"

# --- the hold directory ---------------------------------------------------

# a FIFO at the hold directory's own lock file: hold returns, refused
mkdir -p "$T/holds"
mkfifo "$T/holds/.lock"
conf "$T/ch.ini" "$T/jh.jsonl" "$T/locks"
run "$ctl" -c "$T/ch.ini" hold fx/a --reason "disk swap"
ok $([ "$st" != 0 ] && [ "$st" != 124 ]; echo $?) \
	"FIFO as the hold directory's lock: hold refused at once (exit $st)"
like "$out" "holds/.lock.*not a regular file" "FIFO hold lock: says why"
rm "$T/holds/.lock"
run "$ctl" -c "$T/ch.ini" hold fx/a --reason "disk swap"
is "$st" 0 "without it, hold works"
run "$ctl" -c "$T/ch.ini" release fx/a
is "$st" 0 "and release"

# --- config: directories and includes -------------------------------------

# the config's own directory writable by everyone
mkdir "$T/cd1"
chmod 0777 "$T/cd1"
conf "$T/cd1/relance.ini" "$T/j9.jsonl" "$T/locks"
run "$ctl" -c "$T/cd1/relance.ini" config check
is "$st" 2 "config directory mode 0777: config error, exit 2"
like "$out" "^relancectl: .*cd1: writable by group or others \(mode 0777\) and not sticky" \
	"config directory mode 0777: names the directory and why"

# a directory the include names, writable by everyone: refused with the
# including file, the line and the key
mkdir "$T/cd2" "$T/cd2/conf.d"
chmod 0777 "$T/cd2/conf.d"
conf "$T/cd2/relance.ini" "$T/j9.jsonl" "$T/locks" "include = conf.d/*.ini"
printf '[application "fx"]\ndescription = x\n' >"$T/cd2/conf.d/a.ini"
chmod 600 "$T/cd2/conf.d/a.ini"
run "$ctl" -c "$T/cd2/relance.ini" config check
is "$st" 2 "include directory mode 0777: config error, exit 2"
like "$out" "relance.ini:5: section 'relance': key 'include': .*conf.d: writable by group or others" \
	"include directory mode 0777: file:line:key and the directory"
chmod 0755 "$T/cd2/conf.d"
run "$ctl" -c "$T/cd2/relance.ini" config check
is "$st" 0 "include directory mode 0755: accepted"

# a FIFO, then a device, matching an include glob: refused at once,
# without opening them, by config check, the handler and the plugin
mkfifo "$T/cd2/conf.d/z.ini"
run "$ctl" -c "$T/cd2/relance.ini" config check
is "$st" 2 "FIFO matching an include glob: config check exits 2 at once"
is "$(lines)" 1 "FIFO in the glob: one line"
like "$out" "relance.ini:5: .*key 'include': cannot read '.*conf.d/z.ini': not a regular file \(a FIFO\)" \
	"FIFO in the glob: names the place and the FIFO"
run "$hc" -c "$T/cd2/relance.ini" -C fx/a --state CRITICAL --state-type HARD \
	--attempt 3
is "$st" 2 "FIFO in the glob: the handler returns, config error (exit 2)"
like "$out" "a FIFO" "FIFO in the glob: the handler says why"
t0=$(now_ms)
run "$cc" -f "$T/cd2/relance.ini" -C fx/a -t 3
ms=$(( $(now_ms) - t0 ))
is "$st" 3 "FIFO in the glob: check_component -t 3 is UNKNOWN"
is "$(lines)" 1 "FIFO in the glob: the plugin prints one line"
like "$out" "^COMPONENT UNKNOWN - config: .*a FIFO" \
	"FIFO in the glob: the plugin says why, not through its alarm"
ok $([ "$ms" -lt 3000 ]; echo $?) "FIFO in the glob: before the timeout (${ms}ms)"
rm "$T/cd2/conf.d/z.ini"
mknod "$T/cd2/conf.d/z.ini" c 1 3
run "$ctl" -c "$T/cd2/relance.ini" config check
is "$st" 2 "device matching an include glob: refused"
like "$out" "not a regular file \(a device\)" "device in the glob: says why"
rm "$T/cd2/conf.d/z.ini"

# links in config are followed (an admin's choice), but a link whose own
# directory others may write is refused like a file there
mkdir "$T/cd3" "$T/open"
chmod 0777 "$T/open"
conf "$T/cd3/real.ini" "$T/j9.jsonl" "$T/locks"
ln -s "$T/cd3/real.ini" "$T/cd3/relance.ini"
run "$ctl" -c "$T/cd3/relance.ini" config check
is "$st" 0 "a root-owned link to a config in a safe directory: followed"
ln -s "$T/cd3/real.ini" "$T/open/relance.ini"
run "$ctl" -c "$T/open/relance.ini" config check
is "$st" 2 "a link in a directory everyone may write: refused"
mv "$T/cd3/real.ini" "$T/open/real.ini"
ln -sf "$T/open/real.ini" "$T/cd3/relance.ini"
run "$ctl" -c "$T/cd3/relance.ini" config check
is "$st" 2 "a link to a file in a directory everyone may write: refused"

# --- known_hosts, written by hostkey --add --------------------------------

if [ "$have_sshd" = yes ]; then
	sshd_start h1
	K=$T/kh
	mkdir "$K"
	printf 'keep me\n' >"$T/kh-victim"
	cp "$T/kh-victim" "$T/kh-victim.orig"
	ln -s "$T/kh-victim" "$K/known_hosts"
	conf "$T/ck.ini" "$T/jk.jsonl" "$T/locks"
	cat >>"$T/ck.ini" <<EOF
[ssh]
user = $SSHD_USER
identity = $SSHD_DIR/id_ed25519
known_hosts = $K/known_hosts
[host "h1"]
address = 127.0.0.1
port = $SSHD_PORT_h1
EOF
	run "$ctl" -c "$T/ck.ini" hostkey h1 --add
	ok $([ "$st" != 0 ] && [ "$st" != 124 ]; echo $?) \
		"hostkey --add through a symlinked known_hosts: refused (exit $st)"
	like "$out" "known_hosts.*symbolic link" "hostkey --add: says it is a link"
	cmp -s "$T/kh-victim" "$T/kh-victim.orig"
	ok $? "hostkey --add: the link's target is untouched"
	rm "$K/known_hosts"
	mkfifo "$K/known_hosts"
	run "$ctl" -c "$T/ck.ini" hostkey h1 --add
	ok $([ "$st" != 0 ] && [ "$st" != 124 ]; echo $?) \
		"hostkey --add with a FIFO as known_hosts: refused at once (exit $st)"
	rm "$K/known_hosts"
	run "$ctl" -c "$T/ck.ini" hostkey h1 --add
	is "$st" 0 "hostkey --add to a plain new file: written"
else
	diag "skip hostkey --add: needs $SSHD_BIN and ssh-keygen"
fi

# --- the plugins' backstop alarm ------------------------------------------

# a check that blocks and ignores TERM: UNKNOWN with a timeout line
cat >"$T/stubborn.sh" <<EOF
#!/bin/sh
trap '' TERM
echo \$\$ >"$T/stubborn.pid"
touch "$T/stubborn.started"
while :; do sleep 1; done
EOF
chmod 755 "$T/stubborn.sh"
conf "$T/cp.ini" "$T/jp.jsonl" "$T/locks"
printf '[component "fx/stuck"]\nhost = here\ncheck = %s\nstart = true\nstop = true\n' \
	"$T/stubborn.sh" >>"$T/cp.ini"
t0=$(now_ms)
run "$cc" -f "$T/cp.ini" -C fx/stuck -t 3
ms=$(( $(now_ms) - t0 ))
is "$st" 3 "a check that blocks and ignores TERM, -t 3: UNKNOWN"
like "$(printf '%s\n' "$out" | head -n 1)" "^COMPONENT UNKNOWN - .*tim" \
	"the blocking check: a timeout line"
ok $([ "$ms" -lt 5000 ]; echo $?) "the blocking check: back within t+2s (${ms}ms)"

# the alarm itself: the plugin is stopped while its check runs, past the
# timeout, and continued; its alarm (due at t+100ms) has fired by then
# and wins over the transport's own timeout, which it would not if it
# were due at ceil(t)+1s
rm -f "$T/stubborn.started"
t0=$(now_ms)
timeout 20 "$cc" -f "$T/cp.ini" -C fx/stuck -t 3 >"$T/alarm.out" 2>&1 &
plugin=$!
wait_for 20 test -f "$T/stubborn.started"
ok $? "the blocking check has started"
pid=$(pgrep -P "$plugin" -x check_component)
[ -n "$pid" ] && kill -STOP "$pid"
ok $? "the plugin is stopped"
# 3.5 s after the start: past the new alarm (3.1 s), before the old (4 s)
wait_for 20 sh -c "[ \$(date +%s%3N) -ge $((t0 + 3500)) ]"
kill -CONT "$pid"
wait "$plugin"
st=$?
is "$st" 3 "alarm: UNKNOWN"
like "$(cat "$T/alarm.out")" "^COMPONENT UNKNOWN - plugin timed out after 3000ms" \
	"alarm: the backstop fired at the timeout + 100ms"

done_testing
