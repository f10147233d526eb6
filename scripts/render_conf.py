#!/usr/bin/env python3
"""Renders a shipped nginx configuration (nginx-module/conf/edge.conf,
lb-config/lb.conf) for a local run: the same file, with its site lines
replaced.

  render_conf.py TEMPLATE OUT [--set DIRECTIVE=ARGS]... [--tag TAG=ARGS]...
                 [--each TAG=V1,V2...]... [--sub OLD=NEW]... [--temp-dir DIR]

--set   replaces the arguments of the first DIRECTIVE in the file
--tag   replaces the arguments of every directive on a line ending in
        "# site: TAG"
--each  a list: every line ending in "# site: TAG" is written once per
        value (commas or blanks between them), with that value as its
        arguments (`allow 127.0.0.1;  # site: admin` -> one allow per CIDR)
--sub   plain text substitution (paths)
--temp-dir  puts nginx's temp paths under DIR (first http block)
A --set or --tag that matches nothing is an error: the shipped file and
the run must not drift apart.
"""
import argparse
import re
import sys


def pairs(values):
    out = []
    for v in values or []:
        if "=" not in v:
            sys.exit(f"render_conf: '{v}' is not NAME=VALUE")
        out.append(tuple(v.split("=", 1)))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("template")
    ap.add_argument("out")
    ap.add_argument("--set", action="append")
    ap.add_argument("--tag", action="append")
    ap.add_argument("--each", action="append")
    ap.add_argument("--sub", action="append")
    ap.add_argument("--temp-dir")
    a = ap.parse_args()
    text = open(a.template).read()

    for name, value in pairs(a.set):
        pat = re.compile(rf"^([ \t]*){re.escape(name)}[ \t][^;\n]*;", re.M)
        if not pat.search(text):
            sys.exit(f"render_conf: {a.template} has no '{name}' directive")
        text = pat.sub(lambda m: f"{m.group(1)}{name} {value};", text, count=1)

    for tag, value in pairs(a.tag):
        pat = re.compile(rf"^([ \t]*)(\S+)[ \t][^;\n]*;([ \t]*# site: "
                         rf"{re.escape(tag)})$", re.M)
        if not pat.search(text):
            sys.exit(f"render_conf: {a.template} has no 'site: {tag}' line")
        text = pat.sub(lambda m: f"{m.group(1)}{m.group(2)} {value};"
                       f"{m.group(3)}", text)

    for tag, value in pairs(a.each):
        pat = re.compile(rf"^([ \t]*)(\S+)[ \t][^;\n]*;([ \t]*# site: "
                         rf"{re.escape(tag)})$", re.M)
        if not pat.search(text):
            sys.exit(f"render_conf: {a.template} has no 'site: {tag}' line")
        values = value.replace(",", " ").split()
        if not values:
            sys.exit(f"render_conf: --each {tag} needs at least one value")
        text = pat.sub(lambda m: "\n".join(
            f"{m.group(1)}{m.group(2)} {v};{m.group(3)}" for v in values),
            text)

    for old, new in pairs(a.sub):
        text = text.replace(old, new)

    if a.temp_dir:
        temp = "".join(f"    {t}_temp_path {a.temp_dir}/{t};\n"
                       for t in ("client_body", "proxy", "fastcgi", "uwsgi",
                                 "scgi"))
        text = text.replace("http {\n", "http {\n" + temp, 1)

    with open(a.out, "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
