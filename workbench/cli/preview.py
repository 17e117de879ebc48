"""`workbench preview`: which lifecycle actions an App allows in a state, and the preflight checks.

Headless and light: it imports neither Textual nor the UI.
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

from ..display import safe_text
from ..lifecycle import Preview
from .common import USAGE_ERROR, ArgumentParser, say

if TYPE_CHECKING:
    from ..checks import CheckResult
    from ..lifecycle import ActionPreview

_CHECK_MARKS = {"error": "FAIL", "warning": "WARN", "info": "note"}


def _parser() -> ArgumentParser:
    parser = ArgumentParser(
        prog="workbench preview",
        description="Show what the platform would let you do with an App in a lifecycle state, "
        "and the workbench's preflight checks that stand in the way. Reads the App; changes nothing.",
    )
    parser.add_argument("app_dir", metavar="APP_DIR", help="the App folder (it holds main.py)")
    parser.add_argument(
        "--state",
        metavar="STATE",
        help="preview this state (CREATED, TESTING, PUBLISHED, HIDDEN, ERROR, REMOVED; any case) "
        "instead of the App's saved simulated state (default CREATED)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    return parser


def preview_json(result: Preview) -> str:
    """The preview as one JSON object: state, actions and checks."""
    data = {
        "state": result.state.value,
        "actions": [item.model_dump(mode="json") for item in result.actions],
        "checks": [item.model_dump(mode="json") for item in result.checks],
    }
    return json.dumps(data, indent=2, ensure_ascii=False)


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    """Columns padded to their widest cell; the last column is left unpadded."""
    rows = [[safe_text(cell) for cell in row] for row in rows]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header) - 1)]
    lines = []
    for row in [header, *rows]:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)] + [row[-1]]
        lines.append("  ".join(cells).rstrip())
    return lines


def _action_reason(item: ActionPreview) -> str:
    if item.refused_by is None:
        source = ""
    elif item.refused_by == "platform":
        source = "[platform] "
    else:
        source = f"[{item.refused_by}] "
    return f"{source}{item.reason}"


def _check_result(item: CheckResult) -> str:
    if item.ok:
        return "ok"
    if item.skipped:
        return "skipped"
    return _CHECK_MARKS[item.level]


def preview_text(result: Preview, app_dir: str, given: bool) -> str:
    """The preview as two aligned tables for people."""
    origin = "given with --state" if given else "simulated; saved in .workbench/lifecycle.json"
    lines = [f"App:   {safe_text(app_dir)}", f"State: {result.state.value} ({origin})", ""]
    rows = [
        [
            item.name,
            "yes" if item.allowed else "no",
            item.leads_to.value if item.leads_to else "-",
            "(assumed)" if item.assumed else "settled",
            _action_reason(item),
        ]
        for item in result.actions
    ]
    lines += _table(["ACTION", "ALLOWED", "LEADS TO", "RULE", "REASON"], rows)
    lines.append("")
    check_rows = [
        [check.name, _check_result(check), ", ".join(check.needed_for) or "-", check.detail]
        for check in result.checks
    ]
    lines += _table(["CHECK", "RESULT", "NEEDED FOR", "DETAIL"], check_rows)
    lines += [
        "",
        "RULE (assumed): the docs do not settle this rule; the workbench assumes it."
        " [platform]: refused by the platform's rule; [check:NAME]: refused by a failing workbench check.",
    ]
    return "\n".join(lines)


def command_preview(argv: list[str]) -> int:
    """Run `workbench preview`; returns the exit status (2 for a bad folder or state)."""
    options = _parser().parse_args(argv)
    from ..appdir import AppFolder, AppFolderError
    from ..lifecycle import LifecycleError, parse_state, preview

    try:
        state = parse_state(options.state) if options.state is not None else None
        app = AppFolder.open(options.app_dir)
        result = preview(app, state)
    except (AppFolderError, LifecycleError) as error:
        say(f"preview: {error}")
        return USAGE_ERROR
    except OSError as error:
        say(f"preview: {error.filename or options.app_dir}: {error.strerror or error}")
        return USAGE_ERROR
    text = preview_json(result) if options.json else preview_text(result, str(app.root), state is not None)
    try:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()
    except BrokenPipeError:
        pass
    return 0
