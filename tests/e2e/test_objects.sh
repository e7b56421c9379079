#!/bin/sh
# Generated objects in the real cores (Nagios 4, Icinga 2):
# - the host objects of `generate --define-hosts` have a host check: an SSH
#   host whose sshd answers is UP, one whose sshd is dead is DOWN (not
#   PENDING for ever), a local host is UP;
# - check_application's long output carries a wrapped plugin's "| perf"
#   escaped: the core's perfdata is relance's alone, the text is whole;
# - Nagios: the handler's comments replace relance's earlier one on the
#   service (status_file names it), a human's comment stays.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/sshd.sh"
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/core.sh"

e2e_require relancectl handle_component 'nagios4|icinga2' jq curl
[ -x /usr/lib/nagios/plugins/check_ssh ] || skip_all "monitoring-plugins' check_ssh needed"
unset RELANCE_CONFIG

sshd_setup
sshd_start h1
e2e_setup
E2E_CLEANUP_HOOKS=sshd_cleanup
dead_port=$(sshd_free_port)

CFG=$E2E_ROOT/relance.ini
mkdir -p "$E2E_ROOT/state"
cat >"$CFG" <<EOF
[relance]
journal = $E2E_ROOT/state/journal.jsonl
lock_dir = $E2E_ROOT/state/locks
node = e2e-hosts

[ssh]
known_hosts = $SSHD_DIR/known_hosts

[host "up"]
address = 127.0.0.1
port = $SSHD_PORT_h1

[host "dead"]
address = 127.0.0.1
port = $dead_port

[host "here"]
transport = local

[component "hosts/x"]
host = here
check = true
start = true
stop = true

[component "hosts/p"]
host = here
check = /bin/echo "OK - fine | wrapped=1;;;0"
check_mode = plugin
start = true
stop = true
EOF
chmod 600 "$CFG"

# nagios_host DIR HOST: "STATE TYPE CHECKED" of a host in status.dat
nagios_host() {
	awk -v h="$2" '
		$0 == "hoststatus {" { inb = 1; hh = ""; s = ""; t = ""; c = ""; next }
		inb && $0 ~ /^\t}/ {
			if (hh == h) print s, t, c
			inb = 0; next
		}
		inb && /^\thost_name=/ { hh = substr($0, 12) }
		inb && /^\tcurrent_state=/ { s = substr($0, 16) }
		inb && /^\tstate_type=/ { t = substr($0, 13) }
		inb && /^\thas_been_checked=/ { c = substr($0, 19) }' \
		"$1/var/status.dat" 2>/dev/null
}
# icinga_host DIR HOST: "STATE TYPE CHECKED" through the API
icinga_host() {
	icinga_api "$1" GET "/v1/objects/hosts/$2?attrs=state&attrs=state_type&attrs=last_check" |
		jq -r '.results[0].attrs | "\(.state) \(.state_type) \(if .last_check > 0 then 1 else 0 end)"' 2>/dev/null
}
host_is() { # CORE DIR HOST "STATE TYPE CHECKED"
	[ "$("${1}_host" "$2" "$3" | sed 's/\.0*//g')" = "$4" ]
}
# app_perf CORE DIR: the perfdata the core parsed from the service "hosts"
nagios_app_perf() { nagios_field "$1" here hosts performance_data; }
icinga_app_perf() {
	icinga_field "$1" here hosts last_check_result.performance_data |
		tr -d '\n'
}
app_checked() { [ -n "$("${1}_app_perf" "$2")" ]; }

# hosts CORE KIND EXT: generate, start the core, judge the three hosts
hosts() {
	D=$E2E_ROOT/$1
	mkdir -p "$D/objs"
	"$ctl" -f "$CFG" generate "$2" --define-hosts --with-commands \
		--plugin-dir "$top_builddir/plugins" >"$D/objs/relance.$3"
	ok $? "$2: generate with --define-hosts"
	# Icinga 2's templates check every minute: every second here
	sed -i -e 's/^\tcheck_interval = 60s$/\tcheck_interval = 1s/' \
		-e 's/^\tcheck_interval = 1m$/\tcheck_interval = 1s/' \
		-e 's/^\tretry_interval = 30s$/\tretry_interval = 1s/' "$D/objs/relance.$3"
	"${1}_start" "$D" "$D/objs/relance.$3"
	ok $? "$2: starts with the generated hosts"
	wait_for 120 host_is "$1" "$D" dead "1 1 1"
	ok $? "$2: the host whose sshd is dead is DOWN HARD ($WAITED_MS ms)" ||
		diag "dead: $("${1}_host" "$D" dead)"
	wait_for 120 host_is "$1" "$D" up "0 1 1"
	ok $? "$2: the host whose sshd answers is UP, checked" ||
		diag "up: $("${1}_host" "$D" up)"
	wait_for 120 host_is "$1" "$D" here "0 1 1"
	ok $? "$2: the local host is UP, checked" ||
		diag "here: $("${1}_host" "$D" here)"
	wait_for 120 app_checked "$1" "$D"
	perf=$("${1}_app_perf" "$D")
	like "$perf" "hosts/p" "$2: the application's perfdata, relance's" ||
		diag "perfdata: $perf"
	unlike "$perf" "wrapped" "$2: and not the wrapped plugin's from the long output"
	[ "$1" = nagios ] && comments "$D"
	"${1}_stop" "$D"
}

# comments DIR: two stand-downs of the handler (a hold) on hosts/x leave
# one comment of relance, the latest, and a human's comment untouched
relance_comments() { nagios_comments "$1" here hosts/x | grep -c '^relance: '; }
comments() {
	sed -e "s|^node = e2e-hosts$|&\ncommand_file = $1/var/nagios.cmd\nstatus_file = $1/var/status.dat|" \
		"$CFG" >"$1/relance.ini"
	chmod 600 "$1/relance.ini"
	"$ctl" -f "$1/relance.ini" hold hosts/x --reason "first" >/dev/null
	nagios_cmd "$1" "ADD_SVC_COMMENT;here;hosts/x;1;alice;a human's note"
	"$hc" -f "$1/relance.ini" -C hosts/x --state CRITICAL --state-type HARD \
		--attempt 2 --host here --service hosts/x >/dev/null
	ND=$1
	wait_for 120 eval '[ "$(relance_comments "$ND")" = 1 ]'
	ok $? "nagios: the handler's stand-down is a comment" ||
		nagios_comments "$1" here hosts/x | sed 's/^/#   /'
	"$ctl" -f "$1/relance.ini" hold hosts/x --reason "second" >/dev/null
	"$hc" -f "$1/relance.ini" -C hosts/x --state CRITICAL --state-type HARD \
		--attempt 2 --host here --service hosts/x >/dev/null
	wait_for 120 eval 'nagios_comments "$ND" here hosts/x | grep -q "^relance: .*second"'
	ok $? "nagios: the second stand-down's comment is there"
	is "$(relance_comments "$1")" 1 "nagios: it replaced relance's first one"
	like "$(nagios_comments "$1" here hosts/x)" "^alice: a human's note" \
		"nagios: a human's comment stays"
}

if have_nagios; then hosts nagios nagios cfg
else for i in 1 2 3 4 5 6 7 8 9 10 11; do ok 0 "# SKIP nagios4 not installed"; done; fi
if have_icinga; then hosts icinga icinga2 conf
else for i in 1 2 3 4 5 6 7; do ok 0 "# SKIP icinga2 not installed"; done; fi

done_testing
