# tests/lib.sh - TAP helpers for the shell tests.
# Source it; call plan N (or done_testing at the end), ok/not_ok/is/like.
_t_n=0
_t_fail=0
ok() { # ok CONDITION-EXIT-STATUS DESCRIPTION: use as `cmd; ok $? "desc"`;
	# returns the condition's truth, so `ok $? "desc" || diag ...`
	_t_n=$((_t_n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $_t_n - $2"
	else
		echo "not ok $_t_n - $2"
		_t_fail=$((_t_fail + 1))
		return 1
	fi
}
is() { # is GOT WANT DESCRIPTION
	if [ "$1" = "$2" ]; then ok 0 "$3"; else
		ok 1 "$3"; echo "#   got:  '$1'"; echo "#   want: '$2'"; fi
}
like() { # like TEXT PATTERN(grep -E) DESCRIPTION
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then ok 0 "$3"; else
		ok 1 "$3"; printf '#   no match for /%s/ in:\n' "$2"
		printf '%s\n' "$1" | sed 's/^/#     /' | head -20; fi
}
unlike() {
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then ok 1 "$3"
		printf '#   unexpected /%s/ in:\n' "$2"
		printf '%s\n' "$1" | sed 's/^/#     /' | head -20
	else ok 0 "$3"; fi
}
skip_all() { echo "1..0 # SKIP $*"; exit 0; }
done_testing() { echo "1..$_t_n"; [ $_t_fail = 0 ]; }
diag() { printf '# %s\n' "$*"; }

now_ms() { date +%s%3N; }

# wait_for SECONDS CMD...: runs CMD every 50 ms until it succeeds (0) or
# SECONDS pass (1); $WAITED_MS: how long it took
wait_for() {
	_wf_t0=$(now_ms)
	_wf_lim=$(( _wf_t0 + $1 * 1000 ))
	shift
	while :; do
		if "$@"; then
			WAITED_MS=$(( $(now_ms) - _wf_t0 ))
			return 0
		fi
		[ "$(now_ms)" -lt "$_wf_lim" ] || break
		sleep 0.05
	done
	WAITED_MS=$(( $(now_ms) - _wf_t0 ))
	return 1
}

# RELANCE_UNIT_ONLY=1 in the environment of `make check` (tools/check's
# distcheck step, debian/rules): every shell test skips, the unit tests run
[ -z "${RELANCE_UNIT_ONLY:-}" ] ||
	skip_all "RELANCE_UNIT_ONLY is set: unit tests only"
