"""Staging: a fresh workspace for each run, as a Node prepares one, and collecting `output/`.

A workspace is a staged copy of the App kept between runs in the App's cache
folder (`workbench.appcache`), never inside the App folder: nothing a run does
there (even `../`) reaches the author's files, which are only ever read. Every
file is a copy of its own (a reflink where the file system has them, so a 500 MB
App costs no copy of its bytes there), never a hard link to the author's file.

Staging costs what changed, not the App's size:

- Each App has one staged copy per concurrent run (`slots/0/`, `slots/1/`, ...
  each claimed under a lock, so runs of `workbench test --jobs 4` never share
  one). A manifest beside each records what the workbench put there: each file's
  stat data as copied, its content's hash, the folders.
- Claiming a copy hashes the App by stat data (only changed files are read, see
  `workbench.appcache`), copies in what the App changed and removes what it no
  longer has; `input/` and `output/` start empty.
- After the run (its processes ended), the copy is walked once: the Node's
  comparison of the workspace before and after the run reads that walk
  (`check_workspace`), and every entry whose stat data is not the one recorded
  (a write, truncate, chmod, rename, new hard link: each moves the change time,
  which a program cannot set back) or that the workbench did not put there is
  removed (`discard_workspace`), and the copy marked checked. The next claim of
  a checked copy trusts its manifest; any other copy (the workbench was stopped
  mid-run, the walk found a folder it could not read, the run renamed the copy
  away) is walked again when claimed.

So a run never sees a previous run's writes, and a run of an unchanged App costs
one walk of stat calls over the App and one over its copy, never a copy or a
hash of every byte. The workbench ends every process a run leaves behind before
the walk; a process that escaped that (by leaving the run's process tree and its
tag) could still write to the copy after it was checked, and the next run would
see it: as everywhere, the App's code is trusted not to attack the workbench
(see docs/security.md).

Bounds: a slot other than the first that no run has used for 15 minutes is
deleted when another slot of the App is claimed; once an hour at most, a claim
deletes the caches of Apps whose folder is gone or that no run used for 30 days.
A run's `output/` is moved, not copied, into the history when both are on one
file system.
"""

from __future__ import annotations

from .files import StagingError
from .inputs import StagedFile, check_inputs
from .outputs import CollectedOutput, collect_outputs, keep_within_budget
from .workspace import Workspace, check_workspace, discard_workspace, stage_workspace, staged_workspace_paths

__all__ = [
    "CollectedOutput",
    "StagedFile",
    "StagingError",
    "Workspace",
    "check_inputs",
    "check_workspace",
    "collect_outputs",
    "discard_workspace",
    "keep_within_budget",
    "stage_workspace",
    "staged_workspace_paths",
]
