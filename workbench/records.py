"""Run records: everything known about one run, as pydantic models saved as JSON.

The history that stores them and the file names live in `workbench.history`
(no pydantic there), the statuses in `workbench.status`.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, model_validator

from .kwargs import ArgsMode
from .status import RunStatus

if TYPE_CHECKING:
    from .node.findings import Finding


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Named(_Record):
    """A file named by its path, which on Linux is bytes and may not be UTF-8."""

    display: str | None = None
    """Set when the name is not valid UTF-8: the name as the workbench shows it (`bad\\xff.txt`).

    The name itself is kept losslessly: a byte that is not UTF-8 is the lone surrogate
    Python's `surrogateescape` reads it as, written in the JSON as its escape (`\\udcff`)."""

    @model_validator(mode="after")
    def _display_form(self) -> _Named:
        name: str = getattr(self, "name", None) or getattr(self, "path", None) or ""
        if self.display is None and any("\ud800" <= char <= "\udfff" for char in name):
            from .display import safe_text

            self.display = safe_text(name)
        return self


class StagedInputRecord(_Named):
    """One file placed in the run's `input/`."""

    name: str
    """Path relative to `input/`."""
    size: int
    sha256: str


class OutputRecord(_Named):
    """One entry the App left in `output/`."""

    path: str
    """Path relative to `output/`, with forward slashes."""
    size: int
    """Bytes of the file; for a symlink, the length of its target."""
    sha256: str | None
    """Of the file's contents; None for a symlink, which is never followed."""
    is_symlink: bool = False
    link_target: str | None = None
    """Where a symlink points, as written by the App."""


class EnvironmentRecord(_Record):
    """How the run's Python environment was provided (see `workbench.envs`)."""

    path: str | None = None
    """The environment's folder; None when the workbench's interpreter was used."""
    requirements_sha256: str | None = None
    """Hash of the requirements.txt the environment was built from."""
    reused: bool = False
    """True when an existing environment was reused without installing."""
    seconds: float = 0.0
    """Time spent checking, creating or installing the environment."""
    installer: str | None = None
    """`uv` or `pip`, when something was installed."""
    log: str | None = None
    """Path of the installer's full log, when something was installed."""
    python_version: str | None = None
    """The version of the Python the environment was made from (`3.11.7`)."""
    skipped: bool = False
    """True when the App ran without its environment (`--no-install`)."""
    bare: bool = False
    """True for a bare environment: the standard library only (an App without requirements.txt)."""


class FindingRecord(_Record):
    """One way the run would go differently on a Node (see `workbench.node.findings`)."""

    code: str
    """A stable code: `pipe_blocks`, `undecodable_output`, `output_folder`, ..."""
    severity: str
    """`warn`, `fail` or `hang`."""
    message: str
    """What happened, where, and what to change."""


class NodeRecord(_Record):
    """What a Node would have done with this same run."""

    verdict: str
    """`ok`, `warn`, `fail` or `hang`: the worst of the findings."""
    findings: list[FindingRecord] = []

    @classmethod
    def of(cls, findings: list[Finding]) -> NodeRecord:
        from .node.findings import verdict_of

        return cls(
            verdict=verdict_of(findings).value,
            findings=[FindingRecord(**item.as_dict()) for item in findings],
        )


class RunRecord(_Record):
    """Everything known about one run of an App."""

    id: str
    app_path: str
    started_at: datetime
    ended_at: datetime | None = None
    duration_seconds: float | None = None
    """Wall-clock time from the App's start to its end, as the Node records it."""
    workbench_seconds: float | None = None
    """The workbench's own time for the run: checking, hashing, staging, collecting, recording."""
    status: RunStatus
    exit_code: int | None = None
    """The App's exit status; negative when a signal ended it."""
    message: str | None = None
    """Why the run ended as it did, in one line (a timeout, an environment failure)."""
    args_mode: ArgsMode
    buffering: str = "unbuffered"
    """How the App's stdout was buffered: `unbuffered` or `flushed` (see `workbench.job.Buffering`)."""
    kwargs: dict[str, str]
    inputs: list[StagedInputRecord] = []
    outputs: list[OutputRecord] = []
    """Every entry the App left in `output/`, in path order. Saved in the run's `outputs.jsonl`,
    not in `record.json` (see `workbench.runindex`); empty when loaded without outputs."""
    output_count: int | None = None
    """How many entries `outputs` has (set when the record is saved)."""
    output_bytes: int | None = None
    """Their total size."""
    outputs_not_kept: str | None = None
    """When the outputs were over the history's budget: what was kept and what was not.
    Every output is still listed (path, size, sha256) in `outputs`."""
    output_dir: str
    """Absolute path of the kept copy of the run's `output/`."""
    stdout_log: str
    stderr_log: str
    stdout_lines: int = 0
    stderr_lines: int = 0
    interpreter: str
    """The Python that ran `main.py`."""
    environment: EnvironmentRecord | None = None
    app_hash: str
    """`appcache.content_hash(app)` of the App's files when the run started."""
    peak_memory_bytes: int | None = None
    """Peak resident memory of the App's process tree (sampled; see `workbench.proctree`)."""
    trigger: str | None = None
    """Why the run started: `manual`, `preset NAME`, `saved main.py`, ..."""
    preset: str | None = None
    ended_processes: list[str] = []
    """Processes the workbench ended after the App's main process ended (`pid 12 (python3 x.py)`):
    children left running in its tree, and escapees that still held its output pipes."""
    env_names: list[str] = []
    """The names of the variables the App was given (never their values)."""
    node: NodeRecord | None = None
    """The Node's verdict on the run; None when the App did not run."""
