#!/bin/sh
# The XML module (lib/xpath.so, see lib/xpath_load.c): the plugins map
# libxml2 only when they judge an xml component (they do not compile the
# other components' expressions: RL_CONFIG_LAZY_XPATH), and a module that cannot be
# loaded gives one line naming the component and UNKNOWN (transport local).
. "$top_srcdir/tests/lib.sh"

cc="$top_builddir/plugins/check_component"
ctl="$top_builddir/ctl/relancectl"
mod="$top_builddir/lib/xpath.so"
[ -x "$cc" ] && [ -x "$ctl" ] && [ -f "$mod" ] || skip_all "not built"
[ "$RELANCE_XPATH_MODULE" = "$mod" ] || skip_all "run by make check"

T=$(mktemp -d "${TMPDIR:-/tmp}/xmlmod.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 1' INT TERM
unset RELANCE_CONFIG

plain='[host "here"]
transport = local

[component "fx/plain"]
host = here
check = true
start = true
stop = true
'
printf '%s' "$plain" >"$T/plain.ini"
{
	printf '%s\n' "$plain"
	printf '[component "fx/tomcat"]\nhost = here\n'
	printf "check = printf '<status state=\"RUNNING\"><t busy=\"7\"/></status>'\n"
	printf 'check_mode = xml\nstart = true\nstop = true\n'
	printf 'xpath.state = string(/status/@state)\nxpath.state.expect = RUNNING\n'
	printf 'xpath.busy = sum(//t/@busy)\nxpath.busy.warning = 5\n\n'
	# the same document, naming an external DTD (never loaded)
	printf '[component "fx/dtd"]\nhost = here\n'
	printf "check = printf '<!DOCTYPE status SYSTEM \"/etc/passwd\"><status state=\"RUNNING\"/>'\n"
	printf 'check_mode = xml\nstart = true\nstop = true\n'
	printf 'xpath.state = string(/status/@state)\nxpath.state.expect = RUNNING\n'
} >"$T/xml.ini"
chmod 600 "$T/plain.ini" "$T/xml.ini"

run() { # run PROG ARGS...: output in $out, status in $st
	out=$("$@" 2>&1)
	st=$?
}
loaded() { # loaded ARGS...: what the dynamic loader opened, in $libs
	rm -f "$T"/ld.*
	LD_DEBUG=files LD_DEBUG_OUTPUT="$T/ld" "$cc" "$@" >/dev/null 2>&1
	libs=$(sed -n 's/.*file=\([^ ]*\) .*/\1/p' "$T"/ld.* | sort -u)
}

# --- libxml2 only when needed ---------------------------------------------
loaded -f "$T/plain.ini" -C fx/plain
like "$libs" 'libssh2' "LD_DEBUG sees the libraries (libssh2)"
unlike "$libs" 'libxml2|xpath\.so' "no xpath keys: neither libxml2 nor the module"
loaded -f "$T/xml.ini" -C fx/tomcat
like "$libs" "$mod" "an xml component: the build tree's module"
like "$libs" 'libxml2' "and libxml2"
loaded -f "$T/xml.ini" -C fx/plain
unlike "$libs" 'libxml2|xpath\.so' "a config with xpath keys, a plain component: neither"

run "$cc" -f "$T/xml.ini" -C fx/tomcat
is "$st" 1 "the xml component is judged (WARNING: busy 7 > 5)"
like "$out" "^COMPONENT WARNING - fx/tomcat on here: WARNING: busy = 7" "its verdict"
run "$cc" -f "$T/xml.ini" -C fx/dtd
is "$st" 3 "a document naming an external DTD: UNKNOWN"
like "$out" "^COMPONENT UNKNOWN - fx/dtd on here: .*document refused: it declares entities or an external DTD" \
	"refused, as the README says"

# --- a module that cannot be loaded ----------------------------------------
RELANCE_XPATH_MODULE=$T/none/xpath.so
export RELANCE_XPATH_MODULE
run "$cc" -f "$T/xml.ini" -C fx/tomcat
is "$st" 3 "missing module: UNKNOWN"
is "$(printf '%s\n' "$out" | wc -l)" 1 "on one line"
like "$out" "^COMPONENT UNKNOWN - fx/tomcat on here: XML checks unavailable: cannot load '$T/none/xpath.so': cannot open shared object file" \
	"names the component, the module and why"
run "$ctl" -c "$T/xml.ini" config check
ok $((st == 0)) "relancectl config check fails too"
like "$out" "component 'fx/tomcat': .*XML checks unavailable: cannot load" "and says why"
run "$cc" -f "$T/plain.ini" -C fx/plain
is "$st" 0 "no xpath keys: no module needed"

# a module of another build (its table says so)
if command -v "${CC_FOR_TEST:-cc}" >/dev/null 2>&1; then
	mkdir "$T/other"
	cat >"$T/other/m.c" <<'EOC'
#include "xpath_impl.h"
const struct rl_xpath_module rl_xpath_module = {.version = "0.0.0-other"};
EOC
	"${CC_FOR_TEST:-cc}" -shared -fPIC -I"$top_srcdir/lib" -I"$top_builddir" \
		-o "$T/other/xpath.so" "$T/other/m.c" 2>"$T/other/cc.log"
	ok $? "a module of another build compiles"
	RELANCE_XPATH_MODULE=$T/other/xpath.so
	run "$cc" -f "$T/xml.ini" -C fx/tomcat
	is "$st" 3 "a module of another build: UNKNOWN"
	like "$out" "fx/tomcat on here: XML checks unavailable: cannot load '$T/other/xpath.so': module of relance 0\.0\.0-other, not of this build" \
		"and never called"
else
	diag "no cc: the module of another build is not tried"
fi
done_testing
