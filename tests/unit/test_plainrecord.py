"""The plain run record (`workbench run`'s, without pydantic) is the pydantic record, field for field and in JSON."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from pydantic_core import PydanticUndefined

from workbench import plainrecord, records
from workbench.kwargs import ArgsMode
from workbench.node.findings import Code, finding
from workbench.status import RunStatus

PAIRS = [
    (plainrecord.StagedInputRecord, records.StagedInputRecord),
    (plainrecord.OutputRecord, records.OutputRecord),
    (plainrecord.EnvironmentRecord, records.EnvironmentRecord),
    (plainrecord.FindingRecord, records.FindingRecord),
    (plainrecord.NodeRecord, records.NodeRecord),
    (plainrecord.RunRecord, records.RunRecord),
]


@pytest.mark.parametrize(("plain", "model"), PAIRS, ids=[model.__name__ for _, model in PAIRS])
def test_each_plain_class_has_its_models_fields_in_order_with_the_same_defaults(plain: Any, model: Any) -> None:
    assert tuple(plain.FIELDS) == tuple(model.model_fields)
    for name, default in plain.FIELDS.items():
        info = model.model_fields[name]
        if info.is_required():
            assert default is plainrecord._REQUIRED, name
            continue
        model_default = info.default_factory() if info.default is PydanticUndefined else info.default
        assert default == model_default, name
    floats = {name for name, info in model.model_fields.items() if "float" in str(info.annotation)}
    assert set(plain.FLOATS) == floats


def test_a_plain_record_refuses_unknown_and_missing_fields_as_the_model_does() -> None:
    with pytest.raises(TypeError, match="unknown"):
        plainrecord.FindingRecord(code="c", severity="warn", message="m", extra=1)
    with pytest.raises(TypeError, match="message is required"):
        plainrecord.FindingRecord(code="c", severity="warn")
    first, second = plainrecord.NodeRecord(verdict="ok"), plainrecord.NodeRecord(verdict="ok")
    first.findings.append(plainrecord.FindingRecord(code="c", severity="warn", message="m"))
    assert second.findings == []  # a list default is each record's own


START = datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=timezone.utc)


def _fields(**changes: Any) -> dict[str, Any]:
    fields: dict[str, Any] = dict(
        id="20260102-030405-123456-abcd",
        app_path="/apps/d\udcffemo",
        started_at=START,
        status=RunStatus.ERROR,
        args_mode=ArgsMode.ARGV,
        buffering="flushed",
        kwargs={"message_string": "Hello InfraX!", "ü": "€"},
        inputs=[{"name": "a b/é.txt", "size": 3, "sha256": "0" * 64}, {"name": "bad\udcff.txt", "size": 0, "sha256": "1" * 64}],
        output_dir="/apps/demo/.workbench/runs/x/output",
        stdout_log="/x/stdout.log",
        stderr_log="/x/stderr.log",
        interpreter="/usr/bin/python3.11",
        environment={"path": "/e", "reused": True, "seconds": 0, "python_version": "3.11.7", "bare": True},
        app_hash="f" * 64,
        trigger="workbench run",
        preset=None,
        env_names=["HOME", "PATH"],
    )
    fields.update(changes)
    return fields


def _finish(record: Any, module: Any) -> Any:
    """What a Job does to the record once the App has run, on either kind."""
    record.duration_seconds = 1.25
    record.exit_code = -9
    record.peak_memory_bytes = 12_345_678
    record.stdout_lines = 3
    record.stderr_lines = 1
    record.node = module.NodeRecord.of([
        finding(Code.PIPE_BLOCKS, "stdout: 70000 bytes"),
        finding(Code.WORKSPACE_WRITE, "cache.db"),
    ])
    record.outputs = [
        module.OutputRecord(path="result.txt", size=10, sha256="1" * 64),
        module.OutputRecord(path="link\udcfe", size=11, sha256=None, is_symlink=True, link_target="/etc/passwd"),
    ]
    record.ended_processes = ["pid 12 (python3 x.py)"]
    record.status = RunStatus.FAILED
    record.message = "killed by SIGKILL"
    record.ended_at = START + timedelta(seconds=2)
    return record


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"started_at": START.replace(microsecond=0)},
        {"started_at": START.astimezone(timezone(timedelta(hours=2)))},
        {"environment": None, "inputs": [], "kwargs": {}},
    ],
    ids=["utc", "whole-second", "offset", "empty"],
)
def test_a_plain_record_dumps_as_the_pydantic_one(changes: dict[str, Any]) -> None:
    plain = _finish(plainrecord.RunRecord(**_fields(**changes)), plainrecord)
    model = _finish(records.RunRecord(**_fields(**changes)), records)
    assert plain.model_dump(mode="json") == model.model_dump(mode="json")
    assert json.dumps(plain.model_dump(mode="json")) == json.dumps(model.model_dump(mode="json"))  # key order too
    assert plain.model_dump(mode="json", exclude={"outputs"}) == model.model_dump(mode="json", exclude={"outputs"})
    # and pydantic reads it back as its own
    assert records.RunRecord.model_validate(plain.model_dump(mode="json")).model_dump(mode="json") == model.model_dump(
        mode="json"
    )


def test_a_record_that_did_not_run_dumps_as_the_pydantic_one() -> None:
    plain = plainrecord.RunRecord(**_fields())
    model = records.RunRecord(**_fields())
    plain.message = model.message = "could not start"
    assert plain.model_dump(mode="json") == model.model_dump(mode="json")


def test_a_name_that_is_not_utf8_gets_its_display_form() -> None:
    output = plainrecord.OutputRecord(path="bad\udcff.txt", size=1, sha256=None)
    assert output.display == records.OutputRecord(path="bad\udcff.txt", size=1, sha256=None).display
    assert output.display is not None and "\udcff" not in output.display


def test_workbench_run_saves_the_record_pydantic_would_without_importing_it(make_app) -> None:
    import subprocess
    import sys

    from workbench.history import RunHistory, record_json
    from workbench.runindex import read_summary

    app = make_app(
        """
        import os, pathlib
        print("out")
        pathlib.Path("output/r\\udcff.txt".encode("utf-8", "surrogateescape").decode("utf-8", "surrogateescape")).write_text("x")
        os.symlink("/nowhere", "output/gone")
        raise SystemExit(4)
        """
    )
    code = (
        "import sys\n"
        "from workbench.cli import main\n"
        f"status = main(['run', {str(app)!r}, '-q', '-k', 'a=b', '--env', 'X=1'])\n"
        "sys.exit(90 if 'pydantic' in sys.modules else status)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 4, result.stderr
    history = RunHistory(app)
    (run_id,) = history.run_ids()
    text = (history.run_dir(run_id) / "record.json").read_text(encoding="utf-8")
    assert text == record_json(records.RunRecord.model_validate(json.loads(text)), outputs=False)
    model = history.load(run_id)
    assert model is not None
    summary = read_summary(history.run_dir(run_id))  # the index entry written from the plain record
    assert summary is not None and summary.node is not None and summary.node.verdict == "fail"
    assert (summary.exit_code, summary.output_count, summary.kwargs_count) == (4, 2, 1)
    assert model.exit_code == 4 and model.node is not None and model.node.verdict == "fail"
    assert model.kwargs == {"a": "b"} and "X" in model.env_names
    assert {item.path for item in model.outputs} == {"gone", "r\udcff.txt"}
    assert [item.display for item in model.outputs if item.path != "gone"] == ["r\\xff.txt"]
