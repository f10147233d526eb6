#!/usr/bin/env python3
"""check_sizes.py — no source file over 600 lines, no function over 80.

Usage: check_sizes.py [--report] [ROOT]

Reads every file git tracks under ROOT (default: the current directory)
whose name ends in a C, C++, Python or JavaScript extension, and lists
each file longer than MAX_FILE_LINES and each function longer than
MAX_FUNC_LINES.  Exits 1 when it lists anything, 0 otherwise; with
--report it always exits 0 (the offenders are printed all the same).

What counts:
  - C, C++, JavaScript: a function body is a `{` opened outside any other
    function body whose preceding text ends with a parameter list `)`
    (then qualifiers such as const, override, noexcept, `-> T`, or a
    constructor's initializer list) or, in JavaScript, with `=>`.  Class,
    struct, union, enum, namespace and extern "C" blocks are scopes that
    hold functions; `= {` and other braces are initializers.  Comments,
    strings, character literals and preprocessor lines are blanked first.
    A function runs from the first line of its signature to its closing
    brace.
  - Python: every def (nested ones too), from `def` to its last line
    (ast's end_lineno - lineno + 1).
  - A definition with a comment `size: table` on the line before it is a
    table: it has no length limit, and its lines do not count towards its
    file's length.  There is no other way out for hand-written code;
    generated or vendored files may be listed in tools/check_sizes.exempt
    (one path a line, `#` comments).
"""
import ast
import os
import re
import subprocess
import sys

MAX_FILE_LINES = 600
MAX_FUNC_LINES = 80
TABLE_MARK = re.compile(r"(#|//|/\*)\s*size:\s*table\b")
EXEMPT_FILE = os.path.join("tools", "check_sizes.exempt")

C_EXTS = (".c", ".h", ".cc", ".cpp", ".cxx", ".hh", ".hpp", ".hxx")
JS_EXTS = (".js", ".mjs", ".cjs")
PY_EXTS = (".py",)


# ---- blanking comments, strings and preprocessor lines -------------------

def _blank(text, start, end, out):
    """Replaces text[start:end] in out by spaces, keeping newlines."""
    for i in range(start, end):
        if text[i] != "\n":
            out[i] = " "


def _skip_quoted(text, i, quote):
    """Index just past the literal opened by quote at text[i]."""
    n = len(text)
    i += 1
    while i < n and text[i] != quote:
        if text[i] == "\\":
            i += 1
        elif text[i] == "\n" and quote != "`":
            break                       # unterminated: stop at the line end
        i += 1
    return min(i + 1, n)


_RAW_STRING = re.compile(r'(?:u8|[uUL])?R"([^()\\ \t\n]{0,16})\(')
# A `/` starts a regular expression (not a division) after these.
_JS_REGEX_AFTER = set("(,=:[!&|?{};+-*%<>~^") | {""}


def strip_code(text, js=False):
    """text with comments, string and character literals and (for C and
    C++) preprocessor lines replaced by spaces; newlines stay, so line
    numbers do not move.  Quotes are kept, so `extern "C"` reads as
    `extern ""`."""
    out = list(text)
    n = len(text)
    i = 0
    line_start = True
    while i < n:
        c = text[i]
        if c == "\n":
            line_start = True
            i += 1
            continue
        if c in " \t":
            i += 1
            continue
        if line_start and c == "#" and not js:
            j = i
            while j < n and text[j] != "\n":
                if text[j] == "\\" and j + 1 < n and text[j + 1] == "\n":
                    j += 1
                j += 1
            _blank(text, i, j, out)
            i = j
            continue
        line_start = False
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            _blank(text, i, j, out)
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            _blank(text, i, j, out)
            i = j
        elif not js and (m := _RAW_STRING.match(text, i)) and (
                i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            close = ")" + m.group(1) + '"'
            j = text.find(close, m.end())
            j = n if j < 0 else j + len(close)
            _blank(text, i + 1, j - 1, out)
            i = j
        elif c in "\"'" or (js and c == "`"):
            if c == "'" and not js and _in_number(text, i):
                i += 1                   # a C++14 digit separator: 1'000
                continue
            j = _skip_quoted(text, i, c)
            _blank(text, i + 1, j - 1, out)
            i = j
        elif js and c == "/" and _js_regex_start(out, i):
            j = i + 1
            in_class = False
            while j < n and text[j] != "\n":
                if text[j] == "\\":
                    j += 1
                elif text[j] == "[":
                    in_class = True
                elif text[j] == "]":
                    in_class = False
                elif text[j] == "/" and not in_class:
                    break
                j += 1
            _blank(text, i + 1, j, out)
            i = j + 1
        else:
            i += 1
    return "".join(out)


def _in_number(text, i):
    """1 when text[i] follows the digits of a number literal."""
    j = i
    while j > 0 and (text[j - 1].isalnum() or text[j - 1] in "'."):
        j -= 1
    return j < i and text[j].isdigit()


def _js_regex_start(out, i):
    j = i - 1
    while j >= 0 and out[j] in " \t\n":
        j -= 1
    prev = out[j] if j >= 0 else ""
    if prev in _JS_REGEX_AFTER:
        return True
    word = re.search(r"(\w+)$", "".join(out[max(0, j - 10):j + 1]))
    return bool(word) and word.group(1) in ("return", "typeof", "case", "in",
                                            "of", "void", "yield", "await")


# ---- functions in brace languages ----------------------------------------

def _collapse(head):
    """head with the insides of (), [] and {} groups removed."""
    out = []
    depth = 0
    for c in head:
        if c in "([{":
            if depth == 0:
                out.append(c)
            depth += 1
        elif c in ")]}":
            depth = max(depth - 1, 0)
            if depth == 0:
                out.append(c)
        elif depth == 0:
            out.append(c)
    return "".join(out)


_SCOPE_HEAD = re.compile(
    r"^(?:template\s*<.*?>\s*)?(?:typedef\s+|export\s+(?:default\s+)?)?"
    r"(?:class|struct|union|enum|namespace|interface)\b(?!.*\)\s*$)"
    r"|^extern\s*\"\"\s*$", re.S)
_CONTROL = re.compile(r"^(?:else\s+)?(?:if|for|while|switch|catch|with|do"
                      r"|try|else|return|case)\b")
_QUALS = (r"(?:\s*(?:const|volatile|override|final|noexcept(?:\s*\(\))?"
          r"|mutable|constexpr|&&|&|try|throw\s*\(\)|__attribute__\s*\(\)"
          r"|requires\b[^;=]*))*")
_FUNC_TAIL = re.compile(
    r"\)" + _QUALS + r"\s*(?:->[^;={}]*)?\s*$"              # f(...) const
    r"|\)" + _QUALS + r"\s*:(?!:)\s*[\w:<>.]+\s*(?:\(\)|\{\})"  # ctor init
    r"(?:\s*,\s*[\w:<>.]+\s*(?:\(\)|\{\}))*\s*$", re.S)
_JS_FUNC_TAIL = re.compile(r"(?:\)|=>)\s*$")
_ACCESS = re.compile(r"^\s*(?:(?:public|private|protected)\s*:(?!:)\s*)+")


def _classify(head, js):
    """'func', 'scope' or 'expr' for a `{` preceded by head (the text of
    its statement so far)."""
    flat = re.sub(r'"\s*"', '""', _collapse(head).strip())
    flat = re.sub(r"operator\s*(?:\(\)|[^\w\s(]+)", "operator_", flat)
    flat = _ACCESS.sub("", flat)
    if _SCOPE_HEAD.search(flat):
        return "scope"
    if _CONTROL.match(flat):
        return "expr"
    if js:
        return "func" if _JS_FUNC_TAIL.search(flat) else "expr"
    no_template = re.sub(r"^template\s*<.*?>\s*", "", flat, flags=re.S)
    if re.search(r"(?<![=!<>])=(?!=)", no_template) \
            and not no_template.rstrip().endswith(")"):
        return "expr"
    return "func" if _FUNC_TAIL.search(flat) else "expr"


def brace_functions(text, js=False):
    """[(first_line, last_line)] of the functions in C, C++ or JS text
    (lines count from 1)."""
    code = strip_code(text, js)
    funcs = []
    stack = []              # per open brace: (kind, first line of a func)
    stmt_start = 0          # where the statement before the next { began
    in_func = 0             # how many function bodies are open
    parens = 0              # open ( outside functions: for (;;) is one
    line = 1
    for i, c in enumerate(code):
        if c == "\n":
            line += 1
        elif in_func:
            if c == "{":
                stack.append(("inner", 0))
            elif c == "}" and stack:
                kind, first = stack.pop()
                if kind == "func":
                    in_func -= 1
                    funcs.append((first, line))
                    stmt_start, parens = i + 1, 0
        elif c in "()":
            parens = max(parens + (1 if c == "(" else -1), 0)
        elif c == ";" and parens == 0:
            stmt_start = i + 1
        elif c == "{":
            head = code[stmt_start:i]
            kind = _classify(head, js)
            if kind == "func":
                stripped = _ACCESS.sub("", head)
                off = len(head) - len(stripped.lstrip())
                first = code.count("\n", 0, stmt_start + off) + 1
                stack.append(("func", first))
                in_func += 1
            else:
                stack.append((kind, 0))
                if kind == "scope":
                    stmt_start, parens = i + 1, 0
        elif c == "}":
            if stack:
                kind, _ = stack.pop()
                if kind == "scope":
                    stmt_start, parens = i + 1, 0
            else:
                stmt_start, parens = i + 1, 0
    return funcs


# ---- Python --------------------------------------------------------------

def python_functions(text):
    """[(first_line, last_line)] of every def in Python text."""
    return sorted((node.lineno, node.end_lineno)
                  for node in ast.walk(ast.parse(text))
                  if isinstance(node, (ast.FunctionDef,
                                       ast.AsyncFunctionDef)))


def python_statements(text):
    """[(first_line, last_line)] of every statement in Python text."""
    return sorted((node.lineno, node.end_lineno)
                  for node in ast.walk(ast.parse(text))
                  if isinstance(node, ast.stmt))


# ---- the check -----------------------------------------------------------

def _marked_table(lines, first):
    """1 when the line before line `first` (1-based) says size: table."""
    return first >= 2 and bool(TABLE_MARK.search(lines[first - 2]))


def _marked_tables(text, lines, js):
    """Line ranges of definitions marked size: table (functions or data),
    found by the brace that follows each mark."""
    ranges = []
    for n, l in enumerate(lines, 1):
        if not TABLE_MARK.search(l) or n >= len(lines) \
                or not lines[n].strip():
            continue
        # from the next line, the extent of the first brace group
        start = sum(len(x) + 1 for x in lines[:n])
        code = strip_code(text[start:], js)
        depth, end_line, cur = 0, None, n + 1
        opened = False
        for c in code:
            if c == "\n":
                cur += 1
            elif c == "{":
                depth += 1
                opened = True
            elif c == "}":
                depth -= 1
                if opened and depth == 0:
                    end_line = cur
                    break
            elif c == ";" and not opened:
                break
        if end_line is not None:
            ranges.append((n + 1, end_line))
    return ranges


def check_text(path, text):
    """The offences in one file: [(path, line, message)]."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    offences = []
    if path.endswith(PY_EXTS):
        try:
            funcs = python_functions(text)
        except SyntaxError as e:
            return [(path, e.lineno or 1, "cannot parse: %s" % e.msg)]
        tables = [(f, l) for f, l in python_statements(text)
                  if _marked_table(lines, f)]
    else:
        js = path.endswith(JS_EXTS)
        funcs = brace_functions(text, js)
        tables = _marked_tables(text, lines, js)
    table_lines = set()
    for f, l in tables:
        table_lines.update(range(f, l + 1))
    counted = len(lines) - len(table_lines)
    if counted > MAX_FILE_LINES:
        offences.append((path, 1, "file has %d lines (max %d)"
                         % (counted, MAX_FILE_LINES)))
    for first, last in funcs:
        n = last - first + 1
        if n > MAX_FUNC_LINES and first not in table_lines:
            name = _name_at(lines, first, last)
            offences.append((path, first, "function %s has %d lines (max %d)"
                             % (name, n, MAX_FUNC_LINES)))
    return offences


def _name_at(lines, first, last):
    """The function's name: the identifier before its first `(`."""
    sig = " ".join(lines[first - 1:min(last, first + 5)])
    m = re.search(r"([~\w:.]+)\s*\(([^()]*)\)?", sig)
    if m and re.fullmatch(r"(TYPED_)?TEST(_F|_P)?", m.group(1)):
        return "%s(%s)" % (m.group(1), m.group(2))   # gtest: say which
    if m and m.group(1) not in ("if", "for", "while", "switch"):
        return m.group(1)
    m = re.search(r"([\w$]+)\s*(?:=|:)\s*(?:async\s*)?(?:function\b|\()", sig)
    return m.group(1) if m else "at line %d" % first


def tracked_sources(root):
    out = subprocess.run(["git", "-C", root, "ls-files", "-z"], check=True,
                         capture_output=True).stdout.decode()
    exts = C_EXTS + JS_EXTS + PY_EXTS
    return sorted(p for p in out.split("\0") if p.endswith(exts))


def read_exempt(root):
    try:
        with open(os.path.join(root, EXEMPT_FILE), encoding="utf-8") as f:
            return {l.split("#")[0].strip() for l in f} - {""}
    except FileNotFoundError:
        return set()


def check_tree(root):
    exempt = read_exempt(root)
    offences = []
    for path in tracked_sources(root):
        if path in exempt:
            continue
        try:
            with open(os.path.join(root, path), encoding="utf-8",
                      errors="replace") as f:
                text = f.read()
        except FileNotFoundError:
            continue                    # deleted in the work tree
        offences += check_text(path, text)
    return offences


def main(argv):
    report_only = "--report" in argv
    args = [a for a in argv if a != "--report"]
    root = args[0] if args else "."
    offences = check_tree(root)
    for path, line, msg in offences:
        print("%s:%d: %s" % (path, line, msg))
    if offences:
        print("check_sizes: %d offence(s): split files and functions by "
              "concept (a table may be marked `size: table`)"
              % len(offences))
        return 0 if report_only else 1
    print("check_sizes: no file over %d lines, no function over %d"
          % (MAX_FILE_LINES, MAX_FUNC_LINES))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
