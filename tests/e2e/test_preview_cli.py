"""`workbench preview`: its JSON, its tables, its errors, and the sample Apps."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from workbench.appdir import STATE_DIR
from workbench.cli import main
from workbench.lifecycle import set_simulated_state

ACTIONS = ["edit", "start_testing", "run_job_as_author", "run_job_as_user", "publish", "hide", "unhide", "remove"]
CHECKS = [
    "main_py", "requirements", "imports", "arguments", "arguments_read",
    "system_folders", "last_run", "deploy_upload", "output_folders", "outside_links",
]
SAMPLES = ["concat", "crash", "echo", "outputs", "progress"]


def _json(capsys, *argv: str) -> dict:
    assert main(["preview", *argv, "--json"]) == 0
    out = capsys.readouterr().out
    return json.loads(out)  # exactly one object: anything else after it fails to parse


def test_json_has_the_documented_shape(capsys, make_app) -> None:
    data = _json(capsys, str(make_app("print('hi')\n")))
    assert set(data) == {"state", "actions", "checks"}
    assert data["state"] == "CREATED"
    assert [item["name"] for item in data["actions"]] == ACTIONS
    assert [item["name"] for item in data["checks"]] == CHECKS
    for item in data["actions"]:
        assert {"name", "allowed", "reason", "leads_to", "assumed"} <= set(item)
        assert isinstance(item["allowed"], bool) and isinstance(item["assumed"], bool)
        assert item["reason"]
        if not item["allowed"]:
            assert item["leads_to"] is None
            assert item["refused_by"] == "platform" or item["refused_by"].startswith("check:")
    for item in data["checks"]:
        assert {"name", "ok", "detail"} <= set(item)
        assert item["level"] in ("error", "warning", "info")


def test_json_for_a_given_state_in_any_case(capsys, make_app) -> None:
    data = _json(capsys, str(make_app("print('hi')\n")), "--state", "Published")
    assert data["state"] == "PUBLISHED"
    by_name = {item["name"]: item for item in data["actions"]}
    assert by_name["hide"] == {**by_name["hide"], "allowed": True, "leads_to": "HIDDEN", "assumed": True}
    assert by_name["edit"]["allowed"] is False and by_name["edit"]["refused_by"] == "platform"


def test_a_check_refusal_names_the_check(capsys, make_app) -> None:
    data = _json(capsys, str(make_app("x = (\n")), "--state", "testing")
    publish = next(item for item in data["actions"] if item["name"] == "publish")
    assert publish["allowed"] is False
    assert publish["refused_by"] == "check:main_py"
    assert "main_py" in publish["reason"] and "line 1" in publish["reason"]
    main_py = data["checks"][0]
    assert main_py["ok"] is False and "line 1" in main_py["detail"]


def test_the_saved_simulated_state_is_used(capsys, make_app) -> None:
    root = make_app("print('hi')\n")
    set_simulated_state(root, "HIDDEN")
    assert _json(capsys, str(root))["state"] == "HIDDEN"
    assert _json(capsys, str(root), "--state", "error")["state"] == "ERROR"
    assert _json(capsys, str(root))["state"] == "HIDDEN", "--state previews without saving"


def test_human_output_is_an_aligned_table(capsys, make_app) -> None:
    root = make_app("print('hi')\n")
    assert main(["preview", str(root), "--state", "testing"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == f"App:   {root}"
    assert lines[1] == "State: TESTING (given with --state)"
    header = next(line for line in lines if line.startswith("ACTION"))
    rows = lines[lines.index(header) + 1 : lines.index(header) + 1 + len(ACTIONS)]
    assert [row.split()[0] for row in rows] == ACTIONS
    # Every column starts at the same place on every row.
    for column in ("ALLOWED", "LEADS TO", "RULE", "REASON"):
        start = header.index(column)
        for row in rows:
            assert row[start - 2 : start] == "  " and row[start] != " ", (column, row)
    publish = next(row for row in rows if row.startswith("publish "))
    assert "(assumed)" in publish and "[check:last_run]" in publish
    start = next(row for row in rows if row.startswith("start_testing "))
    assert "[platform]" in start and "already in TESTING" in start
    check_header = next(line for line in lines if line.startswith("CHECK"))
    check_rows = lines[lines.index(check_header) + 1 : lines.index(check_header) + 1 + len(CHECKS)]
    assert [row.split()[0] for row in check_rows] == CHECKS
    last_run = next(row for row in check_rows if row.startswith("last_run "))
    assert "FAIL" in last_run and "publish" in last_run and "workbench run" in last_run


def _error(capsys, *argv: str) -> str:
    assert main(["preview", *argv]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("workbench: ")
    return lines[0]


def test_an_unknown_state_is_one_line_and_status_2(capsys, make_app) -> None:
    line = _error(capsys, str(make_app("print('hi')\n")), "--state", "LIVE")
    assert "unknown state 'LIVE'" in line and "CREATED" in line and "REMOVED" in line


def test_a_missing_folder_is_one_line_and_status_2(capsys, tmp_path: Path) -> None:
    line = _error(capsys, str(tmp_path / "nope"))
    assert "no such folder" in line


def test_a_file_instead_of_a_folder_is_one_line_and_status_2(capsys, tmp_path: Path) -> None:
    (tmp_path / "main.py").write_text("x = 1\n")
    line = _error(capsys, str(tmp_path / "main.py"))
    assert "is a file" in line


def test_a_folder_without_main_py_is_one_line_and_status_2(capsys, tmp_path: Path) -> None:
    line = _error(capsys, str(tmp_path))
    assert "no main.py" in line


@pytest.mark.parametrize(("argv", "expected"), [(["--colour"], "--colour"), ([], "APP_DIR"), (["--state"], "--state")])
def test_bad_options_are_one_line_and_status_2(capsys, make_app, argv: list[str], expected: str) -> None:
    app_dir = [str(make_app("x = 1\n"))] if argv else []
    with pytest.raises(SystemExit) as caught:
        main(["preview", *app_dir, *argv])
    assert caught.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("workbench: preview: ")
    assert expected in lines[0]


def test_a_syntax_error_is_a_check_not_a_traceback(capsys, make_app) -> None:
    assert main(["preview", str(make_app("def f(:\n"))]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    assert "main.py line 1:" in captured.out


def test_preview_does_not_import_textual_or_write_to_the_app(make_app) -> None:
    root = make_app("print('hi')\n")
    code = (
        "import sys\n"
        "from workbench.cli import main\n"
        f"status = main(['preview', {str(root)!r}, '--json'])\n"
        "sys.exit(90 if any(m == 'textual' or m.startswith('textual.') for m in sys.modules) else status)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["state"] == "CREATED"
    assert not (root / STATE_DIR).exists()


def test_preview_through_the_installed_command(make_app) -> None:
    root = make_app("print('hi')\n")
    result = subprocess.run(
        [sys.executable, "-m", "workbench", "preview", str(root), "--state", "tesTING", "--json"],
        capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["state"] == "TESTING"


@pytest.mark.parametrize("name", SAMPLES)
def test_every_sample_app_gets_an_actionable_preview(capsys, sample_app, name: str) -> None:
    root = sample_app(name)
    data = _json(capsys, str(root))
    checks = {item["name"]: item for item in data["checks"]}
    assert checks["main_py"]["ok"] and checks["requirements"]["ok"]
    # Never run yet: publishing waits for a run, and the detail says how to make one.
    assert not checks["last_run"]["ok"]
    assert f"workbench run {root}" in checks["last_run"]["detail"]
    assert "main.py" in checks["deploy_upload"]["detail"]
    testing = _json(capsys, str(root), "--state", "TESTING")
    publish = next(item for item in testing["actions"] if item["name"] == "publish")
    assert publish["refused_by"] == "check:last_run"
    assert main(["preview", str(root)]) == 0
    assert "ACTION" in capsys.readouterr().out
    assert not (root / STATE_DIR).exists()


@pytest.mark.parametrize(
    ("name", "key"),
    [("crash", "count"), ("echo", "message_string"), ("progress", "steps")],
)
def test_sample_apps_that_read_arguments_are_told_to_declare_them(capsys, sample_app, name: str, key: str) -> None:
    checks = {item["name"]: item for item in _json(capsys, str(sample_app(name)))["checks"]}
    reads = checks["arguments_read"]
    assert not reads["ok"] and reads["level"] == "warning"
    assert repr(key) in reads["detail"] and "not declared" in reads["detail"]


def test_the_outputs_samples_nested_folder_blocks_publish_as_a_node_would_fail_the_job(capsys, sample_app) -> None:
    root = sample_app("outputs")
    assert main(["run", str(root), "-q"]) == 0  # it succeeds here...
    capsys.readouterr()
    data = _json(capsys, str(root), "--state", "testing")
    checks = {item["name"]: item for item in data["checks"]}
    last_run = checks["last_run"]  # ...but a Node's upload fails on the folder at the top of output/
    assert not last_run["ok"] and "on a Node: would fail" in last_run["detail"]
    assert "output_folder (output/reports/ is a folder" in last_run["detail"]
    assert not checks["output_folders"]["ok"] and "output/reports/" in checks["output_folders"]["detail"]
    publish = next(item for item in data["actions"] if item["name"] == "publish")
    assert not publish["allowed"] and publish["refused_by"] == "check:last_run"


def test_preview_reads_the_declared_arguments_not_the_job_draft(capsys, sample_app) -> None:
    from workbench.declared import save_declared
    from workbench.draft import JobDraft, save_draft

    root = sample_app("echo")
    save_draft(root, JobDraft(kwargs={"bad name": "typed in the editor"}))  # the next Job, not a declaration
    checks = {item["name"]: item for item in _json(capsys, str(root))["checks"]}
    assert checks["arguments"]["ok"] and "no keyword arguments declared" in checks["arguments"]["detail"]
    assert not checks["arguments_read"]["ok"]
    save_declared(root, {"message_string": "Hello InfraX!"})
    checks = {item["name"]: item for item in _json(capsys, str(root))["checks"]}
    assert checks["arguments"]["ok"] and "message_string" in checks["arguments"]["detail"]
    assert checks["arguments_read"]["ok"]
    assert "arguments.toml" not in checks["deploy_upload"]["detail"]
