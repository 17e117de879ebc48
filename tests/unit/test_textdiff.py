"""The capped unified diff that golden copies and run comparisons share, and the log tail they show."""

from __future__ import annotations

from pathlib import Path

from workbench.filepreview import read_tail
from workbench.fsutil import read_tail_bytes
from workbench.presets import text_diff
from workbench.textdiff import capped_unified_diff


def test_the_diff_is_cut_at_the_limit_and_counts_what_it_left_out() -> None:
    before = [f"line {n}" for n in range(50)]
    after = [f"line {n}" if n % 2 else f"changed {n}" for n in range(50)]
    whole, none_left = capped_unified_diff(before, after, "a", "b", limit=10_000)
    rows, left_out = capped_unified_diff(before, after, "a", "b", limit=10)
    assert none_left == 0
    assert rows == whole[:10]
    assert left_out == len(whole) - 10


def test_golden_diffs_use_the_same_cap_and_say_how_much_is_left() -> None:
    want = "".join(f"{n}\n" for n in range(40)).encode()
    got = "".join(f"{n * 2}\n" for n in range(40)).encode()
    rows, left_out = capped_unified_diff(
        want.decode().splitlines(), got.decode().splitlines(), "golden", "output", limit=12, context=1
    )
    assert text_diff(want, got, "golden", "output") == [*rows, f"... ({left_out} more diff lines)"]
    assert text_diff(b"same\n", b"same\r\n", "a", "b") == ["the files differ only in line endings or a final newline"]


def test_one_tail_reader_starts_at_a_line_and_says_it_cut(tmp_path: Path) -> None:
    log = tmp_path / "stdout.log"
    log.write_bytes(b"".join(b"line %d\n" % n for n in range(1000)))
    data, cut = read_tail_bytes(log, 100)
    assert cut and data.startswith(b"line ") and data.endswith(b"line 999\n")
    assert len(data) <= 100
    assert read_tail(log, 100) == (data.decode(), True)
    assert read_tail_bytes(log, 1 << 20) == (log.read_bytes(), False)
