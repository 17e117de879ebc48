"""Node fidelity: the verdict a run gets, one App per finding code, and the App's built environment."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workbench.appdir import AppFolder
from workbench.environment import CurrentInterpreter
from workbench.job import Job, JobSpec
from workbench.node.findings import (
    CODES,
    Code,
    Severity,
    describe_verdict,
    finding,
    verdict_of,
)
from workbench.node.verdict import MissingModule, RunObservations, node_findings


class Keep:
    """A sink that keeps the App's output."""

    def __init__(self) -> None:
        self.stdout = bytearray()
        self.stderr = bytearray()

    def on_stdout(self, data: bytes) -> None:
        self.stdout += data

    def on_stderr(self, data: bytes) -> None:
        self.stderr += data


def run(app: Path, **spec):
    sink = Keep()
    record = Job(AppFolder.open(app), JobSpec(**spec), sink, environment=CurrentInterpreter()).run()
    return record, sink


def codes(record) -> list[str]:
    return [item.code for item in record.node.findings]


# --- the table and the verdict ----------------------------------------------------------------


def test_every_code_has_a_row_with_its_node_behaviour() -> None:
    assert set(CODES) == set(Code)
    assert {code.value for code in Code} == {
        "pipe_blocks", "timed_out", "undecodable_output", "output_folder", "output_symlink",
        "workspace_write", "undeclared_import", "interpreter", "environment",
    }
    for info in CODES.values():
        assert info.node and info.when


def test_the_verdict_is_the_worst_finding() -> None:
    assert verdict_of([]) is Severity.OK
    warn = finding(Code.WORKSPACE_WRITE, "w")
    fail = finding(Code.OUTPUT_FOLDER, "f")
    hang = finding(Code.PIPE_BLOCKS, "h")
    assert verdict_of([warn]) is Severity.WARN
    assert verdict_of([hang, warn, fail]) is Severity.HANG
    assert verdict_of([warn, fail]) is Severity.FAIL
    assert describe_verdict("hang") == "on a Node: would hang"


def test_a_clean_run_is_ok_with_no_findings(make_app) -> None:
    record, _ = run(make_app("print('hello')\nopen('output/a.txt', 'w').write('a')\n"))
    assert record.status == "succeeded"
    assert record.node.verdict == "ok" and record.node.findings == []


# --- timed_out ------------------------------------------------------------------------------


def test_a_run_the_timeout_ended_would_run_on_for_good_on_a_node(make_app) -> None:
    record, _ = run(make_app("import time\nprint('started', flush=True)\ntime.sleep(30)\n"), timeout=0.5)
    assert record.status == "timed_out"
    assert codes(record) == ["timed_out"] and record.node.verdict == "hang"
    (item,) = record.node.findings
    assert "after 0.5 s" in item.message and "a Node has no timeout" in item.message


def test_a_run_that_ends_within_its_timeout_has_no_timeout_finding(make_app) -> None:
    record, _ = run(make_app("print('quick')\n"), timeout=30)
    assert record.status == "succeeded" and record.node.findings == []


def test_workbench_run_says_a_timed_out_run_would_hang_on_a_node(make_app) -> None:
    from cli_helpers import own_lines

    done = _cli(make_app("import time\ntime.sleep(30)\n"), "--timeout", "0.5")
    assert done.returncode == 124
    lines = own_lines(done.stderr)
    assert lines[-3].startswith("workbench: timed_out (timed out after 0.5 s)")
    assert lines[-2] == "workbench: on a Node: would hang"
    assert lines[-1].startswith("workbench:   timed_out (hang): the App was still running after 0.5 s")


# --- pipe_blocks ----------------------------------------------------------------------------


@pytest.mark.parametrize("stream", ["stdout", "stderr"])
def test_60000_bytes_fit_a_nodes_pipe(make_app, stream) -> None:
    record, _ = run(make_app(f"import sys\nsys.{stream}.write('x' * 59_999 + '\\n')\n"))
    assert "pipe_blocks" not in codes(record)


@pytest.mark.parametrize("stream", ["stdout", "stderr"])
def test_70000_bytes_would_hang_a_node_and_the_message_says_where_and_when(make_app, stream) -> None:
    record, _ = run(make_app(f"import sys\nsys.{stream}.write('x' * 69_999 + '\\n')\n"))
    assert record.status == "succeeded"  # here the App ends...
    assert record.node.verdict == "hang"  # ...on a Node it would block on the full pipe for good
    [item] = [item for item in record.node.findings if item.code == "pipe_blocks"]
    assert item.severity == "hang"
    assert item.message.startswith(f"{stream}: 70,000 bytes written") and "65,536" in item.message
    assert " s into the run" in item.message


def test_the_second_the_limit_was_crossed_is_the_runs_own(make_app) -> None:
    app = make_app("import sys, time\nprint('x' * 1000, flush=True)\ntime.sleep(1.2)\nprint('y' * 70_000)\n")
    record, _ = run(app)
    [item] = [item for item in record.node.findings if item.code == "pipe_blocks"]
    seconds = float(item.message.split("passed ")[1].split(" s")[0])
    assert 1.0 <= seconds < 3.0


# --- undecodable_output ---------------------------------------------------------------------


def test_invalid_utf8_names_the_stream_and_the_first_bad_byte(make_app) -> None:
    record, _ = run(make_app("import sys\nsys.stderr.buffer.write(b'abc\\xc3\\xa9ok\\xffmore')\n"))
    [item] = record.node.findings
    assert (item.code, item.severity) == ("undecodable_output", "fail")
    assert item.message.startswith("stderr: not valid UTF-8 at byte 7")
    assert record.node.verdict == "fail"


def test_characters_split_between_reads_are_valid(make_app) -> None:
    # 'é' is two bytes; flushing after an odd number of bytes splits one between two reads.
    app = make_app(
        "import sys, time\n"
        "out = sys.stdout.buffer\n"
        "for _ in range(5):\n"
        "    out.write('aé'.encode() + b'\\xc3'); out.flush(); time.sleep(0.05)\n"
        "    out.write(b'\\xa9'); out.flush()\n"
    )
    record, sink = run(app)
    assert bytes(sink.stdout).decode("utf-8")
    assert record.node.verdict == "ok"


def test_output_ending_inside_a_character_is_invalid(make_app) -> None:
    record, _ = run(make_app("import sys\nsys.stdout.buffer.write(b'ok\\xe2\\x82')\n"))
    [item] = record.node.findings
    assert item.code == "undecodable_output" and "at byte 2" in item.message


# --- output_folder and output_symlink -------------------------------------------------------


def test_a_folder_at_the_top_of_output_fails_a_node_job(make_app) -> None:
    app = make_app("import os\nos.makedirs('output/charts')\nopen('output/charts/a.png', 'wb').write(b'x')\n")
    record, _ = run(app)
    [item] = record.node.findings
    assert (item.code, item.severity) == ("output_folder", "fail")
    assert "output/charts/" in item.message
    assert record.status == "succeeded" and record.node.verdict == "fail"


def test_a_symlink_in_output_is_a_warning_and_a_dangling_one_fails(make_app) -> None:
    app = make_app(
        "import os\n"
        "open('output/real.txt', 'w').write('x')\n"
        "os.symlink('real.txt', 'output/alias.txt')\n"
        "os.symlink('/nonexistent/file', 'output/broken')\n"
    )
    record, _ = run(app)
    found = {(item.code, item.severity, item.message.split(" ")[0]) for item in record.node.findings}
    assert found == {
        ("output_symlink", "warn", "output/alias.txt"),
        ("output_symlink", "fail", "output/broken"),
    }
    assert record.node.verdict == "fail"


# --- workspace_write --------------------------------------------------------------------------


def test_writes_beside_main_py_are_named_capped_and_counted(make_app) -> None:
    app = make_app(
        "import os\n"
        "open('helper.py', 'a').write('# changed\\n')\n"
        "os.remove('data.txt')\n"
        "os.makedirs('cache')\n"
        "for i in range(20):\n"
        "    open(f'cache/{i}.bin', 'w').write('x')\n"
        "for i in range(8):\n"
        "    open(f'log{i}.txt', 'w').write('x')\n"
        "open('input/ignored.txt', 'w').write('x')\n"  # input/ and output/ are wiped by a Node: not counted
        "open('output/result.txt', 'w').write('x')\n"
        "import helper\n",  # its __pycache__ is Python's own: not counted
        **{"helper.py": "X = 1\n", "data.txt": "d\n"},
    )
    record, _ = run(app)
    [item] = record.node.findings
    assert (item.code, item.severity) == ("workspace_write", "warn")
    assert item.message.startswith("11 path(s)")  # cache/ (one entry), 8 logs, helper.py, data.txt
    assert "+cache/" in item.message and "cache/1.bin" not in item.message
    assert "and 6 more" in item.message
    assert record.node.verdict == "warn"


def test_deleted_and_changed_files_are_marked(make_app) -> None:
    app = make_app("import os\nos.remove('data.txt')\nopen('main.py', 'a').write('#')\n", **{"data.txt": "d"})
    record, _ = run(app)
    [item] = record.node.findings
    assert "-data.txt" in item.message and "~main.py" in item.message


# --- undeclared_import ------------------------------------------------------------------------


def test_a_missing_module_names_the_module_and_the_line(make_app) -> None:
    app = make_app("import json\n\n\ndef load():\n    import not_installed_anywhere_xyz\n\n\nload()\n")
    record, _ = run(app)
    assert record.status == "failed"
    [item] = record.node.findings
    assert (item.code, item.severity) == ("undeclared_import", "fail")
    assert "'not_installed_anywhere_xyz'" in item.message and "(main.py line 5)" in item.message


def test_a_missing_module_the_app_handles_is_no_finding(make_app) -> None:
    app = make_app("try:\n    import not_installed_anywhere_xyz\nexcept ImportError:\n    pass\n")
    record, _ = run(app)
    assert record.status == "succeeded" and record.node.findings == []


def test_a_missing_module_the_requirements_provide_is_not_undeclared() -> None:
    missing = [MissingModule("six.moves.nothing", "main.py line 1")]
    observed = RunObservations(exit_code=1, missing=missing, provided=frozenset({"six"}))
    assert node_findings(observed) == []
    observed.provided = frozenset()
    assert [item.code for item in node_findings(observed)] == [Code.UNDECLARED_IMPORT]


# --- the App's environment ------------------------------------------------------------------


def test_the_app_sees_only_the_allowed_variables_and_its_own(make_app, monkeypatch) -> None:
    monkeypatch.setenv("WORKBENCH_TEST_SECRET", "hunter2")
    monkeypatch.setenv("PYTHONPATH", "/somewhere/of/the/authors")
    monkeypatch.setenv("VIRTUAL_ENV", "/the/authors/venv")
    monkeypatch.setenv("LC_TIME", "C")
    app = make_app(
        "import json, os\n"
        "print(json.dumps({'secret': os.environ.get('WORKBENCH_TEST_SECRET'), 'names': sorted(os.environ),"
        " 'path': os.environ.get('PYTHONPATH', ''), 'given': os.environ.get('API_URL')}))\n"
    )
    record, sink = run(app, env={"API_URL": "http://x=y"})
    seen = json.loads(bytes(sink.stdout))
    assert seen["secret"] is None
    assert "VIRTUAL_ENV" not in seen["names"] and "PYTHONHOME" not in seen["names"]
    assert "/somewhere/of/the/authors" not in seen["path"]
    assert seen["given"] == "http://x=y"
    assert {"PATH", "HOME", "LC_TIME", "API_URL"} <= set(seen["names"])
    assert sorted(record.env_names) == sorted(seen["names"])  # the names the App was given, no values
    assert "http://x=y" not in json.dumps(record.model_dump(mode="json")["env_names"])


def test_the_allow_list() -> None:
    from workbench.node.environment import (
        EnvironmentVariableError,
        app_variables,
        parse_variable,
    )

    env = app_variables(
        own={"PYTHONPATH": "/shim"},
        extra={"PYTHONPATH": "/mine", "X": "1"},
        source={"PATH": "/bin", "HOME": "/h", "LC_ALL": "C", "AWS_SECRET_ACCESS_KEY": "s", "PYTHONHOME": "/p"},
    )
    assert env == {"PATH": "/bin", "HOME": "/h", "LC_ALL": "C", "PYTHONPATH": "/shim:/mine", "X": "1"}
    assert parse_variable("A=b=c") == ("A", "b=c") and parse_variable("A=") == ("A", "")
    for bad in ("A", "=x", "1A=x", "A B=x"):
        with pytest.raises(EnvironmentVariableError):
            parse_variable(bad)


# --- the static import check ------------------------------------------------------------------


def test_imports_are_read_with_file_and_line_also_inside_functions() -> None:
    import ast

    from workbench.node.imports import imports_of

    source = (
        "import os, json as j\n"
        "from . import sibling\n"
        "from pkg.sub import thing\n"
        "def f():\n"
        "    import pydantic\n"
        "    class C:\n"
        "        from yaml import safe_load\n"
        "try:\n"
        "    import ujson\n"
        "except ImportError:\n"
        "    import simplejson\n"
        "if TYPE_CHECKING:\n"
        "    import typing_only\n"
        "from __future__ import annotations\n"
    )
    sites = imports_of(ast.parse(source), "lib/x.py")
    assert [(site.module, site.line) for site in sites] == [
        ("json", 1), ("os", 1), ("pkg.sub", 3), ("pydantic", 5), ("yaml", 7), ("simplejson", 11),
    ]
    assert sites[3].describe() == "lib/x.py line 5: import pydantic"


def test_undeclared_imports_are_those_nothing_provides() -> None:
    from workbench.node.imports import ImportSite, modules_from_names, undeclared

    sites = [ImportSite(name, "main.py", n) for n, name in enumerate(["json", "helpers", "yaml", "PIL", "six", "x"])]
    provided = modules_from_names(["PyYAML", "Pillow", "six"])
    flagged = undeclared(sites, stdlib=frozenset({"json"}), own=frozenset({"helpers"}), provided=provided)
    assert [site.module for site in flagged] == ["x"]


def test_the_check_flags_a_package_installed_beside_the_workbench(make_app) -> None:
    from workbench.checks import check_imports
    from workbench.lifecycle import State, preview

    app = AppFolder.open(make_app(
        "import json\nimport helpers\nfrom lib import tools\n\n\ndef main():\n    import pydantic\n",
        **{"helpers.py": "", "lib__tools.py": ""},
    ))
    check = check_imports(app, [])
    assert not check.ok and check.level == "error"
    assert "(pydantic)" in check.detail
    assert check.items == ["main.py line 7: import pydantic"]
    publish = next(item for item in preview(app, State.TESTING).actions if item.name == "publish")
    assert not publish.allowed and "imports" in publish.blocked_by


def test_the_check_passes_imports_the_requirements_name(make_app) -> None:
    from workbench.checks import check_imports

    app = AppFolder.open(make_app("import six\nimport yaml\n", **{"requirements.txt": "six\nPyYAML>=6\n"}))
    check = check_imports(app, [])
    assert check.ok and "names in requirements.txt" in check.detail


# --- presets ------------------------------------------------------------------------------------


def test_a_preset_fails_on_a_hang_verdict_unless_it_expects_it(make_app) -> None:
    from workbench.presets import PresetError, parse_presets, run_preset

    root = make_app("print('x' * 70_000)\n")
    app = AppFolder.open(root)
    presets = parse_presets(
        "[preset.plain]\n[preset.knows.expect]\nnode_verdict = 'hang'\n[preset.wrong.expect]\nnode_verdict = 'ok'\n",
        root,
    ).presets
    plain = run_preset(app, presets["plain"])
    assert not plain.passed
    [failure] = plain.failures
    assert failure.expectation == "node_verdict" and "on a Node: would hang" in failure.message
    assert any("pipe_blocks" in line for line in failure.detail)
    assert run_preset(app, presets["knows"]).passed
    wrong = run_preset(app, presets["wrong"])
    assert [item.expectation for item in wrong.failures] == ["node_verdict"]
    assert "expected 'ok'" in wrong.failures[0].message
    with pytest.raises(PresetError) as error:
        parse_presets("[preset.bad.expect]\nnode_verdict = 'maybe'\n", root)
    assert error.value.field is not None and "node_verdict" in error.value.field


# --- `workbench run` --------------------------------------------------------------------------


def _cli(*args, env: dict[str, str] | None = None):
    import subprocess
    import sys

    from cli_helpers import cli_env

    return subprocess.run(
        [sys.executable, "-m", "workbench", "run", *map(str, args)],
        capture_output=True, timeout=120, env={**cli_env(), **(env or {})}, check=False,
    )


def test_the_verdict_and_each_finding_follow_the_summary_on_stderr(make_app) -> None:
    from cli_helpers import own_lines

    done = _cli(make_app("import os\nprint('x' * 70_000)\nos.mkdir('output/d')\n"))
    assert done.returncode == 0
    lines = own_lines(done.stderr)
    assert lines[-4].startswith("workbench: succeeded")
    assert lines[-3] == "workbench: on a Node: would hang"
    assert lines[-2].startswith("workbench:   pipe_blocks (hang): stdout: 70,001 bytes written")
    assert lines[-1].startswith("workbench:   output_folder (fail): output/d/ is a folder")
    assert done.stdout == b"x" * 70_000 + b"\n"  # stdout is still exactly the App's


def test_node_strict_exits_3_only_when_the_app_exited_0_and_a_node_would_fail(make_app) -> None:
    hangs = make_app("print('x' * 70_000)\n", name="hangs")
    assert _cli(hangs, "--node-strict", "-q").returncode == 3
    assert _cli(hangs, "-q").returncode == 0
    fails_itself = make_app("import sys\nprint('x' * 70_000)\nsys.exit(5)\n", name="fails")
    assert _cli(fails_itself, "--node-strict", "-q").returncode == 5
    warns = make_app("open('cache.txt', 'w').write('x')\n", name="warns")
    assert _cli(warns, "--node-strict", "-q").returncode == 0


def test_a_variable_of_the_authors_environment_never_reaches_the_app(make_app, tmp_path) -> None:
    app = make_app("import os\nprint(os.environ.get('AUTHOR_TOKEN'), os.environ.get('GIVEN'))\n")
    record = tmp_path / "record.json"
    done = _cli(app, "--env", "GIVEN=yes", "--record", record, env={"AUTHOR_TOKEN": "s3cret"})
    assert done.stdout == b"None yes\n"
    names = json.loads(record.read_text())["env_names"]
    assert "GIVEN" in names and "AUTHOR_TOKEN" not in names
    assert "s3cret" not in record.read_text() and "yes" not in json.dumps(names)


def test_a_package_installed_beside_the_workbench_fails_as_on_a_node(make_app, tmp_path) -> None:
    import pydantic  # installed beside the workbench: the App must not see it

    assert pydantic
    app = make_app("import json\nimport pydantic\nprint('ran')\n")
    record = tmp_path / "record.json"
    done = _cli(app, "--record", record)
    assert done.returncode == 1 and b"ModuleNotFoundError: No module named 'pydantic'" in done.stderr
    node = json.loads(record.read_text())["node"]
    assert node["verdict"] == "fail"
    [item] = node["findings"]
    assert item["code"] == "undeclared_import" and "'pydantic'" in item["message"] and "main.py line 2" in item["message"]


@pytest.mark.skipif(
    __import__("workbench.envs", fromlist=["find_installer"]).find_installer().name != "uv",
    reason="builds a requirements environment with uv (pip install uv)",
)
def test_the_same_import_declared_in_requirements_passes(make_app, tmp_path) -> None:
    app = make_app("import six\nprint('six', six.__version__)\n", **{"requirements.txt": "six\n"})
    record = tmp_path / "record.json"
    done = _cli(app, "--record", record)
    assert done.returncode == 0 and done.stdout.startswith(b"six 1.")
    data = json.loads(record.read_text())
    assert data["node"] == {"verdict": "ok", "findings": []}
    assert not data["environment"]["bare"]
    from workbench.checks import check_imports
    from workbench.history import RunHistory

    check = check_imports(AppFolder.open(app), RunHistory(app).records())  # now from the installed environment
    assert check.ok and "installed environment" in check.detail


def test_the_first_bare_environment_is_made_and_then_reused(make_app, tmp_path) -> None:
    app = make_app("import sys\nprint(sys.prefix)\n")
    first, second = tmp_path / "1.json", tmp_path / "2.json"
    one = _cli(app, "--record", first)
    two = _cli(app, "--record", second)
    assert one.stdout == two.stdout and b"-bare-" in one.stdout
    env1, env2 = (json.loads(path.read_text())["environment"] for path in (first, second))
    assert env1["bare"] and not env1["reused"] and env2["reused"]
    assert env2["seconds"] < 0.02
    assert b"building" not in one.stderr  # made silently: it installs nothing


def test_a_bare_environment_has_pip_and_setuptools_as_a_nodes_venv_has(make_app) -> None:
    # `python3.11 -m venv` seeds them into every Node environment, requirements.txt or not.
    app = make_app("import pkg_resources, setuptools, pip, _distutils_hack\nprint(pip.__version__)\n")
    done = _cli(app)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() and b"on a Node: ok" in done.stderr
    from workbench.checks import check_imports

    assert check_imports(AppFolder.open(app), []).ok


def test_a_seeded_module_missing_here_is_not_called_undeclared() -> None:
    from workbench.node.python import VENV_SEEDED

    assert VENV_SEEDED == {"pip", "setuptools", "pkg_resources", "_distutils_hack"}
    observed = RunObservations(exit_code=1, provided=frozenset(), stdlib=frozenset({"os"}),
                               missing=[MissingModule("pkg_resources", "main.py line 1")])
    assert node_findings(observed) == []


def test_the_readme_holds_the_codes_table_as_the_code_has_it() -> None:
    from workbench.node.findings import codes_table

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert codes_table() in readme
