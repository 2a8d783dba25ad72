"""The demo city's reference data and staff, and what the request generator draws from.

``city_reference_ensure`` writes the town's quartiers, services, categories and
users; ``Directory`` reads the active reference data back once as plain ids and
labels, and ``Pools`` holds requester identities drawn once from Faker, so that
the per-request work stays plain Python.
"""

import random
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from itertools import accumulate

from django.utils.translation import gettext as _
from faker import Faker

from eusp.accounts.models import AlertMode, Profile, User
from eusp.directory.models import Category, District, Origin, Phase, Priority, Service, State
from eusp.directory.seed import seed_reference_data

from ..models import AnswerChannel, Feasibility, ServiceRequest
from ..services.answers import DEFAULT_SUBJECT
from . import city

DEMO_PASSWORD = "demo"  # noqa: S105 — demo-only accounts, documented as such

ORIGIN_WEIGHTS = {
    "Téléphone": 24, "Mail": 22, "N° Vert": 12, "Courrier": 12, "Accueil en mairie": 9,
    "Conseil de quartier": 5, "Cabinet du Maire": 5, "Par élu": 8, "Note": 2, "Non spécifié": 1,
}  # fmt: skip
PRIORITY_WEIGHTS = {"Basse": 14, "Normale": 66, "Haute": 15, "Urgente": 5}
# A phase without any active state falls back on a neighbour, so every draw lands on a state.
PHASE_FALLBACK = {
    Phase.OPEN: Phase.IN_PROGRESS, Phase.IN_PROGRESS: Phase.OPEN, Phase.WAITING: Phase.IN_PROGRESS,
    Phase.DONE: Phase.CLOSED, Phase.CLOSED: Phase.DONE,
}  # fmt: skip


# --- reference data of the demo city -------------------------------------------------------------


def city_reference_ensure() -> None:
    """Create the demo city's quartiers, services, categories and users (idempotent)."""
    if not (Origin.objects.exists() and State.objects.exists() and Priority.objects.exists()):
        seed_reference_data(Origin, State, Priority)
    for position, (code, name, _streets) in enumerate(city.DISTRICTS, start=1):
        District.objects.get_or_create(name=name, defaults={"code": code, "position": position})
    services = _services_ensure()
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
    _staff_ensure(services)


def _services_ensure() -> dict[str, Service]:
    services = {}
    for position, (name, local_part, kind) in enumerate(city.SERVICES, start=1):
        services[name], _ = Service.objects.get_or_create(
            name=name, defaults={"email": f"{local_part}@{city.MAIL_DOMAIN}", "kind": kind, "position": position}
        )
    return services


def _staff_ensure(services: dict[str, Service]) -> None:
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
                # Élus hear from many requests: the demo shows them the daily digest.
                "alert_mode": AlertMode.DIGEST if profile == Profile.ELECTED else AlertMode.IMMEDIATE,
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
        if username in city.ELECTED_DISTRICTS:
            user.districts.set(District.objects.filter(name__in=city.ELECTED_DISTRICTS[username]))


# --- what the generator draws from ---------------------------------------------------------------


@dataclass(frozen=True)
class CategoryInfo:
    id: int
    name: str
    instructing_id: int | None
    executing_id: int | None
    delay: int
    texts: tuple


@dataclass(frozen=True)
class Street:
    name: str
    district_id: int | None
    coordinates: tuple  # a few (latitude, longitude) pairs as Decimals


class Directory:
    """The reference data and users, read once, as plain ids and labels."""

    def __init__(self, rng: random.Random):
        self.labels = {f.name: str(f.verbose_name) for f in ServiceRequest._meta.concrete_fields}
        self.feasibility_labels = {value: str(label) for value, label in Feasibility.choices}
        # What ``request_answer`` and ``request_remind`` write on their events, and the answer's subject.
        self.channel_changes = {
            value: {"label": _("Canal"), "before": "", "after": str(label)} for value, label in AnswerChannel.choices
        }
        self.answered_on_change = {"label": _("Date de la réponse"), "before": "", "after": ""}
        self.recipient_change = {"label": _("Destinataire"), "before": "", "after": ""}
        self.answer_subject = str(DEFAULT_SUBJECT)
        self.reminder_label = _("service relancé")
        self._read_origins_and_priorities()
        self._read_services()
        self._read_categories()
        self._read_states()
        self._read_users()
        self.streets = self._streets(rng)

    def change(self, field: str, before, after) -> dict:
        """One field's entry in an event's ``changes``, labelled as the request form labels it."""
        return {"label": self.labels[field], "before": before, "after": after}

    def _read_origins_and_priorities(self) -> None:
        origins = list(Origin.objects.filter(is_active=True).values_list("pk", "name"))
        self.origin_ids = [pk for pk, _ in origins]
        self.origin_names = dict(origins)
        self.origin_cum = list(accumulate(ORIGIN_WEIGHTS.get(name, 2) for _, name in origins))

        priorities = list(Priority.objects.filter(is_active=True).values_list("pk", "label", "is_default"))
        self.priority_ids = [pk for pk, _, _ in priorities]
        self.priority_cum = list(
            accumulate(PRIORITY_WEIGHTS.get(label, 60 if default else 10) for _, label, default in priorities)
        )

    def _read_services(self) -> None:
        services = list(Service.objects.filter(is_active=True))
        self.service_names = {s.pk: s.name for s in Service.objects.all()}
        self.instructing_ids = [s.pk for s in services if s.can_instruct]
        self.executing_ids = [s.pk for s in services if s.can_execute]

    def _read_categories(self) -> None:
        specs = {spec["name"]: spec for spec in city.CATEGORIES}
        self.categories = []
        weights = []
        for c in Category.objects.filter(is_active=True):
            spec = specs.get(c.name, {})
            texts = spec.get("texts") or [(c.name, f"Signalement {{place}} : {c.name.lower()}.")]
            info = CategoryInfo(
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

    def _read_states(self) -> None:
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
        for phase in Phase.values:
            if not self.states_by_phase[phase]:
                self.states_by_phase[phase] = self.states_by_phase[PHASE_FALLBACK[phase]] or [initial]

    def _read_users(self) -> None:
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

    @staticmethod
    def _streets(rng: random.Random) -> list[Street]:
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
                streets.append(Street(street, districts.get(name), coordinates))
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
