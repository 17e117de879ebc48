"""requirements.txt: every line one that pip accepts, included files too (read by `workbench.requirements`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement

from ..appdir import REQUIREMENTS, AppFolder
from ..requirements import logical_lines
from .result import CheckResult, _failed, _passed, _plural

# pip options allowed on a line of their own in a requirements file.
_FILE_OPTIONS = frozenset({
    "-r", "--requirement", "-c", "--constraint", "-e", "--editable",
    "-i", "--index-url", "--extra-index-url", "--no-index", "-f", "--find-links",
    "--no-binary", "--only-binary", "--prefer-binary", "--require-hashes", "--pre",
    "--trusted-host", "--use-feature",
})
_TAKES_FILE = frozenset({"-r", "--requirement", "-c", "--constraint"})
# pip options allowed after a requirement on the same line.
_LINE_OPTIONS = frozenset({"--hash", "--config-settings", "-C", "--global-option"})


class RequirementsProblem(ValueError):
    """A line of a requirements file that pip would not accept."""


@dataclass
class RequirementsSummary:
    names: list[str]
    options: int = 0
    unchecked: int = 0
    """Lines pip accepts that are not requirement specifiers (paths, URLs, editables)."""


def _option_name(word: str) -> str:
    return word.split("=", 1)[0]


def _looks_like_location(text: str) -> bool:
    return "://" in text or text.startswith((".", "/", "~")) or text.endswith((".whl", ".tar.gz", ".zip"))


def parse_requirements(path: Path, root: Path, seen: frozenset[Path] = frozenset()) -> RequirementsSummary:
    """Parse a requirements file line by line as pip reads it; RequirementsProblem names the first bad line.

    Nested `-r`/`-c` files must be inside the App folder and are parsed too.
    """
    label = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise RequirementsProblem(f"{label} is not UTF-8 text") from None
    except OSError as error:
        raise RequirementsProblem(f"{label} cannot be read ({error.strerror or error})") from None
    summary = RequirementsSummary(names=[])
    for number, line in logical_lines(text):
        where = f"{label} line {number}"
        words = line.split()
        if line.startswith("-"):
            option = _option_name(words[0])
            if option not in _FILE_OPTIONS:
                raise RequirementsProblem(f"{where}: {option} is not an option pip accepts in a requirements file")
            value = line[len(option):].lstrip(" =")
            if option in _TAKES_FILE:
                if not value:
                    raise RequirementsProblem(f"{where}: {option} needs a file name")
                nested = (path.parent / value).resolve()
                if not nested.is_relative_to(root) or not nested.is_file():
                    raise RequirementsProblem(f"{where}: {option} {value}: no such file inside the App")
                if option in ("-r", "--requirement") and nested not in seen | {path.resolve()}:
                    inner = parse_requirements(nested, root, seen | {path.resolve()})
                    summary.names += inner.names
                    summary.options += inner.options
                    summary.unchecked += inner.unchecked
            if option in ("-e", "--editable"):
                summary.unchecked += 1
            else:
                summary.options += 1
            continue
        # A requirement, perhaps followed by per-requirement options (--hash=...), as pip splits it.
        spec_words = []
        for word in words:
            if word.startswith("-"):
                if _option_name(word) not in _LINE_OPTIONS:
                    raise RequirementsProblem(f"{where}: {_option_name(word)} is not allowed after a requirement")
                break
            spec_words.append(word)
        spec = " ".join(spec_words)
        try:
            requirement = Requirement(spec)
        except InvalidRequirement as error:
            if _looks_like_location(spec):
                summary.unchecked += 1
                continue
            message = str(error).splitlines()
            column = ""
            if len(message) >= 3 and "^" in message[-1]:
                column = f", column {message[-1].index('^') - 3}"
            hint = ""
            if "=" in spec and not any(op in spec for op in ("==", ">=", "<=", "!=", "~=")):
                hint = "; for an exact version write '=='"
            raise RequirementsProblem(
                f"{where}{column}: {spec!r} is not a requirement specifier ({message[0]}){hint}"
            ) from None
        summary.names.append(requirement.name)
    return summary


def check_requirements(app: AppFolder) -> CheckResult:
    """requirements.txt, if present, parses line by line as pip requirement specifiers."""
    name = "requirements"
    path = app.root / REQUIREMENTS
    if not path.exists():
        return _passed(name, f"no {REQUIREMENTS}: the App runs with the standard library only")
    if not path.is_file():
        return _failed(name, "error", f"{REQUIREMENTS} is not a file; the Node runs `pip install -r {REQUIREMENTS}`")
    try:
        summary = parse_requirements(path, app.root)
    except RequirementsProblem as problem:
        return _failed(name, "error", f"{problem}; pip would refuse it")
    parts = [_plural(len(summary.names), "requirement")]
    if summary.names:
        parts[0] += " (" + ", ".join(summary.names) + ")"
    if summary.options:
        parts.append(_plural(summary.options, "pip option"))
    if summary.unchecked:
        parts.append(f"{summary.unchecked} path/URL/editable line(s) not checked")
    return _passed(name, f"{REQUIREMENTS} parses: " + ", ".join(parts), items=summary.names)
