"""The App folder: no system folders of its own, a recent run, a deploy upload that fits, outputs in folders."""

from __future__ import annotations

import os
import shlex
from collections.abc import Iterable, Iterator
from pathlib import Path

from ..appdir import RUNS_DIR, STATE_DIR, AppFolder
from ..fsutil import human_size
from ..history import RunHistory
from ..node.findings import blocks_publish, describe_verdict
from ..records import RunRecord
from ..runindex import RunSummary
from ..status import RunStatus
from .result import CheckResult, _failed, _passed, _plural


def check_system_folders(app: AppFolder) -> CheckResult:
    """No `input/` or `output/` in the App: the platform wipes and recreates them for every Job."""
    name = "system_folders"
    found = app.warnings()
    if found:
        return _failed(name, "warning", "; ".join(found), items=found)
    return _passed(name, "no input/ or output/ folder in the App")


def check_outside_links(app: AppFolder) -> CheckResult:
    """No symlink in the App points outside its folder (its target would be copied and uploaded)."""
    name = "outside_links"
    links = app.outside_links()
    if not links:
        return _passed(name, "no symlink in the App points outside its folder")
    items = [f"{link} -> {target}" for link, target in links]
    first = items[0] + (f" and {len(items) - 1} more" if len(items) > 1 else "")
    return _failed(
        name,
        "warning",
        f"{_plural(len(items), 'symlink')} point outside the App ({first}): their targets' content is copied"
        " into every run and a deploy would upload it; copy the files in or remove the links",
        items=items,
    )


class StoredRuns:
    """The App's runs' summaries, newest first, read only as far as a check looks
    (the last-run check stops at the first run of the current contents)."""

    def __init__(self, app: AppFolder) -> None:
        # Without runs there is nothing to read; RunHistory.root would create .workbench/.
        has_runs = (app.root / STATE_DIR / RUNS_DIR).is_dir()
        self._source: Iterator[RunSummary] = RunHistory(app.root).iter_summaries() if has_runs else iter(())
        self._read: list[RunSummary] = []

    def __iter__(self) -> Iterator[RunSummary]:
        yield from self._read
        for summary in self._source:
            self._read.append(summary)
            yield summary

    def __bool__(self) -> bool:
        return next(iter(self), None) is not None


def stored_runs(app: AppFolder) -> StoredRuns:
    return StoredRuns(app)


def check_last_run(app: AppFolder, runs: Iterable[RunRecord | RunSummary], app_hash: str) -> CheckResult:
    """The most recent run of the App's current contents succeeded, with a Node verdict of ok or warn."""
    name = "last_run"
    record = next((run for run in runs if run.app_hash == app_hash), None)
    if record is None:
        older = " (earlier runs were of other contents)" if runs else ""
        return _failed(
            name, "error",
            f"no run of the current contents yet{older}: run it with `workbench run {shlex.quote(str(app.root))}`",
        )
    if record.status is RunStatus.SUCCEEDED:
        took = f" in {record.duration_seconds:.2f} s" if record.duration_seconds is not None else ""
        node = record.node
        if node is not None and blocks_publish(node.verdict):
            blocking = [item for item in node.findings if blocks_publish(item.severity)]
            return _failed(
                name, "error",
                f"the latest run of the current contents ({record.id}) succeeded here, but {describe_verdict(node.verdict)}:"
                f" {blocking[0].code} ({blocking[0].message}); fix it and run again",
                items=[f"{item.code}: {item.message}" for item in blocking],
            )
        verdict = f", {describe_verdict(node.verdict)}" if node is not None else ""
        return _passed(name, f"the latest run of the current contents ({record.id}) succeeded{took}{verdict}")
    why = f": {record.message}" if record.message else (
        f": exit code {record.exit_code}" if record.exit_code is not None else ""
    )
    return _failed(
        name, "error",
        f"the latest run of the current contents ({record.id}) {record.status.value}{why}; fix it and run again",
    )


def check_deploy_upload(app: AppFolder) -> CheckResult:
    """What a deploy would upload: the App's files and their total size."""
    name = "deploy_upload"
    files = app.files()
    total = sum(item.size for item in files)
    shown = ", ".join(item.path for item in files[:6])
    more = f", +{len(files) - 6} more" if len(files) > 6 else ""
    items = [f"{item.path} ({human_size(item.size)})" for item in files]
    return _passed(name, f"{_plural(len(files), 'file')}, {human_size(total)}: {shown}{more}", items=items)


def _top_level_folders(path: Path) -> set[str]:
    try:
        with os.scandir(path) as entries:
            return {entry.name for entry in entries if entry.is_dir(follow_symlinks=False)}
    except OSError:  # the kept copy was pruned or moved: the record's paths alone tell
        return set()


def _output_folders(record: RunRecord | RunSummary) -> list[str]:
    """Folders the run left directly inside output/, from its record (or summary) and its kept copy."""
    if isinstance(record, RunSummary):
        folders = set(record.output_folders)
    else:
        folders = {item.path.split("/", 1)[0] for item in record.outputs if "/" in item.path}
    kept = _top_level_folders(Path(record.output_dir)) if record.output_dir else set()
    return sorted(folders | kept)


def _output_count(record: RunRecord | RunSummary) -> int:
    return record.output_count if isinstance(record, RunSummary) else len(record.outputs)


def check_output_folders(app: AppFolder, runs: Iterable[RunRecord | RunSummary]) -> CheckResult:
    """The last run left no folder inside output/: the Node uploads only the entries directly inside it."""
    name = "output_folders"
    record = next(iter(runs), None)
    if record is None:
        return _passed(name, "no run yet to look at output/ (the Node uploads only its top-level entries)")
    folders = _output_folders(record)
    if folders:
        listed = ", ".join(f"output/{folder}/" for folder in folders)
        return _failed(
            name, "warning",
            f"the last run ({record.id}) wrote folder(s) {listed}: the Node uploads only the entries"
            " directly inside output/, so write files there (or an archive) instead",
            items=[f"output/{folder}/" for folder in folders],
        )
    return _passed(name, f"the last run ({record.id}) wrote {_plural(_output_count(record), 'file')} directly in output/")
