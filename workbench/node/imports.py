"""The static import check: which imports of an App's Python files would fail on a Node.

Every `import` and `from ... import` in the App's own `.py` files is read from
the syntax tree (inside functions and classes too). An import is fine when its
top-level module is part of the Node Python's standard library, one of the
App's own modules or packages, or provided by the App's requirements. Imports
a failure of which the App handles (`try: import x` / `except ImportError`)
and imports under `if TYPE_CHECKING:` are not flagged: they cannot fail a Job.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

_HANDLED = frozenset({"ImportError", "ModuleNotFoundError", "Exception", "BaseException"})

KNOWN_IMPORT_NAMES: dict[str, tuple[str, ...]] = {
    "beautifulsoup4": ("bs4",),
    "pillow": ("PIL",),
    "pyyaml": ("yaml",),
    "scikit-learn": ("sklearn",),
    "scikit-image": ("skimage",),
    "opencv-python": ("cv2",),
    "opencv-python-headless": ("cv2",),
    "python-dateutil": ("dateutil",),
    "python-dotenv": ("dotenv",),
    "protobuf": ("google",),
    "pymupdf": ("fitz", "pymupdf"),
    "pyjwt": ("jwt",),
    "attrs": ("attr", "attrs"),
    "typing-extensions": ("typing_extensions",),
    "msgpack-python": ("msgpack",),
    "pycryptodome": ("Crypto",),
    "python-magic": ("magic",),
    "pyserial": ("serial",),
    "setuptools": ("setuptools", "pkg_resources", "_distutils_hack"),
}
"""Distributions whose import name is not their project name: used only before the
App's environment is built (after that, the installed distributions say it)."""


@dataclass(frozen=True)
class ImportSite:
    """One import statement's module, and where it is."""

    module: str
    """The module as imported (`yaml.cyaml`)."""
    file: str
    """The file, relative to the App folder."""
    line: int

    @property
    def top_level(self) -> str:
        return self.module.split(".", 1)[0]

    def describe(self) -> str:
        return f"{self.file} line {self.line}: import {self.module}"


def _handles_import_errors(node: ast.Try | ast.TryStar) -> bool:
    for handler in node.handlers:
        if handler.type is None:
            return True
        types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
        for item in types:
            name = item.attr if isinstance(item, ast.Attribute) else getattr(item, "id", None)
            if name in _HANDLED:
                return True
    return False


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports_of(tree: ast.AST, file: str) -> list[ImportSite]:
    """The absolute imports a syntax tree makes that could fail a run (see the module's docstring)."""
    found: list[ImportSite] = []
    pending: list[ast.AST] = [tree]
    while pending:  # a loop, not recursion: generated files can nest deeply
        node = pending.pop()
        if isinstance(node, ast.Import):
            found += [ImportSite(alias.name, file, node.lineno) for alias in node.names]
            continue
        if isinstance(node, ast.ImportFrom):
            if node.level == 0 and node.module and node.module != "__future__":
                found.append(ImportSite(node.module, file, node.lineno))
            continue
        if isinstance(node, (ast.Try, ast.TryStar)) and _handles_import_errors(node):
            pending.extend(node.handlers)  # the body's imports are guarded; the fallbacks are not
            pending.extend(node.orelse)
            pending.extend(node.finalbody)
            continue
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            pending.extend(node.orelse)
            continue
        pending.extend(ast.iter_child_nodes(node))
    found.sort(key=lambda site: (site.file, site.line, site.module))
    return found


def app_imports(root: Path, python_files: Iterable[str]) -> tuple[list[ImportSite], list[str]]:
    """The imports of the App's Python files, and the files that could not be read or parsed."""
    sites: list[ImportSite] = []
    unreadable: list[str] = []
    for rel in python_files:
        try:
            tree = ast.parse((root / rel).read_bytes(), filename=rel)
        except (OSError, SyntaxError, ValueError, RecursionError, MemoryError):
            unreadable.append(rel)
            continue
        sites += imports_of(tree, rel)
    return sites, unreadable


def canonical(name: str) -> str:
    """A project name as packaging compares them (`Typing_Extensions` -> `typing-extensions`)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def modules_from_names(requirement_names: Iterable[str]) -> frozenset[str]:
    """The import names a list of requirement names most likely provides, before anything is installed."""
    found: set[str] = set()
    for name in requirement_names:
        key = canonical(name)
        found.update(KNOWN_IMPORT_NAMES.get(key, ()))
        found.add(key.replace("-", "_"))
    return frozenset(found)


def undeclared(
    sites: list[ImportSite], *, stdlib: frozenset[str], own: frozenset[str], provided: frozenset[str]
) -> list[ImportSite]:
    """The imports that none of the standard library, the App itself, its requirements and what
    every Node environment is seeded with (`VENV_SEEDED`: pip, setuptools) provide."""
    from .python import VENV_SEEDED

    provided = provided | VENV_SEEDED
    lowered = {name.lower() for name in provided}
    return [
        site for site in sites
        if site.top_level not in stdlib and site.top_level not in own
        and site.top_level not in provided and site.top_level.lower() not in lowered
    ]
