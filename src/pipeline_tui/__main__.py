import sys

from pipeline_tui.cli import main

sys.exit(main())
