#!/usr/bin/env python3
"""Structure check of monitoring/grafana-dashboard.json and the metric
names of monitoring/prometheus-rules.yml (ctest monitoring_dashboard).

  check_monitoring.py [--metrics FILE ...]

The dashboard: a schemaVersion, a uid and title, panels with unique
integer ids, a gridPos inside the 24-column grid that overlaps no other
panel, targets with unique refIds and a PromQL expr.  Every expr (the
dashboard's and the rules') parses (promtool, fed the exprs as recording
rules) and names only metrics that Fanout exports: the names the origin's
registry (origin/src/core/metrics.h, http/metrics_text.cc) and the edge's
metrics tables (nginx-module/src/*.c) declare, or, with --metrics, those
scraped from real /metrics and /fanout_status pages (the integration test
passes them, and checks the sources' names against them)."""
import json
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
DASHBOARD = ROOT / "monitoring" / "grafana-dashboard.json"
RULES = ROOT / "monitoring" / "prometheus-rules.yml"

# Series Prometheus makes itself.
BUILTIN = {"up", "scrape_duration_seconds", "scrape_samples_scraped"}

# PromQL words that look like metric names.
PROMQL_WORDS = {
    "sum", "min", "max", "avg", "count", "stddev", "stdvar", "topk",
    "bottomk", "quantile", "count_values", "group", "by", "without", "on",
    "ignoring", "group_left", "group_right", "and", "or", "unless", "bool",
    "offset", "rate", "irate", "increase", "delta", "idelta", "deriv",
    "time", "vector", "scalar", "abs", "ceil", "floor", "round", "clamp",
    "clamp_min", "clamp_max", "histogram_quantile", "label_replace",
    "label_join", "absent", "absent_over_time", "changes", "resets",
    "avg_over_time", "max_over_time", "min_over_time", "sum_over_time",
    "count_over_time", "last_over_time", "timestamp", "printf", "inf", "nan",
}


def source_metric_names():
    """What the sources declare the origin and the edges export."""
    names = set()
    for rel in ("origin/src/core/metrics.h", "origin/src/http/metrics_text.cc"):
        text = (ROOT / rel).read_text()
        names |= set(re.findall(r'"(fanout_[a-z0-9_]+)"', text))
    # { ngx_string("name"), gauge, "help" }: gauge 0 is a counter; a name
    # starting with fanout_ is whole (ngx_http_fanout_metric_t)
    entry = re.compile(r'\{\s*ngx_string\("([a-z0-9_]+)"\),\s*(\d+),\s*"')
    for src in sorted((ROOT / "nginx-module" / "src").glob("*.c")):
        for m in entry.finditer(src.read_text()):
            name, gauge = m.group(1), m.group(2) != "0"
            if name.startswith("fanout_"):
                names.add(name)
            else:
                names.add("fanout_edge_" + name + ("" if gauge else "_total"))
    return names


def scraped_metric_names(paths):
    """The families of Prometheus text pages (their # TYPE lines: a
    family without samples now, such as the per-stream gauges with no
    live stream, still counts), and the samples' names."""
    names = set()
    for p in paths:
        for line in pathlib.Path(p).read_text().splitlines():
            if line.startswith("# TYPE "):
                names.add(line.split()[2])
            elif line and not line.startswith("#"):
                names.add(re.split(r"[{ ]", line, 1)[0])
    return names


def expr_metrics(expr):
    """The metric names an expr reads (label names and values, strings,
    durations and functions left out)."""
    expr = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)    # strings
    expr = re.sub(r"\{[^}]*\}", "", expr)               # matchers
    expr = re.sub(r"\[[^\]]*\]", "", expr)              # ranges
    expr = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)"
                  r"\s*\([^)]*\)", "", expr)            # label lists
    words = re.findall(r"[a-zA-Z_:][a-zA-Z0-9_:]*", expr)
    return {w for w in words if w not in PROMQL_WORDS
            and not re.fullmatch(r"\d+[smhdwy]", w)}


def dashboard_errors(dash, exported):
    errors = []
    if not isinstance(dash.get("schemaVersion"), int) or \
            dash["schemaVersion"] < 27:
        errors.append("schemaVersion missing or < 27")
    for key in ("uid", "title"):
        if not dash.get(key):
            errors.append(f"no {key}")
    panels = dash.get("panels") or []
    if not panels:
        errors.append("no panels")
    ids, boxes = set(), []
    for p in panels:
        pid = p.get("id")
        where = f"panel {pid} ({p.get('title')!r})"
        if not isinstance(pid, int) or pid in ids:
            errors.append(f"{where}: id missing or not unique")
        ids.add(pid)
        g = p.get("gridPos") or {}
        if not all(isinstance(g.get(k), int) for k in "xywh"):
            errors.append(f"{where}: gridPos needs integer x, y, w, h")
            continue
        if g["x"] < 0 or g["y"] < 0 or g["w"] < 1 or g["h"] < 1 or \
                g["x"] + g["w"] > 24:
            errors.append(f"{where}: gridPos {g} outside the 24 columns")
        for other, og in boxes:
            if g["x"] < og["x"] + og["w"] and og["x"] < g["x"] + g["w"] and \
                    g["y"] < og["y"] + og["h"] and og["y"] < g["y"] + g["h"]:
                errors.append(f"{where}: overlaps panel {other}")
        boxes.append((pid, g))
        targets = p.get("targets") or []
        if not targets:
            errors.append(f"{where}: no targets")
        refs = [t.get("refId") for t in targets]
        if len(set(refs)) != len(refs) or None in refs:
            errors.append(f"{where}: refIds missing or repeated")
        for t in targets:
            errors += expr_errors(where, t.get("expr") or "", exported)
    return errors


def expr_errors(where, expr, exported):
    if not expr.strip():
        return [f"{where}: empty expr"]
    unknown = sorted(m for m in expr_metrics(expr) if m not in exported)
    return [f"{where}: {m} is not exported (expr {expr!r})" for m in unknown]


def all_exprs(dash, rules):
    out = [t["expr"] for p in dash.get("panels", [])
           for t in p.get("targets", []) if t.get("expr")]
    out += [r["expr"] for g in rules["groups"] for r in g["rules"]]
    return out


def promtool_errors(exprs):
    """promtool parses every expr, as a recording rule."""
    promtool = shutil.which("promtool")
    if promtool is None:
        return ["promtool not found (Debian package prometheus; make deps)"]
    doc = {"groups": [{"name": "exprs", "rules": [
        {"record": f"check:expr{i}", "expr": e} for i, e in enumerate(exprs)]}]}
    with tempfile.NamedTemporaryFile("w", suffix=".yml") as f:
        yaml.safe_dump(doc, f)
        f.flush()
        r = subprocess.run([promtool, "check", "rules", f.name],
                           capture_output=True, text=True)
    return [] if r.returncode == 0 else ["promtool: " + r.stdout + r.stderr]


def check(scraped=None):
    exported = BUILTIN | (scraped if scraped is not None
                          else source_metric_names())
    dash = json.loads(DASHBOARD.read_text())
    rules = yaml.safe_load(RULES.read_text())
    errors = dashboard_errors(dash, exported)
    for g in rules["groups"]:
        for r in g["rules"]:
            errors += expr_errors(f"rule {r.get('alert')}", r["expr"],
                                  exported)
    return errors + promtool_errors(all_exprs(dash, rules))


def main(argv):
    scraped = None
    if len(argv) > 1 and argv[1] == "--metrics":
        scraped = scraped_metric_names(argv[2:])
    errors = check(scraped)
    for e in errors:
        print("monitoring:", e)
    if not errors:
        print("monitoring: dashboard and rules OK")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
