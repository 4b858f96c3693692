"""Write the parts of README.md that are made from the code: the key tables.

    python scripts/readme.py        # rewrite README.md in place
    python scripts/readme.py check  # exit 1 if README.md is out of date

The tables sit between `<!-- keys:start -->` and `<!-- keys:end -->`; they come from the
bindings (and so from the one table of deal actions), as the help page and the palette do."""

from __future__ import annotations

import sys
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"
START, END = "<!-- keys:start -->", "<!-- keys:end -->"


def key_tables() -> str:
    from pipeline_tui.app import PipelineApp
    from pipeline_tui.screens.help import markdown

    return markdown(PipelineApp.BINDINGS)


def rewritten(text: str) -> str:
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    if not rest:
        raise SystemExit(f"README.md has no {START} … {END} block")
    return f"{head}{START}\n{key_tables()}{END}{tail}"


def main(argv: list[str]) -> int:
    text = README.read_text(encoding="utf-8")
    new = rewritten(text)
    if argv[1:] == ["check"]:
        if new != text:
            print("README.md's key tables are out of date: run python scripts/readme.py", file=sys.stderr)
            return 1
        return 0
    README.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
