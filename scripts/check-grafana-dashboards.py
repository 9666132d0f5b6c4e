#!/usr/bin/env python3
"""Checks the Grafana dashboards of deploy/grafana/dashboards (docs/grafana.md).

  check-grafana-dashboards.py DIR [--schema FILE]                      offline checks
  check-grafana-dashboards.py DIR --prometheus URL --var NAME=VALUE... every panel's queries

Offline: each file is JSON; with --schema, it validates against that JSON Schema (the one that
scripts/install-deps.sh generates from Grafana's own `@grafana/schema` types, strict: unknown
fields are errors); then what a schema cannot say: unique uids and panel ids, panels inside the
24-column grid and not overlapping, every data panel on the `${datasource}` variable with at least
one query, every `$variable` a query uses defined by the dashboard (or one of Grafana's own).

With --prometheus: what Grafana would do when the dashboard is opened with the given variable
values. Each query variable's label_values() query is run (through /api/v1/label/NAME/values, as
Grafana's Prometheus data source does) and must offer the value given; then every query of every
panel is run as Grafana runs it (query_range over the last --range seconds, or an instant query
for instant targets) with the variables substituted, and must return at least one series with a
number in it. All problems are listed; the exit status is 1 when there is any.
"""
import argparse
import json
import math
import re
import sys
import time
import urllib.parse
import urllib.request

BUILTINS = {"__rate_interval", "__interval", "__range", "__interval_ms", "__range_s", "__range_ms", "datasource"}
VAR_RE = re.compile(r"\$\{(\w+)(?::\w+)?\}|\$(\w+)")


def load(path, problems):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        problems.append(f"{path}: {e}")
        return None


def data_panels(dashboard):
    for p in dashboard.get("panels", []):
        yield p
        for inner in p.get("panels", []) if p.get("type") == "row" else []:
            yield inner


def check_offline(path, d, schema, uids, problems):
    if schema is not None:
        import jsonschema  # python3-jsonschema (scripts/install-deps.sh)
        for e in sorted(jsonschema.Draft7Validator(schema).iter_errors(d), key=lambda e: list(e.absolute_path)):
            where = ".".join(str(x) for x in e.absolute_path) or "(top)"
            problems.append(f"{path}: {where}: {e.message}")
    uid = d.get("uid")
    if not uid:
        problems.append(f"{path}: uid: expected a uid, found none")
    elif uid in uids:
        problems.append(f"{path}: uid: {uid} is also the uid of {uids[uid]}")
    else:
        uids[uid] = path
    defined = {v.get("name") for v in d.get("templating", {}).get("list", [])}
    ids, cells = set(), {}
    for p in data_panels(d):
        pid, title = p.get("id"), p.get("title", "")
        where = f"{path}: panel {pid} '{title}'"
        if pid in ids:
            problems.append(f"{where}: id: used twice")
        ids.add(pid)
        g = p.get("gridPos", {})
        x, y, w, h = (g.get(k, -1) for k in "xywh")
        if min(x, y, w, h) < 0 or x + w > 24:
            problems.append(f"{where}: gridPos: expected within the 24-column grid, found {g}")
        mine = [(cx, cy) for cx in range(max(x, 0), max(x, 0) + max(w, 0))
                for cy in range(max(y, 0), max(y, 0) + max(h, 0))]
        other = next((cells[c] for c in mine if c in cells), None)
        if other is not None:
            problems.append(f"{where}: gridPos: overlaps panel {other}")
        cells.update((c, pid) for c in mine if c not in cells)
        if p.get("type") == "row":
            continue
        if p.get("datasource", {}).get("uid") != "${datasource}":
            problems.append(f"{where}: datasource: expected the ${{datasource}} variable, found {p.get('datasource')}")
        targets = p.get("targets", [])
        if not targets:
            problems.append(f"{where}: targets: expected at least one query, found none")
        for t in targets:
            for m in VAR_RE.finditer(t.get("expr", "")):
                name = m.group(1) or m.group(2)
                if name not in defined and name not in BUILTINS:
                    problems.append(f"{where}: targets[{t.get('refId')}].expr: ${name} is not a variable of the dashboard")


def get(url, params, problems, what):
    full = url + "?" + urllib.parse.urlencode(params, doseq=True)
    try:
        with urllib.request.urlopen(full, timeout=10) as r:
            body = json.load(r)
    except Exception as e:  # noqa: BLE001 — any failure is reported with the query
        problems.append(f"{what}: {e}")
        return None
    if body.get("status") != "success":
        problems.append(f"{what}: {body.get('errorType')}: {body.get('error')}")
        return None
    return body["data"]


def substitute(expr, values, rate_interval, range_s):
    builtin = {"__rate_interval": rate_interval, "__interval": rate_interval, "__range": f"{range_s}s",
               "__range_s": str(range_s), "__range_ms": str(range_s * 1000)}

    def one(m):
        name = m.group(1) or m.group(2)
        return builtin.get(name, values.get(name, m.group(0)))
    return VAR_RE.sub(one, expr)


def has_number(data):
    for s in data.get("result", []):
        points = s.get("values") or ([s["value"]] if "value" in s else [])
        if any(not math.isnan(float(v)) for _, v in points):
            return True
    return False


def check_queries(path, d, args, values, problems):
    base = args.prometheus.rstrip("/")
    end = time.time()
    for v in d.get("templating", {}).get("list", []):
        if v.get("type") != "query":
            continue
        q = v.get("query", {})
        q = q.get("query", "") if isinstance(q, dict) else q
        m = re.fullmatch(r"label_values\((.*),\s*(\w+)\)", substitute(q, values, args.rate_interval, args.range))
        what = f"{path}: variable {v['name']}: {q}"
        if not m:
            problems.append(f"{what}: expected label_values(SELECTOR, LABEL)")
            continue
        data = get(f"{base}/api/v1/label/{m.group(2)}/values",
                   {"match[]": m.group(1), "start": end - args.range, "end": end}, problems, what)
        if data is None:
            continue
        want = values.get(v["name"])
        if want is None or (want not in data and not v.get("includeAll")):
            problems.append(f"{what}: offers {data}, not the value given ({want})")
        else:
            print(f"ok   {path}: variable {v['name']} offers {data}")
    for p in data_panels(d):
        for t in p.get("targets", []):
            expr = substitute(t.get("expr", ""), values, args.rate_interval, args.range)
            what = f"{path}: panel {p['id']} '{p.get('title')}' query {t.get('refId')}: {expr}"
            if t.get("instant"):
                data = get(f"{base}/api/v1/query", {"query": expr, "time": end}, problems, what)
            else:
                step = max(1, args.range // 100)
                data = get(f"{base}/api/v1/query_range",
                           {"query": expr, "start": end - args.range, "end": end, "step": step}, problems, what)
            if data is None:
                continue
            if not has_number(data):
                problems.append(f"{what}: no data")
            else:
                print(f"ok   {path}: panel {p['id']} '{p.get('title')}' {t.get('refId')}: {len(data['result'])} series")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dir")
    ap.add_argument("--schema", help="JSON Schema of a dashboard (from @grafana/schema)")
    ap.add_argument("--prometheus", help="Prometheus API base URL to run every query against")
    ap.add_argument("--var", action="append", default=[], help="NAME=VALUE of a dashboard variable")
    ap.add_argument("--rate-interval", default="30s", help="what $__rate_interval stands for (default 30s)")
    ap.add_argument("--range", type=int, default=300, help="the time range in seconds (default 300)")
    args = ap.parse_args()
    import glob
    import os
    files = sorted(glob.glob(os.path.join(args.dir, "*.json")))
    problems = [] if files else [f"{args.dir}: no dashboards (*.json)"]
    schema = load(args.schema, problems) if args.schema else None
    values = dict(v.split("=", 1) for v in args.var)
    uids = {}
    for path in files:
        d = load(path, problems)
        if d is None:
            continue
        check_offline(path, d, schema, uids, problems)
        if args.prometheus:
            check_queries(path, d, args, values, problems)
    for p in problems:
        print(f"FAIL {p}")
    print(f"{len(files)} dashboard(s), {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
