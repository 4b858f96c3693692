"""The file flows: exports (notes as CSV, revisits as a calendar) and the import, each asking
for a file name, writing or reading it, and saying what happened.

Writing goes through `files.write_file` (a temporary file moved into place, never over an
existing file without a yes); the import shows the plan (the same lines the command line's
dry run prints) and imports on yes, through the change runner like any change."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import platformdirs

from pipeline_tui import operations as ops
from pipeline_tui.errors import InputError, PipelineError
from pipeline_tui.flows.runner import UNDO_HINT, ChangeRunner
from pipeline_tui.flows.ui import Ui


def _path(text: str) -> Path:
    """A file path typed into a prompt."""
    if not text.strip():
        raise InputError("Give a file name.")
    return Path(text.strip()).expanduser()


class FileFlows:
    def __init__(self, ui: Ui, runner: ChangeRunner) -> None:
        self.ui = ui
        self.runner = runner

    def default_path(self, name: str = "") -> Path:
        folder = platformdirs.user_documents_path()
        if not folder.is_dir():
            folder = Path.home()
        return folder / (name or f"pipeline-notes-{self.ui.today.isoformat()}.csv")

    def _write(
        self,
        path: Path,
        write: Callable[[Any], object],
        said: Callable[[Path], str],
        *,
        replace: bool = False,
        binary: bool = False,
    ) -> None:
        from pipeline_tui.files import TargetExists, write_file
        from pipeline_tui.modals.confirm import ConfirmModal

        try:
            written = write_file(path, write, replace=replace, binary=binary)
        except TargetExists:

            def confirmed(yes: bool | None) -> None:
                if yes:
                    self._write(path, write, said, replace=True, binary=binary)
                else:
                    self.ui.say(f"{path} was kept as it was; nothing was written.", title="Not replaced")

            self.ui.ask(ConfirmModal(f"{path} exists. Replace it?"), confirmed)
            return
        except (PipelineError, OSError) as exc:
            self.ui.say(str(exc), title="Nothing written", severity="error")
            return
        self.ui.say(said(written))  # "Wrote 13 notes to …" says it all

    def export_notes(self) -> None:
        from pipeline_tui import csv_io
        from pipeline_tui.modals.prompts import PromptModal

        def save(path: Path | None) -> None:
            if path is None:
                return
            counted: list[int] = []
            if path.suffix.lower() == ".xlsx":  # a workbook: text stays text, no formula guard

                def write(fh: Any) -> None:
                    counted.append(csv_io.export_xlsx(self.ui.store, "notes", fh)[0].rows)

                binary = True
            else:

                def write(fh: Any) -> None:
                    counted.append(csv_io.export(self.ui.store, "notes", fh))

                binary = False
            self._write(
                path,
                write,
                lambda p: f"Wrote {counted[-1] if counted else 0} notes to {p}",
                binary=binary,
            )

        prompt = "Export notes to a CSV file (.xlsx: a workbook for a spreadsheet)"
        self.ui.ask(PromptModal(prompt, _path, value=str(self.default_path())), save)

    def export_calendar(self) -> None:
        from pipeline_tui import ics
        from pipeline_tui.modals.prompts import PromptModal

        def save(path: Path | None) -> None:
            if path is None:
                return
            try:
                text = ics.revisits_calendar(self.ui.store)
            except PipelineError as exc:
                self.ui.say(str(exc), title="Calendar export failed", severity="error")
                return
            count = text.count("BEGIN:VEVENT")
            self._write(path, lambda fh: fh.write(text), lambda p: f"Wrote {count} revisits to {p}")

        default = self.default_path("pipeline-revisits.ics")
        self.ui.ask(PromptModal("Export revisits to an iCalendar file", _path, value=str(default)), save)

    def export_pipeline_calendar(self) -> None:
        """The pipeline's calendar (next steps and revisits) to a file; written over the
        calendar as last written (after a yes), whose items done since come out cancelled."""
        from pipeline_tui import ics
        from pipeline_tui.modals.prompts import PromptModal

        def save(path: Path | None) -> None:
            if path is None:
                return
            previous = ""
            if path.is_file() and not path.is_symlink():
                try:
                    previous = path.read_text(encoding="utf-8", errors="replace")
                except OSError:
                    previous = ""
            store = self.ui.store
            written = ics.pipeline_calendar(
                store, today=self.ui.today, stamp=store.conn.clock(), previous=previous
            )
            self._write(path, lambda fh: fh.write(written.text), lambda p: f"Wrote {written.said()} to {p}")

        default = self.default_path("pipeline-calendar.ics")
        self.ui.ask(
            PromptModal("Calendar of next steps and revisits (.ics)", _path, value=str(default)), save
        )

    def import_deals(self) -> None:
        """Ask for a file, show what importing it would do, and import on yes."""
        from pipeline_tui import importer
        from pipeline_tui.importer.plan import UnknownStages
        from pipeline_tui.importer.summary import plan_lines
        from pipeline_tui.modals.confirm import ConfirmModal
        from pipeline_tui.modals.prompts import PromptModal
        from pipeline_tui.modals.stage_map import ask_each

        store, settings = self.ui.store, self.ui.settings
        if store.readonly:
            self.ui.say(
                f"{store.conn.read_only_text()}; nothing can be changed.",
                title="Read-only",
                severity="warning",
            )
            return

        def chosen(path: Path | None) -> None:
            if path is not None:
                plan_with(path, {})

        def plan_with(path: Path, answers: dict[str, str]) -> None:
            """Plan the import; stage values nothing places are asked (the mapping step),
            then planned again with the answers (each stage made on purpose, so as many as
            chosen)."""
            try:
                plan = importer.plan_import(
                    store, path, day_first_setting=settings.day_first, stage_overrides=answers,
                    new_stages=bool(answers),
                )  # fmt: skip
            except UnknownStages as asked:

                def answered(more: dict[str, str] | None) -> None:
                    if more:
                        plan_with(path, {**answers, **more})

                ask_each(
                    self.ui.ask, path.name, asked.values, store.shape.stages(),
                    suggestions=asked.suggestions, said_open=asked.said_open,
                    open_unknown=asked.open_unknown, done=answered,
                )  # fmt: skip
                return
            except PipelineError as exc:
                self.ui.say(str(exc), title="Cannot import", severity="error", timeout=12)
                return
            confirm(path, plan)

        def confirm(path: Path, plan: Any) -> None:
            rates = settings.exchange_rates or None
            lines = plan_lines(plan, path, rates=rates, base=settings.currency)
            already = plan.skipped_existing + plan.unchanged
            lines.append(
                f"Import {len(plan.rows):,} deals"
                + (f", update {plan.updated:,}" if plan.updated else "")
                + (f", skip {already:,} already here" if already else "")
                + "?"
            )

            def imported(done: ops.Done) -> None:
                message = done.message
                if plan.missing_reasons:
                    message += f" {plan.missing_reasons:,} lost deals have no reason: see the palette."
                hint = UNDO_HINT if done.change_id is not None else ""
                self.ui.say(message + hint, title="Imported", timeout=10)

            def confirmed(yes: bool | None) -> None:
                if yes:
                    label = f"Imported {path.name}"
                    self.runner.run(
                        lambda _: ops.import_plan(store, plan, label=label), then=imported, quiet=True
                    )

            self.ui.ask(ConfirmModal("\n".join(lines)), confirmed)

        self.ui.ask(
            PromptModal("Import deals from a CSV file", _path, placeholder="~/Downloads/deals.csv"), chosen
        )
