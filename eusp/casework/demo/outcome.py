"""Where a generated request stands today, and what its instruction decided.

Drawn right after intake, from the request's age: recent requests are open,
old ones finished. The random stream is shared by every request of a run, so
adding, removing or reordering a draw changes all the data generated after it,
the seeded demo city included.
"""

import random
from dataclasses import dataclass
from decimal import Decimal

from eusp.directory.models import Phase, State

from ..models import Feasibility
from .directory import CategoryInfo, Directory

# Phase probabilities by age of the request: recent ones are open, old ones finished.
PHASE_ORDER = (Phase.OPEN, Phase.IN_PROGRESS, Phase.WAITING, Phase.DONE, Phase.CLOSED)
PHASE_BY_AGE = [  # (max age in days, weights in PHASE_ORDER)
    (7, (55, 30, 5, 8, 2)),
    (30, (25, 35, 12, 22, 6)),
    (90, (8, 25, 14, 44, 9)),
    (365, (3, 8, 10, 68, 11)),
    (None, (1, 2, 6, 79, 12)),
]
# Plain values, not enum members: psycopg's COPY would write an Enum's name.
FEASIBLE = Feasibility.FEASIBLE.value
NOT_FEASIBLE = Feasibility.NOT_FEASIBLE.value
TO_STUDY = Feasibility.TO_STUDY.value


@dataclass(slots=True)
class Outcome:
    """Where the request stands today, and what its instruction decided."""

    state: State
    phase: str
    finished: bool
    archived: bool
    instructed: bool
    delay: int  # working days, as set at instruction
    feasibility: str
    multi_year: bool
    cost: Decimal | None


def draw_outcome(
    rng: random.Random,
    directory: Directory,
    category: CategoryInfo,
    age_days: float,
    *,
    detailed: bool,
    forced_state: State | None,
) -> Outcome:
    state = forced_state if forced_state is not None else _draw_state(rng, directory, category, age_days)
    phase = state.phase
    finished = phase in (Phase.DONE, Phase.CLOSED)
    # Finished requests are archived after a while, most of them past six months.
    archived = finished and ((age_days > 180 and rng.random() < 0.7) or (60 < age_days <= 180 and rng.random() < 0.25))
    # Detailed mode also shows a few open requests already instructed.
    instructed = phase != Phase.OPEN or (detailed and rng.random() < 0.1)
    delay = category.delay
    if instructed:  # the instructing service adjusts the category's usual delay to the case
        delay = max(1, round(delay * rng.choice((0.5, 0.8, 1, 1, 1, 1.5, 2))))
    feasibility = _draw_feasibility(rng, phase)
    multi_year = state.pk in directory.multi_year_state_ids
    cost = None
    if multi_year:
        cost = Decimal(rng.randrange(8_000, 250_000, 500))
    elif instructed and rng.random() < 0.2:
        cost = Decimal(rng.randrange(150, 12_000, 50))
    return Outcome(state, phase, finished, archived, instructed, delay, feasibility, multi_year, cost)


def _draw_state(rng: random.Random, directory: Directory, category: CategoryInfo, age_days: float) -> State:
    weights = next(w for limit, w in PHASE_BY_AGE if limit is None or age_days < limit)
    phase = rng.choices(PHASE_ORDER, weights=weights)[0]
    candidates = directory.states_by_phase[phase]
    if category.delay < 20:  # small jobs never wait for a multi-year budget
        candidates = [s for s in candidates if s.pk not in directory.multi_year_state_ids] or candidates
    return rng.choice(candidates)


def _draw_feasibility(rng: random.Random, phase: str) -> str:
    if phase == Phase.DONE:
        return FEASIBLE
    if phase == Phase.CLOSED:
        return NOT_FEASIBLE if rng.random() < 0.7 else FEASIBLE
    if phase == Phase.OPEN:
        return TO_STUDY
    return FEASIBLE if rng.random() < 0.7 else TO_STUDY
