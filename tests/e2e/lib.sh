# tests/e2e/lib.sh - validate generated objects with the real cores, each
# in its own temporary directory (no file outside it is read or written but
# the cores' own binaries and Icinga 2's ITL).
#
#   nagios_verify DIR FILE...   writes DIR/nagios.cfg loading FILE... (plus
#                               host objects for the hosts the files use but
#                               do not define), runs `nagios4 -v`; output in
#                               DIR/verify.out; returns its exit status
#   icinga_verify DIR FILE...   writes DIR/etc/icinga2.conf including FILE...
#                               (plus Host objects as above, and a Zone for
#                               every zone the files name, child of the
#                               master zone), runs `icinga2 daemon -C`;
#                               output in DIR/verify.out
#   have_nagios / have_icinga   true when the core is installed
#   e2e_require WHAT...         skips the whole test (skip_all) unless every
#                               WHAT is there: relancectl, handle_component,
#                               check_component built in $top_builddir;
#                               nagios4, icinga2 installed ("nagios4|icinga2":
#                               either); any other name a command in PATH;
#                               sets $ctl and $hc to the built programs
#   nagios_paths DIR            the nagios.cfg lines that keep every file a
#                               Nagios writes inside DIR

have_nagios() { command -v nagios4 >/dev/null 2>&1; }
have_icinga() { command -v icinga2 >/dev/null 2>&1; }

e2e_require() {
	ctl=$top_builddir/ctl/relancectl
	hc=$top_builddir/handlers/handle_component
	_er_nb=
	for _er in "$@"; do
		case $_er in
		relancectl) [ -x "$ctl" ] || _er_nb="$_er_nb $_er" ;;
		handle_component) [ -x "$hc" ] || _er_nb="$_er_nb $_er" ;;
		check_component)
			[ -x "$top_builddir/plugins/check_component" ] ||
				_er_nb="$_er_nb $_er" ;;
		esac
	done
	# "relancectl or check_component not built"
	[ -z "$_er_nb" ] ||
		skip_all "$(echo $_er_nb | sed 's/ \([^ ]*\)$/ or \1/; s/ /, /g; s/, or,/ or/') not built"
	for _er in "$@"; do
		case $_er in
		relancectl | handle_component | check_component) ;;
		nagios4) have_nagios || skip_all "nagios4 not installed" ;;
		icinga2) have_icinga || skip_all "icinga2 not installed" ;;
		'nagios4|icinga2' | 'icinga2|nagios4')
			have_nagios || have_icinga ||
				skip_all "neither nagios4 nor icinga2 installed" ;;
		*) command -v "$_er" >/dev/null 2>&1 || skip_all "$_er needed" ;;
		esac
	done
}

# Hosts used (host_name / parent / child) but not defined by FILE...
_e2e_used_hosts() { # nagios|icinga2 FILE...
	kind=$1; shift
	if [ "$kind" = nagios ]; then
		used=$(sed -n 's/^    \(dependent_\)\{0,1\}host_name  *\([^ ]*\)$/\2/p' "$@")
		defd=$(awk '/^define host \{/{h=1} h && /^    host_name /{print $2; h=0} /^\}/{h=0}' "$@")
	else
		used=$(sed -n 's/^\t\(host_name\|parent_host_name\|child_host_name\) = "\(.*\)"$/\2/p' "$@")
		defd=$(sed -n 's/^object Host "\(.*\)" {$/\1/p' "$@")
	fi
	{ printf 'D %s\n' $defd; printf 'U %s\n' $used; } |
		awk '$1 == "D" { d[$2] = 1 } $1 == "U" && $2 != "" && !($2 in d) { d[$2] = 1; print $2 }' | sort
}

# Every file a Nagios in DIR writes, inside DIR (nagios.cfg lines)
nagios_paths() { # DIR
	cat <<EOF
log_file=$1/var/nagios.log
object_cache_file=$1/var/objects.cache
precached_object_file=$1/var/objects.precache
status_file=$1/var/status.dat
state_retention_file=$1/var/retention.dat
temp_file=$1/var/nagios.tmp
temp_path=$1/var
lock_file=$1/var/nagios.lock
command_file=$1/var/nagios.cmd
check_result_path=$1/spool/checkresults
query_socket=$1/var/nagios.qh
debug_file=$1/var/nagios.debug
log_archive_path=$1/var
log_rotation_method=n
nagios_user=root
nagios_group=root
EOF
}

nagios_verify() {
	d=$1; shift
	mkdir -p "$d/var" "$d/spool/checkresults"
	: > "$d/admin-hosts.cfg"
	_e2e_used_hosts nagios "$@" | while read -r h; do
		printf 'define host {\n    host_name %s\n    address 127.0.0.1\n    max_check_attempts 1\n    check_period relance-24x7\n    contacts relance\n}\n' "$h"
	done >> "$d/admin-hosts.cfg"
	{
		echo "cfg_file=$d/admin-hosts.cfg"
		for f in "$@"; do echo "cfg_file=$f"; done
		nagios_paths "$d"
		cat <<EOF
check_for_updates=0
illegal_object_name_chars=\`~!\$%^&*|'"<>?,()=
illegal_macro_output_chars=\`~\$&|'"<>
EOF
	} > "$d/nagios.cfg"
	nagios4 -v "$d/nagios.cfg" > "$d/verify.out" 2>&1
}

icinga_verify() {
	d=$1; shift
	mkdir -p "$d/etc" "$d/data" "$d/log" "$d/cache" "$d/spool" "$d/run"
	{
		cat <<'EOF'
/* e2e: a master zone, a child zone per zone the generated files name,
 * and the admin's hosts the files attach to. */
include <itl>
/* as Debian's /etc/icinga2: PluginDir (constants.conf) and <plugins> */
const PluginDir = "/usr/lib/nagios/plugins"
include <plugins>
object Endpoint NodeName { }
object Zone "master" { endpoints = [ NodeName ] }
EOF
		sed -n 's/^\tzone = "\(.*\)"$/\1/p' "$@" | sort -u | while read -r z; do
			printf 'object Endpoint "sat-%s" { }\n' "$z"
			printf 'object Zone "%s" { parent = "master"; endpoints = [ "sat-%s" ] }\n' "$z" "$z"
		done
		_e2e_used_hosts icinga2 "$@" | while read -r h; do
			printf 'object Host "%s" { check_command = "dummy"; address = "127.0.0.1" }\n' "$h"
		done
		for f in "$@"; do printf 'include "%s"\n' "$f"; done
	} > "$d/etc/icinga2.conf"
	icinga2 daemon -C -c "$d/etc/icinga2.conf" \
		-DConfigDir="$d/etc" -DDataDir="$d/data" -DLogDir="$d/log" \
		-DCacheDir="$d/cache" -DSpoolDir="$d/spool" -DInitRunDir="$d/run" \
		-DZonesDir="$d/etc/zones.d" -DRunAsUser=root -DRunAsGroup=root \
		-DNodeName=e2e-master > "$d/verify.out" 2>&1
}
