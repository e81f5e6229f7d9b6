"""What both sandboxes' fault settings share: per-path maps, [min, max] delays, timing profiles."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

Settings = TypeVar("Settings", bound=BaseModel)


def rate_for(mapping: dict[str, float], path: str) -> float:
    """The value for ``path`` in a per-endpoint mapping, falling back to ``"*"`` then 0."""
    return float(mapping.get(path, mapping.get("*", 0.0)))


def check_min_max(value: list[float] | None, name: str) -> list[float] | None:
    """A ``[min, max]`` delay with 0 <= min <= max (None: the delay is not used), else ValueError."""
    if value is not None and (len(value) != 2 or not 0 <= value[0] <= value[1]):
        raise ValueError(f"{name} is [min, max] with 0 <= min <= max")
    return value


def settings_of_profile(
    model: type[Settings], profiles: dict[str, dict[str, Any]], profile: str, what: str, **overrides: Any
) -> Settings:
    """``model`` with what ``profile`` changes from its defaults, then ``overrides``; ValueError
    naming ``what`` (e.g. "sandbox") for an unknown profile."""
    if profile not in profiles:
        raise ValueError(f"unknown {what} profile {profile!r} (one of {', '.join(profiles)})")
    return model.model_validate({**profiles[profile], **overrides})
