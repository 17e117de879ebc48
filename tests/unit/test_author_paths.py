"""Paths in a run's workspace shown as the App's own: `workbench.display.author_paths`."""

from __future__ import annotations

import os
from pathlib import Path

from workbench.display import author_paths
from workbench.ui.output_stream import OutputBuffer

WORKSPACE = "/tmp/workbench-stage-1000/app-0123456789abcdef/slots/0/app"
ROOT = "/home/me/my app"


def test_a_path_at_the_start_of_a_line_is_mapped() -> None:
    assert author_paths(f"{WORKSPACE}/main.py: error", WORKSPACE, ROOT) == f"{ROOT}/main.py: error"


def test_a_traceback_line_names_the_authors_file() -> None:
    line = f'  File "{WORKSPACE}/lib/helper.py", line 7, in parse'
    assert author_paths(line, WORKSPACE, ROOT) == f'  File "{ROOT}/lib/helper.py", line 7, in parse'


def test_every_occurrence_in_a_block_is_mapped() -> None:
    text = f"cwd={WORKSPACE}\nPYTHONPATH=/lib:{WORKSPACE}/src\n'{WORKSPACE}' {WORKSPACE}"
    assert author_paths(text, WORKSPACE, ROOT) == f"cwd={ROOT}\nPYTHONPATH=/lib:{ROOT}/src\n'{ROOT}' {ROOT}"


def test_partial_prefixes_are_not_mapped() -> None:
    for text in (
        f"{WORKSPACE}2/main.py",  # a longer name
        f"{WORKSPACE}.bak/main.py",
        f"{WORKSPACE}-old",
        f"/elsewhere{WORKSPACE}/main.py",  # the path further in a longer one
        WORKSPACE[:-1] + "/main.py",  # only the start of it
        "/tmp/workbench-stage-1000/app-0123456789abcdef/slots/1/app/main.py",  # another run's copy
    ):
        assert author_paths(text, WORKSPACE, ROOT) == text


def test_a_trailing_slash_on_the_workspace_changes_nothing() -> None:
    assert author_paths(f"{WORKSPACE}/main.py", WORKSPACE + "/", ROOT) == f"{ROOT}/main.py"


def test_text_without_the_workspace_is_returned_as_it_is() -> None:
    text = "nothing here /tmp/other"
    assert author_paths(text, WORKSPACE, ROOT) is text


def test_the_resolved_form_of_a_symlinked_workspace_is_mapped(tmp_path: Path) -> None:
    # macOS: the temporary folder is /tmp or /var/folders/..., which resolve to /private/...;
    # Python writes the resolved path (`os.getcwd()`) in its tracebacks.
    real = tmp_path / "private" / "tmp"
    (real / "ws").mkdir(parents=True)
    link = tmp_path / "tmp"
    link.symlink_to(real)
    workspace = link / "ws"
    resolved = os.path.realpath(workspace)
    assert resolved != str(workspace)
    text = f'File "{resolved}/main.py", line 1\nFile "{workspace}/main.py", line 2'
    assert author_paths(text, workspace, ROOT) == f'File "{ROOT}/main.py", line 1\nFile "{ROOT}/main.py", line 2'


def test_the_replacement_is_taken_literally() -> None:
    root = r"/home/me/\1 odd\g<0>"
    assert author_paths(f"{WORKSPACE}/main.py", WORKSPACE, root) == f"{root}/main.py"


def test_a_path_split_between_two_reads_is_mapped_once_the_line_is_whole() -> None:
    # The pane maps the buffer's lines, never raw chunks: the buffer joins a line's pieces first.
    buffer = OutputBuffer()
    line = f'  File "{WORKSPACE}/main.py", line 3\n'.encode()
    cut = line.index(b"slots") + 2
    buffer.on_stderr(line[:cut])
    assert buffer.drain().stderr == []  # the line is not finished: nothing to map yet
    buffer.on_stderr(line[cut:])
    drained = buffer.drain().stderr
    assert [author_paths(text, WORKSPACE, ROOT) for text in drained] == [f'  File "{ROOT}/main.py", line 3']
