"""Jira field values as people read them: the display text of a value, a custom field's value
by its name, label sets, one name per person, and a custom field's id found in the histories.

A person is named by the display name everywhere. On Jira Server/Data Center a user value has
a login (``name``) and a ``displayName``, and a changelog item of a user field holds the login
in ``from``/``to`` and the display name in ``fromString``/``toString``; Jira Cloud has no login
at all. :class:`People` learns login -> display name from the changelog's user fields and
renames, at the end of a load, the values that are only a login.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from . import arrow_columns as ac

# A user's displayName before its name: on Jira Server/Data Center ``name`` is the login,
# while the changelog's fromString/toString (and Jira Cloud, which has no login) use the
# display name; reading the login made one person two people (and two teams).
_DISPLAY_KEYS = ("value", "displayName", "name", "title", "key")
#: Canonical fields whose changelog from/to hold a login and fromString/toString its name.
USER_FIELDS = frozenset({"assignee", "team", "reporter"})


def display(value: Any) -> str | None:
    """The human value of a Jira field value (string, option, user, team, list of those)."""
    kind = value.__class__
    if kind is dict:  # the usual case first: an option, a user, a status
        for k in _DISPLAY_KEYS:
            v = value.get(k)
            if v.__class__ is str and v:
                return v
        return None
    if kind is str:
        return value or None
    if value is None:
        return None
    if kind is list:
        parts = [d for d in (display(v) for v in value) if d]
        return ", ".join(parts) or None
    if kind is bool:
        return str(value).lower()
    return str(value)


def field_value(fields: dict, name: str | None, ids: dict[str, list[str]]) -> Any:
    """The value of the field called ``name`` (a custom field's name, such as the team's):
    under the first of its ids (``ids``, from ``names``) present in ``fields``, else under
    the name itself."""
    if name is None:
        return None
    for fid in ids.get(name, ()):
        if fid in fields:
            return fields[fid]
    return fields.get(name)


def label_set(text: Any) -> list[str]:
    return text.split() if isinstance(text, str) else []


def field_id_in_histories(changelog: Any, name: str | None) -> str | None:
    """The id of the field called ``name``, from a history item of it (``field`` +
    ``fieldId``): how a search response without ``names`` still tells a custom field's id."""
    histories = changelog.get("histories") if isinstance(changelog, dict) else None
    for h in histories if isinstance(histories, list) else ():
        items = h.get("items") if isinstance(h, dict) else None
        for it in items if isinstance(items, list) else ():
            if isinstance(it, dict) and it.get("field") == name:
                fid = it.get("fieldId")
                if isinstance(fid, str) and fid:
                    return fid
    return None


class People:
    """Login -> display name, learnt from the changelog's user fields over a whole load."""

    def __init__(self) -> None:
        self.logins: dict[str, str] = {}
        self.display_names: set[str] = set()

    def learn(self, item: dict) -> None:
        """A user field's change: ``from``/``to`` are logins, ``*String`` display names."""
        for login_key, name_key in (("from", "fromString"), ("to", "toString")):
            login, name = item.get(login_key), item.get(name_key)
            if login.__class__ is str and name.__class__ is str and login and name:
                self.display_names.add(name)
                if login != name:
                    self.logins.setdefault(login, name)

    def named(self, events: pa.Table) -> pa.Table:
        """Values of user fields (and actors) that are a login become the display name."""
        known = {
            login: name for login, name in self.logins.items() if login not in self.display_names
        }
        if not known or not events.num_rows:
            return events
        # arrays from buffers (arrow_columns), no Python scalars: either would import pandas
        value_set = ac.strings(list(known))
        names = ac.strings(list(known.values()))
        users = pc.is_in(events.column("field"), ac.strings(sorted(USER_FIELDS)))
        for column_name in ("value", "prev", "actor"):
            column = events.column(column_name)
            at = pc.index_in(column, value_set=value_set)
            hit = pc.is_valid(at) if column_name == "actor" else pc.and_(users, pc.is_valid(at))
            renamed = pc.if_else(hit, names.take(at), column)
            events = events.set_column(
                events.schema.get_field_index(column_name), column_name, renamed
            )
        return events
