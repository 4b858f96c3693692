"""pipeline-tui: keep your own sales pipeline honest, from the terminal."""

__version__ = "0.1.0"
