"""The extractor's output records: one `Report` per incident as one article tells it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass
class Victim:
    """Casualties of one side in one report (actor_id 'civilians' for civilians)."""

    actor_id: str | None
    killed: int | None = None
    wounded: int | None = None
    evidence: str = ""


@dataclass
class Report:
    """One incident as one article reports it; every figure carries the rule that produced it."""

    seq: int
    event_date: dt.date | None = None
    date_precision: str | None = None  # day | week | month | year
    date_rule: str | None = None
    date_text: str | None = None
    place_id: str | None = None
    location_text: str | None = None
    trigger_id: str | None = None
    trigger_text: str | None = None
    actor1_id: str | None = None
    actor2_id: str | None = None
    killed: int | None = None
    wounded: int | None = None
    killed_rule: str | None = None
    wounded_rule: str | None = None
    vague_text: str | None = None
    evidence: str = ""
    victims: list[Victim] = field(default_factory=list)
