"""Job presets: the file's schema and its errors, expectations, golden copies, writing the file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workbench.appcache import content_hash
from workbench.appdir import AppFolder
from workbench.draft import JobDraft
from workbench.history import RunHistory
from workbench.kwargs import ArgsMode
from workbench.presets import (
    DEFAULT_TIMEOUT,
    Expectations,
    GoldenFile,
    NoPresetsFile,
    Preset,
    PresetError,
    accept_golden,
    draft_from_preset,
    first_json_difference,
    golden_changes,
    load_presets,
    parse_presets,
    preset_from_draft,
    run_preset,
    save_preset,
    set_golden_entries,
)
from workbench.staging import discard_workspace, stage_workspace
from workbench.status import RunStatus

# An App whose behaviour the Job's arguments choose: what it prints, writes and exits with.
TOY_APP = """
import json, os, sys, time
kwargs = json.loads(sys.stdin.read() or "{}")
sys.stdout.write(kwargs.get("out", ""))
sys.stderr.write(kwargs.get("err", ""))
for rel, body in json.loads(kwargs.get("files", "{}")).items():
    os.makedirs(os.path.dirname(os.path.join("output", rel)) or "output", exist_ok=True)
    with open(os.path.join("output", rel), "w", newline="") as handle:
        handle.write(body)
time.sleep(float(kwargs.get("sleep", "0")))
sys.exit(int(kwargs.get("code", "0")))
"""


def toy(make_app, presets: str = "", **files: str) -> AppFolder:
    extra = {"presets.toml": presets} if presets else {}
    return AppFolder.open(make_app(TOY_APP, **extra, **files))


def preset(name: str = "p", expect: dict | None = None, **kwargs: str) -> Preset:
    return Preset(name=name, kwargs=kwargs, timeout=30, expect=Expectations(**(expect or {})))


def failures_of(app: AppFolder, item: Preset) -> list[str]:
    result = run_preset(app, item)
    return [line for failure in result.failures for line in failure.lines()]


# ---------------------------------------------------------------------------
# Reading the file


GOOD_FILE = """
# The author's comment
[preset.first]
description = "say hello"
kwargs = { out = "hello" }
inputs = ["data/in.txt"]
args_mode = "argv"
timeout = 12.5

[preset.first.expect]
exit_status = 3
stdout_contains = ["hello"]
golden = ["a.txt", { path = "b.json", match = "json" }]

[preset.second]
"""


def test_a_valid_file_is_read_in_order_with_defaults(make_app) -> None:
    root = make_app(TOY_APP, **{"presets.toml": GOOD_FILE, "data/in.txt": "x"})
    found = load_presets(root)
    assert found.names() == ["first", "second"]
    first = found.presets["first"]
    assert first.kwargs == {"out": "hello"}
    assert first.args_mode is ArgsMode.ARGV
    assert first.timeout == 12.5
    assert first.expect.exit_status == 3
    assert first.expect.golden == [GoldenFile(path="a.txt"), GoldenFile(path="b.json", match="json")]
    assert first.input_paths(root) == [root / "data" / "in.txt"]
    second = found.presets["second"]
    assert second.expect.exit_status == 0
    assert second.timeout == DEFAULT_TIMEOUT
    assert second.args_mode is ArgsMode.STDIN


def test_no_file_is_its_own_error(tmp_path: Path) -> None:
    with pytest.raises(NoPresetsFile, match="no presets yet"):
        load_presets(tmp_path)


def test_arrays_of_tables_work_for_golden_entries(tmp_path: Path) -> None:
    text = '[preset.a]\n[[preset.a.expect.golden]]\npath = "x.json"\nmatch = "json"\n'
    assert parse_presets(text, tmp_path).presets["a"].expect.golden == [GoldenFile(path="x.json", match="json")]


BAD_FILES = [
    # (file text, preset, field, line, words in the reason)
    ('[preset.a]\ntimeout = 5\n\n[preset.a.expect]\nexit_status = "zero"\n', "a", "expect.exit_status", 5, "integer"),
    ("[preset.a]\nkwargs = { n = 1 }\n", "a", "kwargs", 2, "must be a string"),
    (f'[preset.a]\nkwargs = {{ n = "{"x" * 1025}" }}\n', "a", "kwargs", 2, "1025 characters"),
    ('[preset.a]\nkwargs = { "two words" = "x" }\n', "a", "kwargs", 2, "whitespace"),
    ("[preset.ok]\n\n[preset.a]\ncolour = 1\n", "a", "colour", 4, "unknown field"),
    ('[preset.a]\nexpect.stdout_contain = ["x"]\n', "a", "expect.stdout_contain", 2, "stdout_contains"),
    (
        '[preset.a]\n[[preset.a.expect.golden]]\npath = "x"\n[[preset.a.expect.golden]]\npath = "y"\nmatch = "xml"\n',
        "a",
        "expect.golden[1].match",
        6,
        "'exact' or 'json'",
    ),
    ('[preset.a]\nexpect = { golden = ["../up.txt"] }\n', "a", "expect.golden[0].path", 2, "inside output/"),
    ('[preset.a]\nexpect = { golden = ["x", "x"] }\n', "a", "expect.golden", 2, "listed twice"),
    ('[preset.a]\nexpect = { stdout_contains = [""] }\n', "a", "expect.stdout_contains[0]", 2, "empty string"),
    ('[preset.a]\ninputs = ["/etc/passwd"]\n', "a", "inputs[0]", 2, "relative to the App folder"),
    ('[preset.a]\ninputs = ["missing.txt"]\n', "a", "inputs[0]", 2, "no such file"),
    ("[preset.a]\ntimeout = -1\n", "a", "timeout", 2, "positive"),
    ('[preset.a]\nargs_mode = "env"\n', "a", "args_mode", 2, "'stdin' or 'argv'"),
    ('[preset.a]\ntimeout = 5\nname = "b"\n', "a", "name", 3, "its table's name"),
]


@pytest.mark.parametrize(("text", "name", "field", "line", "reason"), BAD_FILES)
def test_errors_name_the_preset_the_field_and_the_line(tmp_path: Path, text, name, field, line, reason) -> None:
    with pytest.raises(PresetError) as caught:
        parse_presets(text, tmp_path)
    error = caught.value
    assert (error.preset, error.field, error.line) == (name, field, line)
    message = str(error)
    assert "\n" not in message
    assert message.startswith(f"presets.toml line {line}: preset {name!r}: field {field!r}: ")
    assert reason in message


def test_a_toml_syntax_error_names_the_line_and_the_preset_around_it(tmp_path: Path) -> None:
    text = '[preset.a]\ntimeout = 5\n\n[preset.b]\nkwargs = { x = "1"\n'
    with pytest.raises(PresetError) as caught:
        parse_presets(text, tmp_path)
    assert caught.value.line == 5
    assert caught.value.preset == "b"
    assert str(caught.value).startswith("presets.toml line 5: preset 'b': not valid TOML")


def test_a_bad_preset_name_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PresetError, match=r"line 1: preset 'two words': preset name"):
        parse_presets('[preset."two words"]\n', tmp_path)


def test_an_unknown_top_level_table_is_refused_with_its_line(tmp_path: Path) -> None:
    with pytest.raises(PresetError, match=r"^presets.toml line 3: unknown table or key 'presets'"):
        parse_presets('[preset.a]\n\n[presets.b]\n', tmp_path)


def test_missing_inputs_may_be_left_unchecked(tmp_path: Path) -> None:
    found = parse_presets('[preset.a]\ninputs = ["later.txt"]\n', tmp_path, check_inputs=False)
    assert found.presets["a"].inputs == ["later.txt"]


# ---------------------------------------------------------------------------
# Expectations, each passing and failing


def test_a_preset_records_its_name_and_trigger_in_the_run_history(make_app) -> None:
    app = toy(make_app)
    result = run_preset(app, preset("named", out="x"))
    assert result.passed
    stored = RunHistory(app.root).load(result.record.id)
    assert stored.preset == "named"
    assert stored.trigger == "preset named"


def test_exit_status_defaults_to_zero(make_app) -> None:
    app = toy(make_app)
    assert failures_of(app, preset(code="0")) == []
    lines = failures_of(app, preset(code="3", err="boom\n"))
    assert lines[0] == "exit_status: the App exited with status 3, expected 0"
    assert "  | boom" in lines  # the end of stderr, to see why


def test_exit_status_can_expect_a_failure(make_app) -> None:
    app = toy(make_app)
    assert failures_of(app, preset(code="1", expect={"exit_status": 1})) == []
    assert failures_of(app, preset(code="0", expect={"exit_status": 1}))[0].startswith(
        "exit_status: the App exited with status 0"
    )


@pytest.mark.parametrize("stream", ["stdout", "stderr"])
def test_contains(make_app, stream: str) -> None:
    app = toy(make_app)
    key = "out" if stream == "stdout" else "err"
    expect = {f"{stream}_contains": ["needle", "thread"]}
    assert failures_of(app, preset(expect=expect, **{key: "a needle and thread\n"})) == []
    lines = failures_of(app, preset(expect=expect, **{key: "a needle only\n"}))
    assert lines[0] == f"{stream}_contains: {stream} does not contain 'thread'"
    assert "  | a needle only" in lines
    assert len([line for line in lines if "does not contain" in line]) == 1


@pytest.mark.parametrize("stream", ["stdout", "stderr"])
def test_excludes(make_app, stream: str) -> None:
    app = toy(make_app)
    key = "out" if stream == "stdout" else "err"
    expect = {f"{stream}_excludes": ["Traceback"]}
    assert failures_of(app, preset(expect=expect, **{key: "all well\n"})) == []
    lines = failures_of(app, preset(expect=expect, **{key: "first\nTraceback (most recent call last):\n"}))
    assert lines == [f"{stream}_excludes: {stream} contains 'Traceback' (line 2: 'Traceback (most recent call last):')"]


def test_outputs_exist(make_app) -> None:
    app = toy(make_app)
    files = json.dumps({"a.txt": "x", "deep/b.txt": "y"})
    # deep/ is a folder at the top of output/: a Node's upload fails on it, which the preset expects.
    expect = {"outputs_exist": ["a.txt", "deep/b.txt", "deep/"], "node_verdict": "fail"}
    assert failures_of(app, preset(expect=expect, files=files)) == []
    lines = failures_of(app, preset(expect={"outputs_exist": ["a.txt", "c.txt"], "node_verdict": "fail"}, files=files))
    assert lines == ["outputs_exist: output/c.txt was not written", "  output/ holds: a.txt, deep/b.txt"]


LINKING_APP = """
import os
with open("output/real.txt", "w") as handle:
    handle.write("the report\\n")
os.symlink("real.txt", "output/link.txt")          # a link to a file the run wrote
os.symlink("no-such-file", "output/dangling.txt")  # a link to nothing
"""


def test_outputs_exist_counts_a_dangling_symlink_as_written(make_app) -> None:
    app = AppFolder.open(make_app(LINKING_APP))
    # A dangling symlink in output/ fails a Node's upload: these presets expect that verdict.
    expect = {"outputs_exist": ["dangling.txt", "link.txt", "real.txt"], "node_verdict": "fail"}
    assert failures_of(app, preset(expect=expect)) == []
    lines = failures_of(app, preset(expect={"outputs_exist": ["dangling.txt", "other.txt"], "node_verdict": "fail"}))
    assert lines[0] == "outputs_exist: output/other.txt was not written"


def test_a_golden_copy_is_never_compared_through_a_symlink(make_app) -> None:
    # The link's target has the golden bytes, yet a symlink is not the file a Node delivers as written.
    app = AppFolder.open(make_app(LINKING_APP, **{"golden/p/link.txt": "the report\n", "golden/p/real.txt": "the report\n"}))
    lines = failures_of(app, preset(expect={"golden": ["link.txt", "real.txt"], "node_verdict": "fail"}))
    assert lines == ["golden link.txt: output/link.txt is a symlink; golden copies compare regular files"]
    dangling = failures_of(app, preset(expect={"golden": ["dangling.txt"], "node_verdict": "fail"}))
    assert dangling == ["golden dangling.txt: output/dangling.txt is a symlink; golden copies compare regular files"]


def test_golden_exact_match_and_a_diff_of_the_first_differing_lines(make_app) -> None:
    app = toy(make_app, **{"golden/p/report.txt": "one\ntwo\nthree\nfour\n"})
    expect = {"golden": ["report.txt"]}
    assert failures_of(app, preset(expect=expect, files=json.dumps({"report.txt": "one\ntwo\nthree\nfour\n"}))) == []
    lines = failures_of(app, preset(expect=expect, files=json.dumps({"report.txt": "one\ntwo\nTHREE\nfour\n"})))
    assert lines[0] == "golden report.txt: output/report.txt differs from golden/p/report.txt"
    assert lines[1:] == [
        "  --- golden/p/report.txt",
        "  +++ output/report.txt",
        "  @@ -2,3 +2,3 @@",
        "   two",
        "  -three",
        "  +THREE",
        "   four",
    ]


def test_golden_exact_is_byte_for_byte(make_app) -> None:
    app = toy(make_app)
    golden = app.root / "golden" / "p" / "t.csv"
    golden.parent.mkdir(parents=True)
    golden.write_bytes(b"a,b\r\n")
    lines = failures_of(app, preset(expect={"golden": ["t.csv"]}, files=json.dumps({"t.csv": "a,b\n"})))
    assert lines == [
        "golden t.csv: output/t.csv differs from golden/p/t.csv",
        "  the files differ only in line endings or a final newline",
    ]


def test_golden_json_ignores_layout_and_key_order_and_names_the_first_differing_key(make_app) -> None:
    app = toy(make_app)
    golden = app.root / "golden" / "p" / "d.json"
    golden.parent.mkdir(parents=True)
    golden.write_text(json.dumps({"items": [{"id": 1, "n": 2}, {"id": 2, "n": 4}], "ok": True}, indent=4))
    expect = {"golden": [{"path": "d.json", "match": "json"}]}
    same = json.dumps({"ok": True, "items": [{"n": 2, "id": 1}, {"n": 4, "id": 2}]})
    assert failures_of(app, preset(expect=expect, files=json.dumps({"d.json": same}))) == []
    other = json.dumps({"ok": True, "items": [{"n": 2, "id": 1}, {"n": 5, "id": 2}]})
    lines = failures_of(app, preset(expect=expect, files=json.dumps({"d.json": other})))
    assert lines == ["golden d.json: output/d.json differs from golden/p/d.json as JSON at $.items[1].n: golden 4, output 5"]
    broken = failures_of(app, preset(expect=expect, files=json.dumps({"d.json": "{not json"})))
    assert broken[0].startswith("golden d.json: output/d.json is not valid JSON")


def test_golden_fails_when_the_copy_or_the_output_is_missing(make_app) -> None:
    app = toy(make_app)
    expect = {"golden": ["r.txt"]}
    no_copy = failures_of(app, preset(expect=expect, files=json.dumps({"r.txt": "x"})))
    assert no_copy == [
        "golden r.txt: golden/p/r.txt does not exist; run the preset and accept its outputs as golden to create it"
    ]
    assert failures_of(app, preset(expect=expect)) == ["golden r.txt: output/r.txt was not written"]


def test_a_timeout_fails_the_preset_whatever_it_expects(make_app) -> None:
    app = toy(make_app)
    item = Preset(name="slow", kwargs={"sleep": "30"}, timeout=0.5)
    result = run_preset(app, item)
    assert result.record.status is RunStatus.TIMED_OUT
    assert result.failures[0].lines()[0] == "run: the run timed out (timed out after 0.5 s)"


def test_inputs_are_found_relative_to_the_app_folder(sample_app) -> None:
    app = AppFolder.open(sample_app("concat"))
    item = load_presets(app.root).presets["two-parts"]
    result = run_preset(app, item)
    assert result.passed, [failure.lines() for failure in result.failures]
    assert [staged.name for staged in result.record.inputs] == ["part1.txt", "part2.txt"]


@pytest.mark.parametrize(
    ("want", "got", "where"),
    [
        ({"a": 1}, {"a": 1.0}, None),
        ({"a": 1}, {"a": True}, "$.a: golden 1, output true"),
        ({"a": {"b": [1, 2]}}, {"a": {"b": [1, 2, 3]}}, "$.a.b: golden has 2 item(s), output has 3"),
        ({"a": 1, "b": 2}, {"a": 1}, "$.b: missing in the output (golden 2)"),
        ({"a": 1}, {"a": 1, "weird key": 2}, '$["weird key"]: not in the golden copy (output 2)'),
        ([1, "x"], [1, None], '$[1]: golden "x", output null'),
    ],
)
def test_first_json_difference(want, got, where) -> None:
    assert first_json_difference(want, got) == where


# ---------------------------------------------------------------------------
# The file and golden/ are not part of the App


def test_presets_and_golden_copies_are_not_part_of_the_app(make_app) -> None:
    root = make_app("print('hi')\n", **{"presets.toml": "", "golden/p/x.txt": "x", "lib/golden/y.txt": "kept"})
    app = AppFolder.open(root)
    before = content_hash(app)
    assert [item.path for item in app.files()] == ["lib/golden/y.txt", "main.py"]
    (root / "presets.toml").write_text("[preset.changed]\n")
    assert content_hash(app) == before
    assert not app.contains(root / "golden" / "p" / "x.txt")
    workspace = stage_workspace(app, [])
    try:
        assert not (workspace.path / "presets.toml").exists()
        assert not (workspace.path / "golden").exists()
    finally:
        discard_workspace(workspace)


# ---------------------------------------------------------------------------
# Writing the file and accepting golden copies


def test_saving_a_preset_round_trips_and_keeps_the_authors_comments(make_app) -> None:
    app = toy(make_app, presets="# keep me\n[preset.old] # and me\ntimeout = 7\n")
    item = Preset(
        name="new",
        description="all the fields",
        kwargs={"out": 'quote " and \\ backslash', "empty": ""},
        inputs=["data/x.txt"],
        args_mode=ArgsMode.ARGV,
        timeout=2.5,
        expect=Expectations(
            exit_status=2,
            stdout_contains=["a"],
            stderr_excludes=["b"],
            outputs_exist=["o/"],
            golden=[GoldenFile(path="g.txt"), GoldenFile(path="g.json", match="json")],
        ),
    )
    save_preset(app.root, item)
    text = (app.root / "presets.toml").read_text()
    assert "# keep me" in text and "# and me" in text
    found = load_presets(app.root, check_inputs=False)
    assert found.names() == ["old", "new"]
    assert found.presets["new"] == item
    assert found.presets["old"].timeout == 7


def test_a_new_file_starts_with_a_header_that_says_what_it_is(tmp_path: Path) -> None:
    save_preset(tmp_path, Preset(name="first"))
    text = (tmp_path / "presets.toml").read_text()
    assert text.startswith("# Job presets for this App")
    assert load_presets(tmp_path).names() == ["first"]


def test_set_golden_entries_touches_only_that_list(make_app) -> None:
    app = toy(make_app, presets='[preset.a]\ntimeout = 9  # slow machine\n\n[preset.a.expect]\nstdout_contains = ["x"]\n')
    set_golden_entries(app.root, "a", [GoldenFile(path="r.json", match="json")])
    text = (app.root / "presets.toml").read_text()
    assert "timeout = 9  # slow machine" in text
    found = load_presets(app.root).presets["a"]
    assert found.expect.golden == [GoldenFile(path="r.json", match="json")]
    assert found.expect.stdout_contains == ["x"]


def test_accepting_outputs_shows_the_changes_first_then_writes_golden_copies(make_app) -> None:
    # sub/ is a folder at the top of output/: a Node would fail the Job, as the preset says.
    app = toy(make_app, presets='[preset.p]\nexpect = { node_verdict = "fail" }\n')
    item = load_presets(app.root).presets["p"]
    files = json.dumps({"r.txt": "new\n", "d.json": "{}", "sub/s.txt": "s"})
    result = run_preset(app, item.model_copy(update={"kwargs": {"files": files}}))
    changes = golden_changes(item, result.record, app.root)
    assert [(c.path, c.kind, c.match) for c in changes] == [
        ("d.json", "new", "json"),
        ("r.txt", "new", "exact"),
        ("sub/s.txt", "new", "exact"),
    ]
    assert "+new" in changes[1].diff
    assert not (app.root / "golden").exists()  # looking changes nothing

    accept_golden(item, result.record, app.root)
    assert (app.root / "golden" / "p" / "r.txt").read_text() == "new\n"
    assert (app.root / "golden" / "p" / "sub" / "s.txt").read_text() == "s"
    reloaded = load_presets(app.root).presets["p"]
    assert reloaded.expect.golden == [
        GoldenFile(path="d.json", match="json"),
        GoldenFile(path="r.txt"),
        GoldenFile(path="sub/s.txt"),
    ]
    assert reloaded.expect.node_verdict == "fail"  # accepting kept the rest of the expectations
    rerun = run_preset(app, reloaded.model_copy(update={"kwargs": {"files": files}}))
    assert rerun.passed


def test_accepting_again_updates_only_the_listed_files_and_diffs_them(make_app) -> None:
    app = toy(make_app, presets='[preset.p]\nexpect = { golden = ["r.txt"] }\n')
    (app.root / "golden" / "p").mkdir(parents=True)
    (app.root / "golden" / "p" / "r.txt").write_text("old\n")
    item = load_presets(app.root).presets["p"]
    files = json.dumps({"r.txt": "new\n", "extra.txt": "not golden"})
    result = run_preset(app, item.model_copy(update={"kwargs": {"files": files}}))
    changes = golden_changes(item, result.record, app.root)
    assert [(c.path, c.kind) for c in changes] == [("r.txt", "changed")]
    assert changes[0].diff == ("--- golden/p/r.txt", "+++ output/r.txt", "@@ -1 +1 @@", "-old", "+new")
    accept_golden(item, result.record, app.root)
    assert (app.root / "golden" / "p" / "r.txt").read_text() == "new\n"
    assert not (app.root / "golden" / "p" / "extra.txt").exists()
    assert load_presets(app.root).presets["p"].expect.golden == [GoldenFile(path="r.txt")]


def test_a_listed_file_the_run_did_not_write_is_reported_missing(make_app) -> None:
    app = toy(make_app, presets='[preset.p]\nexpect = { golden = ["r.txt"] }\n')
    item = load_presets(app.root).presets["p"]
    result = run_preset(app, item)
    assert [(c.path, c.kind) for c in golden_changes(item, result.record, app.root)] == [("r.txt", "missing")]


def test_presets_and_the_job_draft_convert_both_ways(make_app) -> None:
    root = make_app("print()\n", **{"data/x.txt": "x"})
    outside = root.parent / "shared.csv"
    outside.write_text("y")
    draft = JobDraft(
        kwargs={"a": "1"}, args_mode=ArgsMode.ARGV, inputs=[str(root / "data" / "x.txt"), str(outside)], timeout=None
    )
    kept = Preset(name="p", description="d", timeout=42, expect=Expectations(exit_status=3))
    item = preset_from_draft(root, "p", draft, keep=kept)
    assert item.inputs == ["data/x.txt", "../shared.csv"]
    assert (item.timeout, item.description, item.expect.exit_status) == (42, "d", 3)
    back = draft_from_preset(root, item)
    assert back.inputs == [str(root / "data" / "x.txt"), str(outside.resolve())]
    assert (back.kwargs, back.args_mode, back.timeout) == ({"a": "1"}, ArgsMode.ARGV, 42)


def test_a_draft_the_platform_would_refuse_cannot_become_a_preset(tmp_path: Path) -> None:
    with pytest.raises(PresetError, match="1025 characters"):
        preset_from_draft(tmp_path, "p", JobDraft(kwargs={"a": "x" * 1025}))
    with pytest.raises(PresetError, match="preset name"):
        preset_from_draft(tmp_path, "has space", JobDraft())


@pytest.mark.parametrize("block", [1, 2, 3, 7, 1 << 20])
def test_search_log_finds_text_across_block_boundaries(tmp_path: Path, monkeypatch, block: int) -> None:
    import workbench.presets.judge as presets_module

    monkeypatch.setattr(presets_module, "_CHUNK", block)
    log = tmp_path / "out.log"
    log.write_bytes("first line\nsecond é line\nthe needle is here\nlast".encode())
    assert presets_module.search_log(log, "needle") == (3, "the needle is here")
    assert presets_module.search_log(log, "é line") == (2, "second é line")
    assert presets_module.search_log(log, "line\nthe") == (2, "second é line")
    assert presets_module.search_log(log, "last") == (4, "last")
    assert presets_module.search_log(log, "absent") is None
    assert presets_module.search_log(tmp_path / "missing.log", "x") is None


def test_a_long_log_shows_only_its_last_lines(make_app) -> None:
    app = toy(make_app)
    out = "".join(f"line {n}\n" for n in range(1, 101))
    lines = failures_of(app, preset(expect={"stdout_contains": ["line 101"]}, out=out))
    assert lines == [
        "stdout_contains: stdout does not contain 'line 101'",
        "  stdout, last 5 of 100 line(s):",
        *(f"  | line {n}" for n in range(96, 101)),
    ]
