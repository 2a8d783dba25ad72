"""How a request comes in: who asks, from where, about what, and who takes it in.

These are the first draws of each request. The random stream is shared by every
request of a run, so adding, removing or reordering a draw changes all the data
generated after it, the seeded demo city included.
"""

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from ..models import Civility
from . import city
from .directory import CategoryInfo, Directory, Pools, Street

# Days between the citizen's contact and its entry, by origin (a letter takes longer).
RECEIVED_LAG = {"Courrier": (1, 8), "Mail": (0, 3), "Cabinet du Maire": (0, 6), "Conseil de quartier": (1, 10)}
ELECTED_ORIGINS = ("Par élu", "Conseil de quartier")
PLACE_FORMATS = ("devant le {n} {street}", "au niveau du {n} {street}", "{street}", "en face du {n} {street}")
MAIL_DOMAINS = ["orange.fr", "free.fr", "gmail.com", "laposte.net", "sfr.fr", "wanadoo.fr", "hotmail.fr", "yahoo.fr"]


@dataclass(slots=True)
class Submission:
    """What the citizen submitted, as entered at the town hall."""

    origin_id: int
    origin_name: str
    category: CategoryInfo
    civility: str
    first_name: str
    last_name: str
    address: str
    postcode: str
    town: str
    phone: str
    email: str
    location: str  # where the problem is, when not at the requester's address
    place_street: Street
    latitude: Decimal | None
    longitude: Decimal | None
    subject: str
    description: str
    received_on: date


@dataclass(slots=True)
class Assignment:
    """Who entered the request and who follows it; the timeline's assignment step may change it."""

    created_by: int
    referent: int | None
    late_referent: int | None  # an élu who becomes référent later, by an assignment event
    instructing: int | None
    executing: int | None
    reassigned: tuple[str, int] | None  # (service field, new service id), applied by an assignment event


def draw_submission(rng: random.Random, directory: Directory, pools: Pools, created_at: datetime) -> Submission:
    origin_id = rng.choices(directory.origin_ids, cum_weights=directory.origin_cum)[0]
    origin_name = directory.origin_names[origin_id]
    category = rng.choices(directory.categories, cum_weights=directory.category_cum)[0]
    civility, first_name, last_name = _draw_name(rng, pools)
    address, postcode, town, place_street, location = _draw_addresses(rng, directory, pools)
    phone = rng.choice(pools.phones) if rng.random() < 0.72 else ""
    email = ""
    if origin_name == "Mail" or rng.random() < 0.45:
        email = f"{pools.slugs[first_name]}.{pools.slugs[last_name]}@{rng.choice(MAIL_DOMAINS)}"
    latitude = longitude = None
    if rng.random() < 0.35:
        latitude, longitude = rng.choice(place_street.coordinates)
    subject, description = _draw_text(rng, pools, category, place_street)
    lag = RECEIVED_LAG.get(origin_name)
    received_on = created_at.date() - timedelta(days=rng.randint(*lag) if lag else 0)
    return Submission(
        origin_id, origin_name, category, civility, first_name, last_name, address, postcode, town, phone, email,
        location, place_street, latitude, longitude, subject, description, received_on,
    )  # fmt: skip


def _draw_name(rng: random.Random, pools: Pools) -> tuple[str, str, str]:
    if rng.random() < 0.52:
        civility, first_name = Civility.MADAME.value, rng.choice(pools.female)
    else:
        civility, first_name = Civility.MONSIEUR.value, rng.choice(pools.male)
    return civility, first_name, rng.choice(pools.last)


def _draw_addresses(rng: random.Random, directory: Directory, pools: Pools) -> tuple[str, str, str, Street, str]:
    """The requester's address, and the street of the problem with its own address when elsewhere."""
    street = rng.choice(directory.streets)
    if rng.random() < 0.05:  # a requester from a neighbouring town, reporting something in ours
        address, postcode, town = rng.choice(pools.outside)
        place_street = rng.choice(directory.streets)
        location = f"{rng.choice(pools.house_numbers)} {place_street.name}"
    else:
        address, postcode, town = f"{rng.choice(pools.house_numbers)} {street.name}", city.POSTCODE, city.TOWN
        place_street = street
        location = ""
        if rng.random() < 0.45:
            place_street = rng.choice(directory.streets)
            location = f"{rng.choice(pools.house_numbers)} {place_street.name}"
    return address, postcode, town, place_street, location


def _draw_text(rng: random.Random, pools: Pools, category: CategoryInfo, place_street: Street) -> tuple[str, str]:
    place = rng.choice(PLACE_FORMATS).format(n=rng.choice(pools.house_numbers), street=place_street.name)
    subject, description = rng.choice(category.texts)
    description = description.format(place=place)
    if rng.random() < 0.5:
        description = f"{description} {rng.choice(city.DESCRIPTION_EXTRAS)}"
    return subject, description


def draw_assignment(rng: random.Random, directory: Directory, submission: Submission) -> Assignment:
    elected_ids = directory.elected_ids
    if elected_ids and submission.origin_name in ELECTED_ORIGINS and rng.random() < 0.7:
        created_by = rng.choices(elected_ids, cum_weights=directory.elected_cum)[0]
        referent = created_by if rng.random() < 0.8 else None
    else:
        created_by = rng.choice(directory.central_ids)
        referent = None
    late_referent = None
    if referent is None and elected_ids and rng.random() < 0.3:
        late_referent = rng.choices(elected_ids, cum_weights=directory.elected_cum)[0]
    category = submission.category
    return Assignment(
        created_by,
        referent,
        late_referent,
        category.instructing_id,
        category.executing_id,
        _draw_reassignment(rng, directory, category.executing_id),
    )


def _draw_reassignment(rng: random.Random, directory: Directory, executing: int | None) -> tuple[str, int] | None:
    """Now and then the category's default service is not the right one and the central service changes it."""
    if rng.random() >= 0.12:
        return None
    if executing is not None and rng.random() < 0.5:
        return "executing_service", rng.choice(directory.executing_ids)
    return "instructing_service", rng.choice(directory.instructing_ids)
