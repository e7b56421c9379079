#!/bin/sh
# The Icinga 2 API module (lib/icinga_api.so, see lib/icinga_api_load.c):
# relancectl and handle_component map libcurl and jansson only when they
# talk to the API ([icinga_api]), and a module that cannot be loaded is
# one line naming it where the API is used: the write-back after a
# restart (relancectl's warning, the handler's error, the journal's
# failed writeback) and the handler's state read. Components are local
# processes (transport = local) and the API's URL a loopback port nothing
# listens on: no Icinga 2 needed (tests/e2e/test_heal_icinga_api.sh has
# the real one).
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/local.sh"

ctl="$top_builddir/ctl/relancectl"
hc="$top_builddir/handlers/handle_component"
cc="$top_builddir/plugins/check_component"
mod="$top_builddir/lib/icinga_api.so"
[ -x "$ctl" ] && [ -x "$hc" ] && [ -x "$cc" ] && [ -f "$mod" ] ||
	skip_all "not built"
[ "$RELANCE_API_MODULE" = "$mod" ] || skip_all "run by make check"
command -v python3 >/dev/null || skip_all "python3 needed (a free port)"

local_setup rl-apimod
unset RELANCE_CONFIG
mkdir "$T/locks" "$T/hostlocks"
PORT=$(python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
URL=https://127.0.0.1:$PORT
printf 's3cret\n' >"$T/api.pw"
chmod 600 "$T/api.pw"

# config FILE [API]: component fx/a on host here (up while \$T/up is); with API, an
# [icinga_api] section whose URL nothing listens on
config() {
	cat >"$1" <<EOF
[relance]
journal  = $T/journal.jsonl
lock_dir = $T/locks
host_lock_dir = $T/hostlocks
node     = testnode
core_user = $(id -un)

[host "here"]
transport = local

[component "fx/a"]
host  = here
check = test -e $T/up
start = touch $T/up
stop  = rm -f $T/up
EOF
	[ -n "${2:-}" ] && printf '\n[icinga_api]\nurl = %s\nuser = relance\npassword_file = %s\ntimeout = 5s\n' \
		"$URL" "$T/api.pw" >>"$1"
	chmod 600 "$1"
}
config "$T/plain.ini"
config "$T/api.ini" api

run() { # run PROG ARGS...: output in $out, status in $st
	out=$("$@" 2>&1)
	st=$?
}
loaded() { # loaded PROG ARGS...: what the dynamic loader opened, in $libs
	rm -f "$T"/ld.*
	LD_DEBUG=files LD_DEBUG_OUTPUT="$T/ld" "$@" >/dev/null 2>&1
	libs=$(sed -n 's/.*file=\([^ ]*\) .*/\1/p' "$T"/ld.* | sort -u)
}
writeback() { # the last writeback record of the journal
	grep '"event":"writeback"' "$T/journal.jsonl" | tail -n 1
}
heal() { # heal CONFIG: fx/a down, the handler in the foreground, without
	# --ack, on a new journal; its stderr in $out
	rm -f "$T/up" "$T/journal.jsonl"
	out=$("$hc" -c "$1" -C fx/a --state CRITICAL --state-type HARD \
		--attempt 1 --downtime 0 --foreground 2>&1 >/dev/null)
	st=$?
}

# --- libcurl and jansson only when the API is used ---------------------------
for p in "$ctl" "$hc" "$cc" "$top_builddir/plugins/check_application"; do
	n=$(ldd "$p" | grep -Ec 'libcurl|libjansson')
	is "$n" 0 "${p##*/} does not link libcurl or jansson"
done
loaded "$ctl" --version
like "$libs" 'libssh2' "LD_DEBUG sees the libraries (libssh2)"
unlike "$libs" 'libcurl|libjansson|icinga_api\.so' "relancectl --version: neither the module nor its libraries"
loaded "$ctl" -c "$T/api.ini" status
unlike "$libs" 'libcurl|libjansson|icinga_api\.so' "relancectl status with [icinga_api]: not needed, not loaded"
loaded "$ctl" -c "$T/plain.ini" restart fx/a
unlike "$libs" 'libcurl|libjansson|icinga_api\.so' "a restart without [icinga_api]: not loaded"
loaded "$ctl" -c "$T/api.ini" restart fx/a
like "$libs" "$mod" "a restart with [icinga_api] (its forced check): the build tree's module"
like "$libs" 'libcurl' "and libcurl"
like "$libs" 'libjansson' "and jansson"

run "$ctl" -c "$T/api.ini" restart fx/a
is "$st" 0 "the API down: the restart stands (exit 0)"
like "$out" "relancectl: warning: the core was not told: $URL: reschedule-check on here!fx/a: cannot connect" \
	"the module loaded, the API down: said as before"

# --- a module that cannot be loaded ---------------------------------------------
RELANCE_API_MODULE=$T/none/icinga_api.so
export RELANCE_API_MODULE
want="Icinga 2 API unavailable: cannot load '$T/none/icinga_api.so': cannot open shared object file"
run "$ctl" -c "$T/api.ini" restart fx/a
is "$st" 0 "missing module: the restart stands (exit 0)"
like "$out" "relancectl: warning: the core was not told: $want" \
	"relancectl names the module and why"
is "$(printf '%s\n' "$out" | grep -c 'Icinga 2 API unavailable')" 1 "on one line"
like "$(writeback)" "\"result\":\"failed\".*\"message\":\"$want" \
	"the write-back is journaled as failed, saying why"
run "$ctl" -c "$T/plain.ini" restart fx/a
is "$st" 0 "no [icinga_api]: the restart"
unlike "$out" "Icinga 2 API|not told" "needs no module, says nothing of it"

heal "$T/api.ini"
is "$st" 0 "missing module: the handler's restart is done (exit 0)"
[ -e "$T/up" ]
ok $? "fx/a is up again"
like "$out" "fx/a: $want.* \\(acknowledgements not read from it\\)" \
	"the handler's state read names the module"
like "$out" "write-back to the core failed: $want" \
	"and so does its write-back"
like "$(writeback)" "\"result\":\"failed\".*\"message\":\"$want" \
	"journaled as failed"
grep '"event":"status"' "$T/journal.jsonl" | tail -n 1 | grep -q "\"result\":\"failed\".*$want"
ok $? "the state read is journaled as failed"

# a library that is not the module: relance's own XML module
RELANCE_API_MODULE=$top_builddir/lib/xpath.so
run "$ctl" -c "$T/api.ini" restart fx/a
like "$out" "the core was not told: Icinga 2 API unavailable: cannot load '$RELANCE_API_MODULE': not relance's Icinga 2 API module \\(no rl_icinga_api_module\\)" \
	"another library: refused, never called"

# a module of another build (its table says so)
if command -v "${CC_FOR_TEST:-cc}" >/dev/null 2>&1; then
	mkdir "$T/other"
	cat >"$T/other/m.c" <<'EOC'
#include "icinga_api_impl.h"
const struct rl_icinga_api_module rl_icinga_api_module = {.version = "0.0.0-other"};
EOC
	"${CC_FOR_TEST:-cc}" -shared -fPIC -I"$top_srcdir/lib" -I"$top_builddir" \
		-o "$T/other/icinga_api.so" "$T/other/m.c" 2>"$T/other/cc.log"
	ok $? "a module of another build compiles"
	RELANCE_API_MODULE=$T/other/icinga_api.so
	heal "$T/api.ini"
	is "$st" 0 "a module of another build: the handler's restart stands"
	like "$out" "write-back to the core failed: Icinga 2 API unavailable: cannot load '$T/other/icinga_api.so': module of relance 0\\.0\\.0-other, not of this build" \
		"and the module is never called"
else
	diag "no cc: the module of another build is not tried"
fi
done_testing
