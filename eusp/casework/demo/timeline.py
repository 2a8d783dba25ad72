"""One request's life: where it stands today, the steps that led there, its events and its row.

``RequestDrawer.draw`` goes through the request's life in order: how it came in
(``intake``), where it stands today (``outcome``), the plan of steps that got it
there, their dates, then one event per step (``Timeline``). A step that the
application records in a table of its own besides the timeline (an answer to the
requester, a reminder to a service) also leaves that row. The random stream is
shared by every request of a run, so adding, removing or reordering a draw
changes all the data generated after it, the seeded demo city included.
"""

import random
from datetime import UTC, datetime, time, timedelta, tzinfo

from eusp.directory.models import Phase, State

from ..models import AnswerChannel, EventKind
from ..references import format_reference
from .directory import Directory, Pools
from .intake import Assignment, Submission, draw_assignment, draw_submission
from .outcome import Outcome, draw_outcome

# Column order of the generated rows (attnames). Model fields missing here get their default.
REQUEST_FIELDS = (
    "reference", "year", "number",
    "requester_civility", "requester_last_name", "requester_first_name", "requester_address",
    "requester_postcode", "requester_city", "requester_phone", "requester_email",
    "origin_id", "received_on", "category_id", "subject", "description", "location_address",
    "district_id", "latitude", "longitude", "referent_official_id", "instructing_service_id",
    "executing_service_id", "state_id", "priority_id", "feasibility", "expected_delay_days", "due_on",
    "estimated_cost", "multi_year_budget", "budget_year", "created_by_id", "created_at", "updated_at",
    "closed_at", "is_archived", "archived_at", "version", "done_on", "closing_reason",
    "first_instructed_on", "first_answered_on",
)  # fmt: skip
EVENT_FIELDS = ("service_request_id", "kind", "actor_id", "created_at", "note", "changes", "is_internal")
ANSWER_FIELDS = (
    "service_request_id", "channel", "answered_on", "recipient_email", "subject", "text", "author_id", "created_at",
)  # fmt: skip
REMINDER_FIELDS = ("service_request_id", "service_id", "message", "sent_by_id", "sent_at", "is_automatic")

DAY = 86400
# Office hours as UTC seconds of the day: Paris 7 h 30–17 h in winter, 8 h 30–18 h in summer.
OFFICE_START, OFFICE_END = 6 * 3600 + 1800, 16 * 3600

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
ANSWER = EventKind.ANSWER.value
EMAIL, LETTER, PHONE = AnswerChannel.EMAIL.value, AnswerChannel.LETTER.value, AnswerChannel.PHONE.value
YES_NO = {False: "Non", True: "Oui"}


class RequestDrawer:
    """Draws one request's row and events; ``detailed`` adds the events a demo should show."""

    def __init__(
        self, rng: random.Random, directory: Directory, pools: Pools, *, detailed: bool, now: datetime, tz: tzinfo
    ):
        self.rng = rng
        self.directory = directory
        self.pools = pools
        self.detailed = detailed
        self.now = now
        self.tz = tz

    def draw(
        self, created_at: datetime, year: int, number: int, forced_state: State | None = None
    ) -> tuple[tuple, list[tuple], list[tuple], list[tuple]]:
        """The row (in ``REQUEST_FIELDS`` order), then its events, answers and reminders.

        Events, answers and reminders are laid out as ``EVENT_FIELDS``, ``ANSWER_FIELDS`` and
        ``REMINDER_FIELDS`` less the request id, which the writer supplies.
        """
        created_utc = created_at.astimezone(UTC)
        age_s = (self.now - created_utc).total_seconds()
        submission = draw_submission(self.rng, self.directory, self.pools, created_at)
        assignment = draw_assignment(self.rng, self.directory, submission)
        age_days = age_s / DAY
        outcome = draw_outcome(
            self.rng, self.directory, submission.category, age_days, detailed=self.detailed, forced_state=forced_state
        )
        self._give_open_request_a_referent(assignment, outcome)
        plan = self._plan(assignment, outcome)
        times = self._schedule(plan, created_utc, age_s)
        reference = format_reference(year, number)
        timeline = Timeline(self, submission, assignment, outcome, created_at, year, reference)
        for (step, _), at in zip(plan[1:], times[1:], strict=True):
            getattr(timeline, step)(at)
        timeline.remind_if_overdue(times[-1])
        # Drawn last, after the timeline, where it has always been: moving it would change every seeded data set.
        priority_id = self.rng.choices(self.directory.priority_ids, cum_weights=self.directory.priority_cum)[0]
        row = request_row(submission, assignment, outcome, timeline, created_at, reference, year, number, priority_id)
        return row, timeline.events, timeline.answers, timeline.reminders

    def _give_open_request_a_referent(self, assignment: Assignment, outcome: Outcome) -> None:
        """Compact mode: an open request gets an élu référent, so its assignment step has something to record."""
        if self.detailed or outcome.phase != Phase.OPEN or not self.directory.elected_ids:
            return
        if assignment.referent is None and assignment.late_referent is None:
            cum_weights = self.directory.elected_cum
            assignment.late_referent = self.rng.choices(self.directory.elected_ids, cum_weights=cum_weights)[0]

    # The steps that led there ---------------------------------------------------------------------

    def _plan(self, assignment: Assignment, outcome: Outcome) -> list[tuple[str, float]]:
        """The steps as (name, nominal gap in seconds since the previous step).

        Every name after the leading "created" is the ``Timeline`` method that records that step.
        """
        rng, detailed, phase, finished = self.rng, self.detailed, outcome.phase, outcome.finished
        plan = [("created", 0)]
        # Compact mode keeps finished requests within five events by leaving reassignments out.
        changes_assignment = assignment.reassigned or assignment.late_referent or (not detailed and phase == Phase.OPEN)
        if changes_assignment and (detailed or not finished):
            plan.append(("assigned", rng.uniform(600, 2 * DAY)))
        if detailed and rng.random() < 0.15:
            plan.append(("comment", rng.uniform(3600, 4 * DAY)))
        if outcome.instructed:
            plan.append(("instruction", rng.uniform(0.3, 10) * DAY))
            if detailed and phase != Phase.OPEN:
                plan.append(("working", rng.uniform(300, DAY)))
        if phase == Phase.WAITING:
            plan.append(("waiting", rng.uniform(1, 20) * DAY))
        elif phase == Phase.DONE:
            plan.append(("execution", outcome.delay * 1.4 * rng.uniform(0.3, 1.6) * DAY))
            if detailed:
                plan.append(("closing", rng.uniform(600, 2 * DAY)))
        elif phase == Phase.CLOSED:
            plan.append(("closing", rng.uniform(1, 15) * DAY))
        if finished and rng.random() < 0.8:
            plan.append(("answer", rng.uniform(0.1, 6) * DAY))
        elif detailed and outcome.instructed and not finished and rng.random() < 0.2:
            plan.append(("ack", rng.uniform(600, DAY)))
        if outcome.archived:
            plan.append(("archived", rng.uniform(30, 200) * DAY))
        return plan

    def _schedule(self, plan: list[tuple[str, float]], created_utc: datetime, age_s: float) -> list[datetime]:
        """The steps' dates, squeezed between creation and now when the plan is longer than the request's age."""
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
                second = at.hour * 3600 + at.minute * 60 + at.second
                if not OFFICE_START <= second < OFFICE_END:
                    at = self._next_office_morning(at, second)
                if at >= now:
                    at = previous + (now - previous) / 2
            times.append(at)
        return times

    def _next_office_morning(self, at: datetime, second: int) -> datetime:
        """Staff work in office hours: a late-evening step moves to the next morning when time allows."""
        moved = at + timedelta(seconds=(OFFICE_START - second) % DAY + self.rng.randrange(3 * 3600))
        return moved if moved < self.now else at


class Timeline:
    """One request's events, one method per step of its life, and the fields and rows the steps leave.

    ``answers`` and ``reminders`` hold one row per ANSWER and REMINDER event, as the
    application's services (``request_answer``, ``request_remind``) record them.
    """

    __slots__ = (
        "answers", "archived_at", "assignment", "central", "closed_at", "closing_reason", "current_state",
        "detailed", "directory", "due_on", "events", "expected_delay", "first_answered_on", "first_instructed_on",
        "now", "outcome", "reference", "reminders", "rng", "submission", "tz", "year",
    )  # fmt: skip

    def __init__(
        self,
        drawer: RequestDrawer,
        submission: Submission,
        assignment: Assignment,
        outcome: Outcome,
        created_at: datetime,
        year: int,
        reference: str,
    ):
        self.rng = drawer.rng
        self.directory = drawer.directory
        self.detailed = drawer.detailed
        self.now = drawer.now
        self.tz = drawer.tz
        self.submission = submission
        self.assignment = assignment
        self.outcome = outcome
        self.year = year
        self.reference = reference
        self.answers: list[tuple] = []
        self.reminders: list[tuple] = []
        self.current_state = self.directory.initial_state
        self.expected_delay = submission.category.delay
        self.due_on = self.closed_at = self.archived_at = None
        self.first_instructed_on = self.first_answered_on = None  # as the services set them
        self.closing_reason = ""
        self.events = [self._creation(created_at)]
        self.central = self.rng.choice(self.directory.central_ids)  # the central agent who follows it

    def _creation(self, created_at: datetime) -> tuple:
        d, a, change = self.directory, self.assignment, self.directory.change
        snapshot = {
            "instructing_service": change("instructing_service", "", d.service_names.get(a.instructing, "")),
            "state": change("state", "", d.initial_state.label),
        }
        if a.executing is not None:
            snapshot["executing_service"] = change("executing_service", "", d.service_names[a.executing])
        if a.referent is not None:
            snapshot["referent_official"] = change("referent_official", "", d.user_names[a.referent])
        return (EventKind.CREATED.value, a.created_by, created_at, "", snapshot, False)

    def _record(
        self,
        kind: EventKind,
        actor: int,
        at: datetime,
        note: str = "",
        changes: dict | None = None,
        internal: bool = False,
    ) -> None:
        """Append one event, laid out as ``EVENT_FIELDS`` less the request id."""
        self.events.append((kind.value, actor, at, note, {} if changes is None else changes, internal))

    def _move_to(self, target: State) -> dict:
        change = self.directory.change("state", self.current_state.label, target.label)
        self.current_state = target
        return {"state": change}

    def _agent_of(self, *service_ids: int | None) -> int:
        """An agent of the first service that has one; the central service records it otherwise."""
        for service_id in service_ids:
            agents = self.directory.agents_by_service.get(service_id)
            if agents:
                return self.rng.choice(agents)
        return self.rng.choice(self.directory.central_ids)

    def _working_state(self) -> State:
        return self.outcome.state if self.outcome.phase == Phase.IN_PROGRESS else self.directory.working_state

    # Steps, in the order they can happen ----------------------------------------------------------

    def assigned(self, at: datetime) -> None:
        """The central service reassigns a service or names a référent."""
        d, a, change = self.directory, self.assignment, self.directory.change
        changes = {}
        if a.reassigned:
            field, other = a.reassigned
            before = a.instructing if field == "instructing_service" else a.executing
            changes[field] = change(field, d.service_names.get(before, ""), d.service_names[other])
            if field == "instructing_service":
                a.instructing = other
            else:
                a.executing = other
        if a.late_referent:
            changes["referent_official"] = change("referent_official", "", d.user_names[a.late_referent])
            a.referent = a.late_referent
        if not changes:  # a compact open request: the central service confirms the assignment
            changes["instructing_service"] = change("instructing_service", "", d.service_names.get(a.instructing, ""))
        self._record(EventKind.ASSIGNED, self.central, at, changes=changes)

    def comment(self, at: datetime) -> None:
        author = self.rng.choice(
            (self.central, self.assignment.created_by, self._agent_of(self.assignment.instructing))
        )
        self._record(EventKind.COMMENT, author, at, self.rng.choice(COMMENTS), internal=True)

    def instruction(self, at: datetime) -> None:
        """The instructing service states feasibility, delay, due date and cost."""
        o, change, labels = self.outcome, self.directory.change, self.directory.feasibility_labels
        self.due_on = (at.astimezone(self.tz) + timedelta(days=round(o.delay * 1.4))).date()
        changes = {"feasibility": change("feasibility", "", labels[o.feasibility])}
        if o.delay != self.expected_delay:
            changes["expected_delay_days"] = change("expected_delay_days", str(self.expected_delay), str(o.delay))
        changes["due_on"] = change("due_on", "", str(self.due_on))
        self.expected_delay = o.delay
        note = f"Faisabilité : {labels[o.feasibility]}. Délai prévu : {o.delay} jours ouvrés."
        if o.cost is not None:
            changes["estimated_cost"] = change("estimated_cost", "", str(o.cost))
            note += f" Coût estimé : {o.cost} €."
        note += " " + self.rng.choice(INSTRUCTION_NOTES)
        if not self.detailed and o.phase != Phase.OPEN:  # compact mode carries the state change here
            changes.update(self._move_to(self._working_state()))
        self._record(EventKind.INSTRUCTION, self._agent_of(self.assignment.instructing), at, note, changes)
        if self.first_instructed_on is None:
            self.first_instructed_on = at.astimezone(self.tz).date()

    def working(self, at: datetime) -> None:
        target = self._working_state()
        if target.pk != self.current_state.pk:
            self._record(EventKind.STATE_CHANGED, self.central, at, changes=self._move_to(target))

    def waiting(self, at: datetime) -> None:
        changes = self._move_to(self.outcome.state)
        if self.outcome.multi_year:
            change = self.directory.change
            changes["multi_year_budget"] = change("multi_year_budget", YES_NO[False], YES_NO[True])
            changes["budget_year"] = change("budget_year", "", str(self.year + 1))
            note = "Inscription au budget de l'année suivante."
        else:
            note = "En attente d'un complément."
        self._record(EventKind.STATE_CHANGED, self.central, at, note, changes)

    def execution(self, at: datetime) -> None:
        changes = {} if self.detailed else self._move_to(self.outcome.state)  # detailed mode closes in its own step
        author = self._agent_of(self.assignment.executing, self.assignment.instructing)
        self._record(EventKind.EXECUTION, author, at, self.rng.choice(EXECUTION_NOTES), changes)
        self.closed_at = at

    def closing(self, at: datetime) -> None:
        note = "" if self.outcome.phase == Phase.DONE else self.rng.choice(CLOSE_REASONS)
        self._record(EventKind.STATE_CHANGED, self.central, at, note, self._move_to(self.outcome.state))
        self.closed_at = at
        self.closing_reason = note

    def answer(self, at: datetime) -> None:
        """The written answer to the requester once the request is finished."""
        self._reply(at, ANSWERS_DONE if self.outcome.phase == Phase.DONE else ANSWERS_CLOSED)

    def ack(self, at: datetime) -> None:
        """An acknowledgement to the requester while the request is still being handled."""
        self._reply(at, ANSWER_ACK)

    def _reply(self, at: datetime, text: str) -> None:
        """The answer's row and its event, as ``request_answer`` records them (the e-mail went out)."""
        email = self.submission.email
        if email and self.rng.random() < 0.7:
            channel = EMAIL
        else:
            channel = self.rng.choice((LETTER, PHONE))
            email = ""
        d = self.directory
        answered_on = at.astimezone(self.tz).date()
        day = f"{answered_on.day:02}/{answered_on.month:02}/{answered_on.year}"
        # The channel's entry is shared by every answer on that channel: nothing changes events once drawn.
        changes = {"channel": d.channel_changes[channel], "answered_on": {**d.answered_on_change, "after": day}}
        if email:
            changes["recipient_email"] = {**d.recipient_change, "after": email}
        subject = d.answer_subject.replace("{reference}", self.reference) if channel != PHONE else ""
        self.answers.append((channel, answered_on, email, subject, text, self.central, at))
        if self.first_answered_on is None or answered_on < self.first_answered_on:
            self.first_answered_on = answered_on
        self.events.append((ANSWER, self.central, at, text, changes, False))

    def archived(self, at: datetime) -> None:
        changes = {"is_archived": self.directory.change("is_archived", YES_NO[False], YES_NO[True])}
        self._record(EventKind.ARCHIVED, self.central, at, changes=changes)
        self.archived_at = at

    def remind_if_overdue(self, last_step_at: datetime) -> None:
        """Detailed mode: an overdue request gets a reminder from the central service, after its last step."""
        o, a = self.outcome, self.assignment
        if not self.detailed or o.finished or self.due_on is None or self.rng.random() >= 0.6:
            return
        remind_at = datetime.combine(self.due_on, time(9), tzinfo=self.tz).astimezone(UTC) + timedelta(days=3)
        service_id = a.executing or a.instructing
        if service_id is not None and last_step_at < remind_at < self.now:
            d, actor = self.directory, self.central
            service = d.service_names[service_id]
            note = f"Relance envoyée au service {service} : échéance dépassée."
            # The row and event ``request_remind`` records; an actor None would be the automatic schedule.
            self.reminders.append((service_id, note, actor, remind_at, actor is None))
            changes = {"service": {"label": d.reminder_label, "before": "", "after": service}}
            self._record(EventKind.REMINDER, actor, remind_at, note, changes)


def request_row(
    s: Submission,
    a: Assignment,
    o: Outcome,
    timeline: Timeline,
    created_at: datetime,
    reference: str,
    year: int,
    number: int,
    priority_id: int,
) -> tuple:
    """The request's row, in ``REQUEST_FIELDS`` order, as its timeline left it."""
    last_event_at = timeline.events[-1][2]
    closed_at = timeline.closed_at
    if o.finished and closed_at is None:  # e.g. forced state without its closing step
        closed_at = last_event_at
    return (
        reference, year, number,
        s.civility, s.last_name, s.first_name, s.address, s.postcode, s.town, s.phone, s.email,
        s.origin_id, s.received_on, s.category.id, s.subject, s.description, s.location,
        s.place_street.district_id, s.latitude, s.longitude, a.referent, a.instructing,
        a.executing, o.state.pk, priority_id,
        o.feasibility if o.instructed else "", timeline.expected_delay, timeline.due_on,
        o.cost, o.multi_year, year + 1 if o.multi_year else None, a.created_by, created_at, last_event_at,
        closed_at, o.archived, timeline.archived_at, len(timeline.events),
        # What the application's services set when work is done or a request is closed.
        closed_at.astimezone(timeline.tz).date() if o.phase == Phase.DONE else None,
        timeline.closing_reason if o.phase == Phase.CLOSED else "",
        timeline.first_instructed_on, timeline.first_answered_on,
    )  # fmt: skip
