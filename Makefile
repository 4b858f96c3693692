.PHONY: test test-fast lint typecheck snapshots screenshots readme bench

test:
	python -m pytest -n 4

test-fast:  # everything but the slowest tests, while working
	python -m pytest -n 4 -m "not slow"

lint:
	ruff check src tests benchmarks scripts
	ruff format --check src tests benchmarks scripts

typecheck:
	mypy

snapshots:
	python -m pytest tests/test_snapshots.py tests/test_report_snapshot.py tests/test_settings.py --snapshot-update

screenshots:
	python scripts/screenshots.py

readme:  # the key tables, from the bindings
	python scripts/readme.py

bench:
	python benchmarks/bench.py
