#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The kernel's own static checks, on every source file of the project:
#   checkpatch.pl --strict --no-tree   every .c and .h we wrote
#   sparse (C=2)                       every module, against $KDIR
#   kernel-doc -none -Wall             the public headers and the core
#   docs/api.rst                       up to date (scripts/gen-api-doc.sh)
# Prints one "PASS static: ..." or "FAIL static: ..." line per check, with
# what the tool said indented below a failure.  Exits 1 if any failed.
#
#   scripts/static-checks.sh [--dir DIR] [checkpatch|sparse|kernel-doc|api-doc ...]
#
# runs only the checks named (all by default); --dir runs sparse on the
# modules of DIR instead of the project's (the self-test's seeded bug).
#
# Deliberate exceptions, one per file and only these (the tool otherwise
# applies every check):
#   nmr/include/nmr/compat.h      the one place that tests the kernel version:
#                                 LINUX_VERSION_CODE, CONSTANT_COMPARISON
#   nmr/nmr_trace.h               the TRACE_EVENT idiom of include/trace/events/:
#                                 PARENTHESIS_ALIGNMENT, OPEN_ENDED_LINE
#   nmr/include/nmr/wdk.h         the same, and SAL annotations are macros
#                                 that drop their arguments, DEFINE_GUID a
#                                 declaration: also MACRO_ARG_UNUSED,
#                                 MACRO_ARG_REUSE,
#                                 MULTISTATEMENT_MACRO_USE_DO_WHILE
#   nmr/include/nmr/netioddk.h,   Windows names and types are the point of
#   providers/nmr_sample_provider_win.c,
#   clients/nmr_sample_client_win.c:
#                                 CAMELCASE, NEW_TYPEDEFS
#   providers/include/nmr_sample_npi_win.h:
#                                 CAMELCASE (the Windows names)
#   nmr/netioddk.c, kunit/nmr_netioddk_test.c, kunit/nmr_fault_test.c,
#   kunit/nmr_review_test.c:
#                                 CAMELCASE (they use the Windows names)
#   tests/traffic/nmr_traffic.c   a user-space program (libc's types and no
#                                 kernel macros): PREFER_KERNEL_TYPES,
#                                 BIT_MACRO, ARRAY_SIZE
set -uo pipefail
. "$(dirname "$0")/lib.sh"

sparse_dir=$NMR_TOP
if [ "${1:-}" = --dir ]; then
	sparse_dir=$(cd "$2" && pwd) || nmr_die "no directory $2"
	shift 2
fi
checks=" ${*:-checkpatch sparse kernel-doc api-doc} "
want() { [[ $checks == *" $1 "* ]]; }

kdir=${KDIR:-$("$NMR_TOP/scripts/build-kernel.sh")} || nmr_die "kernel build failed"
src=$(nmr_src_dir)
out=$(mktemp -d /tmp/nmr-static.XXXXXX)
trap 'rm -rf "$out"' EXIT
failed=0

report() {	# report NAME LOGFILE: PASS when LOGFILE is empty
	if [ -s "$2" ]; then
		echo "FAIL static: $1"
		sed 's/^/  /' "$2"
		failed=1
	else
		echo "PASS static: $1"
	fi
}

ignores_for() {
	case $1 in
	nmr/include/nmr/compat.h) echo LINUX_VERSION_CODE,CONSTANT_COMPARISON ;;
	nmr/nmr_trace.h) echo PARENTHESIS_ALIGNMENT,OPEN_ENDED_LINE ;;
	nmr/include/nmr/netioddk.h | providers/nmr_sample_provider_win.c | \
	clients/nmr_sample_client_win.c) echo CAMELCASE,NEW_TYPEDEFS ;;
	nmr/include/nmr/wdk.h) echo CAMELCASE,NEW_TYPEDEFS,MACRO_ARG_UNUSED,MACRO_ARG_REUSE,MULTISTATEMENT_MACRO_USE_DO_WHILE ;;
	providers/include/nmr_sample_npi_win.h) echo CAMELCASE ;;
	nmr/netioddk.c | kunit/nmr_netioddk_test.c | kunit/nmr_fault_test.c | \
	kunit/nmr_review_test.c) echo CAMELCASE ;;
	tests/traffic/nmr_traffic.c) echo PREFER_KERNEL_TYPES,BIT_MACRO,ARRAY_SIZE ;;
	esac
}

cd "$NMR_TOP" || exit 1
if want checkpatch; then
	mapfile -t files < <(git ls-files '*.c' '*.h' | grep -v '\.mod\.c$')
	: >"$out/checkpatch"
	for f in "${files[@]}"; do
		ign=$(ignores_for "$f")
		"$src/scripts/checkpatch.pl" --strict --no-tree --quiet --show-types \
			${ign:+--ignore "$ign"} -f "$f" >"$out/one" 2>&1 || cat "$out/one" >>"$out/checkpatch"
	done
	report "checkpatch --strict on ${#files[@]} files" "$out/checkpatch"
fi

# C=2 checks every file whether or not it is rebuilt; sparse's own lines
# count, and that it ran at all: make must succeed (sparse missing fails
# it) and print a CHECK line for every source file of the modules.
if want sparse; then
	make -C "$kdir" M="$sparse_dir" C=2 modules >"$out/sparse.all" 2>&1
	rc=$?
	grep -E '^[^ ]+:[0-9]+:[0-9]+: (warning|error):' "$out/sparse.all" >"$out/sparse"
	if [ "$sparse_dir" = "$NMR_TOP" ]; then
		# template/ is built out of the tree, by scripts/own-module.sh;
		# tests/ holds user-space programs (tests/traffic/), not modules.
		mapfile -t srcs < <(git ls-files '*.c' | grep -v -e '\.mod\.c$' -e '^harness-fixtures/' -e '^template/' -e '^tests/')
	else
		mapfile -t srcs < <(cd "$sparse_dir" && ls -- *.c | grep -v '\.mod\.c$')
	fi
	unchecked=()
	for f in "${srcs[@]}"; do
		grep -qE "^  CHECK +(.*/)?${f//./\\.}\$" "$out/sparse.all" || unchecked+=("$f")
	done
	if [ $rc -ne 0 ]; then
		{ echo "make C=2 exited with status $rc:"; tail -n 20 "$out/sparse.all"; } >>"$out/sparse"
	fi
	if [ ${#srcs[@]} -eq 0 ] || [ ${#unchecked[@]} -ne 0 ]; then
		echo "sparse did not check (no CHECK line): ${unchecked[*]:-no source file found}" >>"$out/sparse"
	fi
	report "sparse (C=2) on every module (${#srcs[@]} source files)" "$out/sparse"
fi

if want kernel-doc; then
	mapfile -t docs < <(git ls-files 'nmr/*.c' 'nmr/*.h')
	"$src/scripts/kernel-doc" -none -Wall "${docs[@]}" >"$out/kdoc" 2>&1
	report "kernel-doc -Wall on the public headers and the core (${#docs[@]} files)" "$out/kdoc"
fi

# The committed API reference is what the sources' kernel-doc says now.
if want api-doc; then
	if "$NMR_TOP/scripts/gen-api-doc.sh" "$out/api.rst" 2>"$out/gen" &&
		diff -u "$NMR_TOP/docs/api.rst" "$out/api.rst" >"$out/apidiff" 2>&1; then
		: >"$out/apidiff"
	else
		cat "$out/gen" >>"$out/apidiff"
		echo "run scripts/gen-api-doc.sh and commit docs/api.rst" >>"$out/apidiff"
	fi
	report "docs/api.rst matches the kernel-doc of the sources" "$out/apidiff"
fi

exit $failed
