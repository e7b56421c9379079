#!/bin/sh
# check_mode = xml over SSH: the check `cat`s an XML status document on the
# target (a throwaway sshd, tests/sshd.sh, user relance-test) and
# check_component judges it with the component's xpath.NAME keys.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/sshd.sh"

cc="$top_builddir/plugins/check_component"
[ -x "$cc" ] || skip_all "check_component not built"
sshd_setup
sshd_start h1
unset RELANCE_CONFIG

# the document lives in a directory relance-test can read
D=$SSHD_DIR/xml
mkdir "$D" && chmod 755 "$D" || exit 1
doc() { printf '%s\n' "$1" >"$D/status.xml"; chmod 644 "$D/status.xml"; }

cfg=$SSHD_DIR/relance.ini
{
	printf '[ssh]\nuser = %s\nidentity = %s/id_ed25519\n' \
		"$SSHD_USER" "$SSHD_DIR"
	printf 'known_hosts = %s/known_hosts\ntimeout = 5s\n\n' "$SSHD_DIR"
	printf '[host "h1"]\naddress = 127.0.0.1\nport = %s\n\n' "$SSHD_PORT_h1"
	printf '[component "web/tomcat"]\nhost = h1\ncheck = cat %s/status.xml\n' "$D"
	printf 'check_mode = xml\nstart = true\nstop = true\n'
	printf 'xpath.busy = sum(/status/connector/threadInfo/@currentThreadsBusy)\n'
	printf 'xpath.busy.warning = 150\nxpath.busy.critical = 190\n'
	printf 'xpath.busy.label = busy threads\n'
	printf 'xpath.heap = /status/jvm/memory/@free div 1048576\n'
	printf 'xpath.heap.critical = 32:\nxpath.heap.uom = MB\n'
	printf 'xpath.state = string(/status/@state)\nxpath.state.expect = RUNNING\n\n'
} >"$cfg"
chmod 600 "$cfg"

run() { out=$("$@" 2>&1); st=$?; }
status_line() { printf '%s\n' "$out" | head -n 1; }
tomcat() { # tomcat STATE BUSY FREE-BYTES
	doc "<?xml version=\"1.0\"?>
<status state=\"$1\">
  <jvm><memory free=\"$3\" total=\"268435456\"/></jvm>
  <connector name=\"http\"><threadInfo currentThreadsBusy=\"$2\"/></connector>
  <connector name=\"ajp\"><threadInfo currentThreadsBusy=\"0\"/></connector>
</status>"
}

# --- WARNING, with perfdata ------------------------------------------------
tomcat RUNNING 180 52428800
run "$cc" -f "$cfg" -C web/tomcat -t 10
is "$st" 1 "xml over ssh: 180 busy threads: WARNING"
like "$(status_line)" "^COMPONENT WARNING - web/tomcat on h1: .*busy threads = 180 \(warning range '150'\)" \
	"WARNING: the expression and its range named"
like "$(status_line)" "\| time=[0-9.]+s;;;0 'busy threads'=180;150;190 heap=50MB;;32:$" \
	"WARNING: the expressions' perfdata"
like "$out" "OK: state = 'RUNNING'" "WARNING: long output, state line"

# --- all fine -----------------------------------------------------------------
tomcat RUNNING 12 52428800
run "$cc" -f "$cfg" -C web/tomcat -t 10
is "$st" 0 "xml over ssh: 12 busy threads: OK"
like "$(status_line)" "'busy threads'=12;150;190 heap=50MB;;32:$" "OK: perfdata"

# --- the document changes: CRITICAL ---------------------------------------------
tomcat RUNNING 195 52428800
run "$cc" -f "$cfg" -C web/tomcat -t 10
is "$st" 2 "xml over ssh: 195 busy threads: CRITICAL"
like "$(status_line)" "^COMPONENT CRITICAL - web/tomcat on h1: .*busy threads = 195" \
	"CRITICAL: names the value"
like "$(status_line)" "'busy threads'=195;150;190 " "CRITICAL: perfdata"
tomcat STOPPED 3 10485760
run "$cc" -f "$cfg" -C web/tomcat -t 10
is "$st" 2 "xml over ssh: state STOPPED and 10 MB free: CRITICAL"
like "$out" "CRITICAL: heap = 10MB" "CRITICAL: the heap below 32 MB"
like "$out" "CRITICAL: state = 'STOPPED'" "CRITICAL: the state"

# --- a malformed document: UNKNOWN with libxml2's line -----------------------------
doc '<?xml version="1.0"?>
<status state="RUNNING">
  <jvm><memory free="1"/>
</status>'
run "$cc" -f "$cfg" -C web/tomcat -t 10
is "$st" 3 "xml over ssh: malformed document: UNKNOWN"
like "$(status_line)" '^COMPONENT UNKNOWN - web/tomcat on h1: .*line [34]' \
	"malformed: libxml2's line"
unlike "$(status_line)" '\|.*busy' "malformed: no expression perfdata"

# --- the check itself fails on the target -------------------------------------------
rm -f "$D/status.xml"
run "$cc" -f "$cfg" -C web/tomcat -t 10
case $st in 2|3) ok 0 "missing document: CRITICAL or UNKNOWN ($st)" ;;
*) ok 1 "missing document: CRITICAL or UNKNOWN ($st)"; diag "$out" ;; esac
like "$out" 'No such file' "missing document: cat's message shown"

done_testing
