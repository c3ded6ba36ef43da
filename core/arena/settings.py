"""The arena's form -> one ChatSettings per column.

The form's values arrive by name: the shared settings under ChatSettings' own field names
(temperature, max_tokens, ...), and per column i (1-based) an `own_i` tick plus `<field>_i` for the
fields marked column=True. Widgets, `lab ask` flags and these names all come from
ChatSettings.control_specs(), so a new control appears everywhere at once.
"""
from __future__ import annotations

from typing import Any, Mapping

from core.providers.base import ChatSettings


def coerce(spec: dict, value: Any) -> Any:
    """A widget's value as the field's type: an empty number box is the default, ints are ints."""
    if value is None or value == "":
        return spec["default"]
    if spec["type"] == "int":
        return int(round(float(value)))
    if spec["type"] == "float":
        return float(value)
    return str(value)


def shared_settings(values: Mapping[str, Any], lang: str | None = None, **fixed: Any) -> ChatSettings:
    """ChatSettings from the shared controls present in `values` (missing ones keep their default)."""
    chosen = {spec["name"]: coerce(spec, values[spec["name"]]) for spec in ChatSettings.control_specs()
              if spec["name"] in values}
    return ChatSettings(**chosen, **fixed, lang=lang)


def column_settings(values: Mapping[str, Any], n: int, lang: str | None = None) -> list[ChatSettings]:
    """[ChatSettings] for columns 1..n: the shared ones, with a column's own values where it ticked
    "own settings"."""
    shared = shared_settings(values, lang)
    out = []
    for i in range(1, n + 1):
        if not values.get(f"own_{i}"):
            out.append(shared)
            continue
        own = {spec["name"]: coerce(spec, values.get(f"{spec['name']}_{i}")) for spec in ChatSettings.control_specs()
               if spec["column"] and f"{spec['name']}_{i}" in values}
        out.append(shared.with_(**own))
    return out
