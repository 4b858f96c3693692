"""Errors a person can act on. Anything else is a bug."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline_tui.models import Deal


class PipelineError(Exception):
    """Base for every error that is shown to the user as one clear line."""


class InputError(PipelineError, ValueError):
    """Something the user typed (a date, an amount, a name) could not be understood."""


class Question(InputError):
    """A refusal that asks: several lines (what is unknown, one per line, then the answer to
    give), each shown inert on its own line."""


class RuleError(PipelineError):
    """A change the pipeline rules refuse (e.g. Closed Lost without a reason)."""


class NotFoundError(PipelineError):
    """A deal, stage or reason that does not exist."""


class DatabaseFileError(PipelineError):
    """The database file cannot be used: foreign, newer, unreadable or read-only."""


class BusyError(PipelineError):
    """Another process held the write lock for longer than this one would wait."""


@dataclass(frozen=True)
class Conflict:
    """One deal that changed elsewhere since the user saw it."""

    seen: Deal  # as the user saw it
    current: Deal  # as it is now
    changes: tuple[str, ...]  # what changed, one phrase each ("stage Proposal → Closed Won")


class ConflictError(PipelineError):
    """Deals changed elsewhere since the user saw them: saving would overwrite that. An
    import that finds the file changed under it has no conflicts to show, only the message."""

    def __init__(self, message: str, conflicts: tuple[Conflict, ...] = ()) -> None:
        super().__init__(message)
        self.conflicts = conflicts


class UnknownSchemaError(DatabaseFileError):
    """The file carries something pipeline-tui did not create that would run on its writes."""


class RestoredError(PipelineError):
    """The pipeline was replaced by a restore since it was shown: a change made on what was
    shown would act on another deal now, so it is refused."""
