"""Presets and the Job draft: a preset from what the editor holds, and the draft a preset describes."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import ValidationError

from ..draft import JobDraft
from .load import _field_text, _reason
from .model import DEFAULT_TIMEOUT, Expectations, Preset, PresetError


def _relative_input(app_root: Path, value: str) -> str:
    path = Path(value)
    if not path.is_absolute():
        return path.as_posix()
    return Path(os.path.relpath(path, app_root)).as_posix()


def preset_from_draft(app_root: Path, name: str, draft: JobDraft, keep: Preset | None = None) -> Preset:
    """A preset holding the draft's arguments and inputs; `keep`'s description and expectations carry over.

    Raises PresetError for a bad name or arguments the platform would refuse.
    """
    try:
        return Preset(
            name=name,
            description=keep.description if keep else "",
            kwargs=dict(draft.kwargs),
            inputs=[_relative_input(app_root, value) for value in draft.inputs],
            args_mode=draft.args_mode,
            timeout=draft.timeout if draft.timeout else (keep.timeout if keep else DEFAULT_TIMEOUT),
            expect=keep.expect if keep else Expectations(),
        )
    except ValidationError as error:
        first = error.errors()[0]
        raise PresetError(f"preset {name!r}: {_field_text(tuple(first['loc']))}: {_reason(first)}", preset=name) from None


def draft_from_preset(app_root: Path, preset: Preset) -> JobDraft:
    """The Job draft a preset describes (inputs as absolute paths, as the draft keeps them)."""
    return JobDraft(
        kwargs=dict(preset.kwargs),
        args_mode=preset.args_mode,
        inputs=[str(path) for path in preset.input_paths(app_root)],
        timeout=preset.timeout,
    )
