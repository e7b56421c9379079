# tests/integration/local.sh - the start of the integration tests whose
# components are processes on this machine (transport = local). Source it
# after tests/lib.sh.
#
#   local_setup NAME [comp]   $T: a new directory NAME.XXXXXX under $TMPDIR
#                             (or /tmp) with run/ in it, where the
#                             components write their pid files; with comp,
#                             $T/comp.sh is a copy of relancectl/comp.sh.
#                             On exit the process in $bg_pid (when set: the
#                             test's own background reader or command) and
#                             the daemons whose pid files (first line) are
#                             in $T/run are killed and $T is removed (kept
#                             when RELANCE_TEST_KEEP is set, to look around
#                             after a failure); INT and TERM exit 1.

local_cleanup() {
	[ -n "${bg_pid:-}" ] && kill "$bg_pid" 2>/dev/null
	for _lf in "$T"/run/*.pid; do
		[ -f "$_lf" ] && kill "$(head -n 1 "$_lf")" 2>/dev/null
	done
	rm -rf "$T"
}

local_setup() { # NAME [comp]
	T=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX") || exit 1
	bg_pid=
	trap local_cleanup EXIT
	[ -n "${RELANCE_TEST_KEEP:-}" ] && trap - EXIT
	trap 'exit 1' INT TERM
	mkdir "$T/run" || exit 1
	if [ "${2:-}" = comp ]; then
		cp "$top_srcdir/tests/integration/relancectl/comp.sh" "$T/comp.sh" &&
			chmod 755 "$T/comp.sh" || exit 1
	fi
}
