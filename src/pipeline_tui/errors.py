"""Errors a person can act on. Anything else is a bug."""


class PipelineError(Exception):
    """Base for every error that is shown to the user as one clear line."""


class InputError(PipelineError, ValueError):
    """Something the user typed (a date, an amount, a name) could not be understood."""


class RuleError(PipelineError):
    """A change the pipeline rules refuse (e.g. Closed Lost without a reason)."""


class NotFoundError(PipelineError):
    """A deal, stage or reason that does not exist."""


class DatabaseFileError(PipelineError):
    """The database file cannot be used: foreign, newer, unreadable or read-only."""


class BusyError(PipelineError):
    """Another process held the write lock for longer than this one would wait."""


class ConflictError(PipelineError):
    """The deal changed elsewhere since the user saw it: saving would overwrite that."""

    def __init__(self, message: str, *, seen: object, current: object, changes: list[str]) -> None:
        super().__init__(message)
        self.seen = seen  # the Deal as the user saw it
        self.current = current  # the Deal as it is now
        self.changes = changes  # what changed, one phrase each ("stage Proposal → Closed Won")


class UnknownSchemaError(DatabaseFileError):
    """The file carries something pipeline-tui did not create that would run on its writes."""
