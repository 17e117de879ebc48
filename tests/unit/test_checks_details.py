"""The preflight checks' messages in detail: main.py that parses but does not compile, arguments, the deploy listing."""

from __future__ import annotations

from workbench.appdir import AppFolder
from workbench.checks import check_argument_reads, check_deploy_upload, parse_main
from workbench.draft import JobDraft, save_draft


def test_a_main_py_that_parses_but_does_not_compile_fails_with_the_reason(make_app) -> None:
    tree, check = parse_main(AppFolder.open(make_app("print('ok')\nreturn 1\n")))
    assert tree is None and not check.ok and check.level == "error"
    assert check.detail == "main.py line 2: 'return' outside function (SyntaxError); fix it and check again"


def argument_check(make_app, source: str, declared: dict[str, str] | None = None):
    root = make_app(source)
    if declared:
        save_draft(root, JobDraft(kwargs=declared))
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
