import sys

from pipeline_tui.launch import run

sys.exit(run())
