"""Which column of an export is which field: the format's aliases (every column that
matches one, compared row by row when there are several), then --column FIELD=HEADER on
top; and the currency a header states ("Amount (€)")."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pipeline_tui.errors import InputError
from pipeline_tui.importer.formats import USER_FIELDS, Format, norm
from pipeline_tui.money import ISO_4217, symbol_currency

_HEADER_CURRENCY = re.compile(r"[(\[]\s*([^\s()\[\]]{1,3})\s*[)\]]\s*$|\s([A-Z]{3})$")


# Headers that can only be the deals' currency (compared as `norm` does).
PLAIN_CURRENCY = frozenset({
    "currency", "currency code", "deal currency", "deal currency code", "currency iso code", "währung",
    "waehrung", "devise", "monnaie", "moneda", "divisa", "moeda", "valuta",
})  # fmt: skip


@dataclass(frozen=True)
class Column:
    field: str
    index: int
    header: str
    how: str  # "auto" or "--column"
    currency: str | None = None  # a currency the header states ("Amount (€)")

    @property
    def where(self) -> str:
        """The column as a person finds it: its header, and its number when needed."""
        return f"{self.header!r} (column {self.index + 1})"


@dataclass(frozen=True)
class Columns:
    """field -> the column it is read from, and the other columns that could hold it too
    (compared on every row)."""

    first: dict[str, Column]
    others: dict[str, tuple[Column, ...]]

    def __contains__(self, name: str) -> bool:
        return name in self.first

    def get(self, name: str) -> Column | None:
        return self.first.get(name)

    def __getitem__(self, name: str) -> Column:
        return self.first[name]

    def values(self) -> list[Column]:
        return list(self.first.values())


def header_currency(header: str) -> str | None:
    """The currency a header states: 'Amount (€)', 'Betrag (EUR)', 'Deal value USD'."""
    m = _HEADER_CURRENCY.search(header.strip())
    if not m:
        return None
    mark = (m[1] or m[2] or "").strip()
    code = symbol_currency(mark)
    if code is not None:
        return code
    return mark.upper() if mark.upper() in ISO_4217 else None


def _reference(wanted: str, header: Sequence[str]) -> int | None:
    """A column named by --column: its header, or '#N' (its number, for a header the file
    has twice)."""
    text = wanted.strip()
    if re.fullmatch(r"#\d+", text):
        number = int(text[1:])
        return number - 1 if 1 <= number <= len(header) else None
    matches = [i for i, h in enumerate(header) if norm(h) == norm(text)]
    if len(matches) > 1:
        places = " and ".join(f"#{i + 1}" for i in matches[:2])
        raise InputError(
            f"--column …={wanted!r}: the file has {len(matches)} columns called {wanted!r} "
            f"(columns {places}); name one by its number, e.g. --column value=#{matches[0] + 1}."
        )
    return matches[0] if matches else None


def resolve_columns(header: Sequence[str], fmt: Format, overrides: Mapping[str, str]) -> Columns:
    """field -> column: the format's aliases (every column that matches one), then --column
    FIELD=HEADER on top. A converted amount (company currency) is never the deal's own."""
    index: dict[str, list[int]] = {}
    priced: dict[str, list[int]] = {}  # an amount's header with its currency taken off
    for i, h in enumerate(header):
        index.setdefault(norm(h), []).append(i)
        if header_currency(h):
            priced.setdefault(norm(_HEADER_CURRENCY.sub("", h.strip())), []).append(i)
    derived = {norm(h) for h in fmt.derived}
    found: dict[str, list[Column]] = {}
    for name, aliases in fmt.aliases.items():
        for alias in aliases:
            if norm(alias) in derived:
                continue
            places = index.get(norm(alias), []) + (priced.get(norm(alias), []) if name == "value" else [])
            for i in places:
                if all(c.index != i for c in found.get(name, [])):
                    found.setdefault(name, []).append(
                        Column(name, i, header[i], "auto", header_currency(header[i]))
                    )
    for name, wanted in overrides.items():
        if name not in USER_FIELDS:
            raise InputError(
                f"--column {name}=…: {name!r} is not a field; use one of {', '.join(USER_FIELDS)}."
            )
        at = _reference(wanted, header)
        if at is None:
            shown = ", ".join(repr(h) for h in header[:12]) + (", …" if len(header) > 12 else "")
            raise InputError(f"--column {name}={wanted!r}: the file has no such column (it has {shown}).")
        found[name] = [Column(name, at, header[at], "--column", header_currency(header[at]))]
    if "currency" not in found and "value" in found:
        # A column headed plainly as the currency is read, whatever else --column names: its
        # amounts are not taken in another currency without a word.
        used = {c.index for columns in found.values() for c in columns}
        plain = next((i for i, h in enumerate(header) if norm(h) in PLAIN_CURRENCY and i not in used), None)
        if plain is None:  # one column named for a currency ("Opportunity-Währung"), and no amount
            named = [i for i, h in enumerate(header) if i not in used and currency_header([h]) is not None]
            plain = named[0] if len(named) == 1 else None
        if plain is not None:
            found["currency"] = [Column("currency", plain, header[plain], "auto")]
    if "value" not in found:
        for h in header:
            if norm(h) in derived:
                raise InputError(
                    f"The file's only amount is {h!r}, a figure converted into the company's currency, not "
                    "the deal's own amount: export the deal's amount too, or take this one in your own "
                    f"currency with --column value={h!r}."
                )
    if "title" not in found and "product" not in found:
        wanted = fmt.headers("title")[0] if fmt.headers("title") else "a title column"
        hint = " (say which with --column title=HEADER)"
        raise InputError(f"The file has no {wanted!r} column, so deals would have no titles{hint}.")
    if not any(name in found for name in ("stage", "status", "won", "closed", "semantic")):
        raise InputError(
            "The file has no stage or status column; say which with --column stage=HEADER "
            "(or --column status=HEADER)."
        )
    first = {name: columns[0] for name, columns in found.items()}
    others = {name: tuple(columns[1:]) for name, columns in found.items() if len(columns) > 1}
    return Columns(first, others)


def unread_columns(header: Sequence[str], columns: Columns) -> list[tuple[int, str]]:
    """(position from 1, as --column #N names it; header) of the file's columns no field is
    read from (a column without a header is left out: it has no name to read it by)."""
    read = {c.index for c in columns.values()} | {c.index for more in columns.others.values() for c in more}
    return [(i + 1, h.strip()) for i, h in enumerate(header) if i not in read and h.strip()]


# Headers that plainly hold the deals' currency, in the languages the CRMs export in.
_CURRENCY_HEADER = re.compile(
    r"\b(currency|curr|ccy|währung|waehrung|devise|monnaie|moneda|divisa|moeda|valuta)\b", re.IGNORECASE
)
# ... but not an amount stated in a currency ("Amount in company currency").
_AMOUNT_WORDS = re.compile(r"\b(amount|betrag|importe|montant|importo|bedrag|quantia)\b", re.IGNORECASE)


_VALUE_WORDS = re.compile(
    r"\b(amount|value|betrag|wert|importe|montant|valeur|importo|valore|bedrag|waarde|valor|quantia|"
    r"revenue|umsatz|price|preis|prix|precio|kwota|belopp|金额|金額)\b",
    re.IGNORECASE,
)


def amount_headers(headers: Sequence[str]) -> list[str]:
    """Those of these headers that plainly name an amount ("Amount", "Deal value", "Betrag")."""
    return [h for h in headers if _VALUE_WORDS.search(h) and not _CURRENCY_HEADER.search(h)]


def currency_header(headers: Sequence[str]) -> str | None:
    """The first of these headers that plainly names a currency column ("Currency", "Deal
    currency code", "Währung"), or None."""
    return next((h for h in headers if _CURRENCY_HEADER.search(h) and not _AMOUNT_WORDS.search(h)), None)
