#!/bin/sh
# Root (relancectl) and the monitoring core's account (nagios: the event
# handler, or relancectl run by it) share the journal, lock_dir and
# hold_dir. Whoever runs first, the other can still use them: what root
# creates in a directory nagios owns is nagios's (lib/safefile). And a
# local host with `user = nagios` runs its commands as nagios whoever
# calls, so that the handler can stop what root started; a caller who
# cannot become that user is refused before anything runs.
# Needs root and the account `nagios` (su -s /bin/sh nagios).
. "$top_srcdir/tests/lib.sh"

ctl="$top_builddir/ctl/relancectl"
hc="$top_builddir/handlers/handle_component"
[ -x "$ctl" ] && [ -x "$hc" ] || skip_all "relancectl or handle_component not built"
[ "$(id -u)" = 0 ] || skip_all "needs root"
id nagios >/dev/null 2>&1 || skip_all "needs the account nagios"
command -v su >/dev/null || skip_all "needs su"
su -s /bin/sh -c true nagios 2>/dev/null || skip_all "su to nagios does not work"

T=$(mktemp -d "${TMPDIR:-/tmp}/rl-owner.XXXXXX") || exit 1
cleanup() {
	for f in "$T"/*/run/*.pid; do
		[ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null
	done
	rm -rf "$T"
}
trap cleanup EXIT
[ -n "$RELANCE_TEST_KEEP" ] && trap - EXIT
trap 'exit 1' INT TERM
unset RELANCE_CONFIG NO_COLOR
umask 022
# nagios must reach the binaries and the test's files
chmod 755 "$T"
for d in "$top_builddir" "$top_srcdir"; do
	su -s /bin/sh -c 'test -x "$0"' nagios -- "$d/tests" 2>/dev/null ||
		skip_all "nagios cannot reach $d"
done
mkdir "$T/etc"
cp "$top_srcdir/tests/integration/state_owner/comp.sh" "$T/comp.sh"
cp "$top_srcdir/tests/integration/relancectl/comp.sh" "$T/base.sh"
chmod 755 "$T/comp.sh" "$T/base.sh"

as_nagios() { # as_nagios CMD ARGS...: runs it as nagios, status kept
	su -s /bin/sh -c 'exec "$0" "$@"' nagios -- "$@"
}
rc() { # rc CMD...: output in $out (stdout+stderr), status in $st
	out=$("$@" 2>&1)
	st=$?
}
owner() { stat -c %U:%G "$1" 2>/dev/null || echo missing; }
writable_by_others() { # files or directories under $1 writable by g or o
	find "$1" -perm /022 ! -type l | grep -v '^$'
}
pid_of() { cat "$1/run/$2.pid" 2>/dev/null || echo none; }
alive() {
	s=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
	case $s in Z*|"") return 1 ;; esac
}
ps_user() { ps -o user= -p "$1" 2>/dev/null | tr -d ' '; }

# config S USER: $T/etc/S.ini, state in $T/S (nagios's), one component
# demo/app on a local host whose commands run as USER ("" for none)
config() {
	mkdir -p "$T/$1/run"
	chown -R nagios:nagios "$T/$1"
	chmod 755 "$T/$1" "$T/$1/run"
	{
		printf '[relance]\njournal = %s/journal.jsonl\n' "$T/$1"
		printf 'lock_dir = %s/locks\nhost_lock_dir = %s/hostlocks\n' \
			"$T/$1" "$T/$1"
		printf 'node = testnode\n\n[host "here"]\ntransport = local\n'
		[ -n "$2" ] && printf 'user = %s\n' "$2"
		printf '\n[component "demo/app"]\nhost = here\n'
		for a in check start stop restart; do
			printf '%s = %s %s app %s\n' $a "$T/comp.sh" "$T/$1" $a
		done
		printf 'start_timeout = 60s\nstop_timeout = 60s\n'
	} >"$T/etc/$1.ini"
	chmod 644 "$T/etc/$1.ini"
}

# --- root first, then nagios ------------------------------------------------
config a nagios
A=$T/a
rc "$ctl" -c "$T/etc/a.ini" hold demo/app --reason "root first"
is "$st" 0 "root: hold (hold_dir made by root)"
is "$(owner "$A/holds")" nagios:nagios "... hold_dir belongs to the owner of its parent"
is "$(owner "$A/holds/demo%2Fapp.hold")" nagios:nagios "... the hold file too"
is "$(owner "$A/holds/.lock")" nagios:nagios "... and the holds' lock file"
is "$(owner "$A/journal.jsonl")" nagios:nagios "... the journal root created too"
rc "$ctl" -c "$T/etc/a.ini" release demo/app
is "$st" 0 "root: release"
rc "$ctl" -c "$T/etc/a.ini" start demo/app
is "$st" 0 "root: start (lock_dir made by root)" || diag "$out"
is "$(owner "$A/locks")" nagios:nagios "... lock_dir belongs to the owner of its parent"
is "$(owner "$A/locks/demo%2Fapp.lock")" nagios:nagios "... the lock file too"
p1=$(pid_of "$A" app)
is "$(ps_user "$p1")" nagios "... the component runs as the host's user (root switched)"
is "$(cat "$A/run/app.user" 2>/dev/null)" nagios "... its start command ran as nagios"
is "$(writable_by_others "$A")" "" "... nothing made writable by group or others"

rc as_nagios "$ctl" -c "$T/etc/a.ini" restart demo/app
is "$st" 0 "nagios: restart after root (journal, locks usable)" || diag "$out"
p2=$(pid_of "$A" app)
alive "$p1"; ok $((! $?)) "... the process root started is stopped by nagios"
alive "$p2"; ok $? "... and a new one runs"
rc as_nagios "$ctl" -c "$T/etc/a.ini" hold demo/app --reason "nagios second"
is "$st" 0 "nagios: hold after root" || diag "$out"
rc as_nagios "$ctl" -c "$T/etc/a.ini" release demo/app
is "$st" 0 "nagios: release after root" || diag "$out"

# the handler as nagios: the component's check fails, its process lives
root_pid=$p2
rc "$ctl" -c "$T/etc/a.ini" restart demo/app
is "$st" 0 "root: restart again" || diag "$out"
root_pid=$(pid_of "$A" app)
: >"$A/run/sick-app"
rc as_nagios "$hc" -c "$T/etc/a.ini" -C demo/app --state CRITICAL \
	--state-type HARD --attempt 2 --foreground
is "$st" 0 "nagios: the handler heals what root started"
[ "$st" = 0 ] || { diag "$out"; tail -n 3 "$A/journal.jsonl"; }
alive "$root_pid"; ok $((! $?)) "... its restart ended the process root started"
alive "$(pid_of "$A" app)"; ok $? "... and its start runs again"
like "$(tail -n 1 "$A/journal.jsonl")" '"user":"nagios"' \
	"... journaled by nagios in the journal root created"

# --- nagios first, then root --------------------------------------------------
config b nagios
B=$T/b
rc as_nagios "$ctl" -c "$T/etc/b.ini" start demo/app
is "$st" 0 "nagios: start first" || diag "$out"
rc "$ctl" -c "$T/etc/b.ini" restart demo/app
is "$st" 0 "root: restart after nagios" || diag "$out"
rc "$ctl" -c "$T/etc/b.ini" hold demo/app --reason "root second"
is "$st" 0 "root: hold after nagios"
is "$(owner "$B/holds/demo%2Fapp.hold")" nagios:nagios "... the hold file root wrote is nagios's"
: >"$B/run/sick-app"
rc as_nagios "$hc" -c "$T/etc/b.ini" -C demo/app --state CRITICAL \
	--state-type HARD --attempt 2 --foreground
is "$st" 0 "nagios: the handler stands down for root's hold"
rm -f "$B/run/sick-app"
like "$(grep '"event":"decision"' "$B/journal.jsonl" | tail -n 1)" \
	'"user":"nagios".*"result":"stand-down"' "... journaled by nagios"
like "$("$ctl" -c "$T/etc/b.ini" history demo/app | tail -n 1)" \
	"^[-0-9]+ [:0-9]+ +testnode +nagios +handler +demo/app +stand-down " \
	"history: the stand-down's user is the handler's account, not the hold's author"
like "$("$ctl" -c "$T/etc/b.ini" history demo/app | grep 'hold manual' | tail -n 1)" \
	" root +hold manual +demo/app +set " "history: a hold's user is who held"
rc as_nagios "$ctl" -c "$T/etc/b.ini" release demo/app
is "$st" 0 "nagios: release the hold root set" || diag "$out"
rc as_nagios "$ctl" -c "$T/etc/b.ini" stop demo/app
is "$st" 0 "nagios: stop what root restarted" || diag "$out"
for f in journal.jsonl locks locks/demo%2Fapp.lock holds holds/.lock; do
	is "$(owner "$B/$f")" nagios:nagios "$f: nagios's"
done
is "$(writable_by_others "$B")" "" "nothing made writable by group or others"

# --- a user the caller cannot become: refused, nothing run --------------------
config c root
C=$T/c
rc as_nagios "$ctl" -c "$T/etc/c.ini" start demo/app
is "$st" 2 "nagios acting on a host whose user is root: exit 2"
like "$out" "^relancectl: start demo/app: refused, nothing done: host 'here': commands run as 'root', relance runs as 'nagios' and cannot switch \(run as root, or use transport = ssh\)$" \
	"... one line naming the host, the user and who relance is"
[ ! -e "$C/run/app.pid" ]; ok $? "... nothing was started"
like "$(grep '"event":"plan"' "$C/journal.jsonl" | tail -n 1)" \
	'"phase":"end".*"result":"refused"' "... journaled as refused"
rc as_nagios "$ctl" --json -c "$T/etc/c.ini" restart demo/app
is "$st" 2 "--json: exit 2 too"
like "$out" '"refused":"host '"'here'"': commands run as' "--json: says why"

rc as_nagios "$hc" -c "$T/etc/c.ini" -C demo/app --state CRITICAL \
	--state-type HARD --attempt 2 --foreground
is "$st" 1 "the handler as nagios on that host: the restart fails (exit 1)"
like "$(grep '"event":"plan"' "$C/journal.jsonl" | tail -n 1)" \
	"\"result\":\"failed\",\"message\":\"host 'here': commands run as 'root', relance runs as 'nagios'" \
	"... journaled with why, before any lock or command"
[ ! -e "$C/run/app.pid" ]; ok $? "... nothing was started"

cc="$top_builddir/plugins/check_component"
if [ -x "$cc" ]; then
	rc as_nagios "$cc" --config "$T/etc/c.ini" -C demo/app
	is "$st" 3 "check_component as nagios on that host: UNKNOWN"
	like "$out" "^COMPONENT UNKNOWN - demo/app on here: failed at exec: commands run as 'root', relance runs as 'nagios' and cannot switch" \
		"... with the same words"
fi

config f nobody
rc as_nagios "$ctl" -c "$T/etc/f.ini" stop demo/app
is "$st" 2 "nagios acting on a host whose user is nobody: exit 2"
like "$out" "commands run as 'nobody', relance runs as 'nagios' and cannot switch \(run as root or nobody, or use transport = ssh\)$" \
	"... says who can"

# a component's own user, on a host without one
config h ""
printf 'user = nagios\n' >>"$T/etc/h.ini"
rc "$ctl" -c "$T/etc/h.ini" start demo/app
is "$st" 0 "component user: root starts it" || diag "$out"
h1=$(pid_of "$T/h" app)
is "$(ps_user "$h1")" nagios "... as the component's user"
# the host's locks are still the caller's (the host has no user): root's
# host_lock_dir is root's, and nagios cannot use it: an error, not "held"
rc as_nagios "$ctl" -c "$T/etc/h.ini" stop demo/app
is "$st" 1 "... a host lock dir nagios cannot write: exit 1, nothing done"
like "$out" "lock of 'demo/app': (exit 3: )?cannot write $T/h/hostlocks" \
	"... says which directory"
unlike "$out" "held" "... and not that another action holds the lock"
alive "$h1"; ok $? "... the component still runs"
rc "$ctl" -c "$T/etc/h.ini" stop demo/app
is "$st" 0 "... root stops what runs as the component's user" || diag "$out"
alive "$h1"; ok $((! $?)) "... its process is gone"

# an account that does not exist: a config error where it is written
config d no-such-user-rl
rc "$ctl" -c "$T/etc/d.ini" config check
is "$st" 2 "unknown user: config error"
like "$out" "^relancectl: $T/etc/d.ini:9: host 'here': key 'user': no user 'no-such-user-rl' on this machine" \
	"... file:line:key"

# --- config check: what the core's account could not use is a warning -------
rc "$ctl" -c "$T/etc/a.ini" config check
is "$st" 0 "config check: state usable by nagios: exit 0"
unlike "$out" "warning" "... and no warning"
# a lock file root made before the ownership rule
: >"$A/locks/demo%2Fold.lock"
chmod 644 "$A/locks/demo%2Fold.lock"
rc "$ctl" -c "$T/etc/a.ini" config check
like "$out" "^relancectl: warning: lock_dir '$A/locks': 1 lock file nagios cannot open for writing, such as '$A/locks/demo%2Fold.lock' \(owner root:root, mode 0644\): chown nagios them$" \
	"config check: a lock file nagios cannot write is a warning"
rm "$A/locks/demo%2Fold.lock"
config g ""
G=$T/g
mkdir "$G/locks"
: >"$G/journal.jsonl"
chmod 640 "$G/journal.jsonl"
sed -i "s|^lock_dir = .*|lock_dir = $T/rootonly/locks|" "$T/etc/g.ini"
rc "$ctl" -c "$T/etc/g.ini" config check
is "$st" 1 "config check with warnings: exit 1 (warnings only)"
like "$out" "^config OK with warnings" "... still OK, with warnings"
like "$out" "^relancectl: warning: journal '$G/journal.jsonl' is not writable for nagios \(owner root:root, mode 0640\)$" \
	"... warns of a journal nagios cannot write"
like "$out" "^relancectl: warning: lock_dir '$T/rootonly/locks' does not exist, and relance would create it owned by its parent's owner: create it owned by nagios$" \
	"... and of a lock_dir that root would create as its own"
unlike "$out" "hold_dir" "... not of a hold_dir nagios can create"
chown nagios "$G/journal.jsonl"
mkdir "$T/rootonly"
chmod 700 "$T/rootonly"
rc "$ctl" --json -c "$T/etc/g.ini" config check
is "$st" 1 "--json: exit 1"
like "$out" "\"key\":\"core_user\",\"severity\":\"warning\",\"message\":\"lock_dir '$T/rootonly/locks': nagios cannot reach it: '$T/rootonly' is not searchable for nagios \(owner root:root, mode 0700\)\"" \
	"--json: the warning as a finding"
printf '[relance]\ncore_user = nobody\n' | cat - "$T/etc/g.ini" | grep -v '^\[relance\]$' >"$T/etc/g2.ini"
sed -i '1i [relance]' "$T/etc/g2.ini"
chmod 644 "$T/etc/g2.ini"
rc "$ctl" -c "$T/etc/g2.ini" config check
like "$out" "journal '$G/journal.jsonl' is not writable for nobody" "core_user names whose access is judged"
sed -i 's/^core_user = nobody/core_user = no-such-user-rl/' "$T/etc/g2.ini"
rc "$ctl" -c "$T/etc/g2.ini" config check
is "$st" 2 "core_user that does not exist: config error"
like "$out" "^relancectl: $T/etc/g2.ini:2: section 'relance': key 'core_user': no user 'no-such-user-rl' on this machine$" \
	"... file:line:key"
rmdir "$T/rootonly"

# --- a lock_dir nagios cannot create: exit 6, not "held" (4) -----------------
config e ""
mkdir "$T/e/rootonly"
sed -i "s|^lock_dir = .*|lock_dir = $T/e/rootonly/locks|" "$T/etc/e.ini"
chown root:root "$T/e/rootonly"
rc as_nagios "$ctl" -c "$T/etc/e.ini" start demo/app
is "$st" 6 "nagios: a lock_dir it cannot create: exit 6"
like "$out" "cannot create lock directory '$T/e/rootonly/locks': Permission denied" \
	"... says which and why"
unlike "$out" "holds" "... and not that another action holds a lock"

done_testing
