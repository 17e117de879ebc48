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
from dataclasses import dataclass, field, fields
from datetime import datetime, timezone
from enum import Enum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .kwargs import ArgsMode
    from .node.findings import Finding
    from .status import RunStatus


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
    """What the models' users call: attributes, and `model_dump` in JSON mode."""

    _FLOATS: tuple[str, ...] = ()
    """Fields declared `float`: an int given there is kept as a float, as pydantic does."""
    _ORDER: tuple[str, ...] = ()
    """The model's fields in its order, which its JSON keeps (a dataclass puts the required ones first)."""

    def __post_init__(self) -> None:
        for name in self._FLOATS:
            value = getattr(self, name)
            if isinstance(value, int) and not isinstance(value, bool):
                setattr(self, name, float(value))

    def model_dump(self, *, mode: str = "json", exclude: Iterable[str] | None = None) -> dict[str, Any]:
        if mode != "json":
            raise ValueError("a plain record dumps in JSON mode only")
        left_out = set(exclude or ())
        names = self._ORDER or tuple(item.name for item in fields(self))  # type: ignore[arg-type]
        return {name: _json(getattr(self, name)) for name in names if name not in left_out}


class _Named(_Plain):
    """A file named by its path (see `records._Named`): `display` is set when the name is not UTF-8."""

    display: str | None

    def __post_init__(self) -> None:
        super().__post_init__()
        name: str = getattr(self, "name", None) or getattr(self, "path", None) or ""
        if self.display is None and any("\ud800" <= char <= "\udfff" for char in name):
            from .display import safe_text

            self.display = safe_text(name)


@dataclass
class StagedInputRecord(_Named):
    _ORDER = ("display", "name", "size", "sha256")

    name: str
    size: int
    sha256: str
    display: str | None = None


@dataclass
class OutputRecord(_Named):
    _ORDER = ("display", "path", "size", "sha256", "is_symlink", "link_target")

    path: str
    size: int
    sha256: str | None
    is_symlink: bool = False
    link_target: str | None = None
    display: str | None = None


@dataclass
class EnvironmentRecord(_Plain):
    _FLOATS = ("seconds",)

    path: str | None = None
    requirements_sha256: str | None = None
    reused: bool = False
    seconds: float = 0.0
    installer: str | None = None
    log: str | None = None
    python_version: str | None = None
    skipped: bool = False
    bare: bool = False


@dataclass
class FindingRecord(_Plain):
    code: str
    severity: str
    message: str


@dataclass
class NodeRecord(_Plain):
    verdict: str
    findings: list[FindingRecord] = field(default_factory=list)

    @classmethod
    def of(cls, findings: list[Finding]) -> NodeRecord:
        from .node.findings import verdict_of

        return cls(
            verdict=verdict_of(findings).value,
            findings=[FindingRecord(**item.as_dict()) for item in findings],
        )


@dataclass
class RunRecord(_Plain):
    _FLOATS = ("duration_seconds", "workbench_seconds")
    _ORDER = (
        "id", "app_path", "started_at", "ended_at", "duration_seconds", "workbench_seconds", "status", "exit_code",
        "message", "args_mode", "buffering", "kwargs", "inputs", "outputs", "output_count", "output_bytes",
        "outputs_not_kept", "output_dir", "stdout_log", "stderr_log",
        "stdout_lines", "stderr_lines", "interpreter", "environment", "app_hash", "peak_memory_bytes", "trigger",
        "preset", "ended_processes", "env_names", "node",
    )

    id: str
    app_path: str
    started_at: datetime
    status: RunStatus
    args_mode: ArgsMode
    kwargs: dict[str, str]
    output_dir: str
    stdout_log: str
    stderr_log: str
    interpreter: str
    app_hash: str
    ended_at: datetime | None = None
    duration_seconds: float | None = None
    workbench_seconds: float | None = None
    exit_code: int | None = None
    message: str | None = None
    buffering: str = "unbuffered"
    inputs: list[StagedInputRecord] = field(default_factory=list)
    outputs: list[OutputRecord] = field(default_factory=list)
    output_count: int | None = None
    output_bytes: int | None = None
    outputs_not_kept: str | None = None
    stdout_lines: int = 0
    stderr_lines: int = 0
    environment: EnvironmentRecord | None = None
    peak_memory_bytes: int | None = None
    trigger: str | None = None
    preset: str | None = None
    ended_processes: list[str] = field(default_factory=list)
    env_names: list[str] = field(default_factory=list)
    node: NodeRecord | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        self.kwargs = dict(self.kwargs)
        given: list[Any] = list(self.inputs)  # dicts, as a Job gathers them, or records
        self.inputs = [item if isinstance(item, StagedInputRecord) else StagedInputRecord(**item) for item in given]
        environment: Any = self.environment
        if isinstance(environment, dict):
            self.environment = EnvironmentRecord(**environment)
