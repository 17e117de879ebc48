"""The Job draft on disk: what the editors left is read back; anything else gives a fresh draft."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workbench.appdir import STATE_DIR
from workbench.draft import DRAFT_FILE, DraftStore, JobDraft, load_draft, save_draft
from workbench.kwargs import ArgsMode


def test_a_saved_draft_reads_back_the_same(tmp_path: Path) -> None:
    draft = JobDraft(kwargs={"name": "ü", "n": ""}, args_mode=ArgsMode.ARGV, inputs=["/data/a b.txt"], timeout=2.5)
    save_draft(tmp_path, draft)
    saved = json.loads((tmp_path / STATE_DIR / DRAFT_FILE).read_text(encoding="utf-8"))
    assert saved == {"kwargs": {"name": "ü", "n": ""}, "args_mode": "argv", "inputs": ["/data/a b.txt"], "timeout": 2.5}
    assert load_draft(tmp_path) == draft


def test_missing_keys_take_their_defaults(tmp_path: Path) -> None:
    (tmp_path / STATE_DIR).mkdir()
    (tmp_path / STATE_DIR / DRAFT_FILE).write_text('{"kwargs": {"a": "1"}, "timeout": 3}')
    assert load_draft(tmp_path) == JobDraft(kwargs={"a": "1"}, timeout=3.0)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "not json",
        "[]",
        '{"kwargs": {"a": 1}}',
        '{"kwargs": ["a"]}',
        '{"args_mode": "both"}',
        '{"inputs": "a.txt"}',
        '{"inputs": [1]}',
        '{"timeout": "soon"}',
        '{"timeout": true}',
        '{"kwargs": {}, "extra": 1}',
    ],
)
def test_a_draft_that_is_not_one_gives_a_fresh_draft(tmp_path: Path, text: str) -> None:
    (tmp_path / STATE_DIR).mkdir()
    (tmp_path / STATE_DIR / DRAFT_FILE).write_text(text)
    assert load_draft(tmp_path) == JobDraft()


def test_a_draft_taken_whole_is_a_copy(tmp_path: Path) -> None:
    store = DraftStore(tmp_path)
    preset = JobDraft(kwargs={"a": "1"}, inputs=["/x"])
    store.replace(preset)
    store.update(kwargs={"a": "2"})
    store.draft.inputs.append("/y")
    assert preset == JobDraft(kwargs={"a": "1"}, inputs=["/x"])
    assert store.dirty
