"""Golden copies: what accepting a run's outputs would change, and accepting them."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ..appdir import GOLDEN_DIR
from ..records import RunRecord
from .judge import text_diff
from .model import GoldenFile, Preset
from .write import set_golden_entries


@dataclass(frozen=True)
class GoldenChange:
    """What accepting a run's outputs does to one golden copy."""

    path: str
    """Path relative to `output/` (and to `golden/PRESET/`)."""
    kind: Literal["new", "changed", "unchanged", "missing"]
    """`missing`: the preset lists it but the run did not write it; accepting leaves it alone."""
    match: Literal["exact", "json"]
    diff: tuple[str, ...] = ()


def golden_candidates(preset: Preset, record: RunRecord) -> list[GoldenFile]:
    """The files accepting would cover: the preset's golden list, or every regular output file when it has none."""
    if preset.expect.golden:
        return list(preset.expect.golden)
    return [
        GoldenFile(path=item.path, match="json" if item.path.lower().endswith(".json") else "exact")
        for item in record.outputs
        if not item.is_symlink
    ]


def golden_changes(preset: Preset, record: RunRecord, app_root: Path) -> list[GoldenChange]:
    """What accepting `record`'s outputs as golden copies would change, with a diff for each changed file."""
    changes = []
    golden_dir = preset.golden_dir(app_root)
    output_dir = Path(record.output_dir)
    for item in golden_candidates(preset, record):
        output = output_dir / item.path
        golden = golden_dir / item.path
        golden_label = f"{GOLDEN_DIR}/{preset.name}/{item.path}"
        if output.is_symlink() or not output.is_file():
            changes.append(GoldenChange(item.path, "missing", item.match))
            continue
        got = output.read_bytes()
        if not golden.is_file():
            changes.append(
                GoldenChange(
                    item.path, "new", item.match, tuple(text_diff(b"", got, "/dev/null", f"output/{item.path}"))
                )
            )
            continue
        want = golden.read_bytes()
        if want == got:
            changes.append(GoldenChange(item.path, "unchanged", item.match))
        else:
            changes.append(
                GoldenChange(
                    item.path, "changed", item.match, tuple(text_diff(want, got, golden_label, f"output/{item.path}"))
                )
            )
    return changes


def accept_golden(preset: Preset, record: RunRecord, app_root: Path) -> list[GoldenChange]:
    """Copy `record`'s outputs over the preset's golden copies, listing new ones in the presets file.

    Returns the changes made (see `golden_changes`; show them to the author first).
    """
    changes = golden_changes(preset, record, app_root)
    golden_dir = preset.golden_dir(app_root)
    output_dir = Path(record.output_dir)
    for change in changes:
        if change.kind in ("new", "changed"):
            dest = golden_dir / change.path
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(output_dir / change.path, dest)
    if not preset.expect.golden:
        entries = [GoldenFile(path=c.path, match=c.match) for c in changes if c.kind != "missing"]
        if entries:
            set_golden_entries(app_root, preset.name, entries)
    return changes
