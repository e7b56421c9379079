#!/bin/sh
# relancectl generate (issue 6) on the demo configuration: the output goes
# through the real `nagios4 -v` and `icinga2 daemon -C`, is the same bytes
# twice, and --check tells an edited directory from an up-to-date one.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/e2e/lib.sh"

ctl="$top_builddir/ctl/relancectl"
[ -x "$ctl" ] || skip_all "relancectl not built"

T=$(mktemp -d "${TMPDIR:-/tmp}/rl-gencli.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 1' INT TERM
demo=$(cd "$top_srcdir/conf/demo" && pwd -P)
sed "s|@DEMO_DIR@|$demo|g; s|@RUN_DIR@|$T/run|g" \
	"$top_srcdir/conf/demo/demo.ini.in" > "$T/demo.ini"
chmod 600 "$T/demo.ini"
unset RELANCE_CONFIG

# verify KIND DIR FILE...: the core accepts the files beside the installed
# command definitions (conf/*/relance-commands.*), as a site loads them
verify() {
	kind=$1 d=$2; shift 2
	if [ "$kind" = nagios ]; then
		nagios_verify "$d" "$top_srcdir/conf/nagios/relance-commands.cfg" "$@"
	else
		icinga_verify "$d" "$top_srcdir/conf/icinga2/relance-commands.conf" "$@"
	fi
	rc=$?
	[ $rc = 0 ] || sed 's/^/#   /' "$d/verify.out" | grep -iE 'error|warn' | head -20
	return $rc
}

for kind in nagios icinga2; do
	ext=cfg; [ $kind = icinga2 ] && ext=conf
	# check, application check, handler, ack notification; Icinga 2 also
	# the retry notification (heal_retry)
	ncmd=4; [ $kind = icinga2 ] && ncmd=5

	# stdout: one file
	"$ctl" -c "$T/demo.ini" generate $kind > "$T/$kind-1.$ext" 2> "$T/err"
	ok $? "$kind: generate to stdout"
	"$ctl" -c "$T/demo.ini" generate $kind > "$T/$kind-2.$ext"
	cmp -s "$T/$kind-1.$ext" "$T/$kind-2.$ext"
	ok $? "$kind: the same bytes twice"
	like "$(head -5 "$T/$kind-1.$ext")" "relancectl generate" \
		"$kind: the header names relancectl"
	is "$(grep -cE '^(define command \{|object [A-Za-z]+Command )' "$T/$kind-1.$ext")" 0 \
		"$kind: no command object (the installed definitions have them)"
	"$ctl" -f "$T/demo.ini" generate $kind --with-commands > "$T/$kind-c.$ext" 2> "$T/err"
	ok $? "$kind: generate --with-commands"
	is "$(grep -cE '^(define command \{|object [A-Za-z]+Command )' "$T/$kind-c.$ext")" $ncmd \
		"$kind: --with-commands: the $ncmd commands"
	is "$(grep -cE -- "-f $T/demo.ini |vars.relance_config = \"$T/demo.ini\"" "$T/$kind-c.$ext")" $ncmd \
		"$kind: the commands carry the absolute config path"
	is "$(cat "$T/err")" "" "$kind: --with-commands: nothing on stderr"

	# -o DIR: one file per application plus the common one
	mkdir "$T/$kind-dir"
	out=$("$ctl" -c "$T/demo.ini" generate $kind -o "$T/$kind-dir")
	ok $? "$kind: generate -o DIR"
	is "$(cd "$T/$kind-dir" && ls | tr '\n' ' ')" \
		"relance-app-demo.$ext relance-common.$ext " \
		"$kind: split into relance-common and relance-app-demo"
	like "$out" "relance-app-demo.$ext" "$kind: the files written are listed"

	have=1
	if [ $kind = nagios ]; then have_nagios || have=0
	else have_icinga || have=0; fi
	if [ $have = 1 ]; then
		verify $kind "$T/$kind-v1" "$T/$kind-1.$ext"
		ok $? "$kind: the core accepts the single file"
		verify $kind "$T/$kind-v2" "$T/$kind-dir"/*.$ext
		ok $? "$kind: the core accepts the split files"
		"$ctl" -c "$T/demo.ini" generate $kind --define-hosts \
			--app-host localhost > "$T/$kind-h.$ext"
		ok $? "$kind: generate --define-hosts --app-host localhost"
		verify $kind "$T/$kind-v3" "$T/$kind-h.$ext"
		ok $? "$kind: the core accepts it with its own hosts"
	else
		diag "skip: $kind not installed"
	fi

	# --check
	out=$("$ctl" -c "$T/demo.ini" generate $kind -o "$T/$kind-dir" --check)
	ok $? "$kind: --check on an up-to-date directory exits 0"
	is "$out" "" "$kind: and lists nothing"
	echo "# edited" >> "$T/$kind-dir/relance-app-demo.$ext"
	rm "$T/$kind-dir/relance-common.$ext"
	out=$("$ctl" -c "$T/demo.ini" generate $kind -o "$T/$kind-dir" \
		--check 2> "$T/err")
	is $? 1 "$kind: --check after an edit exits 1"
	like "$out" "relance-app-demo.$ext: differs" "$kind: names the edited file"
	like "$out" "relance-common.$ext: missing" "$kind: names the missing file"
	like "$(cat "$T/err")" "2 of 2 files" "$kind: and counts them on stderr"
done

"$ctl" -c "$T/demo.ini" generate nagioz > "$T/out" 2> "$T/err"
is $? 3 "a bad target is a usage error (3)"
like "$(cat "$T/err")" "unknown target 'nagioz'" "and says which target"
is "$(wc -c < "$T/out")" 0 "and writes nothing on stdout"
"$ctl" -c "$T/demo.ini" generate nagios --check > /dev/null 2>&1
is $? 3 "--check without -o is a usage error"
"$ctl" -c "$T/demo.ini" status --define-hosts > /dev/null 2>&1
is $? 3 "generate's options on another command are a usage error"
"$ctl" -c "$T/demo.ini" generate nagios -o "$T/nonexistent" > "$T/out" 2> "$T/err"
is $? 3 "-o into a missing directory: usage error (3)"
is "$(cat "$T/err")" "relancectl: generate: -o '$T/nonexistent': no such directory (create it first) (see relancectl --help)" \
	"-o into a missing directory: one line naming it"
"$ctl" -c "$T/demo.ini" generate nagios -o "$T/nonexistent" --check > "$T/out" 2> "$T/err"
is $? 3 "-o DIR --check with DIR missing: usage error (3)"
like "$(cat "$T/err")" "^relancectl: generate: -o '$T/nonexistent': no such directory" \
	"-o DIR --check with DIR missing: names it"
: > "$T/afile"
"$ctl" -c "$T/demo.ini" generate nagios -o "$T/afile" > "$T/out" 2> "$T/err"
like "$(cat "$T/err")" "^relancectl: generate: -o '$T/afile': not a directory" \
	"-o naming a file: says so"

# what relance no longer generates: an application removed from the config
for kind in nagios icinga2; do
	ext=cfg; [ $kind = icinga2 ] && ext=conf
	d=$T/$kind-prune
	mkdir -p "$d"
	{ cat "$T/demo.ini"; printf '\n[component "gone/x"]\nhost = localhost\ncheck = true\nstart = true\nstop = true\n'; } > "$T/p.ini"
	chmod 600 "$T/p.ini"
	"$ctl" -f "$T/p.ini" generate $kind -o "$d" > /dev/null
	ok $? "$kind: generate with an application 'gone'"
	[ -f "$d/relance-app-gone.$ext" ]; ok $? "$kind: its file is there"
	echo "define nothing" > "$d/relance-mine.$ext"   # the admin's own
	"$ctl" -f "$T/p.ini" generate $kind > "$d/relance.$ext"  # one-file output
	cp "$T/demo.ini" "$T/p.ini"   # the application removed
	out=$("$ctl" -f "$T/p.ini" generate $kind -o "$d" --check 2> "$T/err")
	is $? 1 "$kind: --check with relance's files no longer generated: exit 1"
	is "$out" "$d/relance-app-gone.$ext: stale (no longer generated)
$d/relance.$ext: stale (no longer generated)" "$kind: --check lists them"
	like "$(cat "$T/err")" "2 stale files in '$d'" "$kind: and counts them on stderr"
	out=$("$ctl" -f "$T/p.ini" generate $kind -o "$d")
	ok $? "$kind: -o DIR again"
	like "$out" "$d/relance-app-gone.$ext: removed \(no longer generated\)" \
		"$kind: removes what relance no longer generates, and says so"
	[ ! -e "$d/relance-app-gone.$ext" ] && [ ! -e "$d/relance.$ext" ]
	ok $? "$kind: both are gone"
	[ -f "$d/relance-mine.$ext" ]; ok $? "$kind: a file relance did not write stays"
	"$ctl" -f "$T/p.ini" generate $kind -o "$d" --check > "$T/out" 2>&1
	ok $? "$kind: --check: up to date now"
done
# -o leaves a file that is already up to date alone (same inode, same
# mtime: a rename would give a new inode), and replaces one whose bytes,
# mode or kind differ, one directory sync for all (safefile's
# rl_file_write_atomic_all)
for kind in nagios icinga2; do
	ext=cfg; [ $kind = icinga2 ] && ext=conf
	d=$T/$kind-keep
	mkdir -p "$d"
	"$ctl" -f "$T/demo.ini" generate $kind -o "$d" > /dev/null
	ok $? "$kind: -o into an empty directory"
	app=$d/relance-app-demo.$ext common=$d/relance-common.$ext
	before=$(stat -c '%i %Y.%y' "$app" "$common")
	out=$("$ctl" -f "$T/demo.ini" generate $kind -o "$d")
	ok $? "$kind: -o again, nothing changed"
	is "$(stat -c '%i %Y.%y' "$app" "$common")" "$before" \
		"$kind: the up-to-date files are left alone (inode and mtime)"
	is "$out" "$app
$common" "$kind: and still listed"
	cp "$app" "$T/app.good"
	app_ino=$(stat -c %i "$app") common_ino=$(stat -c %i "$common")
	echo "# edited" >> "$app"
	chmod 600 "$common"
	"$ctl" -f "$T/demo.ini" generate $kind -o "$d" > /dev/null
	ok $? "$kind: -o after an edit and a chmod"
	cmp -s "$app" "$T/app.good"; ok $? "$kind: the edited file is rewritten"
	[ "$(stat -c %i "$app")" != "$app_ino" ]
	ok $? "$kind: by a rename (a new inode)"
	is "$(stat -c %a "$common")" 644 "$kind: a file of another mode is rewritten 0644"
	[ "$(stat -c %i "$common")" != "$common_ino" ]
	ok $? "$kind: also by a rename"
	# same bytes behind a symlink or a second hard link: replaced, the
	# other name untouched
	mv "$app" "$T/app.target"; ln -s "$T/app.target" "$app"
	ln -f "$common" "$T/common.link"
	cp "$T/common.link" "$T/common.theirs"
	"$ctl" -f "$T/demo.ini" generate $kind -o "$d" > /dev/null
	ok $? "$kind: -o over a symlink and a hard link"
	[ -f "$app" ] && [ ! -L "$app" ]; ok $? "$kind: the symlink is replaced by a file"
	cmp -s "$T/common.link" "$T/common.theirs"
	ok $? "$kind: the other hard link keeps its content"
	is "$(stat -c %h "$common")" 1 "$kind: the file has one link again"
	is "$(ls -A "$d" | grep -c '^\.')" 0 "$kind: no temporary file left"
	"$ctl" -f "$T/demo.ini" generate $kind -o "$d" --check > "$T/out" 2>&1
	ok $? "$kind: --check: up to date"
	rm -f "$T/common.link" "$T/app.target"
done
"$ctl" -c "$T/nope.ini" generate nagios > /dev/null 2>&1
is $? 2 "a missing configuration is a configuration error (2)"

# --plugin-dir and --handler: where the core will find the programs
for kind in nagios icinga2; do
	out=$("$ctl" -c "$T/demo.ini" generate $kind --with-commands \
		--plugin-dir /opt/rl/plugins --handler /opt/rl/bin/handle_component)
	ok $? "$kind: --plugin-dir and --handler"
	like "$out" "/opt/rl/plugins/check_component" "$kind: check_component from --plugin-dir"
	like "$out" "/opt/rl/plugins/check_application" "$kind: check_application from --plugin-dir"
	like "$out" "/opt/rl/bin/handle_component" "$kind: the handler from --handler"
	unlike "$out" "/opt/rl/plugins/handle_component" "$kind: and nowhere else"
	out=$("$ctl" -c "$T/demo.ini" generate $kind --with-commands --plugin-dir /opt/rl/plugins)
	like "$out" "/opt/rl/plugins/handle_component" \
		"$kind: without --handler, the handler is in --plugin-dir"
done
"$ctl" -c "$T/demo.ini" generate nagios --plugin-dir plugins > "$T/out" 2> "$T/err"
is $? 3 "a relative --plugin-dir is a usage error (3)"
like "$(cat "$T/err")" "^relancectl: generate: --plugin-dir 'plugins': not an absolute path" \
	"and says so"
"$ctl" -c "$T/demo.ini" generate nagios --handler 'x y' > "$T/out" 2> "$T/err"
is $? 3 "a relative --handler is a usage error (3)"
"$ctl" -c "$T/demo.ini" generate icinga2 --with-commands --handler '/opt/a b' > "$T/out" 2> "$T/err"
is $? 2 "a --handler a core would split is refused"
like "$(cat "$T/err")" "handler '/opt/a b': character ' ' cannot be written into a command line" \
	"and says which character"
for o in --plugin-dir --handler; do
	"$ctl" -f "$T/demo.ini" generate nagios $o /opt/rl/x > "$T/out" 2> "$T/err"
	is $? 3 "$o without --with-commands is a usage error (3)"
	is "$(cat "$T/err")" "relancectl: generate: $o is for the commands: add --with-commands (without it the installed definitions name the programs) (see relancectl --help)" \
		"and says why"
done
# Nagios's installed commands name the installed config: another one is
# warned about (Icinga 2's templates name it)
"$ctl" -f "$T/demo.ini" generate nagios > "$T/out" 2> "$T/err"
is $? 0 "nagios: another config than the installed one: exit 0"
like "$(cat "$T/err")" "^relancectl: warning: generate nagios: the installed commands \\(relance.cfg\\) run the plugins with -f [^ ]*/relance/relance.ini, not $T/demo.ini " \
	"nagios: and a warning naming both configs"
"$ctl" -f "$T/demo.ini" generate icinga2 > "$T/out" 2> "$T/err"
is "$(cat "$T/err")" "" "icinga2: no warning (the templates name the config)"
"$ctl" -c "$T/demo.ini" status --plugin-dir /x > /dev/null 2>&1
is $? 3 "--plugin-dir on another command is a usage error"

# intervals in the config, written in Nagios's interval_length units
sed 's|^\[component "demo/pricer"\]$|&\ncheck_interval = 90s|' "$T/demo.ini" >"$T/sched.ini"
chmod 600 "$T/sched.ini"
like "$("$ctl" -f "$T/sched.ini" generate nagios)" 'check_interval +1\.5$' \
	"check_interval = 90s: 1.5 units of 60s"
like "$("$ctl" -f "$T/sched.ini" generate nagios --interval-length 1)" 'check_interval +90$' \
	"--interval-length 1: 90 units"
"$ctl" -f "$T/sched.ini" generate nagios --interval-length 0 > /dev/null 2> "$T/err"
is $? 3 "--interval-length 0: usage error"
like "$(cat "$T/err")" "^relancectl: --interval-length: " "and says so"

# heal_retry: Icinga 2's Notification "relance-retry" runs the handler
# again while the problem lasts, first heal_retry after the HARD state
out=$("$ctl" -f "$T/demo.ini" generate icinga2)
like "$out" 'apply Notification "relance-retry" to Service' \
	"icinga2: heal_retry (default 5m): the retry notification"
like "$(printf '%s\n' "$out" | sed -n '/"relance-retry"/,/^}/p' | tr '\n\t' '  ')" \
	'command = "relance-heal-notification" +users = \[ "relance-retry" \] +types = \[ Problem \] +states = \[ Critical \] +interval = 300s +times = \{ begin = 300s \}' \
	"... to the User relance-retry, Problem in Critical, every 300s, the first 300s after the HARD state"
# one User taking both types would get no acknowledgement: Icinga 2 sends
# one to a User with Problem in its types only after a problem notification
like "$(printf '%s\n' "$out" | sed -n '/^object User "relance" {/,/^}/p' | tr '\n\t' '  ')" \
	'types = \[ Acknowledgement \] ' "... the User relance still takes acknowledgements only"
like "$(printf '%s\n' "$out" | sed -n '/^object User "relance-retry" {/,/^}/p' | tr '\n\t' '  ')" \
	'types = \[ Problem \] +states = \[ Critical \]' "... and the User relance-retry problems in Critical"
for v in 0 10s 1500ms; do
	sed "s|^\[relance\]\$|&\nheal_retry = $v|" "$T/demo.ini" >"$T/retry.ini"
	chmod 600 "$T/retry.ini"
	"$ctl" -f "$T/retry.ini" generate icinga2 > "$T/retry-$v.conf"
	ok $? "icinga2: heal_retry = $v: generated"
done
unlike "$(cat "$T/retry-0.conf")" 'relance-retry|Problem' "heal_retry = 0: no retry notification, no User relance-retry"
like "$(cat "$T/retry-10s.conf")" 'interval = 10s' "heal_retry = 10s: interval = 10s"
like "$(cat "$T/retry-1500ms.conf")" 'times = \{ begin = 2s \}' "heal_retry = 1500ms: rounded up to 2s (the core counts seconds)"
if have_icinga; then
	verify icinga2 "$T/retry-v" "$T/retry-10s.conf"
	ok $? "icinga2: the core accepts the retry notification"
	verify icinga2 "$T/retry-v0" "$T/retry-0.conf"
	ok $? "icinga2: and its absence"
else
	diag "skip: icinga2 not installed"
fi

done_testing
