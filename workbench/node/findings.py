"""The Node finding codes (one table) and the verdict a run's findings add up to.

A finding names one way a run here would go differently on a real Node. Its
code is stable (scripts and presets may match on it); its message says what
happened, where, and what to change. `CODES` is the one source of truth: the
README's table, the CLI and the UI all read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    """How a finding changes the Job on a Node, from harmless to worst."""

    OK = "ok"
    WARN = "warn"
    """The Job ends as here, but something differs or leaks (a symlink's target uploaded, a cache left)."""
    FAIL = "fail"
    """The Job fails on a Node (or its result is never reported)."""
    HANG = "hang"
    """The Job never ends on a Node: it has no timeout."""

    @property
    def rank(self) -> int:
        return _RANKS[self]


_RANKS = {Severity.OK: 0, Severity.WARN: 1, Severity.FAIL: 2, Severity.HANG: 3}

Verdict = Severity
"""A run's verdict is the worst severity among its findings (`ok` without any)."""


class Code(StrEnum):
    PIPE_BLOCKS = "pipe_blocks"
    TIMED_OUT = "timed_out"
    UNDECODABLE_OUTPUT = "undecodable_output"
    OUTPUT_FOLDER = "output_folder"
    OUTPUT_SYMLINK = "output_symlink"
    WORKSPACE_WRITE = "workspace_write"
    UNDECLARED_IMPORT = "undeclared_import"
    INTERPRETER = "interpreter"
    ENVIRONMENT = "environment"


@dataclass(frozen=True)
class CodeInfo:
    """One row of the table: a code, its severity and the Node behaviour that causes it."""

    code: Code
    severity: Severity
    """Its usual severity (`output_symlink` is `fail` when the link is dangling or points to a folder)."""
    when: str
    """When the workbench reports it."""
    node: str
    """What the Node software does that makes this matter."""
    worse: str | None = None
    """When the finding is worse than its usual severity, and how (`fail when ...`)."""

    @property
    def severity_text(self) -> str:
        return f"{self.severity.value} ({self.worse})" if self.worse else self.severity.value


PIPE_LIMIT = 65_536
"""Bytes a Linux pipe holds: the Node reads the App's pipes only after it exits."""

CODES: dict[Code, CodeInfo] = {
    info.code: info
    for info in (
        CodeInfo(
            Code.PIPE_BLOCKS, Severity.HANG,
            "more than 65,536 bytes were written to stdout, or to stderr, during the run",
            "starts the App with `stdout=PIPE, stderr=PIPE` and reads them only after the App has exited;"
            " a pipe holds 64 KiB, so the App blocks on its next write and the Job never ends",
        ),
        CodeInfo(
            Code.TIMED_OUT, Severity.HANG,
            "the workbench's timeout (`--timeout`, a preset's `timeout`) ended the App before it ended on its own",
            "has no timeout: it polls the App once a second until it exits, so a Job whose App does not end"
            " stays WORKING for good",
        ),
        CodeInfo(
            Code.UNDECODABLE_OUTPUT, Severity.FAIL,
            "stdout or stderr is not valid UTF-8",
            "decodes both streams as strict UTF-8 text after the run; invalid bytes raise there"
            " and the Job's result is never reported",
        ),
        CodeInfo(
            Code.OUTPUT_FOLDER, Severity.FAIL,
            "a folder at the top level of `output/`",
            "uploads each entry directly inside `output/` with `open(path, 'rb')`: a folder raises"
            " `IsADirectoryError` and fails the whole Job (no file is delivered)",
        ),
        CodeInfo(
            Code.OUTPUT_SYMLINK, Severity.WARN,
            "a symlink at the top level of `output/`",
            "opens each entry of `output/`, following symlinks: it uploads the target's bytes,"
            " and a dangling link (or one to a folder) fails the Job",
            worse="fail when it dangles or points to a folder",
        ),
        CodeInfo(
            Code.WORKSPACE_WRITE, Severity.WARN,
            "files created, changed or deleted in the App's folder outside `input/` and `output/`",
            "runs every Job in the same installed folder and wipes only `input/` and `output/`:"
            " anything else the App writes stays for the next Job, which may be another user's",
        ),
        CodeInfo(
            Code.UNDECLARED_IMPORT, Severity.FAIL,
            "the App failed with `ModuleNotFoundError`/`ImportError` for a module its requirements do not provide",
            "runs `.venv/bin/python main.py` in a fresh `python3.11 -m venv` holding only what"
            " `requirements.txt` installs: nothing of the author's machine",
        ),
        CodeInfo(
            Code.INTERPRETER, Severity.WARN,
            "the run's Python is not 3.11",
            "makes every App's environment with `python3.11 -m venv`",
        ),
        CodeInfo(
            Code.ENVIRONMENT, Severity.WARN,
            "`--no-install`: the App ran without its `requirements.txt` environment",
            "always installs `requirements.txt` (when present) into the App's own environment",
        ),
    )
}


@dataclass(frozen=True)
class Finding:
    """One way this run would go differently on a Node."""

    code: Code
    severity: Severity
    message: str
    """What happened, where, and what to change (one line)."""

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code.value, "severity": self.severity.value, "message": self.message}


def codes_table() -> str:
    """The table of codes as Markdown (the README holds this text; a test keeps the two equal)."""
    rows = ["| code | severity | when | what the Node does |", "| --- | --- | --- | --- |"]
    rows += [f"| `{info.code.value}` | {info.severity_text} | {info.when} | {info.node} |" for info in CODES.values()]
    return "\n".join(rows)


def finding(code: Code, message: str, severity: Severity | None = None) -> Finding:
    """A finding with its code's usual severity unless one is given."""
    return Finding(code, severity or CODES[code].severity, message)


def verdict_of(findings: list[Finding]) -> Severity:
    """The worst severity among the findings; `ok` when there are none."""
    return max((item.severity for item in findings), key=lambda severity: severity.rank, default=Severity.OK)


VERDICT_TEXT = {
    Severity.OK: "ok",
    Severity.WARN: "ok, with warnings",
    Severity.FAIL: "would fail",
    Severity.HANG: "would hang",
}
"""How a verdict reads after "on a Node:"."""


def describe_verdict(verdict: Severity | str) -> str:
    """`on a Node: would hang`."""
    return f"on a Node: {VERDICT_TEXT[Severity(verdict)]}"


def blocks_publish(verdict: Severity | str) -> bool:
    """Whether a run with this verdict stands in the way of publishing (`fail` or `hang`)."""
    return Severity(verdict).rank >= Severity.FAIL.rank
