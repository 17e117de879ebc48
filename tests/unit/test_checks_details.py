"""The preflight checks' messages in detail: main.py that does not compile or cannot be read, argument reads,
requirements lines, the deploy listing."""

from __future__ import annotations

import ast
import errno
import textwrap
from pathlib import Path

from workbench.appdir import AppFolder
from workbench.checks import (
    check_argument_reads,
    check_deploy_upload,
    check_requirements,
    find_argument_reads,
    parse_main,
    run_checks,
)
from workbench.declared import save_declared


def test_a_main_py_that_parses_but_does_not_compile_fails_with_the_reason(make_app) -> None:
    tree, check = parse_main(AppFolder.open(make_app("print('ok')\nreturn 1\n")))
    assert tree is None and not check.ok and check.level == "error"
    assert check.detail == "main.py line 2: 'return' outside function (SyntaxError); fix it and check again"


def argument_check(make_app, source: str, declared: dict[str, str] | None = None):
    root = make_app(source)
    if declared:
        save_declared(root, declared)
    app = AppFolder.open(root)
    tree, _ = parse_main(app)
    return check_argument_reads(app, tree)


def test_no_reads_and_no_declarations_pass_saying_so(make_app) -> None:
    check = argument_check(make_app, "print('no arguments')\n")
    assert check.ok and check.detail == "main.py reads no keyword arguments and none are declared"


def test_using_the_whole_object_with_nothing_declared_passes_naming_the_line(make_app) -> None:
    check = argument_check(make_app, "import json, sys\nk = json.loads(sys.stdin.read())\nprint(k)\n")
    assert check.ok and check.detail == "main.py uses the arguments object as a whole (line 3)"


def test_the_deploy_listing_names_six_files_then_counts_the_rest(make_app) -> None:
    files = {f"f{i}.py": "" for i in range(6)}
    six = AppFolder.open(make_app("", name="six", **files))  # main.py and f0..f5: seven files
    check = check_deploy_upload(six)
    assert check.detail == "7 files, 0 B: f0.py, f1.py, f2.py, f3.py, f4.py, f5.py, +1 more"
    assert len(check.items) == 7
    five = AppFolder.open(make_app("", name="five", **{f"f{i}.py": "" for i in range(5)}))
    assert check_deploy_upload(five).detail == "6 files, 0 B: f0.py, f1.py, f2.py, f3.py, f4.py, main.py"


def test_declared_keys_and_only_whole_object_use_pass_saying_so(make_app) -> None:
    source = "import json, sys\nk = json.loads(sys.stdin.read())\nprint(k)\n"
    check = argument_check(make_app, source, {"anything": "x"})
    assert check.ok
    assert check.detail == "every key main.py reads is declared (none by name); it also uses the whole object (line 3)"


# Reads found through names bound later in the tree's walk -------------------------------------


def reads(source: str) -> list[tuple[str, int]]:
    return [(read.key, read.line) for read in find_argument_reads(ast.parse(textwrap.dedent(source))).reads]


def test_an_alias_of_the_object_bound_in_a_function_is_followed() -> None:
    # The module's own lines come first in the walk; the function's binding is found after them.
    source = """\
        import json, sys
        def load():
            global args
            args = json.loads(sys.stdin.read())
        opts = args
        mode = opts["mode"]
        """
    assert reads(source) == [("mode", 6)]


def test_stdin_text_read_in_a_function_is_followed() -> None:
    source = """\
        import json, sys
        def read():
            global text
            text = sys.stdin.read()
        args = json.loads(text)
        mode = args["mode"]
        """
    assert reads(source) == [("mode", 6)]


def test_get_on_another_object_is_not_a_read() -> None:
    source = """\
        import json, os, sys
        args = json.loads(sys.stdin.read())
        home = os.environ.get("HOME")
        mode = args.get("mode")
        """
    assert reads(source) == [("mode", 4)]


def test_comparing_the_object_with_a_string_is_not_a_key_read_but_use_of_the_whole() -> None:
    source = """\
        import json, sys
        args = json.loads(sys.stdin.read())
        if "mode" == args:
            pass
        if "size" in args:
            pass
        """
    found = find_argument_reads(ast.parse(textwrap.dedent(source)))
    assert [(read.key, read.line) for read in found.reads] == [("size", 5)]
    assert found.dynamic_line == 3


# main.py that cannot be read or compiled ------------------------------------------------------


def test_a_main_py_that_cannot_be_read_says_why(make_app, monkeypatch) -> None:
    root = make_app("print('hi')\n")
    real = Path.read_bytes

    def refuse(path: Path) -> bytes:
        if path.name == "main.py":
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(Path, "read_bytes", refuse)
    tree, check = parse_main(AppFolder.open(root))
    assert tree is None and not check.ok and check.level == "error"
    assert check.detail == "main.py cannot be read (Permission denied)"


def test_main_py_compiles_as_the_node_runs_it_without_the_workbenchs_future_imports(make_app) -> None:
    # A walrus in an annotation is fine for `python main.py`, an error under `from __future__ import annotations`.
    tree, check = parse_main(AppFolder.open(make_app("def f() -> (x := 1):\n    pass\n")))
    assert tree is not None and check.ok, check.detail


def test_a_main_py_too_deep_to_compile_fails_naming_the_error(make_app) -> None:
    tree, check = parse_main(AppFolder.open(make_app("x = " + "-" * 200_000 + "1\n")))
    assert tree is None and not check.ok and check.level == "error"
    assert check.detail == "main.py does not compile: MemoryError"


def test_checks_that_ran_are_not_skipped(make_app) -> None:
    checks = run_checks(AppFolder.open(make_app("print('hi')\n")))
    assert checks and not any(check.skipped for check in checks)


# requirements.txt ----------------------------------------------------------------------------


def requirements_check(make_app, text: str):
    return check_requirements(AppFolder.open(make_app("x = 1\n", **{"requirements.txt": text})))


def test_paths_urls_and_editables_are_counted_apart_from_options_and_requirements(make_app) -> None:
    text = "./vendor/pkg\nhttps://example.com/w.whl\n-e ./local\n--index-url https://example.com/simple\n--pre\nrequests\n"
    check = requirements_check(make_app, text)
    assert check.ok
    assert check.detail == (
        "requirements.txt parses: 1 requirement (requests), 2 pip options, 3 path/URL/editable line(s) not checked"
    )


def test_an_option_after_a_requirement_ends_the_specifier(make_app) -> None:
    check = requirements_check(make_app, "requests==2.31 --hash sha256:0123abcd\n")
    assert check.ok and check.items == ["requests"]


def test_a_bad_requirement_is_named_with_its_column_and_the_parsers_reason(make_app) -> None:
    check = requirements_check(make_app, "requests\nfoo bar\n")
    assert not check.ok and check.level == "error"
    assert check.detail == (
        "requirements.txt line 2, column 5: 'foo bar' is not a requirement specifier"
        " (Expected semicolon (after name with no version specifier) or end); pip would refuse it"
    )


def test_a_requirements_file_that_cannot_be_read_says_why(make_app, monkeypatch) -> None:
    root = make_app("x = 1\n", **{"requirements.txt": "requests\n"})
    real = Path.read_text

    def refuse(path: Path, *args, **kwargs) -> str:
        if path.name == "requirements.txt":
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(Path, "read_text", refuse)
    check = check_requirements(AppFolder.open(root))
    assert not check.ok
    assert check.detail == "requirements.txt cannot be read (Permission denied); pip would refuse it"


def test_the_object_bound_to_a_name_that_held_the_stdin_text_is_use_of_the_whole() -> None:
    # `text` is tracked as the stdin text, not as the object: what it is used for next is not followed.
    source = """\
        import json, sys
        text = sys.stdin.read()
        args = json.loads(text)
        text = args
        """
    found = find_argument_reads(ast.parse(textwrap.dedent(source)))
    assert found.reads == [] and found.dynamic_line == 4
