"""A value's converted form worked out once per distinct value: an import or an export meets
the same few hundred dates, stages and currencies thousands of times."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class Memo(dict[Any, Any]):
    """`memo[value]` is `convert(value)`, computed the first time; past `limit` entries it
    forgets them all (a file of distinct values never fills memory). A value whose
    conversion raises is not remembered."""

    def __init__(self, convert: Callable[[Any], Any], limit: int = 50_000) -> None:
        super().__init__()
        self.convert = convert
        self.limit = limit

    def __missing__(self, key: Any) -> Any:
        if len(self) >= self.limit:
            self.clear()
        value = self[key] = self.convert(key)
        return value
