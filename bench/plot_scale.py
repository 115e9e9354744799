#!/usr/bin/env python3
"""Plots how cost grows with the size of the world: the scale_* curves of
ecs_bench (bench_scale.c), one SVG per curve, cost per unit against size on
log-log axes (a flat line is a cost that grows linearly with the size).

  python3 bench/plot_scale.py --bench build/release/bench/ecs_bench
  python3 bench/plot_scale.py --json scale.json [--before old.json] [--out docs/img]

--bench runs `ecs_bench --scale --filter scale_ --json FILE` (every size of
every curve, about a minute) and plots that run; --json plots a saved run.
--before adds the same curves from another run (an older build), dashed.
Standard library only; the SVG is written by hand.
"""

import argparse
import json
import math
import os
import re
import subprocess
import sys
import tempfile

# Each curve: its file, what the axes say, and the series: (workload key,
# storage label in the JSON, legend, legend of the raw-C reference ecs_bench
# measures beside that series or None). Workloads are scale_<key>_<size>.
# "before": False leaves the --before run out of that plot.
CURVES = [
    {
        "file": "scale-churn-types.svg",
        "title": "Churn (create, set 2 components, destroy) vs registered types",
        "x": "component types registered",
        "y": "ns per entity",
        "series": [("churn_types", "archetype", "ARCHETYPE (default)", "slot arrays (no registry)"),
                   ("churn_types", "dense", "DENSE", None), ("churn_types", "sparse", "SPARSE", None)],
    },
    {
        "file": "scale-build.svg",
        "title": "Schedule build: N systems in one ASYNC group (SERIALIZE)",
        "x": "systems (2 terms each)",
        "y": "ns per system, adds and build",
        "series": [("build", "default", "libecs", None)],
    },
    {
        "file": "scale-tick.svg",
        "title": "Tick: N empty systems with a 2-term query (SYNC)",
        "x": "systems",
        "y": "ns per system per tick",
        "series": [("tick", "default", "libecs", "calls through function pointers")],
    },
    {
        "file": "scale-iter-tables.svg",
        "title": "Iteration over T archetype tables of 10 entities",
        "x": "tables matched by the query",
        "y": "ns per table",
        "series": [("iter_tables", "default", "libecs", "the same values in T malloc'd blocks")],
    },
    {
        "file": "scale-entities.svg",
        "title": "N entities with 2 components: create, iterate, save",
        "x": "entities",
        "y": "ns per entity",
        "series": [("create", "default", "ecs_bulk_create", "raw: two arrays allocated and copied"),
                   ("iterate", "default", "query loop (p += v)", "raw: the same loop over two arrays"),
                   ("snapshot", "default", "ecs_snapshot_save", "raw: the arrays copied into one block")],
    },
    {
        "file": "scale-memory.svg",
        "title": "Peak resident memory of a process holding N entities",
        "x": "entities (2 components, 24 bytes of values)",
        "y": "bytes per entity",
        "unit": "bytes",
        "series": [("rss", "default", "world", "raw: two arrays"),
                   ("snapshot_rss", "default", "world while a snapshot is saved", None),
                   ("load_rss", "default", "world while a snapshot loads from a file", None)],
    },
    {
        "file": "scale-tables.svg",
        "title": "Queries and new tables among T archetype tables",
        "x": "archetype tables in the world",
        "y": "ns",
        "series": [("query_new", "default", "new query, one pass, free: per table", None),
                   ("new_table", "default", "entity into a new table: per table", None)],
    },
    {
        "file": "scale-observers.svg",
        "title": "Observers: K components with one ON_SET observer each",
        "x": "observers",
        "y": "ns",
        "series": [("observed_set", "default", "ecs_set of an observed component: per set", None),
                   ("observer_add", "default", "ecs_observer_register: per observer", None)],
    },
]

COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"]
BASE_COLOR = "#7f7f7f"
WIDTH, HEIGHT = 680, 420
LEFT, RIGHT, TOP, BOTTOM = 72, 20, 44, 56


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def points(rows, key):
    """{storage: [(size, median, baseline)]} for workload scale_<key>_<size>."""
    pat = re.compile(r"^scale_" + re.escape(key) + r"_(\d+)$")
    out = {}
    for r in rows:
        m = pat.match(r.get("workload", ""))
        if m:
            out.setdefault(r["storage"], []).append(
                (int(m.group(1)), r["ns_per_op_median"], r.get("baseline_ns_per_op_median")))
    for v in out.values():
        v.sort()
    return out


def fmt_num(v):
    if v >= 1000000 and v % 1000000 == 0:
        return "%dM" % (v // 1000000)
    if v >= 10000 and v % 1000 == 0:
        return "%dk" % (v // 1000)
    if v >= 1:
        return "{:,}".format(int(v)) if v == int(v) else "%g" % v
    return "%g" % v


def nice_range(lo, hi):
    """Log bounds on the 1-2-5 sequence around [lo, hi]."""
    steps = [1, 2, 5, 10]
    e = math.floor(math.log10(lo))
    lo_b = max(s * 10 ** e for s in steps if s * 10 ** e <= lo * 1.0000001)
    e = math.floor(math.log10(hi))
    hi_b = min(s * 10 ** e for s in steps if s * 10 ** e >= hi / 1.0000001)
    if hi_b <= lo_b:
        hi_b = lo_b * 10
    return lo_b, hi_b


def ticks(lo, hi, with_minor):
    out = []
    e = math.floor(math.log10(lo))
    while 10 ** e <= hi * 1.0000001:
        for s in ([1, 2, 5] if with_minor else [1]):
            v = s * 10 ** e
            if lo / 1.0000001 <= v <= hi * 1.0000001:
                out.append((v, s == 1))
        e += 1
    return out


def esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def plot(curve, rows, before, path):
    series = []  # (label, color, dashed, [(x, y)])
    bases = []
    for k, (key, storage, label, base_label) in enumerate(curve["series"]):
        color = COLORS[k % len(COLORS)]
        pts = points(rows, key).get(storage, [])
        if pts:
            series.append((label, color, False, [(x, y) for x, y, _ in pts]))
        old = points(before, key).get(storage, []) if before and curve.get("before", True) else []
        if old:
            series.append((label + ", before this change", color, True, [(x, y) for x, y, _ in old]))
        base = [(x, b) for x, _, b in pts if b]
        if base_label and base:
            bases.append((base_label, BASE_COLOR if not bases else color, False, base))
    if not series:
        return False
    series += bases
    unit = curve.get("unit", "ns")
    xs = [x for s in series for x, _ in s[3]]
    ys = [y for s in series for _, y in s[3]]
    x0, x1 = nice_range(min(xs), max(xs))
    y0, y1 = nice_range(min(ys), max(ys))
    pw, ph = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def px(x):
        return LEFT + pw * (math.log10(x) - math.log10(x0)) / (math.log10(x1) - math.log10(x0))

    def py(y):
        return TOP + ph * (1 - (math.log10(y) - math.log10(y0)) / (math.log10(y1) - math.log10(y0)))

    o = []
    total_h = HEIGHT + 18 * len(series) + 8
    o.append('<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" '
             'font-family="sans-serif" font-size="12">' % (WIDTH, total_h, WIDTH, total_h))
    o.append('<rect width="100%" height="100%" fill="white"/>')
    o.append('<text x="%d" y="22" font-size="14" font-weight="bold">%s</text>' % (LEFT, esc(curve["title"])))
    decades_x = math.log10(x1 / x0)
    for v, major in ticks(x0, x1, decades_x <= 4):
        X = px(v)
        o.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="%s"/>'
                 % (X, TOP, X, TOP + ph, "#cccccc" if major else "#eeeeee"))
        o.append('<text x="%.1f" y="%d" text-anchor="middle">%s</text>' % (X, TOP + ph + 16, fmt_num(v)))
    for v, major in ticks(y0, y1, True):
        Y = py(v)
        o.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="%s"/>'
                 % (LEFT, Y, LEFT + pw, Y, "#cccccc" if major else "#eeeeee"))
        o.append('<text x="%d" y="%.1f" text-anchor="end">%s</text>' % (LEFT - 6, Y + 4, fmt_num(v)))
    o.append('<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#333333"/>' % (LEFT, TOP, pw, ph))
    o.append('<text x="%.1f" y="%d" text-anchor="middle">%s (log)</text>'
             % (LEFT + pw / 2, HEIGHT - 14, esc(curve["x"])))
    o.append('<text transform="translate(16,%.1f) rotate(-90)" text-anchor="middle">%s (log)</text>'
             % (TOP + ph / 2, esc(curve["y"])))
    for label, color, dashed, pts in series:
        d = " ".join("%.1f,%.1f" % (px(x), py(y)) for x, y in pts)
        o.append('<polyline points="%s" fill="none" stroke="%s" stroke-width="2"%s/>'
                 % (d, color, ' stroke-dasharray="6,4"' if dashed else ""))
        for x, y in pts:
            o.append('<circle cx="%.1f" cy="%.1f" r="3" fill="%s"><title>%s: %s, %.1f %s</title></circle>'
                     % (px(x), py(y), color, esc(label), fmt_num(x), y, unit))
    # the legend, under the plot: it never hides a line
    lx, ly = LEFT, HEIGHT + 4
    for k, (label, color, dashed, _) in enumerate(series):
        y = ly + 9 + 18 * k
        o.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="2"%s/>'
                 % (lx, y, lx + 24, y, color, ' stroke-dasharray="6,4"' if dashed else ""))
        o.append('<text x="%d" y="%d">%s</text>' % (lx + 30, y + 4, esc(label)))
    o.append("</svg>")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(o) + "\n")
    return True


def summary(curve, rows):
    """One line per series: the sizes and figures, and the growth from the
    smallest to the largest size."""
    lines = []
    for key, storage, label, _ in curve["series"]:
        pts = points(rows, key).get(storage, [])
        if len(pts) < 2:
            continue
        cells = ", ".join("%s: %.1f" % (fmt_num(x), y) for x, y, _ in pts)
        growth = pts[-1][1] / pts[0][1]
        lines.append("  %-22s %s  (x%.2f from %s to %s)" % (label[:40], cells, growth, fmt_num(pts[0][0]),
                                                           fmt_num(pts[-1][0])))
    return lines


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--bench", help="ecs_bench to run (every size of every curve)")
    src.add_argument("--json", help="a saved `ecs_bench --scale --json` run")
    ap.add_argument("--before", help="another run to draw dashed beside it (an older build)")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "docs", "img"),
                    help="directory of the SVGs (default: docs/img)")
    ap.add_argument("--save-json", help="with --bench: keep the run's JSON here")
    args = ap.parse_args()

    if args.bench:
        fd, tmp = tempfile.mkstemp(suffix=".json")
        os.close(fd)
        try:
            rc = subprocess.call([args.bench, "--scale", "--filter", "scale_", "--json", tmp])
            if rc != 0:
                print("ecs_bench failed (exit %d)" % rc, file=sys.stderr)
                return 1
            rows = load(tmp)
            if args.save_json:
                with open(args.save_json, "w", encoding="utf-8") as f:
                    json.dump(rows, f, indent=1)
                    f.write("\n")
        finally:
            os.unlink(tmp)
    else:
        rows = load(args.json)
    before = load(args.before) if args.before else None

    os.makedirs(args.out, exist_ok=True)
    written = 0
    for curve in CURVES:
        path = os.path.join(args.out, curve["file"])
        if plot(curve, rows, before, path):
            written += 1
            print("%s: %s" % (path, curve["title"]))
            for line in summary(curve, rows):
                print(line)
    if written == 0:
        print("no scale_* results in the input", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
