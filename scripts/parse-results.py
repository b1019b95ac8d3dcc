#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn a test VM's console log into one PASS/FAIL line per test.

Tests are framed in the log by NMR-BEGIN/NMR-END markers (see
scripts/guest/lib.sh), which count only at the start of a kernel line.  A
KUnit module's results come from the kernel tree's own KTAP parser
(tools/testing/kunit/kunit_parser.py), run on that module's part of the log
only: every case, and every suite or parameterised case whose own result
line says `not ok` although none of its children does (a child line lost or
garbled).  A test fails when the kernel printed a splat while it ran (for
KUnit, the case whose result line follows it), when it added a taint flag
(other than the ones loading the project's modules adds), or when lockdep
switched itself off.  A splat or a taint outside any test, a test that
never began, never ended or began twice, a scenario that did not log its
own "passed" line, and a leak found by kmemleak are failures too.  With
--lockdep, lockdep must still be on at the end of the run.  Prints `N
passed, N failed` last with --summary; exits 1 when anything failed.
"""
import argparse
import contextlib
import io
import os
import re
import sys

TIMESTAMP = re.compile(r'^\[\s*\d+\.\d+\] ?')
# Only at the start of a kernel line (after its timestamp): a test that
# reprints the kernel log shows earlier markers after a prefix of its own,
# and they must not open or close a test again.
MARK = re.compile(r'^NMR-(BEGIN|END) (\S+) (\S+)(?: (-?\d+))? '
                  r'tainted=(\d+) debug_locks=(\S+)$')
EXIT = re.compile(r'^NMR-EXIT: (-?\d+) tainted=(\d+) debug_locks=(\S+)$')
NOTE = re.compile(r'^NMR-FAIL: (.*)$')

# Kernel reports, one per line (searched anywhere in a line), so that a new
# detector is one more line.  The report runs from its first line to
# `---[ end trace`, a `====` rule (the end of a KASAN report), a marker, or
# REPORT_MAX lines.
SPLATS = [
    r'WARNING:',
    r'BUG:',                                  # KASAN, KCSAN, sleeping in atomic, ...
    r'BUG [\w.:-]+ \(',                       # SLUB: "BUG kmalloc-64 (Not tainted): ..."
    r'kernel BUG at',
    r'KASAN:',
    r'UBSAN:',
    r'Oops',
    r'Kernel panic',
    r'general protection fault',
    r'Call Trace:',                           # any other report with a stack
    r'INFO: task .* blocked for more than',
    r'possible circular locking',
    r'possible recursive locking',
    r'inconsistent lock state',
    r'possible irq lock inversion',
    r'suspicious RCU usage',
    r'INFO: trying to register non-static key',
    r'turning off the locking correctness validator',
    r'Disabling lock debugging due to kernel taint',
    r'ODEBUG:',
    r'list_(add|del) corruption',
    r'new suspected memory leak',
    r'unreferenced object',
    # every kmemleak complaint, and its disabling itself
    r'kmemleak: (?!Kernel memory leak detector initialized|'
    r'Automatic memory scanning thread)',
    r'soft lockup',
    r'Watchdog detected hard LOCKUP',
    r'rcu: INFO:',
    r'detected stalls? on CPU',
    r'detected expedited stalls',
    r'detected stalls on tasks',              # rcu_tasks, rcu_tasks_trace
    r'page allocation failure',
    r'invoked oom-killer',
    r'Out of memory',
    r'printk messages dropped',
    r'sysfs: cannot create duplicate filename',
    r'debugfs: .* already present',
]
SPLAT = re.compile('|'.join(SPLATS))
RULE = re.compile(r'^={40,}$')
# A fault injected on purpose (a suite's fail-nth sweep) prints its stack
# when the fault attribute is verbose: that "Call Trace:" is no report.
INJECTED = re.compile(r'FAULT_INJECTION: forcing a failure')
NOT_A_TRACE = re.compile('|'.join(p for p in SPLATS if p != r'Call Trace:'))
REPORT_MAX = 80  # lines of one report
SHOWN = 30       # of which printed (all of a KCSAN report: both stacks)
# --ignore-splat: a splat whose first line matches fails nothing (make
# kcsan: a data race between two functions of the kernel itself).
IGNORED = None

# Taint flags (include/linux/panic.h, by bit), and the ones that do not fail
# a test: O, out of tree (every module of the project), E, unsigned (on a
# kernel that signs its modules, e.g. Debian's, DKMS builds unsigned ones),
# N, test (KUnit taints the kernel when it runs a suite).  Any other flag a
# test adds fails it: W a warning, B bad page (KASAN, SLUB), D an oops, L a
# soft lockup, ...
TAINTS = 'PFSRMBUDAWCIOELKXTN'
ALLOWED_TAINTS = {'O', 'E', 'N'}

RESULT = re.compile(r'^\s*(not ok|ok) \d+ (\S+)')


def strip(line):
    return TIMESTAMP.sub('', line)


def taint_letters(mask):
    return ''.join(c for bit, c in enumerate(TAINTS) if mask >> bit & 1) + \
        ('?' if mask >> len(TAINTS) else '')


def new_taints(before, after):
    """Taint letters set in after but not in before, less the allowed ones."""
    return ''.join(c for c in taint_letters(after & ~before) if c not in ALLOWED_TAINTS)


class Test:
    def __init__(self, name):
        self.name = name
        self.reasons = []

    def fail(self, reason):
        self.reasons.append(reason)


def splat_blocks(lines):
    """Yield (index, text) for each splat: its headline up to the end of its
    report (`---[ end trace`, a `====` rule, a marker, or REPORT_MAX lines)."""
    i = 0
    injected = -REPORT_MAX
    while i < len(lines):
        if INJECTED.search(lines[i]):
            injected = i
        if not SPLAT.search(lines[i]):
            i += 1
            continue
        if i - injected <= 6 and not NOT_A_TRACE.search(lines[i]):
            # The injected fault's stack: up to its end, unless a report
            # of another kind begins first.
            i += 1
            while i < len(lines) and i - injected < REPORT_MAX and \
                    '</TASK>' not in lines[i - 1] and not NOT_A_TRACE.search(lines[i]):
                i += 1
            continue
        end = i + 1
        while end < len(lines) and end < i + REPORT_MAX and not MARK.match(lines[end]):
            end += 1
            if '---[ end trace' in lines[end - 1] or RULE.match(lines[end - 1]):
                break
        shown = lines[i:end if 'KCSAN:' in lines[i] else min(end, i + SHOWN)]
        if not (IGNORED and IGNORED.search(lines[i])):
            yield i, '\n'.join('    | ' + l for l in shown)
        i = end


def kunit_tree(kunit_py, lines):
    """The kernel's own KTAP parser on one module's part of the log: its
    tree of results and what it printed (its [ERROR] lines among them)."""
    kdir = os.path.dirname(os.path.abspath(kunit_py))
    if kdir not in sys.path:
        sys.path.insert(0, kdir)
    import kunit_parser  # pylint: disable=import-outside-toplevel
    import kunit_printer  # pylint: disable=import-outside-toplevel
    out = io.StringIO()
    printer = kunit_printer.stdout
    saved = printer._output, printer._use_color  # pylint: disable=protected-access
    printer._output, printer._use_color = out, False  # pylint: disable=protected-access
    try:
        with contextlib.redirect_stdout(out):
            root = kunit_parser.parse_run_tests(lines)
    finally:
        printer._output, printer._use_color = saved  # pylint: disable=protected-access
    return root, out.getvalue(), kunit_parser.TestStatus


class Run:
    """One console log: its tests, in order, and the state between them."""

    def __init__(self, lines, kunit_py, lockdep):
        self.lines = lines
        self.kunit_py = kunit_py
        self.lockdep = lockdep
        self.tests = []
        self.seen = set()
        self.outside = Test('kernel outside any test')
        self.state = None        # (tainted, debug_locks) at the last marker
        self.exit_state = None

    def between(self, state, where):
        """A marker's state against the previous one: what changed between
        two tests (or before the first, or after the last)."""
        tainted, locks = state
        before = self.state or (0, None)
        added = new_taints(before[0], tainted)
        if added:
            self.outside.fail(f'the kernel was tainted {where}: {added} '
                              f'(/proc/sys/kernel/tainted {before[0]} -> {tainted})')
        if locks == '0' and before[1] != '0':
            self.outside.fail(f'lockdep switched itself off {where} (debug_locks 0)')
        self.state = state

    def parse(self, expected):
        lines = self.lines
        open_seg = None
        outside = []
        for i, line in enumerate(lines):
            m = MARK.match(line)
            if m and m.group(1) == 'BEGIN':
                if open_seg:
                    self.unfinished(open_seg, i)
                kind, name = m.group(2), m.group(3)
                state = (int(m.group(5)), m.group(6))
                self.between(state, f'before {kind} {name} began')
                open_seg = (kind, name, i, state)
                continue
            if m and m.group(1) == 'END' and open_seg and open_seg[:2] == m.group(2, 3):
                kind, name, start, begin = open_seg
                end = (int(m.group(5)), m.group(6))
                tests = self.judge(kind, name, lines[start + 1:i], int(m.group(4) or 0))
                self.judge_state(tests[-1], begin, end)
                self.add(kind, name, tests)
                self.state = end
                open_seg = None
                continue
            m = EXIT.match(line)
            if m and not open_seg:
                self.exit_state = (int(m.group(2)), m.group(3))
                self.between(self.exit_state, 'after the last test')
                continue
            if not open_seg:
                outside.append(line)

        if open_seg:
            self.unfinished(open_seg, len(lines))

        for _, text in splat_blocks(outside):
            self.outside.fail('kernel splat:\n' + text)
        if self.outside.reasons:
            self.tests.append(self.outside)

        for exp in expected:
            if exp not in self.seen:
                t = Test(exp.replace(':', ' ', 1))
                t.fail('never started')
                self.tests.append(t)

        if self.lockdep:
            t = Test('lockdep still on at the end of the run')
            state = self.exit_state or self.state
            if state is None:
                t.fail('no marker recorded debug_locks')
            elif state[1] != '1':
                t.fail(f'debug_locks is {state[1]} '
                       f'({"at" if self.exit_state else "at the last marker before"} '
                       f'the end): lock checking was off for part of the run')
            self.tests.append(t)
        return self.tests

    def add(self, kind, name, tests):
        key = kind + ':' + name
        if key in self.seen:
            tests[-1].fail('began a second time in one run (a reprinted marker?)')
        self.seen.add(key)
        self.tests.extend(tests)

    def unfinished(self, open_seg, end):
        kind, name, start, _ = open_seg
        t = Test(f'{kind} {name}')
        t.fail('did not finish (the VM died or hung; see the console log)')
        seg = self.lines[start + 1:end]
        notes(t, seg)
        for _, text in splat_blocks(seg):
            t.fail('kernel splat:\n' + text)
        self.add(kind, name, [t])

    @staticmethod
    def judge_state(t, begin, end):
        added = new_taints(begin[0], end[0])
        if added:
            t.fail(f'tainted the kernel: {added} '
                   f'(/proc/sys/kernel/tainted {begin[0]} -> {end[0]})')
        if begin[1] == '1' and end[1] != '1':
            t.fail(f'lockdep switched itself off (debug_locks {begin[1]} -> {end[1]}): '
                   'every later test runs without lock checking')

    def judge(self, kind, name, seg, rc):
        """The tests of one segment; the last one gets what concerns the
        whole segment (its taint, lockdep)."""
        splats = list(splat_blocks(seg))
        if kind == 'kunit':
            return judge_kunit(name, seg, rc, splats, self.kunit_py)
        t = Test(f'{kind} {name}')
        if kind == 'kmemleak':
            leaks = [l for l in seg if l.startswith('kmemleak-report: ')]
            if leaks:
                t.fail('kmemleak found leaks:\n' + '\n'.join('    | ' + l for l in leaks[:60]))
            # The baseline scan reports the kernel's own boot-time
            # objects, which it then clears.
            splats = [(i, s) for i, s in splats if not seg[i].startswith('kmemleak-report: ') and
                      not (name == 'baseline' and 'new suspected memory leak' in seg[i])]
        if kind == 'scenario':
            fails = [l for l in seg if l.startswith(f'scenario {name}: FAIL: ')]
            for l in fails:
                t.fail(l)
            if f'scenario {name}: passed' not in seg:
                t.fail(f'did not log "scenario {name}: passed" (scn_end): '
                       'it stopped before its end')
        if rc:
            t.fail(f'exited with status {rc}')
        notes(t, seg)
        for _, text in splats:
            t.fail('kernel splat:\n' + text)
        return [t]


def notes(t, seg):
    """Reasons the guest helpers logged (NMR-FAIL: ...)."""
    for line in seg:
        m = NOTE.match(line)
        if m:
            t.fail(m.group(1))


def judge_kunit(name, seg, rc, splats, kunit_py):
    root, out, status = kunit_tree(kunit_py, seg)
    module = Test(f'kunit {name} (module)')
    if root.status in (status.FAILURE_TO_PARSE_TESTS, status.NO_TESTS) or not root.subtests:
        module.fail('no KTAP results (insmod status %d)\n%s' % (rc, out.strip()))
        notes(module, seg)
        for _, text in splats:
            module.fail('kernel splat:\n' + text)
        return [module]

    order = []   # every case, then any suite or parent that failed
    groups = []
    byname = {}

    def walk(node, path):
        """Whether a case under node failed."""
        failed = False
        for sub in node.subtests:
            p = path + [sub.name or '<unnamed>']
            t = Test(f'{name}: ' + '.'.join(p))
            byname.setdefault(sub.name, t)
            if sub.subtests:
                below = walk(sub, p)
                if sub.status != status.SUCCESS and not below:
                    t.fail(f'KUnit reports it {sub.status.name} although none of its '
                           'cases failed: a result line was lost or garbled')
                groups.append(t)
                failed |= below or bool(t.reasons)
            else:
                if sub.status != status.SUCCESS:
                    t.fail(f'KUnit status {sub.status.name}')
                order.append(t)
                failed |= bool(t.reasons)
        return failed

    walk(root, [])
    errors = [l for l in out.splitlines() if '[ERROR]' in l]
    if errors or root.counts.errors:
        module.fail('the KTAP output does not parse cleanly:\n' +
                    '\n'.join('    | ' + l for l in errors))

    for i, text in splats:
        owner = None
        for line in seg[i:]:
            m = RESULT.match(line)
            if m:
                owner = byname.get(m.group(2))
                break
        (owner or module).fail('kernel splat during the test:\n' + text)
    if rc:
        module.fail(f'insmod/rmmod status {rc}')
    notes(module, seg)
    return order + [g for g in groups if g.reasons] + [module]


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('log')
    ap.add_argument('--kunit', required=True, help="path to the kernel's kunit.py")
    ap.add_argument('--expect', action='append', default=[],
                    help='kind:name of a test that must appear (repeatable)')
    ap.add_argument('--lockdep', action='store_true',
                    help='the kernel has lockdep: it must still be on at the end')
    ap.add_argument('--summary', action='store_true', help='print N passed, N failed')
    ap.add_argument('--ignore-splat', metavar='REGEX',
                    help='a splat whose first line matches REGEX fails no test')
    args = ap.parse_args()
    if args.ignore_splat:
        global IGNORED  # pylint: disable=global-statement
        IGNORED = re.compile(args.ignore_splat)

    with open(args.log, errors='replace') as f:
        lines = [strip(l.rstrip('\n')) for l in f]
    tests = Run(lines, args.kunit, args.lockdep).parse(args.expect)
    # A KUnit module's own line only when it has something to say.
    tests = [t for t in tests if t.reasons or not t.name.endswith(' (module)')]
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
