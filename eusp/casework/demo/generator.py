"""Realistic requests and timelines for the demo city and for volume benchmarks.

Speed matters (a million requests on PostgreSQL in minutes), so the per-row work
is plain Python on tuples: names, phones and addresses come from pools drawn once
from Faker, dates from one sorted draw, and rows go to the database by
``bulk_create`` or, on PostgreSQL, by ``COPY``.

Requests are written in chronological batches; each batch allocates its
reference numbers per year through ``reference_allocate`` inside its own
transaction, so generated data coexists with requests created interactively.
"""

import json
import random
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from itertools import accumulate

from django.db import connection, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from faker import Faker

from eusp.accounts.models import Profile, User
from eusp.directory.models import Category, District, Origin, Phase, Priority, Service, State
from eusp.directory.seed import seed_reference_data

from ..events import events_bulk_record
from ..models import Civility, EventKind, Feasibility, RequestEvent, ServiceRequest
from ..references import format_reference, reference_allocate
from . import city

DEMO_PASSWORD = "demo"  # noqa: S105 — demo-only accounts, documented as such

# Column order of the generated rows (attnames). Model fields missing here get their default.
REQUEST_FIELDS = (
    "reference", "year", "number",
    "requester_civility", "requester_last_name", "requester_first_name", "requester_address",
    "requester_postcode", "requester_city", "requester_phone", "requester_email",
    "origin_id", "received_on", "category_id", "subject", "description", "location_address",
    "district_id", "latitude", "longitude", "referent_official_id", "instructing_service_id",
    "executing_service_id", "state_id", "priority_id", "feasibility", "expected_delay_days", "due_on",
    "estimated_cost", "multi_year_budget", "budget_year", "created_by_id", "created_at", "updated_at",
    "closed_at", "is_archived", "archived_at", "version",
)  # fmt: skip
EVENT_FIELDS = ("service_request_id", "kind", "actor_id", "created_at", "note", "changes", "is_internal")

DAY = 86400
# Office hours as UTC seconds of the day: Paris 7 h 30–17 h in winter, 8 h 30–18 h in summer.
OFFICE_START, OFFICE_END = 6 * 3600 + 1800, 16 * 3600
# Requests arrive in office hours, mostly on weekdays; none between 0 h and 7 h,
# which also keeps clear of the hours that daylight-saving time skips or repeats.
HOUR_WEIGHTS = [0] * 7 + [3, 8, 10, 10, 8, 5, 6, 9, 9, 8, 6, 4, 2, 1, 1, 0.5, 0]
WEEKDAY_WEIGHTS = [1.0, 1.05, 0.95, 1.0, 0.9, 0.25, 0.08]
MONTH_WEIGHTS = [0, 0.9, 0.9, 1.05, 1.15, 1.2, 1.1, 0.85, 0.65, 1.1, 1.1, 0.95, 0.8]

ORIGIN_WEIGHTS = {
    "Téléphone": 24, "Mail": 22, "N° Vert": 12, "Courrier": 12, "Accueil en mairie": 9,
    "Conseil de quartier": 5, "Cabinet du Maire": 5, "Par élu": 8, "Note": 2, "Non spécifié": 1,
}  # fmt: skip
# Days between the citizen's contact and its entry, by origin (a letter takes longer).
RECEIVED_LAG = {"Courrier": (1, 8), "Mail": (0, 3), "Cabinet du Maire": (0, 6), "Conseil de quartier": (1, 10)}
PRIORITY_WEIGHTS = {"Basse": 14, "Normale": 66, "Haute": 15, "Urgente": 5}
ELECTED_ORIGINS = ("Par élu", "Conseil de quartier")

# Phase probabilities by age of the request: recent ones are open, old ones finished.
PHASE_ORDER = (Phase.OPEN, Phase.IN_PROGRESS, Phase.WAITING, Phase.DONE, Phase.CLOSED)
PHASE_BY_AGE = [  # (max age in days, weights in PHASE_ORDER)
    (7, (55, 30, 5, 8, 2)),
    (30, (25, 35, 12, 22, 6)),
    (90, (8, 25, 14, 44, 9)),
    (365, (3, 8, 10, 68, 11)),
    (None, (1, 2, 6, 79, 12)),
]

CLOSE_REASONS = [
    "Doublon d'une demande déjà enregistrée.",
    "Ne relève pas de la compétence de la commune (domaine privé).",
    "Relève du bailleur social, le demandeur a été orienté.",
    "Après vérification sur place, aucune anomalie constatée.",
    "Demande non réalisable techniquement.",
    "Relève du conseil départemental (route départementale), demande transmise.",
]
EXECUTION_NOTES = [
    "Intervention réalisée par l'équipe.",
    "Travaux réalisés, site nettoyé et sécurisé.",
    "Réparation effectuée ; contrôle prévu dans un mois.",
    "Intervention réalisée par l'entreprise titulaire du marché.",
    "Remplacement du matériel effectué.",
]
INSTRUCTION_NOTES = [
    "Constat fait sur place.",
    "Visite du site effectuée avec le demandeur.",
    "Intervention à programmer dans la tournée du secteur.",
    "Matériel à commander auprès du fournisseur.",
    "Intervention à coordonner avec un autre service.",
]
COMMENTS = [
    "Le demandeur a rappelé pour connaître l'avancement.",
    "Point fait en réunion de service.",
    "Le conseil de quartier suit ce dossier.",
    "Photos complémentaires reçues par courriel.",
]
ANSWERS_DONE = (
    "Madame, Monsieur, nous vous informons que l'intervention que vous aviez demandée a été réalisée. "
    "Nous vous remercions de votre signalement."
)
ANSWERS_CLOSED = (
    "Madame, Monsieur, après étude, nous ne sommes pas en mesure de donner suite à votre demande. "
    "Le service reste à votre disposition pour tout complément."
)
ANSWER_ACK = "Madame, Monsieur, votre demande a bien été enregistrée et transmise au service compétent."
PLACE_FORMATS = ("devant le {n} {street}", "au niveau du {n} {street}", "{street}", "en face du {n} {street}")
MAIL_DOMAINS = ["orange.fr", "free.fr", "gmail.com", "laposte.net", "sfr.fr", "wanadoo.fr", "hotmail.fr", "yahoo.fr"]
YES_NO = {False: "Non", True: "Oui"}
FEASIBLE = Feasibility.FEASIBLE.value
NOT_FEASIBLE = Feasibility.NOT_FEASIBLE.value
TO_STUDY = Feasibility.TO_STUDY.value


# --- reference data of the demo city -------------------------------------------------------------


def city_reference_ensure() -> None:
    """Create the demo city's quartiers, services, categories and users (idempotent)."""
    if not (Origin.objects.exists() and State.objects.exists() and Priority.objects.exists()):
        seed_reference_data(Origin, State, Priority)
    for position, (code, name, _streets) in enumerate(city.DISTRICTS, start=1):
        District.objects.get_or_create(name=name, defaults={"code": code, "position": position})
    services = {}
    for position, (name, local_part, kind) in enumerate(city.SERVICES, start=1):
        services[name], _ = Service.objects.get_or_create(
            name=name, defaults={"email": f"{local_part}@{city.MAIL_DOMAIN}", "kind": kind, "position": position}
        )
    for position, spec in enumerate(city.CATEGORIES, start=1):
        Category.objects.get_or_create(
            name=spec["name"],
            defaults={
                "theme": spec["theme"],
                "default_instructing_service": services[spec["instructing"]],
                "default_executing_service": services[spec["executing"]] if spec["executing"] else None,
                "default_delay_days": spec["delay"],
                "position": position,
            },
        )
    for username, first_name, last_name, profile, job_title, service_names, admin in city.USERS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first_name,
                "last_name": last_name,
                "email": f"{username}@{city.MAIL_DOMAIN}",
                "profile": profile,
                "job_title": job_title,
                "is_staff": admin,
                "is_superuser": admin,
            },
        )
        if not created:
            continue  # an existing account keeps its password and memberships
        # Direct set_password: the validators reject "demo", which is fine for demo-only accounts.
        if username in city.DEMO_LOGINS:
            user.set_password(DEMO_PASSWORD)
        else:
            user.set_unusable_password()
        user.save(update_fields=["password"])
        if service_names:
            user.services.set([services[name] for name in service_names])


# --- what the generator draws from ---------------------------------------------------------------


@dataclass(frozen=True)
class _CategoryInfo:
    id: int
    name: str
    instructing_id: int | None
    executing_id: int | None
    delay: int
    texts: tuple


@dataclass(frozen=True)
class _Street:
    name: str
    district_id: int | None
    coordinates: tuple  # a few (latitude, longitude) pairs as Decimals


class Directory:
    """The reference data and users, read once, as plain ids and labels."""

    def __init__(self, rng: random.Random):
        self.labels = {f.name: str(f.verbose_name) for f in ServiceRequest._meta.concrete_fields}
        self.feasibility_labels = {value: str(label) for value, label in Feasibility.choices}

        origins = list(Origin.objects.filter(is_active=True).values_list("pk", "name"))
        self.origin_ids = [pk for pk, _ in origins]
        self.origin_names = dict(origins)
        self.origin_cum = list(accumulate(ORIGIN_WEIGHTS.get(name, 2) for _, name in origins))

        priorities = list(Priority.objects.filter(is_active=True).values_list("pk", "label", "is_default"))
        self.priority_ids = [pk for pk, _, _ in priorities]
        self.priority_cum = list(
            accumulate(PRIORITY_WEIGHTS.get(label, 60 if default else 10) for _, label, default in priorities)
        )

        services = list(Service.objects.filter(is_active=True))
        self.service_names = {s.pk: s.name for s in Service.objects.all()}
        self.instructing_ids = [s.pk for s in services if s.can_instruct]
        self.executing_ids = [s.pk for s in services if s.can_execute]

        specs = {spec["name"]: spec for spec in city.CATEGORIES}
        self.categories = []
        weights = []
        for c in Category.objects.filter(is_active=True):
            spec = specs.get(c.name, {})
            texts = spec.get("texts") or [(c.name, f"Signalement {{place}} : {c.name.lower()}.")]
            info = _CategoryInfo(
                id=c.pk,
                name=c.name,
                instructing_id=c.default_instructing_service_id,
                executing_id=c.default_executing_service_id,
                delay=c.default_delay_days or 15,
                texts=tuple(texts),
            )
            self.categories.append(info)
            weights.append(spec.get("weight", 2))
        if not self.categories:
            raise ValueError("Aucune catégorie active : chargez d'abord les référentiels (load_demo_city).")
        self.category_cum = list(accumulate(weights))

        states = list(State.objects.filter(is_active=True).order_by("position", "pk"))
        self.state_labels = {s.pk: s.label for s in State.objects.all()}
        self.states_by_phase = {phase: [s for s in states if s.phase == phase] for phase in Phase.values}
        initial = next((s for s in states if s.is_initial), None) or (self.states_by_phase[Phase.OPEN] or [None])[0]
        if initial is None:
            raise ValueError("Aucun état initial actif dans les référentiels.")
        self.initial_state = initial
        self.working_state = (self.states_by_phase[Phase.IN_PROGRESS] or [initial])[0]
        self.multi_year_state_ids = {s.pk for s in states if "pluriannuel" in s.label.casefold()}
        self.all_states = states
        # A phase without any active state falls back on a neighbour, so every draw lands on a state.
        fallback = {
            Phase.OPEN: Phase.IN_PROGRESS, Phase.IN_PROGRESS: Phase.OPEN, Phase.WAITING: Phase.IN_PROGRESS,
            Phase.DONE: Phase.CLOSED, Phase.CLOSED: Phase.DONE,
        }  # fmt: skip
        for phase in Phase.values:
            if not self.states_by_phase[phase]:
                self.states_by_phase[phase] = self.states_by_phase[fallback[phase]] or [initial]

        users = list(User.objects.filter(is_active=True).prefetch_related("services"))
        self.user_names = {u.pk: str(u) for u in users}
        self.central_ids = [u.pk for u in users if u.profile == Profile.CENTRAL]
        self.elected_ids = [u.pk for u in users if u.profile == Profile.ELECTED]
        if not self.central_ids:
            raise ValueError("Aucun utilisateur du service centralisateur : chargez d'abord load_demo_city.")
        # The demo élu is référent of a good share, so logging in as « elu » shows a full list.
        self.elected_cum = list(accumulate(4 if u.username == "elu" else 1 for u in users if u.pk in self.elected_ids))
        self.agents_by_service: dict[int, list[int]] = {}
        for u in users:
            if u.profile == Profile.AGENT:
                for s in u.services.all():
                    self.agents_by_service.setdefault(s.pk, []).append(u.pk)

        self.streets = self._streets(rng)

    @staticmethod
    def _streets(rng: random.Random) -> list[_Street]:
        districts = dict(District.objects.values_list("name", "pk"))
        streets = []
        for index, (_code, name, names) in enumerate(city.DISTRICTS):
            # Quartiers around the town hall, streets around their quartier's centre.
            lat0 = city.CENTRE[0] + 0.012 * ((index % 4) - 1.5)
            lon0 = city.CENTRE[1] + 0.016 * ((index // 4) - 1)
            for street in names:
                lat, lon = lat0 + rng.uniform(-0.004, 0.004), lon0 + rng.uniform(-0.006, 0.006)
                coordinates = tuple(
                    (Decimal(f"{lat + rng.uniform(-6e-4, 6e-4):.6f}"), Decimal(f"{lon + rng.uniform(-8e-4, 8e-4):.6f}"))
                    for _ in range(6)
                )
                streets.append(_Street(street, districts.get(name), coordinates))
        return streets


def _ascii_slug(value: str) -> str:
    ascii_value = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    return ascii_value.lower().replace(" ", "-").replace("'", "")


class Pools:
    """Requester identities drawn once from Faker (seeded), then picked at random per row."""

    def __init__(self, seed: int, size: int = 800):
        fake = Faker("fr_FR")
        fake.seed_instance(seed)
        self.female = sorted({fake.first_name_female() for _ in range(size // 2)})
        self.male = sorted({fake.first_name_male() for _ in range(size // 2)})
        self.last = sorted({fake.last_name() for _ in range(size)})
        self.phones = [fake.phone_number() for _ in range(size)]
        self.slugs = {name: _ascii_slug(name) for name in (*self.female, *self.male, *self.last)}
        # A few requesters live in neighbouring towns.
        self.outside = [(fake.street_address(), fake.postcode(), fake.city()) for _ in range(size // 8)]
        self.house_numbers = [str(n) for n in range(1, 140)]


# --- the generator -------------------------------------------------------------------------------


class RequestGenerator:
    """Draws requests and their timelines; ``detailed`` adds the events a demo should show.

    Compact mode (benchmarks) keeps 2 to 5 events per request by carrying state
    changes on the instruction/execution events; detailed mode records them apart
    and adds reminders, comments and acknowledgements.
    """

    def __init__(self, *, seed: int, detailed: bool, now: datetime | None = None):
        self.rng = random.Random(seed)
        self.detailed = detailed
        self.now = (now or timezone.now()).astimezone(UTC)
        self.tz = timezone.get_current_timezone()
        self.directory = Directory(self.rng)
        self.pools = Pools(seed)
        self.forced_states: dict[int, State] = {}

    # Dates ---------------------------------------------------------------------------------------

    def timestamps(self, count: int, years: float) -> tuple[datetime, list[int]]:
        """Sorted creation times as second offsets (local wall clock) from a local midnight."""
        rng = self.rng
        now_local = self.now.astimezone(self.tz)
        today = now_local.date()
        first_day = today - timedelta(days=round(365.25 * years))
        ndays = (today - first_day).days + 1
        weights = []
        for d in range(ndays):
            day = first_day + timedelta(days=d)
            # Slowly growing use of the service over the period.
            weights.append(WEEKDAY_WEIGHTS[day.weekday()] * MONTH_WEIGHTS[day.month] * (0.75 + 0.5 * d / ndays))
        days = rng.choices(range(ndays), cum_weights=list(accumulate(weights)), k=count)
        hours = rng.choices(range(24), weights=HOUR_WEIGHTS, k=count)
        random_ = rng.random
        offsets = [d * DAY + h * 3600 + int(random_() * 3600) for d, h in zip(days, hours, strict=True)]
        limit = (ndays - 1) * DAY + now_local.hour * 3600 + now_local.minute * 60 + now_local.second - 120
        # Today's draws past the current time move to earlier today (or yesterday evening).
        offsets = [o if o < limit else max(0, limit - rng.randint(0, 6 * 3600)) for o in offsets]
        offsets.sort()
        return datetime.combine(first_day, time(0), tzinfo=self.tz), offsets

    def force_every_state(self, count: int) -> None:
        """Pin one old request per active state, so a small demo still shows them all."""
        states = self.directory.all_states
        if count < 2 * len(states):
            return
        indices = self.rng.sample(range(count // 3), len(states))
        self.forced_states = dict(zip(indices, states, strict=True))

    # Writing -------------------------------------------------------------------------------------

    def run(
        self,
        count: int,
        *,
        years: float = 3,
        batch_size: int = 5000,
        use_copy: bool | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> tuple[int, int]:
        """Generate and write ``count`` requests; return (requests, events) written."""
        if use_copy is None:
            use_copy = connection.vendor == "postgresql"
        start, offsets = self.timestamps(count, years)
        done = events_total = 0
        for first in range(0, count, batch_size):
            chunk = offsets[first : first + batch_size]
            with transaction.atomic():
                rows, events = self._batch(first, [start + timedelta(seconds=o) for o in chunk])
                if use_copy:
                    self._write_copy(rows, events)
                else:
                    self._write_orm(rows, events)
            done += len(rows)
            events_total += sum(len(e) for e in events)
            if progress:
                progress(done, events_total)
        return done, events_total

    def _batch(self, first_index: int, created: list[datetime]) -> tuple[list[tuple], list[list[tuple]]]:
        """Rows of one batch, numbered per year in creation order (call inside its transaction)."""
        per_year = Counter(dt.year for dt in created)
        next_number = {year: reference_allocate(year, n) for year, n in sorted(per_year.items())}
        rows, events = [], []
        for i, created_at in enumerate(created):
            year = created_at.year
            number = next_number[year]
            next_number[year] = number + 1
            row, timeline = self._request(first_index + i, created_at, year, number)
            rows.append(row)
            events.append(timeline)
        return rows, events

    def _write_orm(self, rows: list[tuple], events: list[list[tuple]]) -> None:
        objs = [ServiceRequest(**dict(zip(REQUEST_FIELDS, row, strict=True))) for row in rows]
        ServiceRequest.objects.bulk_create(objs, batch_size=1000)
        ids = [obj.pk for obj in objs]
        if None in ids:  # a backend that does not return ids from a bulk insert
            by_ref = dict(
                ServiceRequest.objects.filter(reference__in=[o.reference for o in objs]).values_list("reference", "pk")
            )
            ids = [by_ref[o.reference] for o in objs]
        events_bulk_record(
            (
                RequestEvent(**dict(zip(EVENT_FIELDS, (pk, *event), strict=True)))
                for pk, timeline in zip(ids, events, strict=True)
                for event in timeline
            ),
            batch_size=2000,
        )
        # bulk_create stamps updated_at (auto_now) with the current time; restore the last event's.
        last_event = RequestEvent.objects.filter(service_request=OuterRef("pk")).order_by("-created_at")
        for i in range(0, len(ids), 900):
            ServiceRequest.objects.filter(pk__in=ids[i : i + 900]).update(
                updated_at=Subquery(last_event.values("created_at")[:1])
            )

    def _write_copy(self, rows: list[tuple], events: list[list[tuple]]) -> None:
        """PostgreSQL COPY: ids reserved from the table's sequence, then both tables streamed."""
        request_table, event_table = ServiceRequest._meta.db_table, RequestEvent._meta.db_table
        extra = [
            f for f in ServiceRequest._meta.concrete_fields if not f.primary_key and f.attname not in REQUEST_FIELDS
        ]
        extra_values = tuple(f.get_db_prep_save(f.get_default(), connection) for f in extra)
        request_columns = ", ".join(
            connection.ops.quote_name(c) for c in ("id", *REQUEST_FIELDS, *(f.column for f in extra))
        )
        event_columns = ", ".join(connection.ops.quote_name(c) for c in EVENT_FIELDS)
        with connection.cursor() as cursor:
            # Generated data: losing the last batches in a server crash is fine, waiting for each flush is not.
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [request_table, len(rows)],
            )
            ids = [r[0] for r in cursor.fetchall()]
            with cursor.copy(f"COPY {connection.ops.quote_name(request_table)} ({request_columns}) FROM STDIN") as copy:
                for pk, row in zip(ids, rows, strict=True):
                    copy.write_row((pk, *row, *extra_values))
            dumps = json.dumps
            with cursor.copy(f"COPY {connection.ops.quote_name(event_table)} ({event_columns}) FROM STDIN") as copy:
                for pk, timeline in zip(ids, events, strict=True):
                    for kind, actor, at, note, changes, internal in timeline:
                        copy.write_row((pk, kind, actor, at, note, dumps(changes, ensure_ascii=False), internal))

    # One request ---------------------------------------------------------------------------------

    def _pick_agent(self, *service_ids: int | None) -> int:
        """An agent of the first service that has one; the central service records it otherwise."""
        for service_id in service_ids:
            agents = self.directory.agents_by_service.get(service_id)
            if agents:
                return self.rng.choice(agents)
        return self.rng.choice(self.directory.central_ids)

    def _change(self, field: str, before, after) -> dict:
        return {"label": self.directory.labels[field], "before": before, "after": after}

    def _request(self, index: int, created_at: datetime, year: int, number: int) -> tuple[tuple, list[tuple]]:
        rng, d, pools, detailed = self.rng, self.directory, self.pools, self.detailed
        random_ = rng.random
        created_utc = created_at.astimezone(UTC)
        age_s = (self.now - created_utc).total_seconds()
        age_days = age_s / DAY

        # Who asks, from where, about what.
        origin_id = rng.choices(d.origin_ids, cum_weights=d.origin_cum)[0]
        origin_name = d.origin_names[origin_id]
        category = rng.choices(d.categories, cum_weights=d.category_cum)[0]
        if random_() < 0.52:
            civility, first_name = Civility.MADAME.value, rng.choice(pools.female)
        else:
            civility, first_name = Civility.MONSIEUR.value, rng.choice(pools.male)
        last_name = rng.choice(pools.last)
        street = rng.choice(d.streets)
        if random_() < 0.05:
            address, postcode, town = rng.choice(pools.outside)
            place_street = rng.choice(d.streets)
            location = f"{rng.choice(pools.house_numbers)} {place_street.name}"
        else:
            address, postcode, town = f"{rng.choice(pools.house_numbers)} {street.name}", city.POSTCODE, city.TOWN
            place_street = street
            location = ""
            if random_() < 0.45:
                place_street = rng.choice(d.streets)
                location = f"{rng.choice(pools.house_numbers)} {place_street.name}"
        phone = rng.choice(pools.phones) if random_() < 0.72 else ""
        email = ""
        if origin_name == "Mail" or random_() < 0.45:
            email = f"{pools.slugs[first_name]}.{pools.slugs[last_name]}@{rng.choice(MAIL_DOMAINS)}"
        latitude = longitude = None
        if random_() < 0.35:
            latitude, longitude = rng.choice(place_street.coordinates)
        place = rng.choice(PLACE_FORMATS).format(n=rng.choice(pools.house_numbers), street=place_street.name)
        subject, description = rng.choice(category.texts)
        description = description.format(place=place)
        if random_() < 0.5:
            description = f"{description} {rng.choice(city.DESCRIPTION_EXTRAS)}"
        lag = RECEIVED_LAG.get(origin_name)
        received_on = created_at.date() - timedelta(days=rng.randint(*lag) if lag else 0)

        # Who enters it and who follows it.
        if d.elected_ids and origin_name in ELECTED_ORIGINS and random_() < 0.7:
            created_by = rng.choices(d.elected_ids, cum_weights=d.elected_cum)[0]
            referent = created_by if random_() < 0.8 else None
        else:
            created_by = rng.choice(d.central_ids)
            referent = None
        late_referent = None
        if referent is None and d.elected_ids and random_() < 0.3:
            late_referent = rng.choices(d.elected_ids, cum_weights=d.elected_cum)[0]
        instructing = category.instructing_id
        executing = category.executing_id
        reassigned = None
        if random_() < 0.12:
            pool = d.executing_ids if executing is not None and random_() < 0.5 else d.instructing_ids
            other = rng.choice(pool)
            reassigned = ("executing_service" if pool is d.executing_ids else "instructing_service", other)

        # Where it stands today.
        forced = self.forced_states.get(index)
        if forced is not None:
            state = forced
            phase = forced.phase
        else:
            weights = next(w for limit, w in PHASE_BY_AGE if limit is None or age_days < limit)
            phase = rng.choices(PHASE_ORDER, weights=weights)[0]
            candidates = d.states_by_phase[phase]
            if category.delay < 20:  # small jobs never wait for a multi-year budget
                candidates = [s for s in candidates if s.pk not in d.multi_year_state_ids] or candidates
            state = rng.choice(candidates)
            phase = state.phase
        finished = phase in (Phase.DONE, Phase.CLOSED)
        archived = finished and ((age_days > 180 and random_() < 0.7) or (60 < age_days <= 180 and random_() < 0.25))
        instructed = phase != Phase.OPEN or (detailed and random_() < 0.1)
        delay = category.delay
        if instructed:
            delay = max(1, round(delay * rng.choice((0.5, 0.8, 1, 1, 1, 1.5, 2))))
        # Plain values, not enum members: psycopg's COPY would write an Enum's name.
        if phase == Phase.DONE:
            feasibility = FEASIBLE
        elif phase == Phase.CLOSED:
            feasibility = NOT_FEASIBLE if random_() < 0.7 else FEASIBLE
        elif phase == Phase.OPEN:
            feasibility = TO_STUDY
        else:
            feasibility = FEASIBLE if random_() < 0.7 else TO_STUDY
        multi_year = state.pk in d.multi_year_state_ids
        cost = None
        if multi_year:
            cost = Decimal(rng.randrange(8_000, 250_000, 500))
        elif instructed and random_() < 0.2:
            cost = Decimal(rng.randrange(150, 12_000, 50))

        if not detailed and phase == Phase.OPEN and referent is None and late_referent is None and d.elected_ids:
            late_referent = rng.choices(d.elected_ids, cum_weights=d.elected_cum)[0]

        # Plan of the timeline: (kind, nominal gap in seconds since the previous event).
        plan = [("created", 0)]
        # Compact mode keeps finished requests within five events by leaving reassignments out.
        if (reassigned or late_referent or (not detailed and phase == Phase.OPEN)) and (detailed or not finished):
            plan.append(("assigned", rng.uniform(600, 2 * DAY)))
        if detailed and random_() < 0.15:
            plan.append(("comment", rng.uniform(3600, 4 * DAY)))
        if instructed:
            plan.append(("instruction", rng.uniform(0.3, 10) * DAY))
            if detailed and phase != Phase.OPEN:
                plan.append(("working", rng.uniform(300, DAY)))
        if phase == Phase.WAITING:
            plan.append(("waiting", rng.uniform(1, 20) * DAY))
        elif phase == Phase.DONE:
            plan.append(("execution", delay * 1.4 * rng.uniform(0.3, 1.6) * DAY))
            if detailed:
                plan.append(("closing", rng.uniform(600, 2 * DAY)))
        elif phase == Phase.CLOSED:
            plan.append(("closing", rng.uniform(1, 15) * DAY))
        if finished and random_() < 0.8:
            plan.append(("answer", rng.uniform(0.1, 6) * DAY))
        elif detailed and instructed and not finished and random_() < 0.2:
            plan.append(("ack", rng.uniform(600, DAY)))
        if archived:
            plan.append(("archived", rng.uniform(30, 200) * DAY))

        # Fit the timeline between creation and now.
        total = sum(gap for _, gap in plan)
        room = age_s * 0.97 - 60
        scale = room / total if total > room and total > 0 else 1.0
        times = []
        at = created_utc
        now = self.now
        for _, gap in plan:
            if gap:
                previous = at
                at = at + timedelta(seconds=max(gap * scale, 1))
                # Staff work in office hours: a late-evening step moves to the next morning when time allows.
                second = at.hour * 3600 + at.minute * 60 + at.second
                if not OFFICE_START <= second < OFFICE_END:
                    moved = at + timedelta(seconds=(OFFICE_START - second) % DAY + rng.randrange(3 * 3600))
                    if moved < now:
                        at = moved
                if at >= now:
                    at = previous + (now - previous) / 2
            times.append(at)

        # The events, and the request fields they leave behind.
        lbl = self._change
        snapshot = {
            "instructing_service": lbl("instructing_service", "", d.service_names.get(instructing, "")),
            "state": lbl("state", "", d.initial_state.label),
        }
        if executing is not None:
            snapshot["executing_service"] = lbl("executing_service", "", d.service_names[executing])
        if referent is not None:
            snapshot["referent_official"] = lbl("referent_official", "", d.user_names[referent])
        timeline = [(EventKind.CREATED.value, created_by, created_at, "", snapshot, False)]
        current_state = d.initial_state
        due_on = closed_at = archived_at = None
        expected_delay = category.delay
        central = rng.choice(d.central_ids)

        def state_change(target: State) -> dict:
            nonlocal current_state
            change = lbl("state", current_state.label, target.label)
            current_state = target
            return {"state": change}

        for (kind, _), at in zip(plan[1:], times[1:], strict=True):
            if kind == "assigned":
                changes = {}
                if reassigned:
                    field, other = reassigned
                    before = instructing if field == "instructing_service" else executing
                    changes[field] = lbl(field, d.service_names.get(before, ""), d.service_names[other])
                    if field == "instructing_service":
                        instructing = other
                    else:
                        executing = other
                if late_referent:
                    changes["referent_official"] = lbl("referent_official", "", d.user_names[late_referent])
                    referent = late_referent
                if not changes:  # a compact open request: the central service confirms the assignment
                    service = d.service_names.get(instructing, "")
                    changes["instructing_service"] = lbl("instructing_service", "", service)
                timeline.append((EventKind.ASSIGNED.value, central, at, "", changes, False))
            elif kind == "comment":
                author = rng.choice((central, created_by, self._pick_agent(instructing)))
                timeline.append((EventKind.COMMENT.value, author, at, rng.choice(COMMENTS), {}, True))
            elif kind == "instruction":
                due_on = (at.astimezone(self.tz) + timedelta(days=round(delay * 1.4))).date()
                changes = {"feasibility": lbl("feasibility", "", d.feasibility_labels[feasibility])}
                if delay != expected_delay:
                    changes["expected_delay_days"] = lbl("expected_delay_days", str(expected_delay), str(delay))
                changes["due_on"] = lbl("due_on", "", str(due_on))
                expected_delay = delay
                note = f"Faisabilité : {d.feasibility_labels[feasibility]}. Délai prévu : {delay} jours ouvrés."
                if cost is not None:
                    changes["estimated_cost"] = lbl("estimated_cost", "", str(cost))
                    note += f" Coût estimé : {cost} €."
                note += " " + rng.choice(INSTRUCTION_NOTES)
                if not detailed and phase != Phase.OPEN:
                    changes.update(state_change(state if phase == Phase.IN_PROGRESS else d.working_state))
                timeline.append((EventKind.INSTRUCTION.value, self._pick_agent(instructing), at, note, changes, False))
            elif kind == "working":
                target = state if phase == Phase.IN_PROGRESS else d.working_state
                if target.pk != current_state.pk:
                    timeline.append((EventKind.STATE_CHANGED.value, central, at, "", state_change(target), False))
            elif kind == "waiting":
                changes = state_change(state)
                if multi_year:
                    changes["multi_year_budget"] = lbl("multi_year_budget", YES_NO[False], YES_NO[True])
                    changes["budget_year"] = lbl("budget_year", "", str(year + 1))
                note = "Inscription au budget de l'année suivante." if multi_year else "En attente d'un complément."
                timeline.append((EventKind.STATE_CHANGED.value, central, at, note, changes, False))
            elif kind == "execution":
                changes = {} if detailed else state_change(state)
                author = self._pick_agent(executing, instructing)
                timeline.append((EventKind.EXECUTION.value, author, at, rng.choice(EXECUTION_NOTES), changes, False))
                closed_at = at
            elif kind == "closing":
                note = "" if phase == Phase.DONE else rng.choice(CLOSE_REASONS)
                timeline.append((EventKind.STATE_CHANGED.value, central, at, note, state_change(state), False))
                closed_at = at
            elif kind in ("answer", "ack"):
                channel = "e-mail" if email and random_() < 0.7 else rng.choice(("courrier", "téléphone"))
                text = ANSWER_ACK if kind == "ack" else ANSWERS_DONE if phase == Phase.DONE else ANSWERS_CLOSED
                timeline.append((EventKind.ANSWER.value, central, at, f"Réponse par {channel} : {text}", {}, False))
            elif kind == "archived":
                changes = {"is_archived": lbl("is_archived", YES_NO[False], YES_NO[True])}
                timeline.append((EventKind.ARCHIVED.value, central, at, "", changes, False))
                archived_at = at

        # Overdue requests get a reminder from the central service (detailed mode only).
        if detailed and not finished and due_on is not None and random_() < 0.6:
            remind_at = datetime.combine(due_on, time(9), tzinfo=self.tz).astimezone(UTC) + timedelta(days=3)
            if times[-1] < remind_at < self.now:
                service = d.service_names.get(executing or instructing, "")
                note = f"Relance envoyée au service {service} : échéance dépassée."
                timeline.append((EventKind.REMINDER.value, central, remind_at, note, {}, False))

        if finished and closed_at is None:  # e.g. forced state without its closing step
            closed_at = timeline[-1][2]
        row = (
            format_reference(year, number), year, number,
            civility, last_name, first_name, address, postcode, town, phone, email,
            origin_id, received_on, category.id, subject, description, location,
            place_street.district_id, latitude, longitude, referent, instructing,
            executing, state.pk, rng.choices(d.priority_ids, cum_weights=d.priority_cum)[0],
            feasibility if instructed else "", expected_delay, due_on,
            cost, multi_year, year + 1 if multi_year else None, created_by, created_at, timeline[-1][2],
            closed_at, archived, archived_at, len(timeline),
        )  # fmt: skip
        return row, timeline


def rate_report(done: int, events: int, elapsed: float) -> str:
    def number(value: float) -> str:
        return f"{value:,.0f}".replace(",", "\u202f")  # French thousands separator

    rate = done / elapsed if elapsed else 0
    return f"{number(done)} demandes, {number(events)} événements en {elapsed:.1f} s ({number(rate)} demandes/s)"
