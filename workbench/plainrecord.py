"""A run's record without pydantic, for `workbench run`: the same fields, the same JSON.

Importing pydantic and building the record models (`workbench.records`) takes
about 90 ms, longer than a small App runs. `workbench run` ends as soon as the
record is saved, so it builds its record with these plain classes instead: each
mirrors one model of `workbench.records` field for field, in the same order,
with the same defaults, the same conversions (a dict becomes its nested record,
an int in a float field a float) and the same computed `display` of a name
that is not UTF-8; `model_dump(mode="json")` gives what pydantic's would, so the
history saves, indexes and reads it back as any other record.

`workbench.records` stays the one schema: tests compare every class here with
its model, field by field, and the JSON of whole runs.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone
from enum import Enum
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from .kwargs import ArgsMode
    from .node.findings import Finding
    from .status import RunStatus

_REQUIRED: Any = object()
"""The default of a field that has none: it must be given."""


def _json(value: Any) -> Any:
    """A value as pydantic's `model_dump(mode="json")` gives it."""
    if isinstance(value, _Plain):
        return value.model_dump(mode="json")
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        text = value.isoformat()
        return text[:-6] + "Z" if value.utcoffset() == timezone.utc.utcoffset(None) and text.endswith("+00:00") else text
    if isinstance(value, list | tuple):
        return [_json(item) for item in value]
    if isinstance(value, dict):
        return {key: _json(item) for key, item in value.items()}
    return value


class _Plain:
    """What the models' users call: attributes, and `model_dump` in JSON mode.

    Plain classes, not dataclasses: building a dataclass runs generated code at
    import, which here would cost more than the rest of this module.
    """

    FIELDS: ClassVar[dict[str, Any]] = {}
    """The model's fields in its order (which its JSON keeps), each with its default (`_REQUIRED`: none;
    a list default is copied for each record)."""
    FLOATS: ClassVar[tuple[str, ...]] = ()
    """Fields declared `float`: an int given there is kept as a float, as pydantic does."""

    def __init__(self, **values: Any) -> None:
        unknown = values.keys() - self.FIELDS.keys()
        if unknown:
            raise TypeError(f"{type(self).__name__}: unknown field(s) {sorted(unknown)}")  # extra="forbid"
        for name, default in self.FIELDS.items():
            if name in values:
                value = values[name]
            elif default is _REQUIRED:
                raise TypeError(f"{type(self).__name__}: {name} is required")
            else:
                value = list(default) if isinstance(default, list) else default
            if name in self.FLOATS and isinstance(value, int) and not isinstance(value, bool):
                value = float(value)
            setattr(self, name, value)

    def model_dump(self, *, mode: str = "json", exclude: Iterable[str] | None = None) -> dict[str, Any]:
        if mode != "json":
            raise ValueError("a plain record dumps in JSON mode only")
        left_out = set(exclude or ())
        return {name: _json(getattr(self, name)) for name in self.FIELDS if name not in left_out}


class _Named(_Plain):
    """A file named by its path (see `records._Named`): `display` is set when the name is not UTF-8."""

    display: str | None

    def __init__(self, **values: Any) -> None:
        super().__init__(**values)
        name: str = getattr(self, "name", None) or getattr(self, "path", None) or ""
        if self.display is None and any("\ud800" <= char <= "\udfff" for char in name):
            from .display import safe_text

            self.display = safe_text(name)


class StagedInputRecord(_Named):
    FIELDS = {"display": None, "name": _REQUIRED, "size": _REQUIRED, "sha256": _REQUIRED}
    name: str
    size: int
    sha256: str


class OutputRecord(_Named):
    FIELDS = {
        "display": None, "path": _REQUIRED, "size": _REQUIRED, "sha256": _REQUIRED, "is_symlink": False,
        "link_target": None,
    }
    path: str
    size: int
    sha256: str | None
    is_symlink: bool
    link_target: str | None


class EnvironmentRecord(_Plain):
    FIELDS = {
        "path": None, "requirements_sha256": None, "reused": False, "seconds": 0.0, "installer": None, "log": None,
        "python_version": None, "skipped": False, "bare": False,
    }
    FLOATS = ("seconds",)
    path: str | None
    requirements_sha256: str | None
    reused: bool
    seconds: float
    installer: str | None
    log: str | None
    python_version: str | None
    skipped: bool
    bare: bool


class FindingRecord(_Plain):
    FIELDS = {"code": _REQUIRED, "severity": _REQUIRED, "message": _REQUIRED}
    code: str
    severity: str
    message: str


class NodeRecord(_Plain):
    FIELDS = {"verdict": _REQUIRED, "findings": []}
    verdict: str
    findings: list[FindingRecord]

    @classmethod
    def of(cls, findings: list[Finding]) -> NodeRecord:
        from .node.findings import verdict_of

        return cls(
            verdict=verdict_of(findings).value,
            findings=[FindingRecord(**item.as_dict()) for item in findings],
        )


class RunRecord(_Plain):
    FIELDS = {
        "id": _REQUIRED, "app_path": _REQUIRED, "started_at": _REQUIRED, "ended_at": None, "duration_seconds": None,
        "workbench_seconds": None, "status": _REQUIRED, "exit_code": None, "message": None, "args_mode": _REQUIRED,
        "buffering": "unbuffered", "kwargs": _REQUIRED, "inputs": [], "outputs": [], "output_count": None,
        "output_bytes": None, "outputs_not_kept": None, "output_dir": _REQUIRED, "stdout_log": _REQUIRED,
        "stderr_log": _REQUIRED, "stdout_lines": 0, "stderr_lines": 0, "interpreter": _REQUIRED, "environment": None,
        "app_hash": _REQUIRED, "peak_memory_bytes": None, "trigger": None, "preset": None, "ended_processes": [],
        "env_names": [], "node": None,
    }
    FLOATS = ("duration_seconds", "workbench_seconds")
    id: str
    app_path: str
    started_at: datetime
    ended_at: datetime | None
    duration_seconds: float | None
    workbench_seconds: float | None
    status: RunStatus
    exit_code: int | None
    message: str | None
    args_mode: ArgsMode
    buffering: str
    kwargs: dict[str, str]
    inputs: list[StagedInputRecord]
    outputs: list[OutputRecord]
    output_count: int | None
    output_bytes: int | None
    outputs_not_kept: str | None
    output_dir: str
    stdout_log: str
    stderr_log: str
    stdout_lines: int
    stderr_lines: int
    interpreter: str
    environment: EnvironmentRecord | None
    app_hash: str
    peak_memory_bytes: int | None
    trigger: str | None
    preset: str | None
    ended_processes: list[str]
    env_names: list[str]
    node: NodeRecord | None

    def __init__(self, **values: Any) -> None:
        super().__init__(**values)
        self.kwargs = dict(self.kwargs)
        given: list[Any] = list(self.inputs)  # dicts, as a Job gathers them, or records
        self.inputs = [item if isinstance(item, StagedInputRecord) else StagedInputRecord(**item) for item in given]
        environment: Any = self.environment
        if isinstance(environment, dict):
            self.environment = EnvironmentRecord(**environment)
