"""An App with three presets, for the rounds tests (`tests/unit`) and the board tests (`tests/app`)."""

from __future__ import annotations

# An App that greets; `mode.txt` (part of the App) can make it break for one name.
GREETER = """
    import json, pathlib, sys, time
    args = json.loads(sys.stdin.read() or "{}")
    name = args.get("name", "nobody")
    time.sleep(float(args.get("sleep", "0")))
    broken = pathlib.Path("mode.txt").read_text().strip()
    if broken == name:
        print("oops", name)
        sys.exit(3)
    print("hello", name)
    pathlib.Path("output/greeting.txt").write_text("hello " + name)
"""

PRESETS = """
    [preset.ann]
    kwargs = { name = "ann" }
    [preset.ann.expect]
    stdout_contains = ["hello ann"]

    [preset.bob]
    kwargs = { name = "bob" }
    [preset.bob.expect]
    stdout_contains = ["hello bob"]
    outputs_exist = ["greeting.txt"]

    [preset.cy]
    kwargs = { name = "cy" }
    [preset.cy.expect]
    stdout_contains = ["hello cy"]
"""
