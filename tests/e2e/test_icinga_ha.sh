#!/bin/sh
# Issue 15 (1): relance in an Icinga 2 HA zone. Two real Icinga 2 endpoints,
# ha1 and ha2, in one zone "master", each in its own temp dir with its own
# certificate, API port and command pipe, both loading the objects that
# `relancectl generate icinga2` wrote for its own relance config (node ha1
# or ha2, a journal each), both reaching the application's host h1 over
# a loopback sshd. Icinga 2 balances the checks (and so the event
# handlers) between the two endpoints; a killed component must be
# restarted exactly once, whichever endpoint handles it: both journals
# together hold one restart, the component's own log one start, its pid
# changed and nobody else's. Five rounds.
. "$top_srcdir/tests/e2e/ha.sh"

# which components a restart of C starts (C and what requires it, through
# the chain: the demo's requires)
touched() {
	case $1 in
	pricer) echo "pricer gateway" ;;
	*) echo "$1" ;;
	esac
}

# five rounds; each kills a component checked by the endpoint that did not
# handle the previous round, when there is one
last=
for round in 1 2 3 4 5; do
	K=
	for c in gateway reports pricer; do
		s=$(source_of "$APP/$c")
		[ -z "$K" ] && K=$c
		[ "$s" != "$last" ] && { K=$c; break; }
	done
	checker=$(source_of "$APP/$K")
	before=$(app_pids)
	set -- $(touched "$K")
	starts0=
	for c in "$@"; do starts0="$starts0 $(app_starts "$c")"; done
	t_kill=$(now_ms)
	app_kill "$K"
	wait_for 120 eval '[ "$(jn ".event == \"plan\" and .phase == \"end\" and .ts >= $t_kill")" -ge 1 ]'
	ok $? "round $round: $K (checked by $checker) killed, a restart ran ($WAITED_MS ms)"
	wait_for 120 all_up
	ok $? "round $round: every component OK HARD again on both endpoints ($WAITED_MS ms)"
	S=".event == \"step\" and .phase == \"begin\" and .action == \"start\" and .ts >= $t_kill"
	is "$(jn "$S and .component == \"$APP/$K\"")" 1 \
		"round $round: both journals together: one start of $K"
	handler=$(jall "$S and .component == \"$APP/$K\"" | jq -r .node | head -1)
	is "$handler" "$checker" "round $round: the handler ran on the endpoint that checks $K"
	is "$(jn ".event == \"decision\" and .result == \"heal\" and .ts >= $t_kill and (.component | startswith(\"$APP/\"))")" 1 \
		"round $round: one heal decision on the two nodes"
	jall ".ts >= $t_kill and (.event == \"decision\" or .event == \"plan\") and .result != \"ignore\"" |
		jq -r '"#   \(.node) \(.event) \(.phase // "") \(.component // "") \(.result): \(.reason // .message // "")"'
	i=0 d=
	for c in "$@"; do
		i=$((i + 1))
		d="$d $(( $(app_starts "$c") - $(echo $starts0 | cut -d' ' -f$i) ))"
	done
	is "$d" "$(for c in "$@"; do printf ' 1'; done)" "round $round: started once each: $*"
	after=$(app_pids)
	same_b= same_a=
	for c in $APP_NAMES; do
		case " $* " in *" $c "*) continue ;; esac
		same_b="$same_b $(echo "$before" | tr ' ' '\n' | grep "^$c=")"
		same_a="$same_a $(echo "$after" | tr ' ' '\n' | grep "^$c=")"
	done
	is "$same_a" "$same_b" "round $round: the other components kept their pids"
	last=$handler
done

used=$(jall '.event == "step" and .action == "start"' | jq -r .node | sort -u | tr '\n' ' ')
diag "endpoints whose handler restarted something: $used"

e2e_sanitizer_ok
diag "test_icinga_ha: $(( $(now_ms) - T0 )) ms"
done_testing
