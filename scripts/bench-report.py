#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""The host part of "make bench": read the raw runs the VM wrote
(RESULTS/bench-raw.jsonl, one JSON object per run, and bench-env.json),
pair vubridge with each baseline per measure, and write OUT/results.json
(every raw run, the medians, the ratios, the commit, the kernel) and
OUT/table.txt, which it also prints.

Usage: bench-report.py RESULTS_DIR OUT_DIR
       bench-report.py --selftest
Medians of the runs, ratio = vubridge median / baseline median. No
thresholds: nothing passes or fails on a number.
"""

import json
import os
import subprocess
import sys

MAIN = "vubridge"

# Labels of the measures (a measure not listed shows its id).
LABELS = {
    "tp_fps_64": "(1) testpmd io-fwd 64 B, frames/s",
    "tp_fps_1500": "(1) testpmd io-fwd 1500 B, frames/s",
    "fe_fps_64": "(1) own front-end 64 B, frames/s",
    "fe_fps_1500": "(1) own front-end 1500 B, frames/s",
    "tp_backend_cpu_ms_per_mframe_64": "(2) back-end CPU ms per Mframe, 64 B",
    "tp_backend_cpu_ms_per_mframe_1500": "(2) back-end CPU ms per Mframe, 1500 B",
    "bringup_ms": "(3) bring-up: connect -> 1st frame back, ms",
    "bringup_ms_use_va0": "(3) bring-up, use_va=0 (both pin), ms",
    "fe_fps_64_use_va0": "(1) own front-end 64 B, use_va=0, frames/s",
    "fe_irqs_per_frame_64_use_va0": "(7) interrupts/frame, 64 B, use_va=0",
    "fe_kicks_per_frame_64_use_va0": "(7) kicks/frame, 64 B, use_va=0",
    "memreg_1g_4k_ms": "(4) register 1 GiB, 4 KiB pages, ms",
    "memreg_1g_4k_pinned_pages": "(4) pages pinned by it, 4 KiB",
    "memreg_1g_2m_ms": "(4) register 1 GiB, 2 MiB pages, ms",
    "memreg_1g_2m_pinned_pages": "(4) pages pinned by it, 2 MiB",
    "restart_ms": "(5) ring stop -> started again, ms",
    "fe_irqs_per_frame_64": "(7) interrupts/frame, no event-idx, 64 B",
    "fe_irqs_per_frame_1500": "(7) interrupts/frame, no event-idx, 1500 B",
    "fe_kicks_per_frame_64": "(7) kicks/frame, no event-idx, 64 B",
    "fe_kicks_per_frame_1500": "(7) kicks/frame, no event-idx, 1500 B",
    "irq_fps_noevidx_64": "(7) vp_vdpa NIC->NIC 64 B, no event-idx, frames/s",
    "irq_irqs_per_frame_noevidx_64": "(7) vp_vdpa interrupts/frame, no event-idx",
    "irq_kicks_per_frame_noevidx_64": "(7) vp_vdpa kicks/frame, no event-idx",
    "irq_fps_evidx_64": "(7) vp_vdpa NIC->NIC 64 B, event-idx, frames/s",
    "irq_irqs_per_frame_evidx_64": "(7) vp_vdpa interrupts/frame, event-idx",
    "irq_kicks_per_frame_evidx_64": "(7) vp_vdpa kicks/frame, event-idx",
}


def label(m):
    if m in LABELS:
        return LABELS[m]
    parts = m.split("_")
    if parts[0] == "scale" and len(parts) > 2:
        what = {"bringup": "bring-up of all, ms",
                "daemon_rss": "daemon RSS per device, KiB",
                "daemon_anon": "daemon anon RSS per device, KiB",
                "fps": "frames/s, all at once"}
        key = "_".join(parts[2:4]) if parts[2] == "daemon" else parts[2]
        what = what.get(key, m)
        return "(6) %s devices: %s" % (parts[1], what)
    return m


def median(values):
    v = sorted(x for x in values if x is not None)
    if not v:
        return None
    n = len(v)
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def summarize(runs):
    """Lines in the order the measures first ran: one per baseline side
    (every side that is not vubridge), or one with no baseline."""
    order, by = [], {}
    for r in runs:
        key = r["m"]
        if key not in by:
            order.append(key)
            by[key] = {}
        by[key].setdefault(r["side"], []).append(r["value"])
    lines = []
    for m in order:
        sides = by[m]
        unit = next(r["unit"] for r in runs if r["m"] == m)
        ours = median(sides.get(MAIN, []))
        bases = [s for s in sides if s != MAIN] or [None]
        for b in bases:
            bm = median(sides[b]) if b else None
            lines.append({
                "measure": m, "label": label(m), "unit": unit,
                "vubridge_median": ours, "baseline": b,
                "baseline_median": bm, "ratio": ratio(ours, bm),
                "runs": len(sides.get(MAIN, [])),
                "baseline_runs": len(sides[b]) if b else 0,
            })
    return lines


def fmt(v):
    if v is None:
        return "-"
    if abs(v) >= 100:
        return "%.0f" % v
    if abs(v) >= 10:
        return "%.1f" % v
    return "%.3g" % v


def table(lines):
    head = ("measure", "vubridge", "baseline", "base median", "ratio", "n")
    rows = [(l["label"], fmt(l["vubridge_median"]), l["baseline"] or "-",
             fmt(l["baseline_median"]),
             "-" if l["ratio"] is None else "%.2f" % l["ratio"],
             "%d/%d" % (l["runs"], l["baseline_runs"])) for l in lines]
    w = [max(len(r[i]) for r in rows + [head]) for i in range(len(head))]
    out = []
    for r in [head] + rows:
        out.append("  ".join(c.ljust(w[i]) if i in (0, 2) else c.rjust(w[i])
                             for i, c in enumerate(r)).rstrip())
        if r is head:
            out.append("  ".join("-" * x for x in w))
    return "\n".join(out) + "\n"


def read_runs(path):
    runs = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line.startswith("{"):
                continue
            try:
                r = json.loads(line)
            except ValueError:
                continue
            if {"m", "side", "value", "unit"} <= set(r):
                runs.append(r)
    return runs


def commit():
    top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    try:
        out = subprocess.run(["git", "-C", top, "describe", "--always",
                              "--dirty", "--abbrev=12"],
                             capture_output=True, text=True, check=True)
        return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def selftest():
    runs = [{"m": "x", "side": "vubridge", "pair": p, "value": v, "unit": "u"}
            for p, v in enumerate([3, 1, 2])]
    runs += [{"m": "x", "side": "direct", "pair": p, "value": v, "unit": "u"}
             for p, v in enumerate([4, 8, 2, 6])]
    runs += [{"m": "y", "side": "vubridge", "pair": 0, "value": None,
              "unit": "u"}]
    lines = summarize(runs)
    assert median([3, 1, 2]) == 2 and median([4, 8, 2, 6]) == 5
    assert lines[0]["vubridge_median"] == 2 and lines[0]["baseline_median"] == 5
    assert abs(lines[0]["ratio"] - 0.4) < 1e-9
    assert lines[1]["baseline"] is None and lines[1]["ratio"] is None
    t = table(lines)
    assert "0.40" in t and t.count("\n") == 4, t
    # The whole path: raw lines as the VM writes them (noise included)
    # to results.json and table.txt.
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        with open(os.path.join(d, "bench-raw.jsonl"), "w") as f:
            f.write("=== bench: x\nnot json {\n")
            for r in runs:
                f.write(json.dumps(r) + "\n")
        with open(os.path.join(d, "bench-env.json"), "w") as f:
            f.write('{"kernel": "6.12.0-test"}\n')
        assert main(["x", d, os.path.join(d, "out")]) == 0
        with open(os.path.join(d, "out", "results.json")) as f:
            doc = json.load(f)
        assert doc["kernel"] == "6.12.0-test" and len(doc["runs"]) == 8
        assert doc["summary"][0]["ratio"] == lines[0]["ratio"]
        assert doc["commit"]
    print("bench-report selftest: ok")
    return 0


def main(argv):
    if argv[1:] == ["--selftest"]:
        return selftest()
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    res, out = argv[1], argv[2]
    raw = os.path.join(res, "bench-raw.jsonl")
    if not os.path.exists(raw):
        print("bench-report: %s missing: the VM run wrote nothing" % raw,
              file=sys.stderr)
        return 1
    runs = read_runs(raw)
    env = {}
    try:
        with open(os.path.join(res, "bench-env.json")) as f:
            env = json.load(f)
    except (OSError, ValueError):
        pass
    # The machine's load around the run: other VMs and builds share its
    # cores (the ratios of one run are what stays comparable).
    for key, path in (("host_loadavg_before",
                       os.path.join(out, "host-loadavg-before")),
                      ("host_loadavg_after", "/proc/loadavg")):
        try:
            with open(path) as f:
                env[key] = f.read().strip()
        except OSError:
            pass
    lines = summarize(runs)
    os.makedirs(out, exist_ok=True)
    doc = {"commit": commit(), "kernel": env.get("kernel"), "env": env,
           "summary": lines, "runs": runs}
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    text = table(lines)
    with open(os.path.join(out, "table.txt"), "w") as f:
        f.write(text)
    print("\nvubridge benchmarks (commit %s, kernel %s): medians of the runs,"
          " ratio = vubridge / baseline" % (doc["commit"], doc["kernel"]))
    print("host load average before / after: %s / %s\n" %
          (env.get("host_loadavg_before", "?"), env.get("host_loadavg_after", "?")))
    print(text)
    print("raw runs: %s" % os.path.join(out, "results.json"))
    return 0 if runs else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
