"""The lifecycle table, cell by cell, and the preview that gates actions on checks."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from conftest import REPO
from workbench.appdir import STATE_DIR, AppFolder
from workbench.checks import CheckResult
from workbench.declared import save_declared
from workbench.lifecycle import (
    GATES,
    LIFECYCLE_FILE,
    RULES,
    Action,
    LifecycleError,
    State,
    evaluate,
    load_simulated_state,
    parse_action,
    parse_state,
    preview,
    rule,
    set_simulated_state,
)

# The expected table, written out: (allowed, leads_to, assumed) for every state and action.
# A change here is a change in what the workbench tells authors about the platform.
Y, N = True, False
C, T, P, H, R = "CREATED", "TESTING", "PUBLISHED", "HIDDEN", "REMOVED"
EXPECTED: dict[str, dict[str, tuple[bool, str | None, bool]]] = {
    "CREATED": {
        "edit": (Y, C, Y),
        "start_testing": (Y, T, Y),
        "run_job_as_author": (N, None, Y),
        "run_job_as_user": (N, None, N),
        "publish": (N, None, Y),
        "hide": (N, None, Y),
        "unhide": (N, None, N),
        "remove": (Y, R, Y),
    },
    "TESTING": {
        "edit": (Y, T, Y),
        "start_testing": (N, None, N),
        "run_job_as_author": (Y, T, N),
        "run_job_as_user": (N, None, N),
        "publish": (Y, P, Y),
        "hide": (N, None, Y),
        "unhide": (N, None, N),
        "remove": (Y, R, Y),
    },
    "PUBLISHED": {
        "edit": (N, None, N),
        "start_testing": (N, None, Y),
        "run_job_as_author": (Y, P, N),
        "run_job_as_user": (Y, P, N),
        "publish": (N, None, N),
        "hide": (Y, H, Y),
        "unhide": (N, None, N),
        "remove": (Y, R, Y),
    },
    "HIDDEN": {
        "edit": (N, None, N),
        "start_testing": (N, None, Y),
        "run_job_as_author": (N, None, Y),
        "run_job_as_user": (N, None, Y),
        "publish": (N, None, Y),
        "hide": (N, None, N),
        "unhide": (Y, P, Y),
        "remove": (Y, R, Y),
    },
    "ERROR": {
        "edit": (N, None, N),
        "start_testing": (N, None, Y),
        "run_job_as_author": (N, None, Y),
        "run_job_as_user": (N, None, Y),
        "publish": (N, None, Y),
        "hide": (N, None, Y),
        "unhide": (N, None, N),
        "remove": (Y, R, Y),
    },
    "REMOVED": {
        "edit": (N, None, N),
        "start_testing": (N, None, Y),
        "run_job_as_author": (N, None, N),
        "run_job_as_user": (N, None, N),
        "publish": (N, None, Y),
        "hide": (N, None, Y),
        "unhide": (N, None, N),
        "remove": (N, None, N),
    },
}
CELLS = [(state, action) for state, row in EXPECTED.items() for action in row]


def test_the_expected_table_covers_every_state_and_action() -> None:
    assert len(CELLS) == 48
    assert set(EXPECTED) == {state.value for state in State}
    for row in EXPECTED.values():
        assert list(row) == [action.value for action in Action]


def test_the_table_has_exactly_the_states_and_actions() -> None:
    assert [state.value for state in RULES] == list(EXPECTED)
    for state, row in RULES.items():
        assert [action.value for action in row] == list(EXPECTED[state.value])


@pytest.mark.parametrize(("state", "action"), CELLS)
def test_table_cell(state: str, action: str) -> None:
    cell = rule(State(state), Action(action))
    allowed, leads_to, assumed = EXPECTED[state][action]
    assert cell.allowed is allowed
    assert (cell.leads_to.value if cell.leads_to else None) == leads_to
    assert cell.assumed is assumed
    assert cell.reason.strip()


def test_documented_cells_say_so_and_assumptions_do_not_claim_the_docs() -> None:
    # Everything the docs settle is phrased as "the docs: ..."; an assumed cell never is.
    for state in State:
        for action in Action:
            cell = rule(state, action)
            if cell.assumed:
                assert "the docs:" not in cell.reason or "assumes" in cell.reason, (state, action)
    for state in (State.PUBLISHED, State.HIDDEN, State.ERROR, State.REMOVED):
        assert rule(state, Action.EDIT).reason.startswith("the docs:")


def test_refusals_name_the_state_that_would_allow_them() -> None:
    assert "TESTING" in rule(State.TESTING, Action.START_TESTING).reason
    assert "HIDDEN" in rule(State.PUBLISHED, Action.UNHIDE).reason
    assert "unhide" in rule(State.HIDDEN, Action.PUBLISH).reason


@pytest.mark.parametrize("text", ["testing", "Testing", " TESTING ", "tEsTiNg"])
def test_state_names_are_accepted_in_any_case(text: str) -> None:
    assert parse_state(text) is State.TESTING


@pytest.mark.parametrize("text", ["", "TESTED", "live", "CREATED!"])
def test_an_unknown_state_lists_the_known_ones(text: str) -> None:
    with pytest.raises(LifecycleError) as caught:
        parse_state(text)
    message = str(caught.value)
    assert repr(text) in message
    assert all(state.value in message for state in State)
    assert "\n" not in message


def test_action_names_are_accepted_with_dashes_and_any_case() -> None:
    assert parse_action("Start-Testing") is Action.START_TESTING
    with pytest.raises(LifecycleError, match="unknown action 'deploy'"):
        parse_action("deploy")


# Gating ----------------------------------------------------------------------------------


def _checks(**failing: str) -> list[CheckResult]:
    names = ["main_py", "requirements", "arguments", "arguments_read", "system_folders", "last_run"]
    return [
        CheckResult(name=name, ok=name not in failing, level="error" if name in failing else "info",
                    detail=failing.get(name, f"{name} is fine"))
        for name in names
    ]


def test_gates_are_the_ones_the_issue_names() -> None:
    assert GATES == {
        Action.START_TESTING: ("main_py", "requirements", "arguments"),
        Action.PUBLISH: ("main_py", "requirements", "imports", "arguments", "last_run"),
    }


@pytest.mark.parametrize("state", list(State))
def test_with_every_check_passing_actions_follow_the_table(state: State) -> None:
    for item in evaluate(state, _checks()):
        allowed, leads_to, assumed = EXPECTED[state.value][item.name]
        assert (item.allowed, item.leads_to.value if item.leads_to else None, item.assumed) == (allowed, leads_to, assumed)
        assert item.refused_by == (None if allowed else "platform")
        assert item.reason


@pytest.mark.parametrize("check", ["main_py", "requirements", "arguments"])
def test_a_failing_validity_check_blocks_start_testing_and_publish(check: str) -> None:
    created = {item.name: item for item in evaluate(State.CREATED, _checks(**{check: f"{check} is broken"}))}
    assert not created["start_testing"].allowed
    assert created["start_testing"].refused_by == f"check:{check}"
    assert f"check {check} fails: {check} is broken" in created["start_testing"].reason
    assert created["start_testing"].leads_to is None
    # Actions no check gates are untouched.
    assert created["edit"].allowed and created["remove"].allowed
    testing = {item.name: item for item in evaluate(State.TESTING, _checks(**{check: "broken"}))}
    assert testing["publish"].refused_by == f"check:{check}"
    assert testing["run_job_as_author"].allowed


def test_a_missing_successful_run_blocks_publish_but_not_start_testing() -> None:
    checks = _checks(last_run="no run of the current contents yet")
    created = {item.name: item for item in evaluate(State.CREATED, checks)}
    assert created["start_testing"].allowed
    testing = {item.name: item for item in evaluate(State.TESTING, checks)}
    assert not testing["publish"].allowed
    assert testing["publish"].refused_by == "check:last_run"
    assert "no run of the current contents yet" in testing["publish"].reason
    assert testing["publish"].assumed  # the platform rule behind it is still an assumption


def test_every_failing_gate_is_listed_and_the_first_is_named() -> None:
    checks = _checks(requirements="line 2 is bad", last_run="no run")
    publish = next(item for item in evaluate(State.TESTING, checks) if item.name == "publish")
    assert publish.refused_by == "check:requirements"
    assert publish.blocked_by == ["requirements", "last_run"]
    assert "checks requirements, last_run fail: line 2 is bad" in publish.reason


def test_a_platform_refusal_wins_over_failing_checks() -> None:
    checks = _checks(main_py="broken")
    publish = next(item for item in evaluate(State.CREATED, checks) if item.name == "publish")
    assert publish.refused_by == "platform"
    assert publish.blocked_by == []


def test_warnings_do_not_gate() -> None:
    checks = _checks(arguments_read="reads 'x' but it is not declared", system_folders="has output/")
    testing = {item.name: item for item in evaluate(State.TESTING, checks)}
    assert testing["publish"].allowed


# The preview of a real App, and the simulated state ----------------------------------------


def test_preview_of_a_fresh_app(make_app) -> None:
    app = AppFolder.open(make_app("print('hi')\n"))
    result = preview(app)
    assert result.state is State.CREATED
    assert [item.name for item in result.actions] == [action.value for action in Action]
    assert result.action("start_testing").allowed
    assert result.check("main_py").ok
    assert not result.check("last_run").ok
    assert result.check("main_py").needed_for == ["start_testing", "publish"]
    assert result.check("last_run").needed_for == ["publish"]
    assert result.check("deploy_upload").needed_for == []
    assert not (app.root / STATE_DIR).exists(), "a preview writes nothing into the App"


def test_preview_of_a_broken_app_in_testing(make_app) -> None:
    app = AppFolder.open(make_app("def f(:\n    pass\n"))
    result = preview(app, "testing")
    assert result.state is State.TESTING
    publish = result.action("publish")
    assert not publish.allowed
    assert publish.refused_by == "check:main_py"
    assert "line 1" in publish.reason


def test_preview_reads_the_declared_arguments_from_arguments_toml(make_app) -> None:
    root = make_app("print('hi')\n")
    save_declared(root, {"bad name": "x"})
    result = preview(AppFolder.open(root), State.CREATED)
    start = result.action("start_testing")
    assert start.refused_by == "check:arguments"
    assert "'bad name'" in start.reason


def test_the_simulated_state_defaults_to_created(tmp_path: Path) -> None:
    assert load_simulated_state(tmp_path) is State.CREATED
    assert not (tmp_path / STATE_DIR).exists()


def test_the_simulated_state_survives_a_restart(make_app) -> None:
    root = make_app("print('hi')\n")
    assert set_simulated_state(root, "published") is State.PUBLISHED
    saved = json.loads((root / STATE_DIR / LIFECYCLE_FILE).read_text())
    assert saved == {"state": "PUBLISHED"}
    assert load_simulated_state(root) is State.PUBLISHED
    assert preview(AppFolder.open(root)).state is State.PUBLISHED
    # Given explicitly, a state is previewed without being saved.
    assert preview(AppFolder.open(root), "hidden").state is State.HIDDEN
    assert load_simulated_state(root) is State.PUBLISHED
    # The state folder ignores itself for git, and no temporary files are left behind.
    assert sorted(os.listdir(root / STATE_DIR)) == [".gitignore", LIFECYCLE_FILE]


def test_setting_an_unknown_state_writes_nothing(make_app) -> None:
    root = make_app("print('hi')\n")
    with pytest.raises(LifecycleError):
        set_simulated_state(root, "LIVE")
    assert not (root / STATE_DIR / LIFECYCLE_FILE).exists()


@pytest.mark.parametrize("text", ["", "not json", '{"state": "LIVE"}', '{"state": "TESTING", "x": 1}', "[]"])
def test_an_unreadable_saved_state_falls_back_to_created(make_app, text: str) -> None:
    root = make_app("print('hi')\n")
    (root / STATE_DIR).mkdir()
    (root / STATE_DIR / LIFECYCLE_FILE).write_text(text)
    assert load_simulated_state(root) is State.CREATED


def test_simulating_an_action_moves_the_saved_state(make_app) -> None:
    from workbench.history import RunHistory
    from workbench.job import Job, JobSpec
    from workbench.lifecycle import simulate

    class Quiet:
        def on_stdout(self, data: bytes) -> None: ...
        def on_stderr(self, data: bytes) -> None: ...

    root = make_app("print('hi')\n")
    app = AppFolder.open(root)
    assert simulate(app, "start_testing").state is State.TESTING
    assert load_simulated_state(root) is State.TESTING
    with pytest.raises(LifecycleError, match=r"publish is refused in TESTING: .*check last_run fails"):
        simulate(app, Action.PUBLISH)
    assert load_simulated_state(root) is State.TESTING
    Job(app, JobSpec(), Quiet(), history=RunHistory(root)).run()
    assert simulate(app, "run_job_as_author").state is State.TESTING
    assert simulate(app, "publish").state is State.PUBLISHED
    with pytest.raises(LifecycleError, match="edit is refused in PUBLISHED: the docs"):
        simulate(app, "edit")
    assert simulate(app, "hide").state is State.HIDDEN
    assert simulate(app, "unhide").state is State.PUBLISHED
    assert simulate(app, "remove").state is State.REMOVED
    assert load_simulated_state(root) is State.REMOVED


def test_the_documented_table_matches_the_expected_one() -> None:
    docs = (REPO / "docs" / "preview.md").read_text()
    rows = [line for line in docs.splitlines() if line.startswith("| ") and line.split("|")[1].strip() in EXPECTED]
    assert len(rows) == 6
    for line in rows:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        state, cells = cells[0], cells[1:]
        for action, cell in zip(EXPECTED[state], cells, strict=True):
            allowed, leads_to, assumed = EXPECTED[state][action]
            text = (f"→ {leads_to}" if allowed else "no") + ("*" if assumed else "")
            assert cell == text, (state, action)
