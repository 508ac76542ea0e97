"""From a folder listing to the names a user acts on. The API stores a big/small resource ``name`` as
``name.small`` (its big part is on the CDN as ``name.big``) and other files as they are, so the raw listing is
not what ``download`` takes: the CLI's ``ls`` and the GUI's Resources panel both show names through here."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from core.errors import InvalidNameError
from core.models import ResourceEntry
from core.names import validate_name
from core.protocol import name_of_big, name_of_small


@dataclass(frozen=True)
class ListedName:
    """One listing row as the user sees it: ``plain`` rows are API files with no big part on the CDN."""

    name: str
    entry: ResourceEntry
    plain: bool


def resource_name(stored: str) -> str | None:
    """The resource name a stored ``{name}.small`` belongs to, or None for a plain file."""
    name = name_of_small(stored)
    if name is None:
        return None
    try:
        return validate_name(name)
    except InvalidNameError:  # e.g. "..small": not something download could ask for, so show it as it is
        return None


def classify(entries: Iterable[ResourceEntry]) -> list[ListedName]:
    """Every entry, in listing order, named as ``download`` takes it (``x.small`` → resource ``x``)."""
    rows = []
    for entry in entries:
        name = resource_name(entry.name)
        rows.append(ListedName(entry.name, entry, True) if name is None else ListedName(name, entry, False))
    return rows


def listed(entries: Iterable[ResourceEntry]) -> list[ListedName]:
    """One row per resource or plain file, in listing order: what the CLI's ``ls`` and the GUI's Resources rows
    show. A plain file that is part of a big/small pair (``x`` or ``x.big`` beside ``x.small``) is not shown
    separately: ``x`` already stands for the pair, and its row is the resource's (``x.small``) wherever the plain
    ``x`` came in the listing."""
    rows = classify(entries)
    resources = {row.name: row for row in rows if not row.plain}
    shown: dict[str, ListedName] = {}
    for row in rows:
        if row.plain and name_of_big(row.name) in resources:
            continue
        if row.name not in shown:
            shown[row.name] = resources.get(row.name, row)
    return list(shown.values())


def listing_names(entries: Iterable[ResourceEntry]) -> list[str]:
    """One name per resource or plain file, in listing order (see ``listed``)."""
    return [row.name for row in listed(entries)]
