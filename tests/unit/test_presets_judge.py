"""The presets' judge in detail: golden copies, JSON differences, the listing and the log tails a failure shows."""

from __future__ import annotations

import errno
import json
from pathlib import Path

import pytest

from workbench.presets.judge import (
    DIFF_LINES,
    TAIL_LINES,
    _listing,
    _tail,
    check_expectations,
    compare_golden,
    first_json_difference,
    search_log,
    text_diff,
)
from workbench.presets.model import Expectations, GoldenFile, Preset
from workbench.records import FindingRecord, NodeRecord, OutputRecord, RunRecord


def write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    path.write_bytes(data)
    return path


def test_a_folder_where_a_golden_file_is_expected_says_so(tmp_path: Path) -> None:
    (tmp_path / "output" / "report").mkdir(parents=True)
    write(tmp_path / "golden" / "report", "x")
    failure = compare_golden(GoldenFile(path="report"), tmp_path / "golden" / "report", tmp_path / "output" / "report", "p")
    assert failure is not None
    assert failure.lines() == ["golden report: output/report is a folder; list the files inside it"]


def test_a_matching_golden_copy_is_no_failure(tmp_path: Path) -> None:
    golden = write(tmp_path / "golden" / "a.txt", "same\n")
    output = write(tmp_path / "output" / "a.txt", "same\n")
    assert compare_golden(GoldenFile(path="a.txt"), golden, output, "p") is None


def test_binary_contents_are_described_by_their_sizes(tmp_path: Path) -> None:
    golden = write(tmp_path / "golden" / "b.bin", b"\xff\x00\x01")
    output = write(tmp_path / "output" / "b.bin", b"\xff\x00\x02\x03")
    failure = compare_golden(GoldenFile(path="b.bin"), golden, output, "p")
    assert failure is not None
    assert failure.lines() == [
        "golden b.bin: output/b.bin differs from golden/p/b.bin",
        "  binary contents differ (golden/p/b.bin: 3 bytes, output/b.bin: 4 bytes)",
    ]


def test_a_long_diff_is_cut_and_says_how_much_was_left_out() -> None:
    want = "".join(f"line {i}\n" for i in range(40)).encode()
    got = "".join(f"LINE {i}\n" for i in range(40)).encode()
    rows = text_diff(want, got, "golden", "output")
    assert len(rows) == DIFF_LINES + 1
    full = 3 + 40 + 40  # ---, +++, @@, then every line removed and added
    assert rows[-1] == f"... ({full - DIFF_LINES} more diff lines)"
    assert text_diff(b"a\n", b"b\n", "g", "o") == ["--- g", "+++ o", "@@ -1 +1 @@", "-a", "+b"]


def test_a_golden_copy_that_is_not_json_is_named(tmp_path: Path) -> None:
    golden = write(tmp_path / "golden" / "d.json", "{broken")
    output = write(tmp_path / "output" / "d.json", "{}")
    failure = compare_golden(GoldenFile(path="d.json", match="json"), golden, output, "p")
    assert failure is not None and failure.message.startswith("golden/p/d.json is not valid JSON (")


def test_an_unreadable_golden_copy_is_a_failure_not_a_crash(tmp_path: Path) -> None:
    golden = tmp_path / "golden" / "a.txt"
    golden.parent.mkdir(parents=True)
    golden.symlink_to(golden)  # a link to itself: is_file() is False
    output = write(tmp_path / "output" / "a.txt", "x")
    failure = compare_golden(GoldenFile(path="a.txt"), golden, output, "p")
    assert failure is not None and "does not exist" in failure.message


@pytest.mark.parametrize(
    ("want", "got", "where"),
    [
        ({"a": [1, 2]}, {"a": {"0": 1}}, '$.a: golden [1, 2], output {"0": 1}'),
        ([{"a": 1}], {"a": 1}, '$: golden [{"a": 1}], output {"a": 1}'),
        ({"a": 1}, [1], "$: golden {\"a\": 1}, output [1]"),
        ({"x": "é" * 70}, {"x": "e"}, '$.x: golden "' + "é" * 56 + '..., output "e"'),
        ({"x": "a" * 58}, {"x": 1}, '$.x: golden "' + "a" * 58 + '", output 1'),  # 60 characters: whole
        ({"x": "a" * 59}, {"x": 1}, '$.x: golden "' + "a" * 56 + '..., output 1'),  # 61: cut to 57 and "..."
        ({"x": 1}, {"x": 1, "more key": 2}, '$["more key"]: not in the golden copy (output 2)'),
        ([1, 2], [1, 2, 3], "$: golden has 2 item(s), output has 3"),
        ({"n": 1}, {"n": 1.0}, None),
        ({"n": True}, {"n": 1}, "$.n: golden true, output 1"),
    ],
)
def test_first_json_difference_in_detail(want, got, where) -> None:
    assert first_json_difference(want, got) == where


def record(tmp_path: Path, outputs: list[str]) -> RunRecord:
    return RunRecord.model_validate(
        {
            "id": "r",
            "app_path": str(tmp_path),
            "started_at": "2026-11-28T10:00:00Z",
            "status": "succeeded",
            "args_mode": "stdin",
            "kwargs": {},
            "outputs": [OutputRecord(path=name, size=1, sha256="a").model_dump() for name in outputs],
            "output_dir": str(tmp_path / "output"),
            "stdout_log": str(tmp_path / "out.log"),
            "stderr_log": str(tmp_path / "err.log"),
            "interpreter": "python",
            "app_hash": "x",
        }
    )


def test_the_listing_of_outputs_names_ten_then_counts_the_rest(tmp_path: Path) -> None:
    assert _listing(record(tmp_path, [])) == ("  (the run wrote nothing to output/)",)
    ten = [f"f{i:02}.txt" for i in range(10)]
    assert _listing(record(tmp_path, ten)) == (f"  output/ holds: {', '.join(ten)}",)
    eleven = [f"f{i:02}.txt" for i in range(11)]
    assert _listing(record(tmp_path, eleven)) == (f"  output/ holds: {', '.join(eleven[:10])} and 1 more",)
    twelve = [f"f{i:02}.txt" for i in range(12)]
    assert _listing(record(tmp_path, twelve)) == (f"  output/ holds: {', '.join(twelve[:10])} and 2 more",)


def test_the_tail_under_a_failure_shows_the_last_lines_and_how_many_there_were(tmp_path: Path) -> None:
    log = write(tmp_path / "err.log", "".join(f"row {i}\n" for i in range(8)))
    assert _tail(log, 8, "stderr") == (
        f"  stderr, last {TAIL_LINES} of 8 line(s):",
        *(f"  | row {i}" for i in range(3, 8)),
    )
    short = write(tmp_path / "short.log", "".join(f"row {i}\n" for i in range(TAIL_LINES)))
    assert _tail(short, TAIL_LINES, "stdout") == ("  stdout:", *(f"  | row {i}" for i in range(TAIL_LINES)))
    wide = write(tmp_path / "wide.log", "x" * 300 + "\n")
    assert _tail(wide, 1, "stdout") == ("  stdout:", "  | " + "x" * 200)
    assert _tail(tmp_path / "none.log", 0, "stdout") == ("  (stdout is empty)",)


def test_search_log_gives_the_line_number_and_the_line(tmp_path: Path) -> None:
    log = write(tmp_path / "out.log", "first\nsecond has the needle here\nthird\n")
    assert search_log(log, "needle") == (2, "second has the needle here")
    assert search_log(log, "first") == (1, "first")
    assert search_log(log, "absent") is None
    assert search_log(tmp_path / "missing.log", "x") is None
    blank_first = write(tmp_path / "blank.log", "\nsecond\nthe needle\n")
    assert search_log(blank_first, "needle") == (3, "the needle")
    long_line = write(tmp_path / "long.log", "start\n" + "y" * 500 + "needle" + "\n")
    number, row = search_log(long_line, "needle")
    assert number == 2 and row == "y" * 120


def test_search_log_across_blocks_counts_lines_exactly(tmp_path: Path, monkeypatch) -> None:
    from workbench.presets import judge

    monkeypatch.setattr(judge, "_CHUNK", 16)
    text = "".join(f"line {i:03}\n" for i in range(50)) + "the needle\n"
    log = write(tmp_path / "out.log", text)
    assert search_log(log, "the needle") == (51, "the needle")
    assert search_log(log, "line 037") == (38, "line 037")
    assert search_log(log, "7\nline 038") == (38, "line 037")
    assert json.dumps(search_log(log, "nothing like it")) == "null"


def test_search_log_agrees_with_a_whole_file_search_wherever_the_blocks_end(tmp_path: Path, monkeypatch) -> None:
    """Every needle, in every place, with blocks that end anywhere: the same line as reading the file whole."""
    from workbench.presets import judge

    text = "\nalpha beta\n\ngamma\ndelta epsilon zeta\n\n\neta theta\niota\n"
    log = write(tmp_path / "out.log", text)

    def whole_file(needle: str) -> tuple[int, str] | None:
        at = text.find(needle)
        if at < 0:
            return None
        start = text.rfind("\n", 0, at) + 1
        return text.count("\n", 0, at) + 1, text[start:].split("\n", 1)[0]

    for chunk in (3, 5, 8, 13):
        monkeypatch.setattr(judge, "_CHUNK", chunk)
        for start in range(len(text)):
            for length in range(1, 7):
                needle = text[start : start + length]
                assert search_log(log, needle) == whole_file(needle), (chunk, needle)


def position_text(size: int) -> str:
    """Text without line breaks in which every 9-character piece says where it is."""
    return "".join(f"{i:08d}|" for i in range(size // 9 + 1))[:size]


def test_a_match_far_into_a_very_long_line_shows_the_part_of_the_line_kept_before_it(tmp_path: Path) -> None:
    # Logs are read in blocks of 1 MiB; of a line longer than that, the 4 KiB before a block's end
    # (and what a match could start in) are kept, and the line is shown from there.
    line = position_text(1_500_000)
    line = line[:1_200_000] + "NEEDLE" + line[1_200_000:]
    log = write(tmp_path / "out.log", "short first line\n" + line + "\n")
    kept_from = (1 << 20) - len("NEEDLE") + 1 - 4096
    assert search_log(log, "NEEDLE") == (2, ("short first line\n" + line)[kept_from : kept_from + 120])


def test_the_tail_of_a_line_longer_than_the_tail_read_starts_64_kib_before_the_end(tmp_path: Path) -> None:
    line = position_text(100_000)
    log = write(tmp_path / "err.log", line)
    assert _tail(log, 1, "stderr") == ("  stderr:", "  | " + line[-65536:][:200])


def test_a_failure_shows_twelve_lines_of_a_long_diff() -> None:
    want = "".join(f"line {i}\n" for i in range(40)).encode()
    got = "".join(f"LINE {i}\n" for i in range(40)).encode()
    rows = text_diff(want, got, "golden", "output")
    assert rows[:3] == ["--- golden", "+++ output", "@@ -1,40 +1,40 @@"]
    assert rows[3:12] == [f"-line {i}" for i in range(9)]
    assert rows[12] == "... (71 more diff lines)"


def test_a_golden_comparison_with_an_output_that_cannot_be_read_says_why(tmp_path: Path, monkeypatch) -> None:
    golden = write(tmp_path / "golden" / "a.txt", "x")
    output = write(tmp_path / "output" / "a.txt", "x")
    real = Path.read_bytes

    def refuse(path: Path) -> bytes:
        if path == output:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(Path, "read_bytes", refuse)
    failure = compare_golden(GoldenFile(path="a.txt"), golden, output, "p")
    assert failure is not None
    assert failure.lines() == ["golden a.txt: cannot be read (Permission denied)"]


def judged(tmp_path: Path, verdict: str | None, expected: str | None) -> list[str]:
    """The failures of a run that otherwise passes, with this Node verdict, against this expectation."""
    run = record(tmp_path, [])
    if verdict is not None:
        findings = [FindingRecord(code="stdin_wait", severity=verdict, message="it waits for stdin")] if verdict != "ok" else []
        run = run.model_copy(update={"node": NodeRecord(verdict=verdict, findings=findings), "exit_code": 0})
    else:
        run = run.model_copy(update={"exit_code": 0})
    item = Preset(name="p", expect=Expectations(node_verdict=expected))
    return [line for failure in check_expectations(item, run, tmp_path) for line in failure.lines()]


def test_a_run_a_node_would_fail_fails_its_preset_unless_the_preset_expects_it(tmp_path: Path) -> None:
    assert judged(tmp_path, "hang", None) == [
        "node_verdict: on a Node: would hang (verdict 'hang') (set expect.node_verdict if that is intended)",
        "  stdin_wait (hang): it waits for stdin",
    ]
    assert judged(tmp_path, "hang", "hang") == []
    assert judged(tmp_path, "warn", None) == []  # a warning alone does not fail a preset
    assert judged(tmp_path, None, None) == []  # a run without a Node verdict


def test_a_node_verdict_other_than_the_expected_one_fails(tmp_path: Path) -> None:
    assert judged(tmp_path, "fail", "ok") == [
        "node_verdict: on a Node: would fail (verdict 'fail'), expected 'ok'",
        "  stdin_wait (fail): it waits for stdin",
    ]
    assert judged(tmp_path, "ok", "fail") == ["node_verdict: on a Node: ok (verdict 'ok'), expected 'fail'"]
