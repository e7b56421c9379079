#!/bin/sh
# tests/fuzz/run.sh - builds the libFuzzer targets with clang against the
# library's sources (ASan + UBSan) and runs each for a bounded time from
# the seed corpus in tests/fuzz/corpus/TARGET. TAP: one test per target,
# ok when the fuzzer ran to its time limit without a crash, with the run
# count. RL_FUZZ_SECONDS sets the time per target (default 20).
# Skips cleanly without clang, libFuzzer or libxml2's pkg-config.
. "$top_srcdir/tests/lib.sh"

secs=${RL_FUZZ_SECONDS:-20}
CLANG=${CLANG:-}
if [ -z "$CLANG" ]; then
	for c in clang clang-14; do
		command -v "$c" >/dev/null 2>&1 && { CLANG=$c; break; }
	done
fi
[ -n "$CLANG" ] || skip_all "clang not found"
xml_cflags=$(pkg-config --cflags libxml-2.0 2>/dev/null) &&
	xml_libs=$(pkg-config --libs libxml-2.0 2>/dev/null) ||
	skip_all "libxml-2.0 not found by pkg-config"

work=$(mktemp -d "${TMPDIR:-/tmp}/rl-fuzz.XXXXXX") || exit 1
trap '[ -n "$RL_FUZZ_KEEP" ] || rm -rf "$work"' EXIT INT TERM
printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n)\n{ (void)d; (void)n; return 0; }\n' >"$work/probe.c"
"$CLANG" -fsanitize=fuzzer "$work/probe.c" -o "$work/probe" \
	>/dev/null 2>&1 || skip_all "$CLANG has no libFuzzer (libclang-rt-14-dev)"

lib="$top_srcdir/lib"
flags="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
       -I$lib -I$top_builddir"
# shellcheck disable=SC2086
build() { # build TARGET SOURCES...
	t=$1; shift
	"$CLANG" $flags $xml_cflags -o "$work/$t" \
		"$top_srcdir/tests/fuzz/$t.c" "$@" $xml_libs -lm \
		>"$work/$t.build" 2>&1
}

run() { # run TARGET: fuzz for $secs seconds from a copy of the corpus
	t=$1
	mkdir -p "$work/$t.corpus" "$work/$t.crash"
	(cd "$work/$t.crash" &&
		ASAN_OPTIONS=detect_leaks=1 "$work/$t" -max_total_time="$secs" \
		-rss_limit_mb=1024 -timeout=10 -max_len=65536 \
		-print_final_stats=1 "$work/$t.corpus" \
		"$top_srcdir/tests/fuzz/corpus/$t" >"$work/$t.log" 2>&1)
	rc=$?
	runs=$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\1 runs in \2 s/p' \
		"$work/$t.log" | tail -1)
	if [ $rc = 0 ] && [ -n "$runs" ]; then
		ok 0 "$t: $runs, no crash"
	else
		ok 1 "$t: fuzzer exited $rc"
		grep -E 'ERROR|SUMMARY|==[0-9]+==|Test unit written' \
			"$work/$t.log" | head -20 | sed 's/^/#   /'
		for f in "$work/$t.crash"/crash-* "$work/$t.crash"/leak-*; do
			[ -f "$f" ] || continue
			diag "input ($f):"
			od -c "$f" | head -10 | sed 's/^/#   /'
		done
	fi
}

for t in fuzz_xpath fuzz_range; do
	case $t in
	fuzz_xpath) srcs="$lib/xpath.c $lib/plugin.c $lib/util.c $lib/err.c" ;;
	fuzz_range) srcs="$lib/plugin.c $lib/util.c $lib/err.c" ;;
	esac
	# shellcheck disable=SC2086
	if build "$t" $srcs; then
		run "$t"
	else
		ok 1 "$t: does not build"
		sed 's/^/#   /' "$work/$t.build" | head -20
	fi
done
done_testing
