#!/bin/sh
# check_component and check_application over SSH, against throwaway sshds
# on 127.0.0.1 (tests/sshd.sh): OK, the failing stage named, more checks on
# one host than sshd's MaxSessions, five hosts at once, one host down.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/sshd.sh"

cc="$top_builddir/plugins/check_component"
ca="$top_builddir/plugins/check_application"
[ -x "$cc" ] && [ -x "$ca" ] || skip_all "plugins not built"
sshd_setup
for h in h1 h2 h3 h4 h5; do sshd_start $h; done
unset RELANCE_CONFIG

# write_config FILE KNOWN_HOSTS: app one (15 components on h1), app five
# (30 components over h1..h5, 6 each), app solo (one on h1)
write_config() {
	{
		printf '[ssh]\nuser = %s\nidentity = %s/id_ed25519\n' \
			"$SSHD_USER" "$SSHD_DIR"
		printf 'known_hosts = %s\ntimeout = 3s\n\n' "$2"
		for h in h1 h2 h3 h4 h5; do
			eval "p=\$SSHD_PORT_$h"
			printf '[host "%s"]\naddress = 127.0.0.1\nport = %s\n\n' \
				"$h" "$p"
		done
		printf '[component "solo/web"]\nhost = h1\n'
		printf 'check = echo web is fine\nstart = true\nstop = true\n\n'
		i=1
		while [ $i -le 15 ]; do
			printf '[component "one/c%02d"]\nhost = h1\n' $i
			printf 'check = echo c%02d up; sleep 0.2\n' $i
			printf 'start = true\nstop = true\n\n'
			i=$((i + 1))
		done
		i=0
		while [ $i -lt 30 ]; do
			printf '[component "five/c%02d"]\nhost = h%d\n' $i \
				$((i % 5 + 1))
			printf 'check = test "$(id -un)" = %s\n' "$SSHD_USER"
			printf 'start = true\nstop = true\n\n'
			i=$((i + 1))
		done
	} >"$1"
	chmod 600 "$1"
}
cfg=$SSHD_DIR/relance.ini
write_config "$cfg" "$SSHD_DIR/known_hosts"

run() { out=$("$@" 2>&1); st=$?; }
status_line() { printf '%s\n' "$out" | head -n 1; }

run "$cc" -f "$cfg" -C solo/web -t 10
is "$st" 0 "check_component over ssh: OK"
like "$(status_line)" '^COMPONENT OK - solo/web on h1 is up \| time=[0-9.]+s;;;0$' \
	"check_component over ssh: the status line"

run "$ca" -f "$cfg" -A one -t 15
is "$st" 0 "15 components on one host (MaxSessions 10): OK"
like "$(status_line)" '^APPLICATION OK - one: 15 of 15 components ok \| ok=15;;;0 warning=0;;;0 critical=0;;;0 unknown=0;;;0 ' \
	"15 on one host: the counts"
is "$(printf '%s\n' "$out" | grep -c '\[OK\]')" 15 "15 on one host: 15 [OK] lines"

run "$ca" -f "$cfg" -A five -t 15
is "$st" 0 "30 components on 5 hosts: OK"
like "$(status_line)" '^APPLICATION OK - five: 30 of 30 components ok' \
	"30 on 5 hosts: the status line"
is "$(printf '%s\n' "$out" | grep -c '\[OK\]')" 30 "30 on 5 hosts: 30 [OK] lines"

# unknown host key: an empty known_hosts
: >"$SSHD_DIR/empty_known_hosts"
write_config "$SSHD_DIR/nokey.ini" "$SSHD_DIR/empty_known_hosts"
run "$cc" -f "$SSHD_DIR/nokey.ini" -C solo/web -t 10
is "$st" 3 "unknown host key: UNKNOWN"
like "$(status_line)" '^COMPONENT UNKNOWN - solo/web on h1: .*host ?key' \
	"unknown host key: names the hostkey stage"
run "$cc" -f "$SSHD_DIR/nokey.ini" -C solo/web -t 10 -T
is "$st" 2 "unknown host key with -T: CRITICAL"

# one host down
sshd_stop h3
run "$cc" -f "$cfg" -C five/c02 -t 10
is "$st" 3 "sshd down: UNKNOWN"
like "$(status_line)" '^COMPONENT UNKNOWN - five/c02 on h3: .*connect' \
	"sshd down: names the connect stage"
run "$ca" -f "$cfg" -A five -t 15
is "$st" 3 "one of five hosts down: UNKNOWN"
like "$(status_line)" '^APPLICATION UNKNOWN - five: 6 of 30 components unknown: five/c02, five/c07, ' \
	"one host down: its 6 components are UNKNOWN"
is "$(printf '%s\n' "$out" | grep -c '\[OK\]')" 24 "one host down: the 24 others OK"
is "$(printf '%s\n' "$out" | grep '\[UNKNOWN\]' | grep -vc ' on h3 ')" 0 \
	"one host down: only h3's components UNKNOWN"
run "$ca" -f "$cfg" -A five -t 15 -T
is "$st" 2 "one host down with -T: CRITICAL"

done_testing
