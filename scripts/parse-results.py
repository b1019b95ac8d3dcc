#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn a test VM's console log into one PASS/FAIL line per test.

Tests are framed in the log by NMR-BEGIN/NMR-END markers (see
scripts/guest/lib.sh).  A KUnit module's cases come from the kernel tree's
own `kunit.py parse`, run on that module's part of the log only (it reads
just the first KTAP document).  Every kernel splat fails the test it was
printed in: for KUnit, the case whose result line follows it.  A splat
outside any test, a test that never began or never ended, and a leak found
by kmemleak are failures too.  Prints `N passed, N failed` last and exits 1
when anything failed.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

TIMESTAMP = re.compile(r'^\[\s*\d+\.\d+\]\s?')
MARK = re.compile(r'NMR-(BEGIN|END) (\S+) (\S+)(?: (-?\d+))?')
SPLAT = re.compile(
    r'WARNING:|BUG:|KASAN:|UBSAN:|Oops|Kernel panic|general protection fault|'
    r'INFO: task .* blocked for more than|possible circular locking|'
    r'possible recursive locking|inconsistent lock state|'
    r'possible irq lock inversion|suspicious RCU usage|ODEBUG:|'
    r'new suspected memory leak|unreferenced object|soft lockup|'
    r'detected stalls? on CPU|list_(add|del) corruption')
RESULT = re.compile(r'^\s*(not ok|ok) \d+ (\S+)')
REPORT_MAX = 80  # lines of one report
SHOWN = 30       # of which printed


def strip(line):
    return TIMESTAMP.sub('', line)


class Test:
    def __init__(self, name):
        self.name = name
        self.reasons = []

    def fail(self, reason):
        self.reasons.append(reason)


def splat_blocks(lines):
    """Yield (index, text) for each splat: its headline up to the end of its
    report (`---[ end trace`, a marker, or REPORT_MAX lines)."""
    i = 0
    while i < len(lines):
        if not SPLAT.search(lines[i]):
            i += 1
            continue
        end = i + 1
        while end < len(lines) and end < i + REPORT_MAX and not MARK.search(lines[end]):
            end += 1
            if '---[ end trace' in lines[end - 1]:
                break
        shown = lines[i:min(end, i + SHOWN)]
        yield i, '\n'.join('    | ' + l for l in shown)
        i = end


def kunit_cases(kunit_py, name, lines):
    """Leaf cases of one module's KTAP, via kunit.py parse --json."""
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, 'ktap.log')
        out = os.path.join(tmp, 'result.json')
        with open(src, 'w') as f:
            f.write('\n'.join(lines) + '\n')
        proc = subprocess.run([sys.executable, kunit_py, 'parse', '--json=' + out, src],
                              capture_output=True, text=True)
        if not os.path.exists(out):
            return None, proc.stdout + proc.stderr
        with open(out) as f:
            tree = json.load(f)

    cases = []

    def walk(group, prefix):
        for sub in group.get('sub_groups', []):
            walk(sub, prefix + [sub['name']])
        for case in group.get('test_cases', []):
            cases.append(('.'.join(prefix + [case['name']]), case['name'], case['status']))

    walk(tree, [])
    return cases, proc.stdout


def parse(log, kunit_py, expected):
    with open(log, errors='replace') as f:
        lines = [strip(l.rstrip('\n')) for l in f]

    tests = []
    seen = set()
    open_seg = None
    outside = []

    def unfinished(end):
        kind, name, start = open_seg
        seen.add(kind + ':' + name)
        t = Test(f'{kind} {name}')
        t.fail('did not finish (the VM died or hung; see the console log)')
        for _, text in splat_blocks(lines[start + 1:end]):
            t.fail('kernel splat:\n' + text)
        tests.append(t)

    for i, line in enumerate(lines):
        m = MARK.search(line)
        if m and m.group(1) == 'BEGIN':
            if open_seg:
                unfinished(i)
            open_seg = (m.group(2), m.group(3), i)
            continue
        if m and m.group(1) == 'END' and open_seg and open_seg[1] == m.group(3):
            kind, name, start = open_seg
            seen.add(kind + ':' + name)
            tests.extend(judge(kind, name, lines[start + 1:i], int(m.group(4) or 0),
                               kunit_py))
            open_seg = None
            continue
        if not open_seg:
            outside.append(i)

    if open_seg:
        unfinished(len(lines))

    rest = [lines[i] for i in outside]
    stray = list(splat_blocks(rest))
    if stray:
        t = Test('kernel outside any test')
        for _, text in stray:
            t.fail('kernel splat:\n' + text)
        tests.append(t)

    for exp in expected:
        if exp not in seen:
            t = Test(exp.replace(':', ' ', 1))
            t.fail('never started')
            tests.append(t)
    return tests


def judge(kind, name, seg, rc, kunit_py):
    splats = list(splat_blocks(seg))
    if kind == 'kunit':
        return judge_kunit(name, seg, rc, splats, kunit_py)
    t = Test(f'{kind} {name}')
    if kind == 'kmemleak':
        leaks = [l for l in seg if 'kmemleak-report: ' in l]
        if leaks:
            t.fail('kmemleak found leaks:\n' + '\n'.join('    | ' + l for l in leaks[:60]))
        splats = [(i, s) for i, s in splats if 'kmemleak-report' not in seg[i]]
    if rc:
        t.fail(f'exited with status {rc}')
    for _, text in splats:
        t.fail('kernel splat:\n' + text)
    return [t]


def judge_kunit(name, seg, rc, splats, kunit_py):
    cases, out = kunit_cases(kunit_py, name, seg)
    if not cases:
        t = Test(f'kunit {name}')
        t.fail('no KTAP results (insmod status %d)\n%s' % (rc, out.strip()))
        for _, text in splats:
            t.fail('kernel splat:\n' + text)
        return [t]

    tests = {}
    order = []
    for full, short, status in cases:
        t = Test(f'{name}: {full}')
        if status != 'PASS':
            t.fail(f'KUnit status {status}')
        tests.setdefault(short, t)
        order.append(t)

    module = Test(f'kunit {name} (module)')
    for i, text in splats:
        owner = None
        for line in seg[i:]:
            m = RESULT.match(line)
            if m:
                owner = tests.get(m.group(2))
                break
        (owner or module).fail('kernel splat during the test:\n' + text)
    if rc:
        module.fail(f'insmod/rmmod status {rc}')
    return order + ([module] if module.reasons else [])


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('log')
    ap.add_argument('--kunit', required=True, help="path to the kernel's kunit.py")
    ap.add_argument('--expect', action='append', default=[],
                    help='kind:name of a test that must appear (repeatable)')
    ap.add_argument('--summary', action='store_true', help='print N passed, N failed')
    args = ap.parse_args()

    tests = parse(args.log, args.kunit, args.expect)
    failed = 0
    for t in tests:
        if t.reasons:
            failed += 1
            print(f'FAIL {t.name}')
            for r in t.reasons:
                print('  ' + r)
        else:
            print(f'PASS {t.name}')
    if args.summary:
        print(f'{len(tests) - failed} passed, {failed} failed')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
