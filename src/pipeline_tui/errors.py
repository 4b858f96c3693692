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
