"""Node fidelity: what a real Node would do with an App and with one of its runs.

The Node software differs from `python main.py` on an author's machine in ways
its docs do not say (CONTRACT.md, "What the Node software does that the docs do
not say"). This package holds the workbench's knowledge of those differences:

- `findings`: the finding codes, one table, each with its severity and the Node
  behaviour behind it, and the verdict a run's findings add up to;
- `verdict`: the findings of one run, worked out from what the run observed;
- `imports`: the static check of the imports an App's Python files make;
- `python`: the Node's Python on this machine (which interpreter, its standard
  library) and the modules an environment's distributions provide;
- `environment`: the variables an App is given, built rather than inherited.

No Textual and no pydantic here: `workbench run` uses it before the App starts.
"""
