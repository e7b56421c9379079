# tools/webui.sh - Debian's Nagios 4 (nagios4, nagios4-cgi on apache2) with
# its web UI on 127.0.0.1, for tests/e2e/test_webui.sh and `tools/demo
# --web`. Source it (POSIX sh, as root); every function returns non-zero
# with a one-line reason in $WEBUI_WHY when it cannot do its job.
#
# The machine is changed only between webui_save and webui_restore, and
# left as it was found: webui_save archives every path this file writes,
# webui_restore puts them back and removes what was not there; relance's
# package is purged before. One run at a time (webui_lock), which first repairs what
# a run killed in between left (its archive stays in $WEBUI_SAVE): stops
# its daemons and application, uninstalls its relance, restores.
#
#   webui_lock                waits up to 10 min for other runs (flock),
#                             then repairs what a killed run left
#   webui_usable              (after webui_lock) root, the packages, no
#                             system nagios4 or apache2 running already (we
#                             never take over a service we did not start)
#   webui_save / webui_restore
#   webui_configure           Debian's config, changed only where an admin
#                             must (or a test must be fast): see below
#   webui_nagios_start / webui_nagios_stop / webui_nagios_reload
#   webui_apache_start / webui_apache_stop
#   webui_get PATH            a CGI page as a logged-in browser gets it
#                             (digest auth, cookie jar $WEBUI_DIR/cookies)
#   webui_ack HOST SVC TEXT   acknowledges through cmd.cgi's form (GET the
#                             form for its CSRF cookie and nagFormId, POST)
#   webui_svc_state HOST SVC  "OK", "CRITICAL", ... as status.cgi shows it
#   webui_screenshot PATH PNG a headless Chromium screenshot of a CGI page
#   install_relance SRCDIR OUTDIR / remove_relance
#                             the Debian package built by tools/deb,
#                             dpkg -i; dpkg -P
#
# Variables: WEBUI_DIR (a work directory the caller made), WEBUI_USER and
# WEBUI_PASS (the login, set by webui_configure), WEBUI_URL.

WEBUI_SAVE=/var/lib/relance-webui.save
WEBUI_LOCK=/run/relance-webui.lock
WEBUI_CFG=/etc/nagios4/nagios.cfg
WEBUI_APACHE_CONF=/etc/apache2/conf-available/nagios4-cgi.conf
WEBUI_PIPE=/var/lib/nagios4/rw/nagios.cmd
WEBUI_STATUS=/var/lib/nagios4/status.dat
WEBUI_NAGIOS_PIDFILE=/run/nagios4/nagios4.pid
WEBUI_APACHE_PIDFILE=/run/apache2/apache2.pid
WEBUI_URL=http://127.0.0.1/nagios4/
WEBUI_CGI=http://127.0.0.1/cgi-bin/nagios4
WEBUI_USER=nagiosadmin
WEBUI_REALM=Nagios4
WEBUI_HOST=relance-local
# Every path written by Nagios, apache2, the CGIs, the handler (as user
# nagios: its home) and the mail Debian's example contact nagiosadmin gets
# from Nagios (notify-*-by-email through exim4). relance's own files, its
# group and its statoverride are the package's: dpkg -P removes them (they
# were not there before: webui_no_relance); the paths it makes are listed
# too, in case a purge fails.
WEBUI_PATHS="/etc/nagios4 /etc/apache2 /var/lib/apache2 /var/lib/nagios4
	/var/log/nagios4 /var/log/apache2 /run/apache2 /run/lock/apache2
	/run/nagios4 /var/lib/nagios /var/mail/nagios /var/spool/exim4
	/var/log/exim4 /etc/relance
	/var/lib/relance /run/relance /etc/nagios-plugins/config/relance.cfg"
WEBUI_NAGIOS_PID=
WEBUI_APACHE_PID=

_webui_fail() {
	WEBUI_WHY=$*
	return 1
}

# pid_of PIDFILE WORD: the pid in PIDFILE if that process runs with WORD
# in its command line
_webui_pid() {
	_wp=$(cat "$1" 2>/dev/null) || return 1
	case $_wp in '' | *[!0-9]*) return 1 ;; esac
	tr '\0' ' ' <"/proc/$_wp/cmdline" 2>/dev/null | grep -q -- "$2" || return 1
	echo "$_wp"
}

webui_usable() {
	[ "$(id -u)" = 0 ] || _webui_fail "needs root (Debian's nagios4 and apache2)" || return 1
	for _b in /usr/sbin/nagios4 /usr/sbin/apache2ctl /usr/lib/cgi-bin/nagios4/cmd.cgi \
		/usr/bin/curl /usr/bin/chromium /usr/sbin/a2enmod; do
		[ -x "$_b" ] || _webui_fail "no $_b (tools/deps installs nagios4, nagios4-cgi, apache2, chromium)" || return 1
	done
	[ -f "$WEBUI_APACHE_CONF" ] || _webui_fail "no $WEBUI_APACHE_CONF (nagios4-cgi)" || return 1
	id nagios >/dev/null 2>&1 || _webui_fail "no user nagios" || return 1
	# a service already running is someone else's: leave it alone
	# (the pid files here are written only by those daemons)
	if _webui_pid "$WEBUI_NAGIOS_PIDFILE" nagios4 >/dev/null; then
		_webui_fail "a system nagios4 is running already"
		return 1
	fi
	if _webui_pid "$WEBUI_APACHE_PIDFILE" apache2 >/dev/null; then
		_webui_fail "apache2 is running already"
		return 1
	fi
	if [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 http://127.0.0.1/ 2>/dev/null)" != 000 ]; then
		_webui_fail "something answers on 127.0.0.1:80 already"
		return 1
	fi
}

# (fd 8 holds the lock: every daemon is started with it closed, else a
# daemon left by a killed run would hold it for ever)
webui_lock() {
	exec 8>"$WEBUI_LOCK" || return 1
	flock -w 600 8 || _webui_fail "another web UI run holds $WEBUI_LOCK" || return 1
	_webui_repair
}

# _webui_repair: a run killed before its restore left its save: stop its
# daemons and application (pid files), uninstall its relance, restore
_webui_repair() {
	[ -d "$WEBUI_SAVE" ] || return 0
	_wo=$(_webui_pid "$WEBUI_NAGIOS_PIDFILE" /etc/nagios4/nagios.cfg) &&
		_webui_stop_pid "$_wo" nagios4
	_wo=$(_webui_pid "$WEBUI_APACHE_PIDFILE" apache2) &&
		_webui_stop_pid "$_wo" apache2
	_wd=$WEBUI_DIR
	WEBUI_DIR=$(cat "$WEBUI_SAVE/run-dir" 2>/dev/null) && [ -n "$WEBUI_DIR" ] &&
		webui_app_kill
	[ -f "$WEBUI_SAVE/installed" ] && dpkg -P relance >/dev/null 2>&1
	WEBUI_DIR=$_wd WEBUI_INSTALLED=
	WEBUI_SAVED=1
	webui_restore
}

webui_save() {
	_webui_repair || return 1
	mkdir -m 700 "$WEBUI_SAVE" || _webui_fail "cannot make $WEBUI_SAVE" || return 1
	WEBUI_SAVED=1
	for _p in $WEBUI_PATHS; do
		_a=$WEBUI_SAVE/$(echo "$_p" | tr / _)
		if [ -e "$_p" ]; then
			tar -C / -cpf "$_a.tar" "${_p#/}" || _webui_fail "cannot archive $_p" || return 1
		else
			echo "$_p" >>"$WEBUI_SAVE/absent"
		fi
	done
	id -nG www-data | tr ' ' '\n' | grep -qx nagios ||
		echo www-data >"$WEBUI_SAVE/www-data-not-in-nagios"
	echo "$WEBUI_DIR" >"$WEBUI_SAVE/run-dir"
	echo ok >"$WEBUI_SAVE/complete"
}
WEBUI_SAVED=

webui_restore() {
	# only this run's save (or a killed run's, from webui_save, under the lock)
	[ "$WEBUI_SAVED" = 1 ] && [ -d "$WEBUI_SAVE" ] || return 0
	_wr=0
	if [ -f "$WEBUI_SAVE/complete" ]; then
		for _p in $WEBUI_PATHS; do
			_a=$WEBUI_SAVE/$(echo "$_p" | tr / _)
			if [ -f "$_a.tar" ]; then
				rm -rf "$_p" && tar -C / -xpf "$_a.tar" || _wr=1
			elif grep -qx "$_p" "$WEBUI_SAVE/absent" 2>/dev/null; then
				rm -rf "$_p"
			fi
		done
		[ -f "$WEBUI_SAVE/www-data-not-in-nagios" ] &&
			gpasswd -d www-data nagios >/dev/null 2>&1
	fi
	# (an incomplete save changed nothing yet)
	[ $_wr = 0 ] && rm -rf "$WEBUI_SAVE" && WEBUI_SAVED=
	[ $_wr = 0 ] || _webui_fail "could not restore everything; archives kept in $WEBUI_SAVE"
}

# webui_configure: Debian's shipped config, changed where it must be:
# - nagios.cfg: the timing in seconds (interval_length=1, status written and
#   results reaped every second), else the generated objects' "1" would be
#   a minute and each case minutes long; check_external_commands=1
#   (Debian 12 ships it on; kept explicit);
# - apache2: a login for the whole UI, as Debian's nagios4-cgi.conf
#   describes (Require valid-user with its digest file
#   /etc/nagios4/htdigest.users), mod_cgi (not enabled by the package),
#   Listen on 127.0.0.1 only;
# - cgi.cfg: use_authentication=1, so that the CGIs know who acts
#   (nagiosadmin is the user the shipped cgi.cfg authorizes);
# - the command pipe's directory traversable by www-data (mode 2710, what
#   the package's postinst means to set) and www-data in group nagios.
webui_configure() {
	WEBUI_PASS=${WEBUI_PASS:-$(od -An -tx1 -N9 /dev/urandom | tr -d ' \n')}
	sed -i -e 's/^interval_length=.*/interval_length=1/' \
		-e 's/^status_update_interval=.*/status_update_interval=1/' \
		-e 's/^check_result_reaper_frequency=.*/check_result_reaper_frequency=1/' \
		-e 's/^check_external_commands=.*/check_external_commands=1/' \
		"$WEBUI_CFG" || return 1
	sed -i 's/^use_authentication=.*/use_authentication=1/' /etc/nagios4/cgi.cfg || return 1
	# the whole site behind the login (the <Files cmd.cgi> block too)
	awk -v realm="$WEBUI_REALM" '
		/^[ \t]*Require ip[ \t]/ {
			print "    AuthName \"" realm "\""
			print "    AuthType Digest"
			print "    AuthDigestProvider file"
			print "    AuthUserFile \"/etc/nagios4/htdigest.users\""
			print "    Require valid-user"
			next
		}
		/^[ \t]*Require all[ \t]+granted/ { print "\tRequire valid-user"; next }
		{ print }' "$WEBUI_APACHE_CONF" >"$WEBUI_APACHE_CONF.new" &&
		mv "$WEBUI_APACHE_CONF.new" "$WEBUI_APACHE_CONF" || return 1
	sed -i 's/^Listen 80$/Listen 127.0.0.1:80/' /etc/apache2/ports.conf
	a2enmod -q cgi >/dev/null || _webui_fail "a2enmod cgi failed" || return 1
	a2enconf -q nagios4-cgi >/dev/null || _webui_fail "a2enconf nagios4-cgi failed" || return 1
	# htdigest(1) asks for the password on a terminal: the same line, made here
	_h=$(printf '%s:%s:%s' "$WEBUI_USER" "$WEBUI_REALM" "$WEBUI_PASS" | md5sum | cut -d' ' -f1)
	printf '%s:%s:%s\n' "$WEBUI_USER" "$WEBUI_REALM" "$_h" >/etc/nagios4/htdigest.users
	chown nagios:www-data /etc/nagios4/htdigest.users
	chmod 640 /etc/nagios4/htdigest.users
	chmod 2710 /var/lib/nagios4/rw
	usermod -a -G nagios www-data || return 1
	: >"$WEBUI_DIR/cookies"
}

_webui_alive() { [ -d "/proc/$1" ] && [ "$(sed 's/^.*) \(.\).*/\1/' "/proc/$1/stat" 2>/dev/null)" != Z ]; }

# _webui_stop_pid PID WHAT: SIGTERM, then waits until it and its children
# (apache2's workers, nagios4's) are gone; SIGKILL to PID after 60 s
_webui_stop_pid() {
	_wk=$(pgrep -P "$1" 2>/dev/null | tr '\n' ' ')
	kill -TERM "$1" 2>/dev/null || return 0
	for _wc in "$1" $_wk; do
		_ws=0
		while _webui_alive "$_wc"; do
			_ws=$((_ws + 1))
			# (a child's pid is only waited for: never killed)
			[ $_ws -lt 1200 ] || { [ "$_wc" = "$1" ] && kill -KILL "$_wc" 2>/dev/null; break; }
			sleep 0.05
		done
	done
}

# _webui_stop_var VAR: stops the daemon whose pid VAR holds (if any), empties VAR
_webui_stop_var() {
	eval "_wv=\${$1:-}"
	[ -n "$_wv" ] || return 0
	_webui_stop_pid "$_wv" "$1"
	eval "$1="
}

# _webui_wait SECONDS CMD...: CMD every 0.1 s until it succeeds
_webui_wait() {
	_ww=$(($1 * 10))
	shift
	while ! "$@"; do
		_ww=$((_ww - 1))
		[ $_ww -gt 0 ] || return 1
		sleep 0.1
	done
}

_webui_status_newer() { [ -f "$WEBUI_STATUS" ] && [ "$WEBUI_STATUS" -nt "$1" ]; }

# webui_nagios_start: `nagios4 -d` on Debian's nagios.cfg as root (it
# becomes user nagios), as /etc/init.d/nagios4 does it (whose stop waits
# for every nagios4 process on the machine: not usable beside the other
# tests' cores); ready when status.dat is newer than the start and the
# command pipe exists.
webui_nagios_start() {
	# /run/nagios4 as the init script makes it
	[ -d /run/nagios4 ] || install -d -o nagios -g nagios -m 750 /run/nagios4
	/usr/sbin/nagios4 -v "$WEBUI_CFG" >"$WEBUI_DIR/nagios-verify.out" 2>&1 ||
		_webui_fail "nagios4 -v $WEBUI_CFG: $(grep -m1 -i error "$WEBUI_DIR/nagios-verify.out")" ||
		return 1
	rm -f "$WEBUI_PIPE"
	: >"$WEBUI_DIR/nagios.t0"
	/usr/sbin/nagios4 -d "$WEBUI_CFG" >"$WEBUI_DIR/nagios-start.out" 2>&1 8>&- ||
		_webui_fail "nagios4 -d failed: $(head -1 "$WEBUI_DIR/nagios-start.out")" || return 1
	_webui_wait 60 eval 'WEBUI_NAGIOS_PID=$(_webui_pid "$WEBUI_NAGIOS_PIDFILE" "$WEBUI_CFG")' ||
		_webui_fail "nagios4 wrote no pid file $WEBUI_NAGIOS_PIDFILE" || return 1
	_webui_wait 120 eval '[ -p "$WEBUI_PIPE" ] && _webui_status_newer "$WEBUI_DIR/nagios.t0"' ||
		_webui_fail "nagios4 (pid $WEBUI_NAGIOS_PID): no command pipe or status.dat after 120 s" || return 1
}

webui_nagios_stop() { _webui_stop_var WEBUI_NAGIOS_PID; }

# webui_apache_start: apache2ctl start (Debian's wrapper: envvars, its run
# and lock directories); ready when the CGI answers the login.
webui_apache_start() {
	/usr/sbin/apache2ctl configtest >"$WEBUI_DIR/apache-configtest.out" 2>&1 ||
		_webui_fail "apache2ctl configtest: $(grep -v '^Syntax' "$WEBUI_DIR/apache-configtest.out" | head -1)" ||
		return 1
	/usr/sbin/apache2ctl start >"$WEBUI_DIR/apache-start.out" 2>&1 8>&- ||
		_webui_fail "apache2ctl start: $(head -1 "$WEBUI_DIR/apache-start.out")" || return 1
	_webui_wait 60 eval 'WEBUI_APACHE_PID=$(_webui_pid "$WEBUI_APACHE_PIDFILE" apache2)' ||
		_webui_fail "apache2 wrote no pid file" || return 1
	_webui_wait 120 eval '[ "$(webui_code /cgi-bin/nagios4/tac.cgi)" = 200 ]' ||
		_webui_fail "tac.cgi does not answer 200 (got $(webui_code /cgi-bin/nagios4/tac.cgi))" || return 1
}

webui_apache_stop() { _webui_stop_var WEBUI_APACHE_PID; }

# --- the browser ----------------------------------------------------------------

_webui_curl() {
	curl -s --max-time 30 --digest -u "$WEBUI_USER:$WEBUI_PASS" \
		-b "$WEBUI_DIR/cookies" -c "$WEBUI_DIR/cookies" "$@"
}
webui_code() { _webui_curl -o /dev/null -w '%{http_code}' "http://127.0.0.1$1"; }
webui_get() { _webui_curl "http://127.0.0.1$1"; }

# webui_urlenc TEXT
webui_urlenc() {
	python3 -c 'import sys, urllib.parse
print(urllib.parse.quote(sys.argv[1], safe=""), end="")' "$1"
}

# the page of one service
webui_svc_path() { # HOST SVC
	echo "/cgi-bin/nagios4/extinfo.cgi?type=2&host=$(webui_urlenc "$1")&service=$(webui_urlenc "$2")"
}

# webui_svc_state HOST SVC: the state in status.cgi's service table
# (the cell after the service's link: class statusOK, statusCRITICAL...)
webui_svc_state() {
	webui_get "/cgi-bin/nagios4/status.cgi?host=$(webui_urlenc "$1")&limit=0" |
		awk -v want="service=$(webui_urlenc "$2")'" '
			index($0, want) { found = 1 }
			found && match($0, /[Cc][Ll][Aa][Ss][Ss]=.status(OK|WARNING|CRITICAL|UNKNOWN|PENDING)/) {
				s = substr($0, RSTART, RLENGTH); sub(/.*status/, "", s); print s; exit
			}'
}

# webui_form_fields: the fields a browser sends for the first form of the
# HTML on stdin, one NAME=VALUE a line: hidden and text inputs with their
# values, checked checkboxes as "on", the submit button
_webui_form_fields() {
	python3 -c '
import html.parser, sys
class Form(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(); self.inform = False; self.done = False
    def handle_starttag(self, tag, attrs):
        a = dict((k, v if v is not None else "") for k, v in attrs)
        if tag == "form" and not self.done: self.inform = True
        if tag != "input" or not self.inform or "name" not in a: return
        t = a.get("type", "text").lower()
        if t in ("hidden", "text", "submit"):
            print("%s=%s" % (a["name"], a.get("value", "")))
        elif t == "checkbox" and "checked" in a:
            print("%s=%s" % (a["name"], a.get("value", "on")))
    def handle_endtag(self, tag):
        if tag == "form" and self.inform: self.inform = False; self.done = True
Form().feed(sys.stdin.read())'
}

# webui_ack HOST SVC TEXT: what a browser does on "Acknowledge this
# service problem": GET the form (cmd.cgi sets the NagFormId cookie and
# puts nagFormId in the form), then POST every field the form sends, as
# it comes (cmd_typ=34, cmd_mod=2, host, service, the author, the
# checkboxes checked by default: sticky, send notification), with TEXT
# as the comment. Output: the result page; the form in $WEBUI_DIR/ack-form.html.
webui_ack() {
	webui_get "/cgi-bin/nagios4/cmd.cgi?cmd_typ=34&host=$(webui_urlenc "$1")&service=$(webui_urlenc "$2")" \
		>"$WEBUI_DIR/ack-form.html"
	_webui_form_fields <"$WEBUI_DIR/ack-form.html" >"$WEBUI_DIR/ack-form.fields" || return 1
	grep -q '^nagFormId=.' "$WEBUI_DIR/ack-form.fields" ||
		_webui_fail "no nagFormId in cmd.cgi's form" || return 1
	grep -q '^cmd_mod=2$' "$WEBUI_DIR/ack-form.fields" ||
		_webui_fail "cmd.cgi's form has no cmd_mod=2" || return 1
	set -- "$3"
	while IFS= read -r _kv; do
		case $_kv in com_data=*) _kv="com_data=$1" ;; esac
		set -- "$@" --data-urlencode "$_kv"
	done <"$WEBUI_DIR/ack-form.fields"
	shift
	_webui_curl "$WEBUI_CGI/cmd.cgi" "$@"
}

# webui_screenshot PATH PNG: Chromium renders the page; the login is in
# the URL (Chromium answers the digest challenge with it)
webui_screenshot() {
	_home=$WEBUI_DIR/chromium
	mkdir -p "$_home"
	HOME=$_home timeout 120 chromium --headless --no-sandbox --disable-gpu \
		--disable-dev-shm-usage --no-first-run --hide-scrollbars \
		--user-data-dir="$_home/profile" --window-size=1280,900 \
		--screenshot="$2" "http://$WEBUI_USER:$WEBUI_PASS@127.0.0.1$1" \
		>"$WEBUI_DIR/chromium.out" 2>&1 8>&-
	[ -s "$2" ] || _webui_fail "chromium saved no screenshot: $(tail -1 "$WEBUI_DIR/chromium.out")"
}

# --- relance itself ------------------------------------------------------------

# webui_no_relance: true when no relance is installed (install_relance
# never goes over another install: a package's files would be lost), and
# no group relance exists (the purge would remove it)
webui_no_relance() {
	_wst=$(dpkg-query -W -f='${db:Status-Status}' relance 2>/dev/null)
	case $_wst in "" | not-installed) ;; *)
		_webui_fail "the package relance is on this machine already ($_wst)"
		return 1 ;;
	esac
	if [ -e /usr/bin/relancectl ] || [ -e /usr/lib/nagios/plugins/handle_component ]; then
		_webui_fail "relance is installed on this machine already (from source?)"
		return 1
	fi
	if getent group relance >/dev/null; then
		_webui_fail "a group relance exists without the package: dpkg -P relance would remove it"
		return 1
	fi
}

# install_relance SRCDIR OUTDIR: the Debian package, as an admin gets it:
# tools/deb builds it from SRCDIR into OUTDIR (not again while the sources
# are unchanged), dpkg -i installs it (its dependencies come from
# tools/deps). Its postinst makes the group relance (nagios in it),
# /var/lib/relance (nagios:relance 0750), /run/relance (tmpfiles.d) and
# gives /etc/relance/relance.ini root:relance 0640.
# The ASan build of the suite installs this same .deb too, not an ASan
# build in Debian's layout: the package is what this test is about (issue
# 13); the other end-to-end tests run relance's programs under ASan.
install_relance() {
	webui_no_relance || return 1
	_wdeb=$(sh "$1/tools/deb" "$2" 2>"$WEBUI_DIR/deb.err") ||
		_webui_fail "tools/deb $2: $(tail -1 "$WEBUI_DIR/deb.err")" || return 1
	# marked before dpkg -i: a run killed during it is purged by the next
	[ -d "$WEBUI_SAVE" ] && echo "$_wdeb" >"$WEBUI_SAVE/installed"
	WEBUI_INSTALLED=$_wdeb
	dpkg -i "$_wdeb" >"$WEBUI_DIR/install.out" 2>&1 ||
		_webui_fail "dpkg -i $_wdeb: $(tail -1 "$WEBUI_DIR/install.out")" || return 1
}

# remove_relance: dpkg -P relance (the conffiles, the postinst's group,
# directories and statoverride go too)
remove_relance() {
	[ -n "${WEBUI_INSTALLED:-}" ] || return 0
	dpkg -P relance >"$WEBUI_DIR/uninstall.out" 2>&1 ||
		echo "# dpkg -P relance: $(tail -1 "$WEBUI_DIR/uninstall.out")" >&2
	WEBUI_INSTALLED=
}

# --- the demo's application ------------------------------------------------------

# webui_as_nagios CMD...: CMD as user nagios (the core's user), as an admin
# runs it: su with /bin/sh (the account's shell is /usr/sbin/nologin)
webui_as_nagios() {
	_wa=
	for _x in "$@"; do _wa="$_wa '$(printf '%s' "$_x" | sed "s/'/'\\\\''/g")'"; done
	su -s /bin/sh nagios -c "cd / && exec$_wa" 8>&-
}

# webui_app SRCDIR: the demo's application (conf/demo) for the installed
# relance: the daemon in $WEBUI_DIR/bin, its pid files and logs in
# $WEBUI_DIR/run (user nagios: the handler runs as nagios and restarts
# them), and /etc/relance/relance.ini (the package's conffile, its mode
# and group kept: root:relance 0640) from conf/demo/demo.ini.in with the
# installed layout's journal and locks (the defaults: the package's
# /var/lib/relance and /run/relance) and Debian's command pipe and status
# file. The demo's host
# "localhost" is named $WEBUI_HOST here: Debian's objects define a
# Nagios host localhost, and `generate --define-hosts` defines relance's.
webui_app() {
	mkdir -p "$WEBUI_DIR/bin" || return 1
	install -m 755 "$1/conf/demo/daemon" "$WEBUI_DIR/bin/daemon" || return 1
	install -d -o nagios -g nagios -m 755 "$WEBUI_DIR/run" || return 1
	WEBUI_RUN=$WEBUI_DIR/run
	WEBUI_CONF=/etc/relance/relance.ini
	[ -f "$WEBUI_CONF" ] || return 1
	# (written over, not replaced: the file keeps its mode and group)
	{
		sed -e "s|@DEMO_DIR@|$WEBUI_DIR/bin|g" -e "s|@RUN_DIR@|$WEBUI_RUN|g" \
			-e '/^journal = /d' -e '/^lock_dir = /d' -e '/^host_lock_dir = /d' \
			-e '/^# the host locks/d' \
			-e '/^core_user = /d' -e "/^# the demo's event handler runs as root/d" \
			-e '/^# config check judges the state directories/d' \
			-e "s/^\\[host \"localhost\"\\]\$/[host \"$WEBUI_HOST\"]/" \
			-e "s/^host = localhost\$/host = $WEBUI_HOST/" \
			-e "s|^node = demo\$|node = webui\\ncommand_file = $WEBUI_PIPE\\nstatus_file = $WEBUI_STATUS|" \
			"$1/conf/demo/demo.ini.in"
	} >"$WEBUI_CONF"
}

# webui_app_kill: SIGKILL to every process of the application still
# running (by the pid files in $WEBUI_DIR/run*, checked against
# /proc/PID/cmdline)
webui_app_kill() {
	for _f in "$WEBUI_DIR"/run*/*.pid; do
		[ -f "$_f" ] || continue
		_p=$(cat "$_f")
		case $_p in '' | *[!0-9]*) continue ;; esac
		{ tr '\0' ' ' <"/proc/$_p/cmdline"; } 2>/dev/null | grep -q "daemon run " &&
			kill -KILL "$_p" 2>/dev/null
	done
}

# webui_down: everything webui_* started stopped, relance uninstalled, the
# machine restored (the caller's own processes are its own business)
webui_down() {
	# the core first: its handler would restart what is killed
	webui_nagios_stop
	webui_app_kill
	webui_apache_stop
	remove_relance
	webui_restore || echo "# $WEBUI_WHY" >&2
}

# webui_objects: `relancectl generate nagios` into Debian's conf.d
webui_objects() {
	mkdir -p /etc/nagios4/conf.d/relance
	relancectl generate nagios -o /etc/nagios4/conf.d/relance "$@" \
		>"$WEBUI_DIR/generate.out" 2>&1 ||
		_webui_fail "relancectl generate nagios: $(head -1 "$WEBUI_DIR/generate.out")"
}

# webui_pipe 'CMD;args': one external command into Nagios's pipe, within
# 20 s (a pipe without a reader would block for ever)
webui_pipe() {
	timeout 20 sh -c 'printf "[%s] %s\n" "$(date +%s)" "$2" >"$1"' _ "$WEBUI_PIPE" "$1"
}
