"""The command line: argparse, one module per group of commands, each command a thin caller
of the operations layer. Never imports Textual unless it opens the board."""

from __future__ import annotations

import argparse
import contextlib
import sqlite3
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, ClassVar, NoReturn

from pipeline_tui import __version__, files, paths
from pipeline_tui.cli import agenda, board, data, deals, motion, report, review, shape, transfer
from pipeline_tui.cli.context import PROG, Context
from pipeline_tui.display import safe
from pipeline_tui.errors import PipelineError, Question
from pipeline_tui.stopping import Stopped, stopped
from pipeline_tui.store import damaged

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

Handler = Callable[[Context], int]


class _Parser(argparse.ArgumentParser):
    """argparse, with a hint when a value that starts with '-' was taken for an option, and
    every message it prints made inert: its own errors quote the arguments ("unrecognized
    arguments: …", "ambiguous option: …", "invalid choice: …"), which may hold escape
    sequences."""

    arguments: ClassVar[list[str]] = []

    def _print_message(self, message: str, file: SupportsWrite[str] | None = None) -> None:
        if message:
            (file or sys.stderr).write(safe(message, one_line=False))

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        if message:  # an error: one line, whatever the argument it quotes holds
            self._print_message(safe(message.rstrip("\n")) + "\n", sys.stderr)
        sys.exit(status)

    def error(self, message: str) -> NoReturn:
        known = self._option_string_actions
        dashed = [
            a
            for a in self.arguments
            if a.startswith("-") and a != "-" and not a.startswith("--") and a.split("=")[0] not in known
        ]
        if dashed and "--" not in self.arguments:
            message += (
                f"; a value that starts with '-' ({safe(dashed[-1])!r}) is read as an option: "
                "put -- before it, e.g. note 3 -- '-2% discount'"
            )
        super().error(message)


def build_parser() -> argparse.ArgumentParser:
    common = _Parser(add_help=False)
    common.add_argument(
        "--db",
        metavar="PATH",
        default=argparse.SUPPRESS,
        help=f"database file (default: ${paths.DB_ENV}, else the platform data folder)",
    )
    common.add_argument(
        "--read-only",
        action="store_true",
        default=argparse.SUPPRESS,
        help="open the pipeline without changing anything",
    )
    common.add_argument(
        "--today",
        metavar="DATE",
        default=argparse.SUPPRESS,
        help="act as if today were DATE (for demos, screenshots and scripts)",
    )
    parser = _Parser(
        prog=PROG,
        parents=[common],
        description="Keep your own sales pipeline honest. With no command, opens the board.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, handler: Handler, help_: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, parents=[common], help=help_, description=help_)
        p.set_defaults(handler=handler)
        return p

    deals.register(command)
    report.register(command)
    motion.register(command)
    review.register(command)
    agenda.register(command)
    transfer.register(command)
    data.register(command)
    shape.register(command)
    return parser


def _undecodable(argv: Sequence[str]) -> str | None:
    """The first argument holding bytes that are not UTF-8 (decoded as lone surrogates)."""
    for arg in argv:
        if any("\udc80" <= c <= "\udcff" for c in arg):
            return arg
    return None


def _tolerant_streams() -> None:
    """A terminal that cannot show some characters gets '?' for them, never a traceback."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with contextlib.suppress(ValueError, OSError):
                reconfigure(errors="replace")


def _error(message: str, *, lines: bool = False) -> None:
    # One line, whatever the message quotes (a file name may hold a line break or escapes);
    # a question (`lines`) keeps its own lines, each made inert.
    parts = message.split("\n") if lines else [message]
    sys.stderr.write(f"{PROG}: error: " + "\n".join(safe(part) for part in parts) + "\n")


def main(argv: Sequence[str] | None = None) -> int:
    _tolerant_streams()
    arguments = list(sys.argv[1:] if argv is None else argv)
    bad = _undecodable(arguments)
    if bad is not None:
        _error(f"the argument {safe(bad)!r} is not valid UTF-8 text; nothing was changed.")
        return 2
    parser = build_parser()
    _Parser.arguments = arguments
    args = parser.parse_args(arguments)
    handler: Handler = getattr(args, "handler", board.cmd_board)
    config_path = None
    if handler is data.cmd_demo:
        # The demo never reads or writes the user's database or preferences.
        db, config_path = data.demo_paths(getattr(args, "db", None))
        args.db = str(db)
    ctx: Context | None = None
    code = 1
    try:
        ctx = Context(args, config_path=config_path)
        code = handler(ctx)
        return code
    except PipelineError as exc:
        _error(str(exc), lines=isinstance(exc, Question))
        return 1
    except sqlite3.DatabaseError as exc:
        if ctx is not None:
            store = ctx._store
            immutable = store is not None and store.conn.immutable
            _error(str(damaged(ctx.db_path, exc, immutable=immutable)))
        else:
            _error(f"the database could not be used ({exc}); nothing was changed.")
        return 1
    except BrokenPipeError:  # `pipeline-tui list | head`
        sys.stderr.close()
        return 0
    except OSError as exc:
        _error(files.trouble(exc) + (f": {exc.filename}" if exc.filename else ""))
        return 1
    except (KeyboardInterrupt, Stopped) as exc:  # ctrl+c, SIGTERM, SIGHUP: clean-ups have run
        return stopped(exc)
    finally:
        if ctx is not None:
            ctx.close(failed=code != 0)
