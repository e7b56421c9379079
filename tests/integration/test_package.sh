#!/bin/sh
# The Debian package (issue 13): tools/deb builds it from a copy of the
# tree, lintian finds no error, dpkg -i puts every file where Debian's
# nagios4 and Icinga 2 look, with the modes and owners that let root and
# nagios share the config and the state; nagios runs the programs; dpkg -r
# keeps the conffiles, dpkg -P removes everything the package and its
# postinst made, and the machine is as it was.
# Root only. Refuses (skips) when relance is installed already.
. "$top_srcdir/tests/lib.sh"

[ "$(id -u)" = 0 ] || skip_all "needs root (dpkg -i)"
# the installed programs, with the installed modules, not the build's
unset RELANCE_XPATH_MODULE RELANCE_API_MODULE RELANCE_CONFIG
for p in dpkg-buildpackage lintian flock runuser readelf; do
	command -v $p >/dev/null || skip_all "$p not installed (tools/deps)"
done
getent passwd nagios >/dev/null || skip_all "no user nagios (nagios4-core, tools/deps)"
# The .deb is kept in the build tree for the next run and the web-UI test
debdir=$top_builddir/deb

T=$(mktemp -d "${TMPDIR:-/tmp}/package.XXXXXX") || exit 1
installed=""
cleanup() {
	[ -n "$installed" ] && dpkg -P relance >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# One test at a time installs relance on this machine: this one and the
# web-UI end-to-end test (tests/e2e/test_webui.sh) hold this lock
exec 8>/run/relance-webui.lock
flock -w 1200 8 || skip_all "another test holds /run/relance-webui.lock"
st=$(dpkg-query -W -f='${db:Status-Status}' relance 2>/dev/null)
case $st in
"" | not-installed) ;;
*) skip_all "relance is on this machine already ($st): dpkg -P relance first" ;;
esac
# what the package installs or its postinst makes, and the multiarch dir
ma=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
paths="/usr/bin/relancectl /usr/lib/nagios/plugins/check_component
	/usr/lib/nagios/plugins/check_application
	/usr/lib/nagios/plugins/handle_component /usr/lib/$ma/relance
	/etc/relance /var/lib/relance /run/relance
	/etc/nagios-plugins/config/relance.cfg
	/usr/share/icinga2/include/plugins-contrib.d/relance.conf
	/usr/lib/tmpfiles.d/relance.conf
	/usr/share/bash-completion/completions/relancectl"
for f in $paths; do
	[ -e "$f" ] && skip_all "$f exists (relance installed from source?): the package would replace and purge it"
done
getent group relance >/dev/null &&
	skip_all "group relance exists without the package: the purge would remove it"

# what the package may change, before and after
snapshot() {
	{
		getent group relance
		id -nG nagios
		dpkg-statoverride --list | grep relance
		# shellcheck disable=SC2086
		ls -la $paths
	} 2>&1
}
snapshot >"$T/before"

# --- build and lintian --------------------------------------------------
deb=$(sh "$top_srcdir/tools/deb" "$debdir" 2>"$T/deb.err")
ok $? "tools/deb builds the package" ||
	sed 's/^/#  /' "$T/deb.err" | tail -20
version=$(sed -n 's/^AC_INIT(\[relance\], \[\([^]]*\)\].*/\1/p' "$top_srcdir/configure.ac")
is "${deb##*/}" "relance_${version}_$(dpkg --print-architecture).deb" \
	"the .deb is relance_VERSION_ARCH.deb, VERSION from configure.ac"
[ -f "$deb" ] || { done_testing; exit 1; }
lintian "$deb" >"$T/lintian.out" 2>&1
grep '^E:' "$T/lintian.out" >"$T/lintian.err"
[ ! -s "$T/lintian.err" ]
ok $? "lintian: no error" || sed 's/^/#  /' "$T/lintian.err"
grep '^W:' "$T/lintian.out" | sed 's/^/# lintian: /'

# --- install ------------------------------------------------------------
installed=1
dpkg -i "$deb" >"$T/install.out" 2>&1
ok $? "dpkg -i" || sed 's/^/#  /' "$T/install.out"
dpkg -L relance >"$T/files"
for f in /usr/bin/relancectl /usr/lib/nagios/plugins/check_component \
	/usr/lib/nagios/plugins/check_application \
	/usr/lib/nagios/plugins/handle_component \
	"/usr/lib/$ma/relance/xpath.so" "/usr/lib/$ma/relance/icinga_api.so" \
	/etc/relance/relance.ini /etc/nagios-plugins/config/relance.cfg \
	/usr/share/icinga2/include/plugins-contrib.d/relance.conf \
	/usr/lib/tmpfiles.d/relance.conf \
	/usr/share/bash-completion/completions/relancectl \
	/usr/share/doc/relance/examples/relance.ini.example \
	/usr/share/man/man1/relancectl.1.gz /usr/share/man/man5/relance.ini.5.gz; do
	grep -qx "$f" "$T/files" && [ -e "$f" ]
	ok $? "installed: $f"
done
is "$(dpkg-query -W -f='${Conffiles}' relance | awk 'NF {print $1}' | sort | tr '\n' ' ')" \
	"/etc/nagios-plugins/config/relance.cfg /etc/relance/relance.ini " \
	"conffiles: relance.ini and the Nagios commands"
is "$(stat -c '%a %U:%G' /etc/relance/relance.ini)" "640 root:relance" \
	"/etc/relance/relance.ini: 0640 root:relance"
is "$(stat -c '%a %U:%G' /var/lib/relance)" "750 nagios:relance" \
	"/var/lib/relance: 0750, owned by nagios"
id -nG nagios | tr ' ' '\n' | grep -qx relance
ok $? "nagios is in group relance"
if command -v systemd-tmpfiles >/dev/null; then
	is "$(stat -c '%a %U' /run/relance 2>&1)" "755 nagios" \
		"/run/relance made by tmpfiles.d: 0755, owned by nagios"
else
	ok 0 "# SKIP no systemd-tmpfiles"
fi
for f in /usr/bin/relancectl /usr/lib/nagios/plugins/*_component \
	/usr/lib/nagios/plugins/check_application; do
	[ -x "$f" ]
done
ok $? "the programs are executable"
# dpkg-buildflags' hardening (hardening=+all), read from the ELF files
for f in /usr/bin/relancectl /usr/lib/nagios/plugins/check_component \
	/usr/lib/nagios/plugins/check_application \
	/usr/lib/nagios/plugins/handle_component /usr/lib/$ma/relance/xpath.so \
	/usr/lib/$ma/relance/icinga_api.so; do
	h=""
	readelf -hW "$f" | grep -q 'Type: *DYN' && h="$h pie"
	readelf -lW "$f" | grep -q GNU_RELRO && h="$h relro"
	readelf -dW "$f" | grep -q 'FLAGS.*NOW' && h="$h now"
	syms=$(readelf -sW --dyn-syms "$f")
	printf '%s\n' "$syms" | grep -q __stack_chk_fail && h="$h ssp"
	printf '%s\n' "$syms" | grep -q '__[a-z]*_chk@' && h="$h fortify"
	is "$h" " pie relro now ssp fortify" "hardened: ${f##*/} (PIE, RELRO, BIND_NOW, stack protector, FORTIFY)"
done

# --- the programs as nagios ---------------------------------------------
asnagios() { (cd / && runuser -u nagios -- "$@"); }
out=$(asnagios relancectl --version 2>&1)
like "$out" "^relancectl .*$version\$" "nagios: relancectl --version"
out=$(asnagios /usr/lib/nagios/plugins/check_component --help 2>&1)
st=$?
is "$st" 0 "nagios: check_component --help exits 0"
like "$out" "/etc/relance/relance.ini" "check_component's default config is /etc/relance/relance.ini"
out=$(asnagios relancectl config check 2>&1)
like "$out" "^config OK" "nagios reads /etc/relance/relance.ini through group relance"
out=$(runuser -u www-data -- cat /etc/relance/relance.ini 2>&1)
ok $((! $?)) "others (www-data) cannot read it"
gen=$(relancectl generate nagios --with-commands 2>&1 | grep -c '/usr/lib/nagios/plugins/check_component')
[ "$gen" -gt 0 ]
ok $? "relancectl generate --with-commands: the plugins in /usr/lib/nagios/plugins"
# by default the commands are the installed relance.cfg's, which read the
# installed config: none written, no warning
relancectl generate nagios >"$T/gen.cfg" 2>"$T/gen.err"
ok $? "relancectl generate nagios (the installed config)"
is "$(grep -c '^define command {' "$T/gen.cfg")" 0 \
	"relancectl generate: no command (relance.cfg has them)"
is "$(cat "$T/gen.err")" "" "relancectl generate nagios: no warning (the config the installed commands read)"

# root and nagios share the journal and the holds; nagios starts them (a
# journal root creates is given to the directory's owner by relance itself)
mkdir -m 0755 "$T/cfg"
cat >"$T/cfg/relance.ini" <<EOF
[relance]
journal  = /var/lib/relance/journal.jsonl
lock_dir = /run/relance
[host "here"]
transport = local
[component "pkg/x"]
host  = here
check = cat /nonexistent
start = true
stop  = true
check_mode = xml
xpath.n = /a/@n
EOF
chmod 0644 "$T/cfg/relance.ini"
chmod 0711 "$T"
cfg=$T/cfg/relance.ini
out=$(asnagios relancectl -c "$cfg" hold pkg/x --reason "package test" 2>&1)
ok $? "nagios: hold (journal and holds in /var/lib/relance)" || diag "$out"
out=$(relancectl -c "$cfg" release pkg/x 2>&1)
ok $? "root: release" || diag "$out"
out=$(asnagios relancectl -c "$cfg" history pkg/x 2>&1)
like "$out" "release" "nagios: history shows root's release"
is "$(stat -c '%U' /var/lib/relance/journal.jsonl 2>&1)" nagios "the journal is nagios's"
# the XML module at its installed path (not the build tree's)
printf '<a n="7"/>\n' >"$T/cfg/doc.xml"
chmod 0644 "$T/cfg/doc.xml"
sed -i "s|^check = .*|check = cat $T/cfg/doc.xml|" "$cfg"
out=$(asnagios /usr/lib/nagios/plugins/check_component --config "$cfg" -C pkg/x 2>&1)
like "$out" "^COMPONENT OK .*n=7" "check_component loads the installed XML module"
# the Icinga 2 API module at its installed path: a restart's forced check
# goes to [icinga_api], whose URL nothing listens on (port 1)
printf 's3cret\n' >"$T/api.pw"
chmod 600 "$T/api.pw"
cat >"$T/api.ini" <<EOF
[relance]
journal  = /var/lib/relance/journal.jsonl
lock_dir = /run/relance
[icinga_api]
url = https://127.0.0.1:1
user = relance
password_file = $T/api.pw
[host "here"]
transport = local
[component "pkg/y"]
host  = here
check = test -e $T/y.up
start = touch $T/y.up
stop  = rm -f $T/y.up
EOF
chmod 0600 "$T/api.ini"
out=$(relancectl -c "$T/api.ini" restart pkg/y 2>&1)
like "$out" "the core was not told: https://127\\.0\\.0\\.1:1: reschedule-check on here!pkg/y: cannot connect" \
	"relancectl loads the installed Icinga 2 API module (the API down: cannot connect)"
unlike "$(ldd /usr/bin/relancectl /usr/lib/nagios/plugins/handle_component)" 'libcurl|libjansson' \
	"relancectl and handle_component do not link libcurl or jansson"

# --- reinstall (as an upgrade does): the admin's config and the modes stay
echo "# edited by the package test" >>/etc/relance/relance.ini
dpkg -i "$deb" >"$T/reinstall.out" 2>&1
ok $? "dpkg -i again (the upgrade path)" || sed 's/^/#  /' "$T/reinstall.out"
grep -q "edited by the package test" /etc/relance/relance.ini
ok $? "the edited conffile is kept"
is "$(stat -c '%a %U:%G' /etc/relance/relance.ini) $(stat -c '%a %U:%G' /var/lib/relance)" \
	"640 root:relance 750 nagios:relance" "the config's and the journal directory's modes are kept"

# --- remove, purge ------------------------------------------------------
dpkg -r relance >"$T/remove.out" 2>&1
ok $? "dpkg -r" || sed 's/^/#  /' "$T/remove.out"
[ ! -e /usr/bin/relancectl ] && [ ! -e /usr/lib/nagios/plugins/check_component ]
ok $? "dpkg -r removes the programs"
[ -f /etc/relance/relance.ini ]
ok $? "dpkg -r keeps the conffile"
dpkg -P relance >"$T/purge.out" 2>&1
ok $? "dpkg -P" || sed 's/^/#  /' "$T/purge.out"
installed=""
snapshot >"$T/after"
diff "$T/before" "$T/after" >"$T/diff"
ok $? "after dpkg -P the machine is as it was (group, statoverrides, directories)" ||
	sed 's/^/#  /' "$T/diff"
[ -z "$(dpkg-query -W -f='${db:Status-Status}' relance 2>/dev/null | grep -v not-installed)" ]
ok $? "dpkg knows nothing of relance"

done_testing
