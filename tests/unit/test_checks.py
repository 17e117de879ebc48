"""Preflight checks, each against Apps that pass it and Apps that fail it."""

from __future__ import annotations

import ast
import textwrap
from datetime import datetime, timezone
from pathlib import Path

import pytest

from workbench.appcache import content_hash
from workbench.appdir import STATE_DIR, AppFolder
from workbench.checks import (
    check_argument_reads,
    check_arguments,
    check_deploy_upload,
    check_last_run,
    check_output_folders,
    check_requirements,
    check_system_folders,
    find_argument_reads,
    parse_main,
    run_checks,
)
from workbench.declared import save_declared
from workbench.history import RunHistory, new_run_id
from workbench.job import Job, JobSpec
from workbench.kwargs import ArgsMode
from workbench.records import OutputRecord, RunRecord
from workbench.status import RunStatus


class _Quiet:
    def on_stdout(self, data: bytes) -> None:
        pass

    def on_stderr(self, data: bytes) -> None:
        pass


def _run(app: AppFolder, **kwargs: str) -> RunRecord:
    return Job(app, JobSpec(kwargs=kwargs), _Quiet(), history=RunHistory(app.root)).run()


def _record(app: AppFolder, status: RunStatus, app_hash: str, *, outputs: list[str] = (), **extra) -> RunRecord:
    run_id = new_run_id()
    run_dir = RunHistory(app.root).create_run_dir(run_id)
    record = RunRecord(
        id=run_id, app_path=str(app.root), started_at=datetime.now(timezone.utc), status=status,
        args_mode=ArgsMode.STDIN, kwargs={}, output_dir=str(run_dir / "output"),
        stdout_log=str(run_dir / "stdout.log"), stderr_log=str(run_dir / "stderr.log"),
        interpreter="python", app_hash=app_hash,
        outputs=[OutputRecord(path=path, size=1, sha256="0" * 64) for path in outputs], **extra,
    )
    RunHistory(app.root).save(record)
    return record


# main.py -----------------------------------------------------------------------------------


def test_main_py_that_compiles(make_app) -> None:
    tree, check = parse_main(AppFolder.open(make_app("print('hi')\n")))
    assert check.ok and check.name == "main_py"
    assert isinstance(tree, ast.Module)


@pytest.mark.parametrize(
    ("source", "line"),
    [
        ("print('hi')\nx = (\n", 2),
        ("def f():\n    pass\n  y = 1\n", 3),  # IndentationError
        ("import os\n\n\nreturn 5\n", 4),  # found by the compiler, not the parser
        ("x = 1\nif x:\n\tpass\n        pass\n", 4),  # TabError
    ],
)
def test_main_py_with_a_syntax_error_names_the_line(make_app, source: str, line: int) -> None:
    tree, check = parse_main(AppFolder.open(make_app(source)))
    assert tree is None
    assert not check.ok and check.level == "error"
    assert f"main.py line {line}:" in check.detail
    assert "\n" not in check.detail


def test_main_py_with_null_bytes_or_a_bad_encoding_is_a_failure_not_a_traceback(make_app) -> None:
    root = make_app("x = 1\n")
    (root / "main.py").write_bytes(b"x = 1\x00\n")
    _, check = parse_main(AppFolder.open(root))
    assert not check.ok and "main.py" in check.detail
    (root / "main.py").write_bytes(b"# -*- coding: klingon -*-\nx = 1\n")
    _, check = parse_main(AppFolder.open(root))
    assert not check.ok and "main.py" in check.detail


def test_main_py_that_disappeared(make_app) -> None:
    root = make_app("x = 1\n")
    app = AppFolder.open(root)
    (root / "main.py").unlink()
    tree, check = parse_main(app)
    assert tree is None and not check.ok
    assert "no main.py" in check.detail


# requirements.txt --------------------------------------------------------------------------


def _requirements(make_app, text: str, **files: str):
    return check_requirements(AppFolder.open(make_app("x = 1\n", **{"requirements.txt": text}, **files)))


def test_no_requirements_is_fine(make_app) -> None:
    check = check_requirements(AppFolder.open(make_app("x = 1\n")))
    assert check.ok and "no requirements.txt" in check.detail


def test_a_well_kept_requirements_file(make_app) -> None:
    text = """\
        # data tools
        numpy>=1.26,<3

        pandas == 2.2.*   # pinned for the Node
        requests[socks]>=2 ; python_version >= "3.10"
        --index-url https://pypi.org/simple
        rich==13.7.1 --hash=sha256:4edbae314f59eb482f54e9e30bf00d33350aaa94f4bfcd4e9e3110e64d0d7222
        click \\
            >=8
        -e ./vendored
        """
    check = _requirements(make_app, text)
    assert check.ok, check.detail
    assert check.items == ["numpy", "pandas", "requests", "rich", "click"]
    assert "1 pip option" in check.detail
    assert "1 path/URL/editable line(s) not checked" in check.detail


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("numpy\n\n# fine so far\nnumpy=1.0\n", "line 4, column 6"),
        ("numpy\nfoo bar\n", "line 2"),
        (">=1.0\n", "line 1"),
        ("requests\n--no-such-option x\n", "line 2"),
        ("requests --index-url x\n", "line 1"),
        ("requests\n-r\n", "line 2"),
    ],
)
def test_the_first_bad_requirement_line_is_named(make_app, text: str, where: str) -> None:
    check = _requirements(make_app, text)
    assert not check.ok and check.level == "error"
    assert f"requirements.txt {where}" in check.detail
    assert "\n" not in check.detail


def test_a_single_equals_sign_gets_a_hint(make_app) -> None:
    check = _requirements(make_app, "flask=2.0\n")
    assert "write '=='" in check.detail
    check = check_requirements(AppFolder.open(make_app("x = 1\n", name="b", **{"requirements.txt": "flask==2.0 x\n"})))
    assert not check.ok and "write '=='" not in check.detail


def test_a_bad_line_after_a_continuation_reports_where_it_starts(make_app) -> None:
    check = _requirements(make_app, "numpy\nfoo \\\n  bar\n")
    assert "requirements.txt line 2" in check.detail


def test_nested_requirement_files_are_read_and_must_be_in_the_app(make_app, tmp_path: Path) -> None:
    check = _requirements(make_app, "-r base.txt\nrich\n", **{"base.txt": "numpy\nbad line here\n"})
    assert not check.ok
    assert "base.txt line 2" in check.detail
    (tmp_path / "outside.txt").write_text("numpy\n")
    root = make_app("x = 1\n", name="other", **{"requirements.txt": "-r ../outside.txt\n"})
    check = check_requirements(AppFolder.open(root))
    assert not check.ok and "line 1" in check.detail and "inside the App" in check.detail


def test_requirement_files_that_include_each_other_do_not_loop(make_app) -> None:
    check = _requirements(make_app, "-r a.txt\nrich\n", **{"a.txt": "-r requirements.txt\nnumpy\n"})
    assert check.ok
    assert sorted(check.items) == ["numpy", "rich"]


def test_requirements_that_are_not_text(make_app) -> None:
    root = make_app("x = 1\n")
    (root / "requirements.txt").write_bytes(b"numpy\n\xff\xfe\n")
    check = check_requirements(AppFolder.open(root))
    assert not check.ok and "not UTF-8" in check.detail


def test_requirements_that_is_a_folder(make_app) -> None:
    root = make_app("x = 1\n")
    (root / "requirements.txt").mkdir()
    check = check_requirements(AppFolder.open(root))
    assert not check.ok and "not a file" in check.detail


# keyword arguments -------------------------------------------------------------------------


def test_no_declared_arguments_is_fine(make_app) -> None:
    assert check_arguments(AppFolder.open(make_app("x = 1\n"))).ok


def test_valid_declared_arguments(make_app) -> None:
    root = make_app("x = 1\n")
    save_declared(root, {"message_string": "hi", "count": ""})
    check = check_arguments(AppFolder.open(root))
    assert check.ok and "message_string, count" in check.detail


def test_invalid_declared_arguments_use_the_run_rules(make_app) -> None:
    root = make_app("x = 1\n")
    save_declared(root, {"a b": "x", "long": "y" * 1025})
    check = check_arguments(AppFolder.open(root))
    assert not check.ok and check.level == "error"
    assert "'a b'" in check.detail and "whitespace" in check.detail
    assert "'long'" in check.detail and "1024" in check.detail
    assert len(check.items) == 2


def _reads(source: str) -> dict[str, tuple[int, str, bool]]:
    found = find_argument_reads(ast.parse(textwrap.dedent(source)))
    return {read.key: (read.line, read.how, read.has_default) for read in found.reads}


def test_reads_of_the_stdin_object_are_found() -> None:
    source = """\
        import json, sys
        kwargs = json.loads(sys.stdin.read() or "{}")
        a = kwargs["alpha"]
        b = kwargs.get("beta", "1")
        if "gamma" in kwargs:
            pass
        other = {"delta": 1}
        d = other["delta"]
        """
    assert _reads(source) == {
        "alpha": (3, "stdin JSON", False),
        "beta": (4, "stdin JSON", True),
        "gamma": (5, "stdin JSON", False),
    }


def test_reads_through_a_text_name_an_alias_a_function_and_json_load() -> None:
    source = """\
        import json
        from sys import stdin
        def main(args):
            return args["inside"]
        text = stdin.read()
        params = json.loads(text)
        args = params
        main(args)
        direct = json.load(sys.stdin)["whole"]
        """
    assert set(_reads(source)) == {"inside", "whole"}


def test_argparse_flags_are_reads() -> None:
    source = """\
        import argparse
        parser = argparse.ArgumentParser()
        parser.add_argument("-m", "--message_string", default="hi")
        parser.add_argument("--count")
        parser.add_argument("positional")
        """
    assert _reads(source) == {"message_string": (3, "argparse", True), "count": (4, "argparse", False)}


def test_using_the_whole_object_is_noticed() -> None:
    source = """\
        import json, sys
        kwargs = json.loads(sys.stdin.read())
        x = kwargs["a"]
        print(kwargs)
        """
    found = find_argument_reads(ast.parse(textwrap.dedent(source)))
    assert found.dynamic_line == 4
    found = find_argument_reads(ast.parse("import json, sys\nk = json.loads(sys.stdin.read())\nx = k['a']\n"))
    assert found.dynamic_line is None


def _argument_reads(make_app, source: str, declared: dict[str, str]):
    root = make_app(source)
    if declared:
        save_declared(root, declared)
    app = AppFolder.open(root)
    tree, _ = parse_main(app)
    return check_argument_reads(app, tree)


def test_a_key_read_but_not_declared_is_a_warning_with_the_line(make_app) -> None:
    source = "import json, sys\nkwargs = json.loads(sys.stdin.read())\n\nn = kwargs['count']\n"
    check = _argument_reads(make_app, source, {})
    assert not check.ok and check.level == "warning"
    assert "line 4" in check.detail and "'count'" in check.detail and "not declared" in check.detail


def test_a_key_declared_but_never_read_is_a_warning(make_app) -> None:
    source = "import json, sys\nkwargs = json.loads(sys.stdin.read())\nn = kwargs['count']\n"
    check = _argument_reads(make_app, source, {"count": "1", "unused": "x"})
    assert not check.ok and check.level == "warning"
    assert "'unused' is declared but main.py never reads it" in check.detail
    assert "'count'" not in check.detail


def test_declared_keys_are_not_called_unread_when_the_whole_object_is_used(make_app) -> None:
    source = "import json, sys\nkwargs = json.loads(sys.stdin.read())\nprint(kwargs)\n"
    check = _argument_reads(make_app, source, {"anything": "x"})
    assert check.ok, check.detail


def test_reads_matching_declarations_pass(make_app) -> None:
    source = "import json, sys\nkwargs = json.loads(sys.stdin.read())\nn = kwargs.get('count')\n"
    check = _argument_reads(make_app, source, {"count": "1"})
    assert check.ok and "count" in check.detail


def test_argument_reads_are_skipped_when_main_py_does_not_compile(make_app) -> None:
    app = AppFolder.open(make_app("x = (\n"))
    check = check_argument_reads(app, None)
    assert check.skipped and not check.ok and check.level == "info"
    assert "main_py" in check.detail


# the App folder and its runs ---------------------------------------------------------------


def test_system_folders(make_app) -> None:
    root = make_app("x = 1\n")
    assert check_system_folders(AppFolder.open(root)).ok
    (root / "output").mkdir()
    check = check_system_folders(AppFolder.open(root))
    assert not check.ok and check.level == "warning" and "output/" in check.detail


def test_last_run_without_runs(make_app) -> None:
    app = AppFolder.open(make_app("x = 1\n"))
    check = next(check for check in run_checks(app) if check.name == "last_run")
    assert check.name == "last_run"
    assert not check.ok and check.level == "error"
    assert "no run of the current contents" in check.detail and "workbench run" in check.detail
    assert not (app.root / STATE_DIR).exists()


def test_last_run_that_succeeded_then_went_stale(make_app) -> None:
    root = make_app("print('hi')\n")
    app = AppFolder.open(root)
    record = _run(app)
    check = check_last_run(app, RunHistory(root).records(), content_hash(app))
    assert check.ok and record.id in check.detail and "succeeded" in check.detail
    (root / "main.py").write_text("print('changed')\n")
    check = check_last_run(app, RunHistory(root).records(), content_hash(app))
    assert not check.ok
    assert "no run of the current contents yet (earlier runs were of other contents)" in check.detail


def test_last_run_that_failed(make_app) -> None:
    root = make_app("import sys\nsys.exit(3)\n")
    app = AppFolder.open(root)
    record = _run(app)
    check = check_last_run(app, RunHistory(root).records(), content_hash(app))
    assert not check.ok and check.level == "error"
    assert record.id in check.detail and "failed: exit code 3" in check.detail


def test_the_newest_run_of_the_current_contents_decides(make_app) -> None:
    app = AppFolder.open(make_app("x = 1\n"))
    current = content_hash(app)
    _record(app, RunStatus.SUCCEEDED, current)
    newest = _record(app, RunStatus.TIMED_OUT, current, message="timed out after 5 s")
    _record(app, RunStatus.SUCCEEDED, "other contents")  # an even newer run of other contents
    check = check_last_run(app, RunHistory(app.root).records(), current)
    assert not check.ok
    assert newest.id in check.detail and "timed_out: timed out after 5 s" in check.detail


def test_deploy_upload_lists_the_app_files_and_their_size(make_app) -> None:
    root = make_app("x = 1\n", **{"data__table.csv": "a,b\n" * 300, "requirements.txt": "numpy\n"})
    (root / "__pycache__").mkdir()
    (root / "__pycache__" / "main.cpython-311.pyc").write_bytes(b"x" * 100)
    _run(AppFolder.open(root))
    check = check_deploy_upload(AppFolder.open(root))
    assert check.ok and check.level == "info"
    assert check.detail == "3 files, 1.2 KiB: data/table.csv, main.py, requirements.txt"
    assert check.items == ["data/table.csv (1.2 KiB)", "main.py (6 B)", "requirements.txt (6 B)"]


def test_deploy_upload_of_many_files_is_shortened(make_app) -> None:
    files = {f"f{i}.txt": "x" for i in range(9)}
    check = check_deploy_upload(AppFolder.open(make_app("x = 1\n", **files)))
    assert check.detail.startswith("10 files, 15 B: f0.txt, f1.txt")
    assert check.detail.endswith(", +4 more")
    assert len(check.items) == 10


def test_a_nested_folder_in_the_last_runs_output_is_a_warning(make_app) -> None:
    source = """\
        import os
        os.makedirs("output/reports/daily", exist_ok=True)
        os.makedirs("output/empty", exist_ok=True)
        open("output/top.txt", "w").write("x")
        open("output/reports/daily/r.md", "w").write("x")
        """
    app = AppFolder.open(make_app(source))
    _run(app)
    check = check_output_folders(app, RunHistory(app.root).records())
    assert not check.ok and check.level == "warning"
    assert "output/empty/, output/reports/" in check.detail
    assert "only the entries directly inside output/" in check.detail


def test_flat_outputs_pass_and_only_the_last_run_counts(make_app) -> None:
    app = AppFolder.open(make_app("x = 1\n"))
    _record(app, RunStatus.SUCCEEDED, "h", outputs=["a/b.txt"])
    _record(app, RunStatus.SUCCEEDED, "h", outputs=["a.txt", "b.txt"])
    check = check_output_folders(app, RunHistory(app.root).records())
    assert check.ok and "2 files directly in output/" in check.detail
    assert check_output_folders(app, []).ok


def test_the_recorded_paths_still_tell_when_the_kept_output_is_gone(make_app) -> None:
    app = AppFolder.open(make_app("x = 1\n"))
    _record(app, RunStatus.SUCCEEDED, "h", outputs=["deep/file.txt"])
    check = check_output_folders(app, RunHistory(app.root).records())
    assert not check.ok and "output/deep/" in check.detail


def test_run_checks_order_and_one_line_details(make_app) -> None:
    root = make_app("x = (\n", **{"requirements.txt": "foo bar\n", "output__x.txt": "x"})
    checks = run_checks(AppFolder.open(root))
    assert [check.name for check in checks] == [
        "main_py", "requirements", "imports", "arguments", "arguments_read",
        "system_folders", "last_run", "deploy_upload", "output_folders", "outside_links",
    ]
    assert [check.ok for check in checks] == [False, False, True, True, False, False, False, True, True, True]
    for check in checks:
        assert check.detail and "\n" not in check.detail
