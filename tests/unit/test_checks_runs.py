"""The checks that read the App's runs and folder in detail: the last run's verdict, the imports a
run's environment provides, links that point outside the App, folders in output/."""

from __future__ import annotations

import hashlib
import json
import os
from datetime import datetime, timezone
from pathlib import Path

import pytest

from workbench.appcache import content_hash
from workbench.appdir import AppFolder
from workbench.checks import (
    check_imports,
    check_last_run,
    check_output_folders,
    check_outside_links,
    stored_runs,
)
from workbench.envs.store import MARKER, env_python
from workbench.history import RunHistory, new_run_id
from workbench.kwargs import ArgsMode
from workbench.records import EnvironmentRecord, FindingRecord, NodeRecord, OutputRecord, RunRecord
from workbench.status import RunStatus


def record(app: AppFolder, status: RunStatus = RunStatus.SUCCEEDED, app_hash: str | None = None, **extra) -> RunRecord:
    """A run of the App saved in its history, as the workbench would have recorded it."""
    run_id = new_run_id()
    run_dir = RunHistory(app.root).create_run_dir(run_id)
    run = RunRecord(
        id=run_id, app_path=str(app.root), started_at=datetime.now(timezone.utc), status=status,
        args_mode=ArgsMode.STDIN, kwargs={}, output_dir=str(run_dir / "output"),
        stdout_log=str(run_dir / "stdout.log"), stderr_log=str(run_dir / "stderr.log"),
        interpreter="python", app_hash=app_hash if app_hash is not None else content_hash(app), **extra,
    )
    RunHistory(app.root).save(run)
    return run


def last_run(app: AppFolder):
    return check_last_run(app, stored_runs(app), content_hash(app))


# the last run --------------------------------------------------------------------------------


def test_stored_runs_are_the_apps_records_newest_first(make_app) -> None:
    app = AppFolder.open(make_app("x = 1\n"))
    assert list(stored_runs(app)) == []
    first = record(app)
    second = record(app)
    assert [run.id for run in stored_runs(app)] == [second.id, first.id]


def test_stored_runs_read_lazily_are_the_same_each_time_they_are_gone_over(make_app) -> None:
    app = AppFolder.open(make_app("x = 1\n"))
    assert not stored_runs(app)
    first, second = record(app), record(app)
    runs = stored_runs(app)
    assert runs  # looks at the newest only...
    assert [run.id for run in runs] == [second.id, first.id]  # ...which is still there when all are read
    assert [run.id for run in runs] == [second.id, first.id]  # and again


def test_a_run_without_a_node_verdict_passes_with_its_time(make_app) -> None:
    app = AppFolder.open(make_app("x = 1\n"))
    run = record(app, duration_seconds=1.5)
    check = last_run(app)
    assert check.ok
    assert check.detail == f"the latest run of the current contents ({run.id}) succeeded in 1.50 s"


def test_a_run_whose_node_verdict_is_warn_passes_and_says_so(make_app) -> None:
    app = AppFolder.open(make_app("x = 1\n"))
    node = NodeRecord(verdict="warn", findings=[FindingRecord(code="cache_left", severity="warn", message="m")])
    run = record(app, node=node)
    check = last_run(app)
    assert check.ok
    assert check.detail == f"the latest run of the current contents ({run.id}) succeeded, on a Node: ok, with warnings"


def test_a_run_a_node_would_fail_fails_the_check_with_the_first_blocking_finding(make_app) -> None:
    app = AppFolder.open(make_app("x = 1\n"))
    node = NodeRecord(
        verdict="hang",
        findings=[
            FindingRecord(code="cache_left", severity="warn", message="a cache was left"),
            FindingRecord(code="stdin_wait", severity="hang", message="it waits for stdin"),
            FindingRecord(code="pipe_blocks", severity="fail", message="a pipe blocks"),
        ],
    )
    run = record(app, node=node)
    check = last_run(app)
    assert not check.ok and check.level == "error"
    assert check.detail == (
        f"the latest run of the current contents ({run.id}) succeeded here, but on a Node: would hang:"
        " stdin_wait (it waits for stdin); fix it and run again"
    )
    assert check.items == ["stdin_wait: it waits for stdin", "pipe_blocks: a pipe blocks"]


def test_a_failed_run_without_a_message_names_its_exit_code(make_app) -> None:
    app = AppFolder.open(make_app("x = 1\n"))
    run = record(app, RunStatus.FAILED, exit_code=4)
    check = last_run(app)
    assert not check.ok
    assert check.detail == f"the latest run of the current contents ({run.id}) failed: exit code 4; fix it and run again"
    bare = record(app, RunStatus.FAILED)
    assert last_run(app).detail == f"the latest run of the current contents ({bare.id}) failed; fix it and run again"


# output/ folders -------------------------------------------------------------------------------


def test_a_symlink_to_a_folder_in_the_kept_output_is_not_an_output_folder(make_app, tmp_path: Path) -> None:
    app = AppFolder.open(make_app("x = 1\n"))
    run = record(app, outputs=[OutputRecord(path="link", size=3, sha256=None)])
    kept = Path(run.output_dir)
    kept.mkdir(parents=True, exist_ok=True)
    (tmp_path / "elsewhere").mkdir()
    (kept / "link").symlink_to(tmp_path / "elsewhere")
    check = check_output_folders(app, stored_runs(app))
    assert check.ok, check.detail
    (kept / "real").mkdir()  # the control: a real folder in the kept output is one
    check = check_output_folders(app, stored_runs(app))
    assert not check.ok and check.items == ["output/real/"]


# links that point outside the App -----------------------------------------------------------------


def test_no_link_outside_passes(make_app) -> None:
    root = make_app("x = 1\n")
    os.symlink("main.py", root / "inside.py")
    check = check_outside_links(AppFolder.open(root))
    assert check.ok and check.detail == "no symlink in the App points outside its folder"


def test_one_link_outside_is_a_warning_naming_it(make_app, tmp_path: Path) -> None:
    root = make_app("x = 1\n")
    os.symlink(tmp_path / "secret.txt", root / "data.txt")
    check = check_outside_links(AppFolder.open(root))
    assert not check.ok and check.level == "warning"
    assert check.detail.startswith(f"1 symlink point outside the App (data.txt -> {tmp_path / 'secret.txt'}): ")
    assert check.items == [f"data.txt -> {tmp_path / 'secret.txt'}"]


@pytest.mark.parametrize("count", [2, 3])
def test_several_links_outside_name_the_first_and_count_the_others(make_app, tmp_path: Path, count: int) -> None:
    root = make_app("x = 1\n")
    for name in ("b.txt", "a.txt", "c.txt")[:count]:
        os.symlink(tmp_path / name, root / name)
    check = check_outside_links(AppFolder.open(root))
    assert not check.ok
    assert check.detail.startswith(
        f"{count} symlinks point outside the App (a.txt -> {tmp_path / 'a.txt'} and {count - 1} more): "
    )
    assert "a deploy would upload it" in check.detail
    assert len(check.items) == count


# imports ------------------------------------------------------------------------------------


def test_an_import_nothing_provides_fails_naming_the_module_and_the_line(make_app) -> None:
    app = AppFolder.open(make_app("import json\nimport no_such_module_xyz\n"))
    check = check_imports(app, [])
    assert not check.ok and check.level == "error"
    assert check.detail.startswith("1 import would fail on a Node (no_such_module_xyz): ")
    assert "(no requirements.txt)" in check.detail
    assert check.items == ["main.py line 2: import no_such_module_xyz"]


def test_without_requirements_the_standard_library_and_the_apps_modules_pass(make_app) -> None:
    app = AppFolder.open(make_app("import json\nimport helper\n", **{"helper.py": "X = 1\n"}))
    check = check_imports(app, [])
    assert check.ok
    assert check.detail == "2 modules imported, each from the standard library, the App or its requirements (no requirements.txt)"


def test_a_requirement_provides_its_module_by_name(make_app) -> None:
    app = AppFolder.open(make_app("import requests\n", **{"requirements.txt": "requests\n"}))
    check = check_imports(app, [])
    assert check.ok
    assert "(the names in requirements.txt (run the App once to check the installed ones))" in check.detail


def environment(app: AppFolder, tmp_path: Path, modules: list[str], *, complete: bool = True, **fields) -> EnvironmentRecord:
    """An installed environment whose marker lists the modules its distributions provide."""
    env = tmp_path / f"env-{len(list(tmp_path.glob('env-*')))}"
    env_python(env).parent.mkdir(parents=True)
    env_python(env).write_text("")
    if complete:
        (env / MARKER).write_text(json.dumps({"modules": modules}))
    sha = hashlib.sha256((app.root / "requirements.txt").read_bytes()).hexdigest()
    return EnvironmentRecord(**{"path": str(env), "requirements_sha256": sha, **fields})


def test_the_installed_environment_of_the_current_requirements_tells_which_modules_exist(make_app, tmp_path: Path) -> None:
    # The distribution's name (acme-widgets) is not its module's (widgetcore): only the environment knows.
    app = AppFolder.open(make_app("import widgetcore\n", **{"requirements.txt": "acme-widgets\n"}))
    assert not check_imports(app, []).ok
    record(app, environment=environment(app, tmp_path, ["widgetcore"]))
    check = check_imports(app, stored_runs(app))
    assert check.ok
    assert "(the App's installed environment)" in check.detail


def test_environments_that_do_not_tell_are_passed_over_for_an_older_one_that_does(make_app, tmp_path: Path) -> None:
    app = AppFolder.open(make_app("import widgetcore\n", **{"requirements.txt": "acme-widgets\n"}))
    record(app, environment=environment(app, tmp_path, ["widgetcore"]))  # the oldest: the one that tells
    record(app, environment=environment(app, tmp_path, ["other"], requirements_sha256="0" * 64))  # other requirements
    record(app, environment=environment(app, tmp_path, ["other"], bare=True))
    record(app, environment=environment(app, tmp_path, ["other"], complete=False))  # never finished
    record(app, environment=EnvironmentRecord(path=None))  # the workbench's own interpreter
    record(app)  # no environment recorded
    check = check_imports(app, stored_runs(app))
    assert check.ok, check.detail
    assert "(the App's installed environment)" in check.detail
