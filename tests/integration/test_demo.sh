#!/bin/sh
# The README's first command, tools/demo, walked through with this build's
# programs (--built: no package installed, nothing built): real processes
# started, killed, healed by the detached handler, and all stopped.
. "$top_srcdir/tests/lib.sh"
[ -x "$top_builddir/ctl/relancectl" ] &&
	[ -x "$top_builddir/handlers/handle_component" ] ||
	skip_all "relancectl or handle_component not built"
out=$(sh "$top_srcdir/tools/demo" --built "$top_builddir" 2>&1)
st=$?
is "$st" 0 "tools/demo --built: exit 0"
[ "$st" = 0 ] || printf '%s\n' "$out" | tail -n 30 | sed 's/^/#   /'
like "$out" "^config OK: 1 application, 5 components on 1 host" "1. the config checks"
like "$out" "^  SCHEDULE_FORCED_SVC_CHECK;localhost;demo/gateway;[0-9]+$" \
	"2. the start tells the core"
like "$out" "\[CRITICAL\] demo/gateway +on localhost .*gateway is not running" \
	"4. the gateway goes down with the pricer"
like "$out" "ADD_SVC_COMMENT;localhost;demo/pricer;0;relance;relance: restarted demo/pricer and demo/gateway on localhost in [0-9.]+m?s \(node demo\)" \
	"6. the handler restarts the pricer and the gateway, and says so"
like "$out" "^only the pricer and what requires it were restarted$" \
	"7. the other components kept their pids"
like "$out" "stand-down: acknowledged by alice: looking at the pricer" \
	"8. an acknowledgement makes it stand down"
like "$out" "^done: no demo process is left running$" "10. everything stopped"
done_testing
