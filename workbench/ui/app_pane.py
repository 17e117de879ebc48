"""The App pane: the App's files, problems and warnings."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import DataTable, Static

from ..appdir import ENTRY_POINT, AppFile, AppFolder
from ..checks import CheckResult, run_checks
from ..display import safe_text
from ..filepreview import terminal_safe
from ..fsutil import human_size
from .file_list import FileList
from .messages import OpenExternally
from .tab_view import TabView

EAGER_FILES = 2_000
"""Up to this many files, the App tab lists and checks the App at once; past it, off the event loop."""

FINDING_MARKS = {"error": ("✗", "red"), "warning": ("⚠", "yellow"), "info": ("·", "dim")}


class AppPane(Vertical, TabView):
    """What a deploy of the App would include, and what is wrong with the folder."""

    HOME = "#app-files"

    findings: list[CheckResult]
    """The preflight checks that did not pass, once they have run (the same as `workbench preview`'s)."""

    def __init__(self, app_folder: AppFolder, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.app_folder = app_folder
        self.findings = []
        self.checked = False
        """Whether the preflight checks have run and their findings are shown."""

    def compose(self) -> ComposeResult:
        yield Static("", id="app-summary")
        yield Static("", id="app-problems")
        yield Static("enter on a file opens it in $EDITOR", id="app-hint")
        table: DataTable[str] = DataTable(id="app-files", cursor_type="row", zebra_stripes=True)
        table.add_columns("file", "size")
        yield table  # a big App's files go to a FileList mounted beside it (see `_fill_rows`)

    def on_mount(self) -> None:
        self.refresh_files()

    def home(self) -> Widget:
        big = self.query("#app-files-big")
        return big.first() if big and big.first().display else self.query_one("#app-files", DataTable)

    @on(FileList.Selected, "#app-files-big")
    def _open_big_file(self, event: FileList.Selected) -> None:
        event.stop()
        self.post_message(OpenExternally(self.app_folder.root / event.path))

    @on(DataTable.RowSelected, "#app-files")
    def _open_file(self, event: DataTable.RowSelected) -> None:
        """Enter on a file opens it in the author's $EDITOR."""
        event.stop()
        if event.row_key.value is not None:
            self.post_message(OpenExternally(self.app_folder.root / str(event.row_key.value)))

    def problems(self) -> list[str]:
        """What stops a run (no main.py any more)."""
        if not self.app_folder.main_py.is_file():
            return [f"{ENTRY_POINT} is gone: the Node starts an App as `python {ENTRY_POINT}`"]
        return []

    def refresh_view(self) -> None:
        self.refresh_files()

    def refresh_files(self) -> None:
        """Read the App's files and warnings again (after a save, say).

        An App of up to `EAGER_FILES` files is listed and checked at once (in less
        than a frame). A bigger one is read and checked in a worker and listed in
        a `FileList`, which draws only the lines on screen: the UI never waits on it.
        """
        files = self.app_folder.files_up_to(EAGER_FILES)
        if files is None:
            self._read_big_app()
            return
        for big in self.query("#app-files-big"):
            big.display = False
        table = self.query_one("#app-files", DataTable)
        table.display = True
        table.clear()
        for app_file in files:
            table.add_row(Text(safe_text(app_file.path)), human_size(app_file.size), key=app_file.path)
        self._show_summary(files)
        if self.checked:
            self._check()  # after a save: in a worker, the UI keeps going
        else:  # the first time, at once, so the tab never shows a page without its findings
            self._show_findings(run_checks(self.app_folder), self.app_folder.warnings())

    @work(thread=True, exclusive=True, group="app-checks", exit_on_error=False)
    def _read_big_app(self) -> None:
        if not self.checked:
            self.bridge.call(self._show_reading)
        files = self.app_folder.files()
        self.bridge.call(self._fill_rows, files)
        results = run_checks(self.app_folder)
        warnings = self.app_folder.warnings()
        self.bridge.call(self._show_findings, results, warnings)

    def _show_reading(self) -> None:
        self.query_one("#app-problems", Static).update(Text("checking the App…", style="dim"))

    def _fill_rows(self, files: list[AppFile]) -> None:
        """A big App's files go to the list that draws only what is on screen."""
        table = self.query_one("#app-files", DataTable)
        found = self.query("#app-files-big")
        if found:
            big = found.first(FileList)
        else:
            big = FileList(id="app-files-big")
            self.mount(big, after=table)
        refocus = self.screen.focused is table
        table.clear()
        table.display = False
        big.set_files(files)
        big.display = True
        if refocus:
            big.focus()
        self._show_summary(files)

    def _show_summary(self, files: list[AppFile]) -> None:
        total = sum(f.size for f in files)
        requirements = "requirements.txt" if self.app_folder.requirements else "no requirements.txt"
        self.query_one("#app-summary", Static).update(
            Text.assemble(
                (safe_text(self.app_folder.name), "bold"),
                (f"  {safe_text(str(self.app_folder.root))}\n", "dim"),
                f"{len(files):,} file{'' if len(files) == 1 else 's'}, {human_size(total)} would be deployed · {requirements}",
            )
        )

    @work(thread=True, exclusive=True, group="app-checks", exit_on_error=False)
    def _check(self) -> None:
        """Run the preflight checks (what `workbench preview` runs) away from the UI thread."""
        results = run_checks(self.app_folder)
        warnings = self.app_folder.warnings()
        self.bridge.call(self._show_findings, results, warnings)

    def _show_findings(self, results: list[CheckResult], warnings: list[str]) -> None:
        """The checks that did not pass, as `workbench preview` words them, then the folder's warnings."""
        self.findings = [result for result in results if not result.ok]
        self.checked = True
        notes = Text()
        for problem in self.problems():
            notes.append(f"✗ {safe_text(problem)}\n", style="bold red")
        for result in self.findings:
            mark, style = ("·", "dim") if result.skipped else FINDING_MARKS[result.level]
            notes.append(f"{mark} {result.name.replace('_', ' ')}: ", style=f"bold {style}")
            notes.append(f"{terminal_safe(result.detail)}\n", style=style if result.skipped else "")
        for warning in warnings:
            notes.append(f"⚠ {safe_text(warning)}\n", style="yellow")
        if not notes:
            notes.append(f"✓ no problems found: all {len(results)} preflight checks pass", style="green")
        notes.rstrip()
        self.query_one("#app-problems", Static).update(notes)
