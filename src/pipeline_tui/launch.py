"""The command's entry point: signals are caught before anything else is imported (see
`stopping`), so ctrl+c during start-up is one line too."""

from __future__ import annotations

from collections.abc import Sequence

from pipeline_tui.stopping import catch_signals, quiet, stop_in, stopped


def run(argv: Sequence[str] | None = None) -> int:
    """`pipeline-tui`: the command line, with signals caught from its first line on."""
    catch_signals()
    try:
        from pipeline_tui.cli import main

        code = main(argv)
        quiet()  # done: a stop from here on has nothing left to stop (see `quiet`)
        return code
    except BaseException as exc:  # a stop during start-up or the last clean-up, maybe wrapped
        stop = stop_in(exc)
        if stop is None:
            raise
        return stopped(stop)
