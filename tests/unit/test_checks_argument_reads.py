"""Finding the keyword arguments main.py reads: the forms of stdin, JSON loading, aliases and reads, one by one."""

from __future__ import annotations

import ast
import textwrap

import pytest

from workbench.checks.argument_reads import find_argument_reads


def reads(source: str) -> list[tuple[str, int, bool]]:
    found = find_argument_reads(ast.parse(textwrap.dedent(source)))
    return [(read.key, read.line, read.has_default) for read in found.reads]


def dynamic(source: str) -> int | None:
    return find_argument_reads(ast.parse(textwrap.dedent(source))).dynamic_line


@pytest.mark.parametrize(
    "source",
    [
        "import json, sys\nargs = json.loads(sys.stdin.read())\nx = args['key']\n",
        "import json\nfrom sys import stdin\nargs = json.loads(stdin.read())\nx = args['key']\n",
        "from json import loads\nimport sys\nargs = loads(sys.stdin.read())\nx = args['key']\n",
        "import json, sys\nargs = json.load(sys.stdin)\nx = args['key']\n",
        "import json, sys\nargs: dict = json.loads(sys.stdin.read())\nx = args['key']\n",
        "import json, sys\nif (args := json.loads(sys.stdin.read())):\n    x = args['key']\n",
        "import json, sys\ntext = sys.stdin.read()\nargs = json.loads(text)\nx = args['key']\n",
        "import json, sys\ntext: str = sys.stdin.buffer.read()\nargs = json.loads(text or '{}')\nx = args['key']\n",
        "import json, sys\nargs = json.loads(sys.stdin.buffer.read())\nx = args['key']\n",
        "import json, sys\nargs = json.loads(sys.stdin.read()) or {}\nx = args['key']\n",
        "import json, sys\ntext = sys.stdin.read() or '{}'\nargs = json.loads(text)\nx = args['key']\n",
        "import json, sys\nraw = sys.stdin.read()\ntext = raw\nargs = json.loads(text)\nx = args['key']\n",
        "import json, sys\ntext = sys.stdin.read()\ntext = sys.stdin.read()\nargs = json.loads(text)\nx = args['key']\n",
    ],
    ids=["json.loads", "from sys import stdin", "from json import loads", "json.load", "annotated",
         "walrus", "text first", "annotated text, or", "stdin.buffer", "or {}", "text or", "text by alias",
         "text read twice"],
)
def test_every_form_of_reading_the_arguments_is_followed(source: str) -> None:
    line = source.count("\n")
    assert reads(source) == [("key", line, False)]


@pytest.mark.parametrize(
    "source",
    [
        "import json\nargs = json.loads(open('f').read())\nx = args['key']\n",
        "import json, sys\nargs = json.dumps(sys.stdin.read())\nx = args['key']\n",
        "import pickle, sys\nargs = pickle.loads(sys.stdin.read())\nx = args['key']\n",
        "import json, sys\ntext = sys.stdin.readline\nargs = json.loads('{}')\nx = args['key']\n",
        "import json, sys\nargs = {}\nx = args['key']\n",
        "import sys\nargs = parse(sys.stdin.read())\nx = args['key']\n",
    ],
    ids=["a file", "json.dumps", "pickle", "no stdin in the load", "a plain dict", "another parser"],
)
def test_what_is_not_the_arguments_is_not_followed(source: str) -> None:
    assert reads(source) == []


def test_reads_by_get_pop_setdefault_in_and_an_alias_with_their_defaults_and_lines() -> None:
    source = """\
        import json, sys
        kwargs = json.loads(sys.stdin.read())
        options = kwargs
        b = options.get("b")
        a = kwargs.get("a", "fallback")
        if "c" in kwargs:
            pass
        if "d" not in options:
            pass
        e = kwargs.pop("e")
        f = kwargs.setdefault("f", "1")
        g = kwargs.items()
        h = kwargs.get(name)
        """
    assert reads(source) == [
        ("b", 4, False),
        ("a", 5, True),
        ("c", 6, False),
        ("d", 8, False),
        ("e", 10, False),
        ("f", 11, True),
    ]
    assert dynamic(source) == 12  # .items() may read any key; the alias on line 3 does not


def test_reads_are_sorted_by_line_then_key() -> None:
    source = "import json, sys\nk = json.loads(sys.stdin.read())\nx = (k['z'], k['a'])\ny = k['m']\n"
    assert reads(source) == [("a", 3, False), ("z", 3, False), ("m", 4, False)]


def test_the_first_whole_object_use_is_the_earliest_line() -> None:
    source = "import json, sys\nk = json.loads(sys.stdin.read())\nx = k['a']\nprint(k)\nfor key in k:\n    pass\n"
    assert dynamic(source) == 4
    assert dynamic("import json, sys\nk = json.loads(sys.stdin.read())\nx = k['a']\n") is None


def test_non_string_keys_and_comparisons_of_other_kinds_are_not_reads() -> None:
    source = """\
        import json, sys
        k = json.loads(sys.stdin.read())
        a = k[0]
        b = k.get(1)
        c = 5 in k
        d = k == {}
        e = "x" < "y"
        """
    assert reads(source) == []
