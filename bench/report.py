#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn the bench VM's console log into the results table.

Reads the "nmr_bench: RESULT ..." lines nmr_bench.ko printed and the
"NMR-BENCH mem ..." lines the guest script printed around /proc/meminfo,
writes the Markdown results file and the plot's data, and prints the
table.  Every figure comes from the log; the targets are the issue's.
Used by scripts/bench.sh; docs/bench.md explains the figures.
"""

import argparse
import datetime
import os
import re
import statistics
import sys

RESULT = re.compile(r"nmr_bench: RESULT (\w+)(.*)$")
MARK = re.compile(r"NMR-BENCH (\w+)(.*)$")
# nmr_hook_count's module_exit: its deregistration and wait.
COUNT_EXIT = re.compile(r"nmr_hook_count: unloaded: deregistration took (\d+) us")
# nmr_bench_chain.ko: the hooks' cost per packet.
CHAIN = re.compile(r"nmr_bench_chain: RESULT chain .*median_ps=(\d+)")


def fields(text):
    """key=value words of a line, as a dict of strings."""
    return dict(w.split("=", 1) for w in text.split() if "=" in w)


class Log:
    """The figures of one console log."""

    def __init__(self, path):
        self.env = {}
        self.match = {}
        self.fanout = {}
        self.call = {}
        self.unload = {}
        self.unload_cleanup = {}
        self.mem = {}
        self.pkt = {}
        self.chain = {}
        self.pktunload = []
        self.pktfloor = []
        chain_ps = None
        self.call_skipped = False
        hold = {}
        count_exit_us = None
        # The run ended when its console log was last written.
        self.date = datetime.datetime.fromtimestamp(os.path.getmtime(path),
                                                    datetime.timezone.utc)
        with open(path, errors="replace") as f:
            for line in f:
                m = RESULT.search(line)
                if m:
                    kind, f_ = m.group(1), fields(m.group(2))
                    if kind == "env":
                        self.env.update(f_)
                    elif kind == "match":
                        self.match[int(f_["n"])] = f_
                    elif kind == "fanout":
                        self.fanout[(int(f_["p"]), int(f_["c"]), f_["op"])] = f_
                    elif kind == "call" and "guard" in f_:
                        self.call[(f_["guard"], int(f_["threads"]))] = f_
                    elif kind == "call":
                        self.call_skipped = True
                    elif kind == "unload":
                        self.unload[f_["path"]] = f_
                    elif kind == "unload_cleanup":
                        self.unload_cleanup[f_["path"]] = f_
                    elif kind == "hold":
                        hold = f_
                    continue
                m = COUNT_EXIT.search(line)
                if m:
                    count_exit_us = int(m.group(1))
                    continue
                m = CHAIN.search(line)
                if m:
                    chain_ps = int(m.group(1))
                    continue
                m = MARK.search(line)
                if not m:
                    continue
                kind, f_ = m.group(1), fields(m.group(2))
                if kind == "env":
                    self.env.update({"guest_" + k: v for k, v in f_.items()})
                elif kind == "mem":
                    f_.update(hold)
                    self.mem.setdefault(int(f_["rep"]), {})[f_["cfg"]] = f_
                elif kind == "pkt":
                    # ns per packet, per load of the configuration
                    self.pkt.setdefault(f_["cfg"], {}).setdefault(
                        f_["rep"], []).append(int(f_["ns"]) / int(f_["packets"]))
                elif kind == "chain" and chain_ps is not None:
                    # ns per packet, per load; the module's line comes
                    # before the mark
                    self.chain.setdefault(f_["cfg"], {})[f_["rep"]] = chain_ps / 1000
                    chain_ps = None
                elif kind == "pktunload_start":
                    count_exit_us = None
                elif kind == "pktunload" and f_.get("status") == "0":
                    self.pktunload.append((int(f_["us"]), count_exit_us))
                    count_exit_us = None
                elif kind == "pktfloor" and f_.get("status") == "0":
                    self.pktfloor.append(int(f_["us"]))


def mem_figures(mem, nr_cpus):
    """Median bytes per registration and per binding, with their parts.

    Slab is in kB of /proc/meminfo; per-CPU memory is the bytes in use in
    one CPU's unit, times the number of possible CPUs.
    """
    per = {"reg_slab": [], "reg_percpu": [], "bind_slab": [], "bind_percpu": []}
    for rep in mem.values():
        if not all(c in rep for c in ("none", "regs", "apart", "bound")):
            continue
        n = int(rep["regs"]["regs"])
        b = int(rep["bound"]["bindings"])
        for key, more, less, count in (("reg", "regs", "none", n),
                                       ("bind", "bound", "apart", b)):
            hi, lo = rep[more], rep[less]
            per[key + "_slab"].append(
                (int(hi["slab_kb"]) - int(lo["slab_kb"])) * 1024 / count)
            per[key + "_percpu"].append(
                (int(hi["percpu_unit_b"]) - int(lo["percpu_unit_b"])) * nr_cpus / count)
    reps = len(per["reg_slab"])
    if not reps:
        return {}, 0
    figs = {k: statistics.median(v) for k, v in per.items()}
    for key in ("reg", "bind"):
        figs[key] = figs[key + "_slab"] + figs[key + "_percpu"]
    return figs, reps


def verdict(ok):
    return "PASS" if ok else "MISS"


def us(ns):
    ns = int(ns)
    return f"{ns / 1e6:.2f} ms" if ns >= 1000000 else f"{ns / 1000:.1f} µs"


def ns_ps(ps):
    return f"{int(ps) / 1000:.1f} ns"


class Table:
    """Rows of (benchmark, figure, measured, target, ratio, verdict)."""

    def __init__(self):
        self.rows = []
        self.misses = []

    def add(self, bench, figure, measured, target="", ratio=None, ok=None, limit=None):
        """A row; @limit is the target's ratio, to show a third decimal
        where two would round the ratio onto it."""
        r = ""
        if ratio is not None:
            r = f"{ratio:.2f}x"
            if limit is not None and round(ratio, 2) == limit:
                r = f"{ratio:.3f}x"
        v = verdict(ok) if ok is not None else ""
        if ok is False:
            self.misses.append(f"{bench}: {figure}")
        self.rows.append((bench, figure, measured, target, r, v))

    def markdown(self):
        lines = ["| benchmark | figure | measured | target | ratio | verdict |",
                 "|---|---|---:|---|---:|---|"]
        for row in self.rows:
            lines.append("| " + " | ".join(row) + " |")
        return "\n".join(lines)


def match_rows(t, log):
    base = log.match.get(0)
    for n in sorted(log.match):
        f_ = log.match[n]
        figure = f"pair register+attach+deregister+wait, {n:,} unrelated registrations"
        if n == 0 or not base:
            t.add("matching", figure, us(f_["median_ns"]))
            continue
        ratio = int(f_["median_ns"]) / int(base["median_ns"])
        if n == 10000:
            t.add("matching", figure, us(f_["median_ns"]), "≤ 1.3x the 0 case",
                  ratio, ratio <= 1.3, 1.3)
        else:
            t.add("matching", figure, us(f_["median_ns"]), "", ratio)


def fanout_rows(t, log):
    for op in ("attach", "detach"):
        small = log.fanout.get((10, 10, op))
        big = log.fanout.get((100, 100, op))
        if small:
            t.add("fan-out", f"{op} per binding, 10 x 10", f"{int(small['median_ns']):,} ns")
        if big:
            ratio = int(big["median_ns"]) / int(small["median_ns"]) if small else None
            t.add("fan-out", f"{op} per binding, 100 x 100", f"{int(big['median_ns']):,} ns",
                  "≤ 1.2x the 10 x 10 cost", ratio,
                  ratio <= 1.2 if ratio is not None else None, 1.2)


GUARDS = (("bare", "bare indirect call"),
          ("guarded", "nmr_client_enter/exit"),
          ("percpu_ref", "(a) percpu_ref_tryget_live/put"),
          ("spinlock", "(b) spinlock + in-flight count"),
          ("refcount", "(c) refcount_t get/put"),
          ("srcu", "(d) SRCU read section"))

# The targets for nmr_client_enter/exit on one vCPU: (the guard it
# is compared with, the most it may cost as a multiple of that guard).
GUARDED_TARGETS = (("percpu_ref", 1.1, "≤ 1.1x (a) percpu_ref"),
                   ("srcu", 1.0, "≤ (d) SRCU"),
                   ("bare", 2.0, "≤ 2x bare"))
# ... and with two vCPUs, as a multiple of its own one-vCPU cost.
GUARDED_2CPU_LIMIT = 1.1


def ps_of(log, guard, threads):
    f_ = log.call.get((guard, threads))
    return int(f_["median_ps"]) if f_ else None


def call_rows(t, log):
    names = dict(GUARDS)
    bare1 = ps_of(log, "bare", 1)
    guarded1 = ps_of(log, "guarded", 1)
    for guard, name in GUARDS:
        ps = ps_of(log, guard, 1)
        if ps is None:
            continue
        if guard != "guarded":
            t.add("guarded call, 1 vCPU", name, ns_ps(ps), "",
                  ps / bare1 if bare1 and guard != "bare" else None)
            continue
        for other, limit, target in GUARDED_TARGETS:
            base = ps_of(log, other, 1)
            if not base:
                continue
            t.add("guarded call, 1 vCPU", f"{name} (vs {names[other]})", ns_ps(ps),
                  target, ps / base, ps / base <= limit, limit)
    if log.call_skipped:
        t.add("guarded call, 2 vCPUs", "not run: the guest had one CPU online", "")
        return
    guarded2 = ps_of(log, "guarded", 2)
    for guard, name in GUARDS:
        ps = ps_of(log, guard, 2)
        if ps is None:
            continue
        one = ps_of(log, guard, 1)
        if guard == "guarded" and one:
            t.add("guarded call, 2 vCPUs", name + " (vs its 1-vCPU cost)", ns_ps(ps),
                  f"≤ {GUARDED_2CPU_LIMIT:g}x 1 vCPU", ps / one,
                  ps / one <= GUARDED_2CPU_LIMIT, GUARDED_2CPU_LIMIT)
        elif guard in ("bare", "percpu_ref") and one:
            t.add("guarded call, 2 vCPUs", name + " (vs its 1-vCPU cost)", ns_ps(ps),
                  "", ps / one)
        else:
            t.add("guarded call, 2 vCPUs", name + " (vs guarded)", ns_ps(ps), "",
                  ps / guarded2 if guarded2 else None)


def unload_rows(t, log):
    hz = log.env.get("hz", "?")
    for path, what in (("exit", "last nmr_client_exit() to the wait's return"),
                       ("complete", "nmr_provider_detach_client_complete() to the wait's return")):
        f_ = log.unload.get(path)
        if not f_:
            continue
        tick = int(f_["tick_ns"])
        ratio = int(f_["median_ns"]) / tick
        t.add("unload latency", what, us(f_["median_ns"]),
              f"≤ 1 tick ({tick / 1e6:g} ms at HZ={hz})", ratio, ratio <= 1, 1)
        c = log.unload_cleanup.get(path)
        if c:
            t.add("unload latency", "of which until the binding's cleanup began",
                  us(c["median_ns"]))


PKT_CFGS = (("none", "(a) no hook"),
            ("bare", "(b) bare netfilter hook counting by protocol"),
            ("nmr1", "(c) nmr_hook_provider, 1 nmr_hook_count client"),
            ("nmr2", "nmr_hook_provider, 2 clients"),
            ("nmr4", "nmr_hook_provider, 4 clients"),
            ("nmr8", "(d) nmr_hook_provider, 8 clients"),
            ("nmr16", "nmr_hook_provider, 16 clients"))
PKT_LIMIT = 1.05
# Linear in the clients: the 9th to 16th clients may cost each at most this
# many times what the first four do.
PKT_LINEAR_LIMIT = 1.5


def linear_fit(points):
    """Least-squares line through (x, y) points: (intercept, slope)."""
    n = len(points)
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    sxx = sum((x - mx) ** 2 for x, _ in points)
    slope = sum((x - mx) * (y - my) for x, y in points) / sxx
    return my - slope * mx, slope


def linear_ratio(chain):
    """Each of the 9th to 16th clients' cost against the first four's
    (least squares over 1, 2, 4): (ratio, high, slope), or None when a
    figure is missing or the first four's cost is not positive."""
    if not all(c in chain for c in ("nmr1", "nmr2", "nmr4", "nmr8", "nmr16")):
        return None
    _, slope = linear_fit([(k, chain[f"nmr{k}"]) for k in (1, 2, 4)])
    high = (chain["nmr16"] - chain["nmr8"]) / 8
    return (high / slope, high, slope) if slope > 0 else None


def pkt_rows(t, log):
    """The packet path's rows.  A target whose figures are missing is a
    MISS row saying so, never a row left out."""
    if not log.pkt and not log.chain and not log.pktunload:
        return
    # Through the stack: the median of each load's floods, then the
    # median over the loads.
    med = {cfg: statistics.median(statistics.median(v) for v in loads.values())
           for cfg, loads in log.pkt.items() if loads}
    bare = med.get("bare")
    what = "packets through the stack"
    for cfg, name in PKT_CFGS:
        if cfg not in med:
            continue
        ns = med[cfg]
        t.add(what, name, f"{ns:,.0f} ns ({1e9 / ns / 1000:,.1f} k/s)", "",
              ns / bare if bare and cfg != "bare" else None)
    # How far apart two floods of one load were: the noise of these rows.
    spread = [max(v) / min(v) for loads in log.pkt.values() for v in loads.values()
              if len(v) > 1 and min(v) > 0]
    if spread:
        t.add(what, "noise: the slowest of one load's floods against its fastest, median "
              f"over the loads (at worst {max(spread):.2f}x)", "", "", statistics.median(spread))

    chain = {cfg: statistics.median(v.values()) for cfg, v in log.chain.items() if v}
    cbare = chain.get("bare")
    # The configurations differ only in their hooks: through the stack, (c)
    # costs what (b) costs plus what (c)'s hooks cost more than (b)'s.
    target = f"≤ {PKT_LIMIT:g}x (b) per packet"
    if bare and cbare and "nmr1" in chain:
        est = (bare + chain["nmr1"] - cbare) / bare
        t.add(what, "(c) vs (b) per packet, estimated: (b) through the stack, plus what "
              "(c)'s hooks cost more than (b)'s, measured alone",
              f"{bare + chain['nmr1'] - cbare:,.0f} ns", target, est, est <= PKT_LIMIT,
              PKT_LIMIT)
    else:
        t.add(what, "(c) vs (b) per packet: not measured (a figure is missing)", "",
              target, None, False)

    what = "the hooks alone, per packet"
    for cfg, name in PKT_CFGS:
        if cfg not in chain:
            continue
        t.add(what, name, f"{chain[cfg]:,.1f} ns", "",
              chain[cfg] / cbare if cbare and cfg != "bare" else None)
    # Linear: what each client costs, fitted over the first four, and what
    # each of the 9th to 16th costs.  A cost per client that grows with the
    # clients (a list walked twice, a lock) shows as the second above the
    # first.  Each load's own ratio shows how far the verdict stands from
    # the noise.
    target = f"linear: ≤ {PKT_LINEAR_LIMIT:g}x the first four's"
    lin = linear_ratio(chain)
    if lin:
        ratio, high, slope = lin
        reps = {}
        for cfg, loads in log.chain.items():
            for rep, ns in loads.items():
                reps.setdefault(rep, {})[cfg] = ns
        each = sorted(r[0] for r in (linear_ratio(c) for c in reps.values()) if r)
        spread = (f"; each load on its own: {each[0]:.2f}x to {each[-1]:.2f}x, "
                  f"median {statistics.median(each):.2f}x" if each else "")
        t.add(what, f"each client more: the 9th to 16th, against the first four "
              f"({slope:,.1f} ns each, least squares over 1, 2, 4{spread})",
              f"{high:,.1f} ns", target, ratio, ratio <= PKT_LINEAR_LIMIT, PKT_LINEAR_LIMIT)
    else:
        t.add(what, "each client more: not measured (a figure is missing, or the first "
              "four's cost is not positive)", "", target, None, False)

    what = "unload under load"
    hz = log.env.get("hz", "?")
    tick_us = 1e6 / int(hz) if hz.isdigit() else None
    target = f"≤ 2 ticks ({2 * tick_us / 1000:g} ms at HZ={hz})" if tick_us else "≤ 2 ticks"
    if not log.pktunload or not tick_us:
        t.add(what, "rmmod nmr_hook_count under two floods: not measured", "", target,
              None, False)
        return
    call = statistics.median(u for u, _ in log.pktunload)
    t.add(what, f"rmmod nmr_hook_count under two floods: delete_module() to its "
          f"return (median of {len(log.pktunload)})", us(call * 1000), target,
          call / (2 * tick_us), call <= 2 * tick_us, 1)
    if log.pktfloor:
        t.add(what, "floor: rmmod of a module whose exit does nothing, under the same "
              "floods", us(statistics.median(log.pktfloor) * 1000), "",
              statistics.median(log.pktfloor) / (2 * tick_us))
    own = [c for _, c in log.pktunload if c is not None]
    if len(own) == len(log.pktunload):
        mine = statistics.median(own)
        t.add(what, "nmr's part: the client's deregistration and wait (its module_exit)",
              us(mine * 1000), target, mine / (2 * tick_us), mine <= 2 * tick_us, 1)
    else:
        t.add(what, "nmr's part: not measured (a module_exit line is missing)", "", target,
              None, False)


def mem_rows(t, log):
    nr_cpus = int(log.env.get("nr_cpu_ids", "0"))
    figs, reps = mem_figures(log.mem, nr_cpus)
    if not reps:
        return reps
    t.add("memory", "bytes per registration, on an NPI of its own (slab "
          f"{figs['reg_slab']:.0f} + per-CPU {figs['reg_percpu']:.0f} for {nr_cpus} CPUs)",
          f"{figs['reg']:.0f} B")
    t.add("memory", f"bytes per binding (slab {figs['bind_slab']:.0f} + per-CPU "
          f"{figs['bind_percpu']:.0f} for {nr_cpus} CPUs)",
          f"{figs['bind']:.0f} B", "≤ 256 B", figs["bind"] / 256, figs["bind"] <= 256, 1)
    return reps


def environment(log, args, mem_reps):
    """The table of what the figures were measured on."""
    env = log.env
    hz = env.get("hz", "?")
    tick = f"{1000 / int(hz):g} ms" if hz.isdigit() else "?"
    rows = [
        ("date", log.date.strftime("%Y-%m-%d %H:%M UTC")),
        ("guest kernel", f"{env.get('kernel', '?')}, bench flavor "
         "(`scripts/kconfig/bench.config`: no KASAN, lockdep, kmemleak), "
         f"HZ={hz} (one tick = {tick})"),
        ("guest CPUs", f"nr_cpu_ids={env.get('nr_cpu_ids', '?')}, online "
         f"{env.get('guest_online', '?')}; clocksource {env.get('guest_clocksource', '?')}"),
        ("emulation", f"{args.qemu}, `-accel {args.accel} -smp 2`, on a "
         f"{args.host_cpus}-CPU host ({args.host_cpu})"),
        ("repetitions", f"every time is the median of {env.get('reps', '?')} "
         f"repetitions, memory the median of {mem_reps}; a packet figure is the "
         f"median of {min((len(v) for v in log.pkt.values()), default=0)} loads "
         "of its configuration, interleaved (through the stack: of each load's "
         "median of 5 floods of 200 ms)"),
    ]
    lines = ["| | |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in rows]
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--log", required=True)
    ap.add_argument("--md", required=True)
    ap.add_argument("--dat", required=True)
    ap.add_argument("--qemu", default="QEMU")
    ap.add_argument("--accel", default="tcg")
    ap.add_argument("--host-cpu", default="?")
    ap.add_argument("--host-cpus", default="?")
    args = ap.parse_args()

    log = Log(args.log)
    if not log.env:
        sys.exit(f"report.py: no nmr_bench RESULT lines in {args.log}")
    t = Table()
    match_rows(t, log)
    fanout_rows(t, log)
    call_rows(t, log)
    unload_rows(t, log)
    pkt_rows(t, log)
    mem_reps = mem_rows(t, log)

    notes = []
    bare1, bare2 = log.call.get(("bare", 1)), log.call.get(("bare", 2))
    if bare1 and bare2:
        scale = int(bare2["median_ps"]) / int(bare1["median_ps"])
        if scale > 1.2:
            notes.append(
                f"The bare call itself took {scale:.2f}x as long with two vCPUs calling "
                "as with one: in this run the host did not give both vCPUs a CPU of "
                "their own all the time, and every two-vCPU figure carries that "
                "slowdown too (the samples in the console log show when).")

    emulated = args.accel.startswith("tcg")
    note = ("All times are of a guest emulated by QEMU TCG (no KVM): absolute "
            "figures are many times a real CPU's, and emulated calls, returns, "
            "atomics and barriers weigh more than on hardware. The ratios compare "
            "figures of this same run.\n\n" if emulated else "")
    md = ["# nmr benchmark results", "",
          "Written by `make bench` (`scripts/bench.sh`); docs/bench.md explains "
          "how each figure is measured and how to read it.", "",
          note + environment(log, args, mem_reps), "",
          t.markdown(), "",
          f"Targets missed: {len(t.misses)}" + (" — " + "; ".join(t.misses) if t.misses else ""),
          ""] + [n + "\n" for n in notes] + ["![pair cost against unrelated registrations present](results.svg)", ""]
    with open(args.md, "w") as f:
        f.write("\n".join(md))

    with open(args.dat, "w") as f:
        f.write("# unrelated_registrations median_us min_us max_us\n")
        for n in sorted(log.match):
            m = log.match[n]
            f.write(f"{n} {int(m['median_ns']) / 1000:.3f} {int(m['min_ns']) / 1000:.3f} "
                    f"{int(m['max_ns']) / 1000:.3f}\n")


if __name__ == "__main__":
    main()
