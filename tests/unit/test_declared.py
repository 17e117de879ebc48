"""The declared keyword arguments: `arguments.toml`, apart from the Job draft, and not part of the App."""

from __future__ import annotations

import pytest

from workbench.appdir import DECLARED_FILE, AppFolder, is_excluded
from workbench.checks import check_arguments, declared_arguments
from workbench.declared import DeclaredArgumentsError, load_declared, save_declared
from workbench.draft import JobDraft, save_draft


def test_no_file_declares_nothing(tmp_path) -> None:
    assert load_declared(tmp_path) == {}


def test_saved_arguments_read_back_in_order(tmp_path) -> None:
    declared = {"zeta": "1", "message string": "Hello \"InfraX\"", "alpha": ""}
    save_declared(tmp_path, declared)
    assert list(load_declared(tmp_path).items()) == list(declared.items())


def test_declaring_again_replaces_the_arguments_and_keeps_the_authors_comments(tmp_path) -> None:
    (tmp_path / DECLARED_FILE).write_text("# asked for by the payments team\n[arguments]\nold = \"x\"\n")
    save_declared(tmp_path, {"new": "y"})
    text = (tmp_path / DECLARED_FILE).read_text()
    assert "# asked for by the payments team" in text
    assert load_declared(tmp_path) == {"new": "y"}


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("[arguments\n", "not valid TOML"),
        ("[arguments]\ncount = 3\n", "'count' must be a string"),
        ("arguments = \"x\"\n", "must be a table"),
        ("[argument]\nx = \"1\"\n", "unknown key 'argument'"),
    ],
)
def test_a_wrong_file_fails_the_arguments_check_saying_why(make_app, text: str, said: str) -> None:
    root = make_app("x = 1\n", **{DECLARED_FILE: text})
    with pytest.raises(DeclaredArgumentsError, match=said):
        load_declared(root)
    check = check_arguments(AppFolder.open(root))
    assert not check.ok and check.level == "error" and said in check.detail
    assert declared_arguments(AppFolder.open(root)) == {}


def test_the_job_draft_declares_nothing(make_app) -> None:
    """Typing the next Job's arguments (saved in the draft) never changes the publish gate."""
    root = make_app("x = 1\n")
    save_draft(root, JobDraft(kwargs={"bad name": "x"}))
    app = AppFolder.open(root)
    assert declared_arguments(app) == {}
    assert check_arguments(app).ok
    save_declared(root, {"bad name": "x"})
    assert not check_arguments(app).ok


def test_the_declaration_is_not_part_of_the_app(make_app) -> None:
    root = make_app("x = 1\n")
    save_declared(root, {"message_string": "hi"})
    assert is_excluded((DECLARED_FILE,))
    assert DECLARED_FILE not in [item.path for item in AppFolder.open(root).files()]
    assert not is_excluded(("lib", DECLARED_FILE))  # only the one at the root is the workbench's
