"""The daily review's marks: the deals today's review has seen (decided, skipped or found
settled elsewhere), so that a skip counts as reviewed for the day and today's queue stays one
sitting long however often the review is opened.

Marks are the review's bookkeeping, not changes to the pipeline: no timeline entry and no
journal entry (the review's own `u` takes a mark back with the decision it goes with)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from pipeline_tui.store import Store


def mark_seen(store: Store, today: date, deal_ids: Sequence[int]) -> None:
    """Today's review has seen these deals (one transaction)."""
    if deal_ids:
        store.review.mark_seen(today, list(deal_ids))


def unmark_seen(store: Store, today: date, deal_ids: Sequence[int]) -> None:
    """Take the marks back (a skip or a decision undone in the review)."""
    if deal_ids:
        store.review.unmark_seen(today, list(deal_ids))
