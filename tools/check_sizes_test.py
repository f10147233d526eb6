"""Unit tests of check_sizes.py, on small source strings."""
import os
import subprocess
import sys
import textwrap

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import check_sizes as cs  # noqa: E402


def body(n):
    """n lines of statements."""
    return "".join("    x += %d;\n" % i for i in range(n))


def c_func(name, total, sig="static int %s(int x)"):
    """A C function of exactly total lines (signature, {, body, })."""
    return (sig % name) + "\n{\n" + body(total - 3) + "}\n"


def offences(path, text):
    return [m for _, _, m in cs.check_text(path, text)]


# ---- C and C++ -----------------------------------------------------------

def test_c_function_over_the_limit_is_named():
    src = c_func("short_one", 80) + c_func("long_one", 81)
    assert offences("a.c", src) == [
        "function long_one has 81 lines (max 80)"]


def test_count_runs_from_the_first_signature_line_to_the_brace():
    src = "/* doc */\nstatic int\nf(int a,\n  int b)\n{\n    return a;\n}\n"
    assert cs.brace_functions(src) == [(2, 7)]


def test_comments_strings_and_chars_hide_their_braces():
    src = textwrap.dedent("""\
        // a { in a comment
        /* and } here { */
        int f(void)
        {
            const char *s = "}}{";
            char c = '{';
            return s[0] + c; // }
        }
        int g(void) { return '}'; }
        """)
    assert cs.brace_functions(src) == [(3, 8), (9, 9)]


def test_preprocessor_lines_are_not_code():
    src = textwrap.dedent("""\
        #define BLOCK(x) do { \\
                if (x) {      \\
            } while (0)
        int f(void) { return 1; }
        """)
    assert cs.brace_functions(src) == [(4, 4)]


def test_scopes_hold_functions_and_are_not_functions():
    src = textwrap.dedent("""\
        extern "C" {
        namespace a::b {
        struct S : public Base {
            int get() const override { return v_; }
            S(int v) : Base(v), v_{v}, w_(v)
            {
            }
            enum class E : int { one, two };
            int v_{0};
        };
        auto make(int x) -> std::vector<int>
        {
            return {x};
        }
        }
        }
        """)
    assert cs.brace_functions(src) == [(4, 4), (5, 7), (11, 14)]


def test_initializers_are_tables_not_functions():
    src = "static const int table[] = {\n" + "    1,\n" * 200 + "};\n" \
          "typedef struct {\n    int a;\n} pair;\n" \
          "struct pair p = { 1 };\n"
    assert cs.brace_functions(src) == []
    assert offences("t.c", src) == []


def test_struct_returning_function_is_a_function():
    src = "struct pair *make_pair(void)\n{\n    return 0;\n}\n"
    assert cs.brace_functions(src) == [(1, 4)]


def test_raw_strings_and_digit_separators():
    src = 'int f()\n{\n    auto s = R"x(})x";\n    return 1\'000;\n}\n' \
          'int g() { return 0; }\n'
    assert cs.brace_functions(src) == [(1, 5), (6, 6)]


def test_macro_wrapped_test_bodies_count():
    src = "TEST(Suite, Case)\n{\n" + body(90) + "}\n"
    assert offences("x_test.cc", src) == [
        "function TEST(Suite, Case) has 93 lines (max 80)"]


def test_operators_and_lambdas():
    src = textwrap.dedent("""\
        bool operator==(const A& a, const A& b) { return a.x == b.x; }
        A& A::operator=(const A& o) { x = o.x; return *this; }
        const auto kSquare = [](int v) {
            return v * v;
        };
        """)
    assert cs.brace_functions(src) == [(1, 1), (2, 2), (3, 5)]


def test_access_labels_are_not_part_of_the_signature():
    src = "class C {\npublic:\n    void f()\n    {\n    }\n};\n"
    assert cs.brace_functions(src) == [(3, 5)]


# ---- tables and files ----------------------------------------------------

def test_a_marked_table_is_exempt():
    src = "/* size: table */\n" + c_func("dispatch", 120)
    assert offences("a.c", src) == []


def test_the_mark_must_be_on_the_line_before():
    src = "/* size: table */\n\n" + c_func("dispatch", 120)
    assert offences("a.c", src) == ["function dispatch has 120 lines (max 80)"]


def test_file_length_limit():
    assert offences("a.h", "int x;\n" * 600) == []
    assert offences("a.h", "int x;\n" * 601) == [
        "file has 601 lines (max 600)"]


def test_marked_table_lines_do_not_count_towards_the_file():
    table = "// size: table\nstatic const int t[] = {\n" + "1,\n" * 100 \
            + "};\n"
    src = table + "int x;\n" * 550
    assert offences("a.c", src) == []
    assert offences("a.c", src.replace("size: table", "a table")) == [
        "file has 653 lines (max 600)"]


# ---- Python and JavaScript -----------------------------------------------

def py_func(name, total, indent=""):
    return (indent + "def %s():\n" % name
            + "".join(indent + "    x = %d\n" % i for i in range(total - 1)))


def test_python_functions_nested_ones_too():
    src = "class A:\n" + py_func("method", 81, "    ") + py_func("ok", 80)
    assert offences("a.py", src) == ["function method has 81 lines (max 80)"]
    nested = "def outer():\n" + py_func("inner", 85, "    ")
    assert [m.split(" has")[0] for m in offences("b.py", nested)] == [
        "function outer", "function inner"]


def test_python_marked_table():
    src = "# size: table\n" + py_func("table", 90)
    assert offences("a.py", src) == []


def test_python_that_does_not_parse_is_reported():
    assert offences("a.py", "def (:\n")[0].startswith("cannot parse")


def test_javascript_functions_arrows_and_methods():
    src = textwrap.dedent("""\
        const re = /[{]/g;
        const s = `a } ${1}`;
        function f(a) {
          return a;
        }
        const g = async (a) => {
          return a;
        };
        class K {
          m(x) {
            return x / 2;
          }
        }
        for (let i = 0; i < 2; i++) {
          f(i);
        }
        """)
    assert cs.brace_functions(src, js=True) == [(3, 5), (6, 8), (10, 12)]


# ---- the tree ------------------------------------------------------------

def git(root, *args):
    subprocess.run(["git", "-C", root] + list(args), check=True,
                   capture_output=True)


def test_tree_reads_tracked_sources_and_the_exempt_list(tmp_path):
    root = str(tmp_path)
    git(root, "init", "-q")
    (tmp_path / "big.c").write_text("int x;\n" * 700)
    (tmp_path / "gen.c").write_text("int y;\n" * 700)
    (tmp_path / "notes.txt").write_text("x\n" * 700)
    (tmp_path / "untracked.c").write_text("int z;\n" * 700)
    (tmp_path / "tools").mkdir()
    (tmp_path / "tools" / "check_sizes.exempt").write_text(
        "# generated\ngen.c\n")
    git(root, "add", "big.c", "gen.c", "notes.txt",
        "tools/check_sizes.exempt")
    found = cs.check_tree(root)
    assert [(p, m) for p, _, m in found] == [
        ("big.c", "file has 700 lines (max 600)")]
    assert cs.main([root]) == 1
    assert cs.main(["--report", root]) == 0
    (tmp_path / "big.c").write_text("int x;\n")
    assert cs.main([root]) == 0
