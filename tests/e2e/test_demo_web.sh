#!/bin/sh
# `tools/demo --web` (issue 13 part 4), with stdin not a terminal: it heals
# the pricer and stands down on an acknowledgement in Debian's nagios4,
# prints the URL and the login, which work (the heal's comment is in the
# service's page), waits for a signal, then stops everything and leaves
# the machine as it found it.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tools/webui.sh"

[ "$(id -u)" = 0 ] || skip_all "needs root (dpkg -i relance, runs Debian's nagios4 and apache2)"
# (under the lock: not while another web UI run has the machine)
webui_lock || skip_all "$WEBUI_WHY"
webui_usable || skip_all "$WEBUI_WHY"
webui_no_relance || skip_all "$WEBUI_WHY"

WEBUI_DIR=$(mktemp -d /tmp/rl-demo-web-XXXXXX) || exit 1
demo=
cleanup() {
	[ -n "$demo" ] && kill -TERM "$demo" 2>/dev/null && wait "$demo"
	rm -rf "$WEBUI_DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP PIPE

# what the demo changes while it runs, and must put back
snapshot() {
	for f in /etc/nagios4/nagios.cfg /etc/nagios4/cgi.cfg /etc/nagios4/htdigest.users \
		/etc/apache2/conf-available/nagios4-cgi.conf /etc/apache2/ports.conf; do
		md5sum "$f" 2>&1
	done
	ls /etc/apache2/mods-enabled /etc/nagios4/conf.d
	ls -ld /var/lib/nagios4/rw | cut -d' ' -f1
	ls -d /etc/relance /var/lib/relance /run/relance /usr/bin/relancectl \
		/usr/lib/nagios/plugins/handle_component /var/lib/relance-webui.save 2>&1
	id -nG www-data
	id -nG nagios
	getent group relance
	dpkg-query -W -f='${db:Status-Status}\n' relance 2>&1
	dpkg-statoverride --list | grep relance
	# processes alive (a zombie, which pid 1 here may not reap, is gone)
	ps -e -o stat=,args= | awk '$1 !~ /^Z/ && $2 == "/usr/sbin/apache2" { a++ }
		$1 !~ /^Z/ && / nagios4 -d \/etc\/nagios4\/nagios.cfg/ { n++ }
		END { print "apache2:", a + 0, "nagios4 on Debian'"'"'s config:", n + 0 }'
}
snapshot >"$WEBUI_DIR/before"
exec 8>&-

t0=$(now_ms)
RELANCE_DEMO_BUILD=$top_builddir/deb \
	sh "$top_srcdir/tools/demo" --web </dev/null >"$WEBUI_DIR/out" 2>&1 &
demo=$!
wait_for 900 eval 'grep -q "waiting for a signal" "$WEBUI_DIR/out" || ! kill -0 $demo 2>/dev/null'
grep -q "waiting for a signal" "$WEBUI_DIR/out"
ok $? "tools/demo --web runs and waits for a signal ($(($(now_ms) - t0)) ms)" ||
	tail -20 "$WEBUI_DIR/out" | sed 's/^/#   /'
out=$(cat "$WEBUI_DIR/out")
like "$out" "OK again in the UI [0-9]+ ms after the kill" "it says how long kill -> OK in the UI took"
like "$out" "comment in the UI: relance: restarted demo/pricer and demo/gateway" \
	"it shows the heal's comment"
like "$out" "comment in the UI: relance: not restarting demo/reports" \
	"it shows the stand-down's comment"
like "$out" "web UI: http://127.0.0.1/nagios4/  login: nagiosadmin  password: [0-9a-f]+" \
	"it prints the URL and the login"
WEBUI_PASS=$(sed -n 's/^web UI: .* password: //p' "$WEBUI_DIR/out" | head -1)
: >"$WEBUI_DIR/cookies"
like "$(webui_get "$(webui_svc_path "$WEBUI_HOST" demo/pricer)")" "relance: restarted demo/pricer" \
	"with that login, the pricer's page in the UI has the heal's comment"

kill -TERM "$demo"
wait "$demo"
is "$?" 143 "on SIGTERM it cleans up and exits 143"
demo=
like "$(cat "$WEBUI_DIR/out")" "Cleaning up" "  (said so)"
webui_lock || { echo "Bail out! $WEBUI_WHY"; exit 1; }
snapshot >"$WEBUI_DIR/after"
is "$(diff "$WEBUI_DIR/before" "$WEBUI_DIR/after")" "" \
	"the machine as it was: configs, modules, relance purged, www-data's and nagios's groups"
is "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 http://127.0.0.1/ 2>/dev/null)" 000 \
	"nothing answers on 127.0.0.1:80 any more"
done_testing
