.PHONY: test lint snapshots screenshots bench

test:
	python -m pytest

lint:
	ruff check src tests benchmarks scripts
	ruff format --check src tests benchmarks scripts

snapshots:
	python -m pytest tests/test_snapshots.py --snapshot-update

screenshots:
	python scripts/screenshots.py

bench:
	python benchmarks/bench.py
