#!/usr/bin/env python3
"""Compare two `ecs_bench --json` result files and flag regressions.

usage: compare.py BASE.json NEW.json [--threshold PCT]
                  [--metric ratio_to_baseline|ns_per_op_median]

Cases are matched by (workload, storage, threads, n). For every case found in
both files the script prints the metric in BASE and in NEW and the change in
percent; a case is a regression when NEW is more than PCT percent (default 10)
above BASE. Lower is better for both metrics. Cases found in one file only,
and cases whose metric is null in either file (no baseline), are listed but
not compared.

The default metric, ratio_to_baseline, is the case's median divided by the
median of its raw-C baseline measured in the same run, so it cancels part of
the machine's noise; ns_per_op_median compares absolute times and is only
meaningful between runs on the same machine under the same load.

Exit status: 0 when no case regressed, 1 when at least one did, 2 on bad input
(unreadable file, invalid JSON, missing or mistyped keys, a case listed
twice) or a usage error.

Python 3 standard library only.
"""

import argparse
import json
import math
import sys

METRICS = ("ratio_to_baseline", "ns_per_op_median")
KEY_FIELDS = (("workload", str), ("storage", str), ("threads", int), ("n", int))


class InputError(Exception):
    """A result file that cannot be used."""


def case_name(key):
    """The harness's name for a case: workload/storage/n, plus /tT with threads > 1."""
    workload, storage, threads, n = key
    name = "%s/%s/%d" % (workload, storage, n)
    return name + ("/t%d" % threads if threads > 1 else "")


def is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def load(path, metric):
    """Returns an ordered dict {key: metric value or None} read from @p path."""
    try:
        with open(path, "r", encoding="utf-8") as f:
            data = json.load(f)
    except OSError as e:
        raise InputError("%s: cannot read: %s" % (path, e.strerror or e))
    except (ValueError, UnicodeDecodeError) as e:
        raise InputError("%s: not valid JSON: %s" % (path, e))
    if not isinstance(data, list):
        raise InputError("%s: expected a JSON array of cases, got %s" % (path, type(data).__name__))
    cases = {}
    for i, obj in enumerate(data):
        where = "%s: case %d" % (path, i)
        if not isinstance(obj, dict):
            raise InputError("%s: expected an object, got %s" % (where, type(obj).__name__))
        key = []
        for field, kind in KEY_FIELDS:
            value = obj.get(field)
            if kind is int:
                ok = isinstance(value, int) and not isinstance(value, bool)
            else:
                ok = isinstance(value, str) and value != ""
            if not ok:
                what = "an integer" if kind is int else "a string"
                raise InputError("%s: '%s' missing or not %s" % (where, field, what))
            key.append(value)
        key = tuple(key)
        if metric not in obj:
            raise InputError("%s (%s): no '%s'" % (where, case_name(key), metric))
        value = obj[metric]
        if value is not None and not (is_number(value) and math.isfinite(value) and value >= 0):
            raise InputError("%s (%s): '%s' is not a non-negative number or null" % (where, case_name(key), metric))
        if key in cases:
            raise InputError("%s: %s listed twice" % (path, case_name(key)))
        cases[key] = None if value is None else float(value)
    return cases


def fmt(value):
    if value is None:
        return "null"
    if value >= 1000:
        return "%.1f" % value
    if value >= 10:
        return "%.2f" % value
    return "%.4f" % value


def compare(base, new, threshold):
    """Returns (rows, regressed, skipped): rows of the table, the regressed
    case names and the cases not compared (null or zero metric)."""
    rows = []
    regressed = []
    skipped = []
    for key, b in base.items():
        if key not in new:
            continue
        n = new[key]
        name = case_name(key)
        if b is None or n is None or b == 0:
            skipped.append(name)
            rows.append((name, fmt(b), fmt(n), "-", "not compared"))
            continue
        change = (n - b) / b * 100.0
        flag = ""
        if change > threshold:
            flag = "REGRESSED"
            regressed.append((name, change))
        rows.append((name, fmt(b), fmt(n), "%+.1f%%" % change, flag))
    return rows, regressed, skipped


def print_table(rows, metric):
    header = ("case", "base", "new", "change", "")
    widths = [max(len(r[i]) for r in rows + [header]) for i in range(4)]
    print("metric: %s (lower is better)" % metric)
    for r in [header] + rows:
        line = "%-*s  %*s  %*s  %*s" % (widths[0], r[0], widths[1], r[1], widths[2], r[2], widths[3], r[3])
        print((line + "  " + r[4]).rstrip())


def main(argv):
    parser = argparse.ArgumentParser(
        description="Compare two ecs_bench --json files; exit 1 when a case is slower than the threshold.")
    parser.add_argument("base", metavar="BASE.json", help="results before the change")
    parser.add_argument("new", metavar="NEW.json", help="results after the change")
    parser.add_argument("--threshold", metavar="PCT", type=float, default=10.0,
                        help="flag cases more than PCT percent slower (default 10)")
    parser.add_argument("--metric", choices=METRICS, default="ratio_to_baseline",
                        help="value compared (default ratio_to_baseline)")
    args = parser.parse_args(argv)  # exits 2 on a usage error
    if not math.isfinite(args.threshold) or args.threshold < 0:
        parser.error("--threshold wants a non-negative percentage, got %s" % args.threshold)

    try:
        base = load(args.base, args.metric)
        new = load(args.new, args.metric)
    except InputError as e:
        print("compare.py: error: %s" % e, file=sys.stderr)
        return 2

    rows, regressed, skipped = compare(base, new, args.threshold)
    only_base = [case_name(k) for k in base if k not in new]
    only_new = [case_name(k) for k in new if k not in base]

    if rows:
        print_table(rows, args.metric)
    else:
        print("no case is in both files")
    for title, names in (("only in %s" % args.base, only_base), ("only in %s" % args.new, only_new)):
        if names:
            print()
            print("%s (%d):" % (title, len(names)))
            for name in names:
                print("  " + name)
    if skipped:
        print()
        print("%d case(s) not compared: %s is null or zero" % (len(skipped), args.metric))
    print()
    compared = len(rows) - len(skipped)
    if regressed:
        print("%d of %d case(s) regressed by more than %g%%:" % (len(regressed), compared, args.threshold))
        for name, change in regressed:
            print("  %s %+.1f%%" % (name, change))
        return 1
    print("no regression above %g%% in %d compared case(s)" % (args.threshold, compared))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
