"""The `workbench` command line: the TUI by default, and headless subcommands for scripts and CI.

- `main`: the `workbench` command itself, which picks the subcommand and is the one
  module that imports the UI, to launch it;
- `common`: what every subcommand shares (its messages on stderr, its argument parser);
- `run`: `workbench run`, one headless run;
- `preview`: `workbench preview`, the lifecycle actions and the checks;
- `test`: `workbench test`, the App's presets run headless for CI;
- `rounds`: `workbench test --watch`, a round of every preset after each save;
- `serve`: `workbench serve`, the TUI in a web browser.

Only `main` is imported with the package: each subcommand imports what it needs
when it runs, so `workbench run` never imports Textual.
"""

from __future__ import annotations

from .main import main

__all__ = ["main"]
