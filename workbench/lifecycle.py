"""The App lifecycle: one table of what the platform allows in each state, and the preview.

`RULES` is the one place the workbench's knowledge of the platform's lifecycle
lives: for every state and action, whether the platform allows it, the state it
leads to, why, and whether the cell is settled by the docs or assumed by the
workbench. When the platform clarifies a transition, only that table changes.

`preview(app)` combines the table with the workbench's own preflight checks
(`workbench.checks`): an action the platform allows can still be blocked by a
failing check, and the result says which. The headless `workbench preview` and
the UI's lifecycle panel both show a `Preview`. The states, and reading the one
the author simulates (the TUI header's), live in `workbench.lifecycle_state`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from .appdir import AppFolder, ensure_state_dir
from .checks import CheckResult, run_checks
from .fsutil import atomic_write_text
from .lifecycle_state import LIFECYCLE_FILE, State, load_simulated_state


class Action(StrEnum):
    """Something an author or a user may try to do with an App."""

    EDIT = "edit"
    """Change the App's files or its keyword-argument declarations."""
    START_TESTING = "start_testing"
    RUN_JOB_AS_AUTHOR = "run_job_as_author"
    RUN_JOB_AS_USER = "run_job_as_user"
    PUBLISH = "publish"
    HIDE = "hide"
    UNHIDE = "unhide"
    REMOVE = "remove"


class LifecycleError(ValueError):
    """A state or action name the workbench does not know. The message lists the known ones."""


@dataclass(frozen=True)
class Rule:
    """One cell of the table: what the platform does with one action in one state."""

    allowed: bool
    leads_to: State | None
    """The state after the action; the same state for actions that change none; None when refused."""
    reason: str
    """Why, in one line, for the author."""
    assumed: bool
    """True when the platform's docs do not settle this cell and the workbench assumes it."""


def _yes(leads_to: State, reason: str, *, assumed: bool) -> Rule:
    return Rule(True, leads_to, reason, assumed)


def _no(reason: str, *, assumed: bool) -> Rule:
    return Rule(False, None, reason, assumed)


_S, _A = State, Action
_NOT_EDITABLE = "the docs: {} App is not editable by its author"
_ONLY_HIDDEN = "only a HIDDEN App can be unhidden"
_NO_STATE_DOC = "the docs do not say how an App leaves {}; the workbench assumes it cannot be {}"

RULES: dict[State, dict[Action, Rule]] = {
    _S.CREATED: {
        _A.EDIT: _yes(_S.CREATED, "an App is editable until it is published", assumed=True),
        _A.START_TESTING: _yes(_S.TESTING, "a created App is deployed for testing by its author", assumed=True),
        _A.RUN_JOB_AS_AUTHOR: _no(
            "a CREATED App is not deployed yet: start testing to create Jobs (locally: `workbench run`)",
            assumed=True,
        ),
        _A.RUN_JOB_AS_USER: _no(
            "the docs: only a PUBLISHED App is discoverable and open to every user's Jobs", assumed=False
        ),
        _A.PUBLISH: _no("an App is published after testing: start testing first", assumed=True),
        _A.HIDE: _no("only a PUBLISHED App is discoverable, so there is nothing to hide", assumed=True),
        _A.UNHIDE: _no(_ONLY_HIDDEN, assumed=False),
        _A.REMOVE: _yes(_S.REMOVED, "an author can remove an App at any point before removal", assumed=True),
    },
    _S.TESTING: {
        _A.EDIT: _yes(_S.TESTING, "an App is editable until it is published", assumed=True),
        _A.START_TESTING: _no("the App is already in TESTING", assumed=False),
        _A.RUN_JOB_AS_AUTHOR: _yes(
            _S.TESTING, "the docs: in TESTING the author sees the App and creates Jobs against it", assumed=False
        ),
        _A.RUN_JOB_AS_USER: _no(
            "the docs: in TESTING only the author sees the App and creates Jobs against it", assumed=False
        ),
        _A.PUBLISH: _yes(_S.PUBLISHED, "a tested App is published to every user", assumed=True),
        _A.HIDE: _no("only a PUBLISHED App is discoverable, so there is nothing to hide", assumed=True),
        _A.UNHIDE: _no(_ONLY_HIDDEN, assumed=False),
        _A.REMOVE: _yes(_S.REMOVED, "an author can remove an App at any point before removal", assumed=True),
    },
    _S.PUBLISHED: {
        _A.EDIT: _no(_NOT_EDITABLE.format("a PUBLISHED"), assumed=False),
        _A.START_TESTING: _no("a PUBLISHED App does not go back to TESTING", assumed=True),
        _A.RUN_JOB_AS_AUTHOR: _yes(
            _S.PUBLISHED, "the docs: any user, the author included, can create Jobs against a PUBLISHED App",
            assumed=False,
        ),
        _A.RUN_JOB_AS_USER: _yes(
            _S.PUBLISHED, "the docs: a PUBLISHED App is discoverable and any user can create Jobs", assumed=False
        ),
        _A.PUBLISH: _no("the App is already PUBLISHED", assumed=False),
        _A.HIDE: _yes(_S.HIDDEN, "a PUBLISHED App can be hidden from discovery", assumed=True),
        _A.UNHIDE: _no(_ONLY_HIDDEN, assumed=False),
        _A.REMOVE: _yes(_S.REMOVED, "an author can remove an App at any point before removal", assumed=True),
    },
    _S.HIDDEN: {
        _A.EDIT: _no(_NOT_EDITABLE.format("a HIDDEN"), assumed=False),
        _A.START_TESTING: _no("a HIDDEN App does not go back to TESTING", assumed=True),
        _A.RUN_JOB_AS_AUTHOR: _no("a HIDDEN App takes no new Jobs, not even its author's", assumed=True),
        _A.RUN_JOB_AS_USER: _no(
            "the docs: a HIDDEN App is not discoverable; the workbench assumes it takes no new Jobs", assumed=True
        ),
        _A.PUBLISH: _no("a HIDDEN App returns to discovery by unhide, not publish", assumed=True),
        _A.HIDE: _no("the App is already HIDDEN", assumed=False),
        _A.UNHIDE: _yes(_S.PUBLISHED, "unhiding a HIDDEN App makes it PUBLISHED again", assumed=True),
        _A.REMOVE: _yes(_S.REMOVED, "an author can remove an App at any point before removal", assumed=True),
    },
    _S.ERROR: {
        _A.EDIT: _no(_NOT_EDITABLE.format("an ERROR"), assumed=False),
        _A.START_TESTING: _no(_NO_STATE_DOC.format("ERROR", "tested again"), assumed=True),
        _A.RUN_JOB_AS_AUTHOR: _no("an App in ERROR takes no new Jobs", assumed=True),
        _A.RUN_JOB_AS_USER: _no(
            "the docs: an App in ERROR is not discoverable; the workbench assumes it takes no new Jobs", assumed=True
        ),
        _A.PUBLISH: _no(_NO_STATE_DOC.format("ERROR", "published"), assumed=True),
        _A.HIDE: _no(_NO_STATE_DOC.format("ERROR", "hidden"), assumed=True),
        _A.UNHIDE: _no(_ONLY_HIDDEN, assumed=False),
        _A.REMOVE: _yes(_S.REMOVED, "an App in ERROR can still be removed", assumed=True),
    },
    _S.REMOVED: {
        _A.EDIT: _no(_NOT_EDITABLE.format("a REMOVED"), assumed=False),
        _A.START_TESTING: _no("REMOVED is final: a removed App cannot be tested again", assumed=True),
        _A.RUN_JOB_AS_AUTHOR: _no("the docs: a REMOVED App is removed from the network", assumed=False),
        _A.RUN_JOB_AS_USER: _no("the docs: a REMOVED App is removed from the network", assumed=False),
        _A.PUBLISH: _no("REMOVED is final: a removed App cannot be published again", assumed=True),
        _A.HIDE: _no("REMOVED is final: a removed App cannot be hidden", assumed=True),
        _A.UNHIDE: _no(_ONLY_HIDDEN, assumed=False),
        _A.REMOVE: _no("the App is already REMOVED", assumed=False),
    },
}

GATES: dict[Action, tuple[str, ...]] = {
    Action.START_TESTING: ("main_py", "requirements", "arguments"),
    Action.PUBLISH: ("main_py", "requirements", "imports", "arguments", "last_run"),
}
"""The workbench checks that must pass before an action the platform allows is worth doing."""


def gated_actions(check_name: str) -> list[Action]:
    """The actions a check must pass for, in table order."""
    return [action for action, names in GATES.items() if check_name in names]


def rule(state: State, action: Action) -> Rule:
    """The table's cell for one state and action."""
    return RULES[state][action]


def parse_state(text: str) -> State:
    """A state from its name, in any case; LifecycleError names the known states."""
    try:
        return State(text.strip().upper())
    except ValueError:
        known = ", ".join(State)
        raise LifecycleError(f"unknown state {text!r}: choose one of {known}") from None


def parse_action(text: str) -> Action:
    """An action from its name, in any case ('-' or '_'); LifecycleError names the known actions."""
    try:
        return Action(text.strip().lower().replace("-", "_"))
    except ValueError:
        known = ", ".join(Action)
        raise LifecycleError(f"unknown action {text!r}: choose one of {known}") from None


def set_simulated_state(app_root: Path, state: State | str) -> State:
    """Save the simulated state (a State or its name, any case) and return it.

    Raises LifecycleError for an unknown name, OSError when `.workbench/` cannot be written.
    """
    chosen = state if isinstance(state, State) else parse_state(state)
    text = json.dumps({"state": chosen.value}, indent=2) + "\n"
    atomic_write_text(ensure_state_dir(app_root) / LIFECYCLE_FILE, text)
    return chosen


class ActionPreview(BaseModel):
    """One action as the author sees it in the current state."""

    model_config = ConfigDict(frozen=True)

    name: str
    allowed: bool
    """Allowed by the platform and not blocked by a workbench check."""
    reason: str
    """Why it is allowed or refused, in one line; never empty."""
    leads_to: State | None
    """The state it leads to; None when refused."""
    assumed: bool
    """The platform rule behind it is the workbench's assumption, not the docs'."""
    refused_by: str | None = None
    """`platform`, `check:NAME` (the first failing check that blocks it), or None when allowed."""
    blocked_by: list[str] = []
    """Every failing check that blocks it (empty when the platform refuses it or it is allowed)."""


class Preview(BaseModel):
    """Everything the lifecycle preview shows: the state, every action, every check."""

    model_config = ConfigDict(frozen=True)

    state: State
    actions: list[ActionPreview]
    checks: list[CheckResult]

    def action(self, name: Action | str) -> ActionPreview:
        """The preview of one action by name."""
        wanted = str(name)
        for item in self.actions:
            if item.name == wanted:
                return item
        raise LifecycleError(f"unknown action {wanted!r}")

    def check(self, name: str) -> CheckResult:
        """The result of one check by name."""
        for item in self.checks:
            if item.name == name:
                return item
        raise KeyError(name)


def evaluate(state: State, checks: list[CheckResult]) -> list[ActionPreview]:
    """Every action in table order, refused by the platform's rule or by a failing gate check."""
    failing = {check.name: check for check in checks if not check.ok}
    found = []
    for action in Action:
        cell = rule(state, action)
        common = {"name": action.value, "assumed": cell.assumed}
        blockers = [failing[name] for name in GATES.get(action, ()) if name in failing]
        if not cell.allowed:
            found.append(ActionPreview(**common, allowed=False, reason=cell.reason, leads_to=None, refused_by="platform"))
        elif blockers:
            first = blockers[0]
            names = ", ".join(check.name for check in blockers)
            leads = f"{state.value} -> {cell.leads_to.value}" if cell.leads_to else state.value
            which = f"check {names} fails" if len(blockers) == 1 else f"checks {names} fail"
            found.append(ActionPreview(
                **common,
                allowed=False,
                reason=f"the platform allows it ({leads}) but {which}: {first.detail}",
                leads_to=None,
                refused_by=f"check:{first.name}",
                blocked_by=[check.name for check in blockers],
            ))
        else:
            found.append(ActionPreview(**common, allowed=True, reason=cell.reason, leads_to=cell.leads_to))
    return found


def preview(app: AppFolder, state: State | str | None = None) -> Preview:
    """The lifecycle preview of an App in `state` (default: its saved simulated state).

    Reads the App and its run records; writes nothing.
    """
    if state is None:
        chosen = load_simulated_state(app.root)
    else:
        chosen = state if isinstance(state, State) else parse_state(state)
    checks = [
        check.model_copy(update={"needed_for": [action.value for action in gated_actions(check.name)]})
        for check in run_checks(app)
    ]
    return Preview(state=chosen, actions=evaluate(chosen, checks), checks=checks)


def simulate(app: AppFolder, action: Action | str) -> Preview:
    """Do `action` in the App's simulated state: save the state it leads to and return the new preview.

    Raises LifecycleError with the action's reason when the platform or a check refuses it.
    """
    chosen = action if isinstance(action, Action) else parse_action(action)
    before = preview(app)
    item = before.action(chosen)
    if not item.allowed or item.leads_to is None:
        raise LifecycleError(f"{chosen.value} is refused in {before.state.value}: {item.reason}")
    if item.leads_to is not before.state:
        set_simulated_state(app.root, item.leads_to)
    return preview(app)
