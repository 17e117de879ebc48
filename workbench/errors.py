"""Errors shared by the core's packages (a leaf module: it imports nothing of the workbench)."""

from __future__ import annotations


class JobError(Exception):
    """A problem found before the App starts: nothing ran. The message says what to fix."""
