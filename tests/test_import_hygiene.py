"""The domain never imports Textual (as harlequin checks): the CLI stays fast and UI-free."""

from __future__ import annotations

import subprocess
import sys

CORE = (
    "models", "rules", "store", "csv_io", "dates", "money", "config", "paths", "demo", "cli",
)  # fmt: skip


def test_core_does_not_import_textual() -> None:
    code = (
        "import sys\n"
        + "".join(f"import pipeline_tui.{name}\n" for name in CORE)
        + "loaded = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        + "assert not loaded, loaded\n"
        + "print('ok')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "ok\n"


def test_the_check_would_notice_textual() -> None:
    # Guards the test above against passing vacuously (e.g. a wrong module name).
    code = "import sys, pipeline_tui.app\nassert 'textual' in sys.modules\n"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
