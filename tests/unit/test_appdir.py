"""The App folder: what makes a folder an App, and which files belong to it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from workbench.appcache import content_hash
from workbench.appdir import AppFolder, AppFolderError, ensure_state_dir, is_excluded


def test_opens_a_folder_with_main_py(make_app) -> None:
    root = make_app("print('hi')\n")
    app = AppFolder.open(root)
    assert app.root == root.resolve()
    assert app.name == "app"
    assert app.main_py == root.resolve() / "main.py"
    assert app.requirements is None


def test_relative_path_is_resolved(make_app, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_app("")
    monkeypatch.chdir(root.parent)
    assert AppFolder.open("app").root == root.resolve()


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(AppFolderError, match="no such folder"):
        AppFolder.open(tmp_path / "nowhere")


def test_a_file_is_not_a_folder(tmp_path: Path) -> None:
    path = tmp_path / "main.py"
    path.write_text("")
    with pytest.raises(AppFolderError, match="is a file"):
        AppFolder.open(path)


def test_folder_without_main_py(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("")
    with pytest.raises(AppFolderError, match="no main.py"):
        AppFolder.open(tmp_path)


def test_main_py_that_is_a_folder_is_not_an_app(tmp_path: Path) -> None:
    (tmp_path / "main.py").mkdir()
    with pytest.raises(AppFolderError, match="no main.py"):
        AppFolder.open(tmp_path)


def test_errors_are_one_line(tmp_path: Path) -> None:
    for path in (tmp_path / "nowhere", tmp_path):
        with pytest.raises(AppFolderError) as caught:
            AppFolder.open(path)
        assert "\n" not in str(caught.value)


def test_requirements_detected(make_app) -> None:
    root = make_app("", **{"requirements.txt": "requests\n"})
    assert AppFolder.open(root).requirements == root.resolve() / "requirements.txt"


def _tree(root: Path, paths: list[str]) -> None:
    for rel in paths:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(rel)


def test_what_belongs_to_the_app(make_app) -> None:
    root = make_app("print('hi')\n")
    _tree(
        root,
        [
            "lib/helper.py",
            "data/table.csv",
            ".workbench/runs/1/record.json",
            ".venv/bin/python",
            "__pycache__/main.cpython-311.pyc",
            "lib/__pycache__/helper.cpython-311.pyc",
            ".git/HEAD",
            ".hg/store",
            "lib/.git/config",
            "input/data.txt",
            "output/old.txt",
            "lib/input/kept.txt",
            "lib/output/kept.txt",
            "data/.venv/kept.txt",
            ".hidden_config",
        ],
    )
    files = [f.path for f in AppFolder.open(root).files()]
    assert files == [
        ".hidden_config",
        "data/.venv/kept.txt",
        "data/table.csv",
        "lib/helper.py",
        "lib/input/kept.txt",
        "lib/output/kept.txt",
        "main.py",
    ]


def test_file_sizes(make_app) -> None:
    root = make_app("x = 1\n", **{"data__blob.bin": "abc"})
    sizes = {f.path: f.size for f in AppFolder.open(root).files()}
    assert sizes == {"main.py": 6, "data/blob.bin": 3}


def test_names_with_spaces_and_non_ascii_belong(make_app) -> None:
    root = make_app("")
    _tree(root, ["my data/naïve résumé.txt", "日本/ファイル.txt"])
    assert {f.path for f in AppFolder.open(root).files()} == {"main.py", "my data/naïve résumé.txt", "日本/ファイル.txt"}


def test_symlinks(make_app, tmp_path: Path) -> None:
    root = make_app("")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("secret")
    (root / "linked_file.txt").symlink_to(outside / "secret.txt")
    (root / "linked_dir").symlink_to(outside)
    (root / "dangling").symlink_to(tmp_path / "missing")
    files = {f.path: f.size for f in AppFolder.open(root).files()}
    # A file symlink counts as its content; a folder symlink and a dangling link do not.
    assert files == {"main.py": 0, "linked_file.txt": 6}


def test_fifo_is_not_part_of_the_app(make_app) -> None:
    root = make_app("")
    os.mkfifo(root / "pipe")
    assert [f.path for f in AppFolder.open(root).files()] == ["main.py"]


@pytest.mark.parametrize(
    ("parts", "excluded"),
    [
        ((), False),
        (("main.py",), False),
        ((".workbench",), True),
        ((".venv", "x"), True),
        (("input",), True),
        (("output", "a.txt"), True),
        (("lib", "input", "a.txt"), False),
        (("lib", "output"), False),
        (("lib", ".venv"), False),
        (("lib", "__pycache__", "x.pyc"), True),
        (("a", ".git"), True),
        ((".svn",), True),
    ],
)
def test_is_excluded(parts: tuple[str, ...], excluded: bool) -> None:
    assert is_excluded(parts) is excluded


def test_warns_about_input_and_output_but_opens(make_app) -> None:
    root = make_app("")
    assert AppFolder.open(root).warnings() == []
    (root / "input").mkdir()
    (root / "output").write_text("a file named output")
    warnings = AppFolder.open(root).warnings()
    assert len(warnings) == 2
    assert "input/" in warnings[0] and "output/" in warnings[1]
    assert all("\n" not in warning for warning in warnings)


def test_nested_input_does_not_warn(make_app) -> None:
    root = make_app("")
    (root / "lib" / "input").mkdir(parents=True)
    assert AppFolder.open(root).warnings() == []


def test_content_hash_follows_contents_and_names(make_app) -> None:
    root = make_app("print(1)\n")
    app = AppFolder.open(root)
    first = content_hash(app)
    assert first == content_hash(app)
    (root / "main.py").write_text("print(2)\n")
    second = content_hash(app)
    assert second != first
    (root / "extra.py").write_text("")
    third = content_hash(app)
    assert third != second
    (root / "extra.py").rename(root / "other.py")
    assert content_hash(app) != third


def test_content_hash_ignores_excluded_files(make_app) -> None:
    root = make_app("print(1)\n")
    app = AppFolder.open(root)
    before = content_hash(app)
    _tree(root, [".workbench/runs/x", "output/a", "input/b", "__pycache__/c.pyc", ".venv/d"])
    assert content_hash(app) == before


def test_contains(make_app, tmp_path: Path) -> None:
    root = make_app("")
    app = AppFolder.open(root)
    assert app.contains(app.root / "main.py")
    assert app.contains(app.root / "lib" / "input" / "x")
    assert not app.contains(app.root / "output" / "x")
    assert not app.contains(app.root / ".workbench" / "x")
    assert not app.contains(tmp_path / "elsewhere.py")


def test_state_dir_ignores_itself_for_git(make_app) -> None:
    root = make_app("")
    state = ensure_state_dir(root)
    assert state == root / ".workbench"
    assert (state / ".gitignore").read_text() == "*\n"
    (state / ".gitignore").write_text("*\n# kept\n")
    ensure_state_dir(root)
    assert (state / ".gitignore").read_text() == "*\n# kept\n"


def test_only_appdir_spells_the_workbench_folder_names() -> None:
    # `.workbench` and its `runs` folder are named once, in workbench.appdir (STATE_DIR, RUNS_DIR).
    import re
    from pathlib import Path

    import workbench

    spelled = re.compile(r"""["'](?:\.workbench|runs)["']""")
    offenders = [
        str(path.relative_to(Path(workbench.__file__).parent))
        for path in Path(workbench.__file__).parent.rglob("*.py")
        if path.name != "appdir.py" and spelled.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
