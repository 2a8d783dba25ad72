"""Statistics figures on a small town counted by hand: distributions, the crossed table,
monthly and weekly series, delay percentiles, past-due shares, answers within N days.

The town (``town`` fixture, also used by the view tests) — twelve requests received in
2025, three quartiers, two services:

====  ======  ===========  =========  ============  ==========  =====  =====  ====  ======  =====
req   quart.  instructing  executing  phase         received    instr  done   due   answer  arch.
====  ======  ===========  =========  ============  ==========  =====  =====  ====  ======  =====
R1    Nord    Voirie       Voirie     done          06/01       +1     +2           +3      yes
R2    Nord    Voirie       Parcs      done          08/01       +2     +4           +20
R3    Sud     Voirie       Voirie     done          03/02       +3     +6           +10
R4    Sud     Voirie       Voirie     done          10/02       +4     +8
R5    Est     Voirie       Voirie     closed        03/03              +10c         +15
R6    Nord    Voirie       Voirie     in progress   05/03                     past
R7    Nord    Voirie       Voirie     open          20/03
R8    Sud     Parcs        Parcs      done          13/01       +10    +15    +7    +16     yes
R9    Sud     Parcs        Parcs      done          17/02              +5     +12   +1
R10   Est     Parcs        Parcs      waiting       20/02                     past
R11   Est     Parcs        Parcs      in progress   10/03                     2099
R12   Nord    —            —          open          25/03
====  ======  ===========  =========  ============  ==========  =====  =====  ====  ======  =====

(+n: days after reception; « c »: closed without action that day.) Reminders: R6 twice to
Voirie (one automatic), R2 once to Parcs, R10 once to Parcs. The élu is the referent of
R2 and R3 and created R12.
"""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from eusp.casework.models import Answer, AnswerChannel, EventKind, Reminder, RequestEvent, ServiceRequest
from eusp.casework.selectors import request_list
from eusp.casework.services import request_answer, request_instruct
from eusp.directory.models import Phase, State
from eusp.reporting.statistics import charts
from eusp.reporting.statistics.delays import delay_report, percentile
from eusp.reporting.statistics.dimensions import DIMENSIONS
from eusp.reporting.statistics.selectors import MONTH, WEEK, count_by, count_by_pair, count_by_period
from tests.factories import (
    AgentFactory,
    CategoryFactory,
    CentralFactory,
    DistrictFactory,
    ElectedFactory,
    ServiceFactory,
    ServiceRequestFactory,
)

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")
D = datetime.date


def _at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=PARIS)


def _state(phase: str) -> State:
    return State.objects.filter(phase=phase).order_by("position").first()


# name: (quartier, instructing, executing, phase, received, instruction, done, closed, due, answer, archived)
TOWN = {
    "R1": ("Nord", "Voirie", "Voirie", Phase.DONE, D(2025, 1, 6), 1, 2, None, None, 3, True),
    "R2": ("Nord", "Voirie", "Parcs", Phase.DONE, D(2025, 1, 8), 2, 4, None, None, 20, False),
    "R3": ("Sud", "Voirie", "Voirie", Phase.DONE, D(2025, 2, 3), 3, 6, None, None, 10, False),
    "R4": ("Sud", "Voirie", "Voirie", Phase.DONE, D(2025, 2, 10), 4, 8, None, None, None, False),
    "R5": ("Est", "Voirie", "Voirie", Phase.CLOSED, D(2025, 3, 3), None, None, 10, None, 15, False),
    "R6": ("Nord", "Voirie", "Voirie", Phase.IN_PROGRESS, D(2025, 3, 5), None, None, None, D(2025, 4, 1), None, False),
    "R7": ("Nord", "Voirie", "Voirie", Phase.OPEN, D(2025, 3, 20), None, None, None, None, None, False),
    "R8": ("Sud", "Parcs", "Parcs", Phase.DONE, D(2025, 1, 13), 10, 15, None, D(2025, 1, 20), 16, True),
    "R9": ("Sud", "Parcs", "Parcs", Phase.DONE, D(2025, 2, 17), None, 5, None, D(2025, 3, 1), 1, False),
    "R10": ("Est", "Parcs", "Parcs", Phase.WAITING, D(2025, 2, 20), None, None, None, D(2025, 3, 1), None, False),
    "R11": ("Est", "Parcs", "Parcs", Phase.IN_PROGRESS, D(2025, 3, 10), None, None, None, D(2099, 1, 1), None, False),
    "R12": ("Nord", None, None, Phase.OPEN, D(2025, 3, 25), None, None, None, None, None, False),
}  # fmt: skip


@pytest.fixture
def town(db):
    return build_town()


def build_town() -> dict:
    central = CentralFactory(username="claire")
    elu = ElectedFactory(username="jeanne", first_name="Jeanne", last_name="Morel")
    districts = {name: DistrictFactory(name=name) for name in ("Nord", "Sud", "Est")}
    services = {name: ServiceFactory(name=name) for name in ("Voirie", "Parcs")}
    category = CategoryFactory(
        name="Voirie et espaces", default_instructing_service=None, default_executing_service=None
    )
    requests = {}
    for name, row in TOWN.items():
        district, instructing, executing, phase, received, instruction, done, closed, due, answer, archived = row
        sr = ServiceRequestFactory(
            created_by=elu if name == "R12" else central,
            subject=name,
            category=category,
            district=districts[district],
            instructing_service=services.get(instructing),
            executing_service=services.get(executing),
            referent_official=elu if name in ("R2", "R3") else None,
            received_on=received,
        )
        finished_on = received + datetime.timedelta(days=done or closed) if (done or closed) else None
        ServiceRequest.objects.filter(pk=sr.pk).update(
            state=_state(phase),
            done_on=finished_on if done else None,
            closed_at=_at(finished_on, 16) if finished_on else None,
            due_on=due,
            is_archived=archived,
            # What request_instruct and request_answer keep on the request, from the
            # timeline written by hand below.
            first_instructed_on=received + datetime.timedelta(instruction) if instruction is not None else None,
            first_answered_on=received + datetime.timedelta(answer) if answer is not None else None,
        )
        if instruction is not None:
            RequestEvent.objects.create(
                service_request=sr,
                kind=EventKind.INSTRUCTION,
                created_at=_at(received + datetime.timedelta(instruction)),
            )
            # A later instruction (a revised delay) does not move the first one.
            RequestEvent.objects.create(
                service_request=sr, kind=EventKind.INSTRUCTION, created_at=_at(received + datetime.timedelta(40))
            )
        if answer is not None:
            Answer.objects.create(
                service_request=sr,
                channel=AnswerChannel.LETTER,
                answered_on=received + datetime.timedelta(days=answer),
                text="Réponse",
                author=central,
            )
            # A second answer later: only the first one counts.
            Answer.objects.create(
                service_request=sr,
                channel=AnswerChannel.PHONE,
                answered_on=received + datetime.timedelta(days=answer + 30),
                text="Suivi",
                author=central,
            )
        requests[name] = sr
    for name, service, automatic in (("R6", "Voirie", False), ("R6", "Voirie", True), ("R2", "Parcs", False),
                                     ("R10", "Parcs", False)):  # fmt: skip
        Reminder.objects.create(
            service_request=requests[name],
            service=services[service],
            sent_at=_at(D(2025, 4, 2)),
            is_automatic=automatic,
        )
    return {
        "central": central,
        "elu": elu,
        "voirie_agent": AgentFactory(username="agent-voirie", services=[services["Voirie"]]),
        "parcs_agent": AgentFactory(username="agent-parcs", services=[services["Parcs"]]),
        "districts": districts,
        "services": services,
        "requests": requests,
    }


def _everything(town, archived=None):
    return request_list(user=town["central"], archived=archived)


def _counts(slices) -> dict[str, int]:
    return {s.label: s.count for s in slices}


@pytest.mark.parametrize(
    "dimension, expected",
    [
        ("quartier", {"Nord": 5, "Sud": 4, "Est": 3}),
        ("service-instructeur", {"Voirie": 7, "Parcs": 4, "Non renseigné": 1}),
        ("service-execution", {"Voirie": 6, "Parcs": 5, "Non renseigné": 1}),
        ("elu", {"Jeanne Morel": 2, "Non renseigné": 10}),
        ("phase", {"Ouverte": 2, "En cours": 2, "En attente": 1, "Réalisée": 6, "Close sans suite": 1}),
        ("categorie", {"Voirie et espaces": 12}),
    ],
)
def test_distribution_by_each_dimension(town, dimension, expected):
    slices, figures = count_by(_everything(town), DIMENSIONS[dimension])
    assert _counts(slices) == expected
    assert figures.total == 12


def test_distribution_order_and_figures_per_value(town):
    slices, _ = count_by(_everything(town), DIMENSIONS["quartier"])
    assert [s.label for s in slices] == ["Nord", "Sud", "Est"]  # most requests first
    north = slices[0].figures
    assert (north.active, north.done, north.overdue) == (3, 2, 1)
    phases, _ = count_by(_everything(town), DIMENSIONS["phase"])
    assert [s.value for s in phases] == [p.value for p in Phase]  # the life of a request
    by_service, _ = count_by(_everything(town), DIMENSIONS["service-instructeur"])
    assert by_service[-1].value is None  # « non renseigné » last


def test_key_figures(town):
    _, figures = count_by(_everything(town), DIMENSIONS["quartier"])
    assert (figures.total, figures.active, figures.done, figures.closed, figures.overdue) == (12, 5, 6, 1, 2)
    assert figures.overdue_share == pytest.approx(40)


def test_archive_scope(town):
    assert count_by(_everything(town, archived=True), DIMENSIONS["quartier"])[1].total == 2
    assert count_by(_everything(town, archived=False), DIMENSIONS["quartier"])[1].total == 10


def test_crossed_table_quartier_by_phase(town):
    crossed, figures = count_by_pair(_everything(town), DIMENSIONS["quartier"], DIMENSIONS["phase"])
    ids = {name: d.pk for name, d in town["districts"].items()}
    assert crossed.cell(ids["Nord"], Phase.OPEN) == 2
    assert crossed.cell(ids["Nord"], Phase.IN_PROGRESS) == 1
    assert crossed.cell(ids["Nord"], Phase.DONE) == 2
    assert crossed.cell(ids["Sud"], Phase.DONE) == 4
    assert crossed.cell(ids["Est"], Phase.CLOSED) == 1
    assert crossed.cell(ids["Est"], Phase.WAITING) == 1
    assert crossed.cell(ids["Est"], Phase.DONE) == 0
    assert [c.label for c in crossed.columns] == ["Ouverte", "En cours", "En attente", "Réalisée", "Close sans suite"]
    assert {r.label: r.count for r in crossed.rows} == {"Nord": 5, "Sud": 4, "Est": 3}
    assert sum(crossed.cells.values()) == figures.total == 12


def test_crossed_table_of_two_foreign_keys(town):
    crossed, _ = count_by_pair(_everything(town), DIMENSIONS["service-instructeur"], DIMENSIONS["service-execution"])
    voirie, parcs = town["services"]["Voirie"].pk, town["services"]["Parcs"].pk
    assert crossed.cell(voirie, voirie) == 6
    assert crossed.cell(voirie, parcs) == 1
    assert crossed.cell(parcs, parcs) == 4
    assert crossed.cell(None, None) == 1


def test_monthly_series(town):
    periods, figures, cut = count_by_period(_everything(town), MONTH)
    assert [(p.start, p.end, p.count) for p in periods] == [
        (D(2025, 1, 1), D(2025, 1, 31), 3),
        (D(2025, 2, 1), D(2025, 2, 28), 4),
        (D(2025, 3, 1), D(2025, 3, 31), 5),
    ]
    assert figures.total == 12 and not cut


def test_weekly_series_fills_the_empty_weeks(town):
    periods, _, _ = count_by_period(_everything(town), WEEK)
    assert periods[0].start == D(2025, 1, 6) and periods[-1].start == D(2025, 3, 24)
    assert all(p.start.weekday() == 0 and p.end == p.start + datetime.timedelta(days=6) for p in periods)
    assert [p.count for p in periods] == [2, 1, 0, 0, 1, 1, 2, 0, 2, 1, 1, 1]


def test_series_bounds_follow_the_chosen_period(town):
    periods, _, _ = count_by_period(_everything(town), MONTH, start=D(2024, 11, 15), end=D(2025, 4, 30))
    assert [(p.start.month, p.count) for p in periods] == [(11, 0), (12, 0), (1, 3), (2, 4), (3, 5), (4, 0)]
    # Crafted far dates: from the first reception to this month, not millions of empty periods.
    periods, _, _ = count_by_period(_everything(town), MONTH, start=D(1, 1, 1), end=D(9999, 12, 31))
    assert periods[0].start == D(2025, 1, 1)
    assert periods[-1].start == timezone.localdate().replace(day=1)


def _rows(report) -> dict:
    return {row.label: row for row in report.rows}


def test_delays_per_instructing_service(town):
    report = delay_report(_everything(town), DIMENSIONS["service-instructeur"], within_days=15)
    rows = _rows(report)
    voirie, parcs, unset = rows["Voirie"], rows["Parcs"], rows["Non renseigné"]
    # First instruction: 1, 2, 3, 4 days → median 2.5, p90 3 + 0.7 × 1.
    assert (voirie.instruction.count, voirie.instruction.median, voirie.instruction.p90) == (4, 2.5, pytest.approx(3.7))
    # Completion: 2, 4, 6, 8 (done) and 10 (closed without action) → median 6, p90 8 + 0.6 × 2.
    assert (voirie.completion.median, voirie.completion.p90) == (6, pytest.approx(9.2))
    assert (parcs.instruction.median, parcs.instruction.p90) == (10, 10)
    assert (parcs.completion.median, parcs.completion.p90) == (10, pytest.approx(14))  # 5 and 15
    assert unset.instruction.count == unset.completion.count == 0
    # Past due among the requests in progress: R6 of R6, R7; R10 of R10, R11.
    assert (voirie.figures.overdue, voirie.overdue_share) == (1, 50)
    assert (parcs.figures.overdue, parcs.overdue_share) == (1, 50)
    # Done after their due date: R8 of R8, R9 (Voirie's had no due date).
    assert parcs.done_late_share == 50 and voirie.done_late_share is None
    # Answered within 15 days: R1 (3), R3 (10), R5 (15) of 7; R9 (1) of 4; none of 1.
    assert (voirie.answered_within, voirie.answer_base) == (3, 7)
    assert voirie.within_share == pytest.approx(300 / 7)
    assert parcs.within_share == 25 and unset.within_share == 0
    # Reminders about each service's requests: R6 twice, R2 once; R10.
    assert (voirie.reminders, parcs.reminders, unset.reminders) == (3, 1, 0)
    assert report.reminded_services == [("Parcs", 2, 0), ("Voirie", 2, 1)]
    total = report.total
    assert (total.instruction.median, total.instruction.p90) == (3, pytest.approx(7.6))  # 1 2 3 4 10
    assert (total.completion.median, total.completion.p90) == (6, pytest.approx(12))  # 2 4 5 6 8 10 15
    assert total.figures.total == 12 and total.reminders == 4


def test_delays_per_quartier_and_another_n(town):
    report = delay_report(_everything(town), DIMENSIONS["quartier"], within_days=3)
    north = _rows(report)["Nord"]  # R1 R2 R6 R7 R12
    assert (north.instruction.median, north.instruction.p90) == (1.5, pytest.approx(1.9))
    assert (north.completion.median, north.completion.p90) == (3, pytest.approx(3.8))
    assert north.overdue_share == pytest.approx(100 / 3)
    assert (north.answered_within, north.answer_base) == (1, 5)  # R1 in 3 days
    assert _rows(report)["Sud"].answered_within == 1  # R9 in 1 day


def test_delays_over_a_period_read_only_the_requests(town):
    """The first instruction and answer are on the requests: a period narrows the requests,
    and neither the events nor the answers are read."""
    qs = _everything(town).filter(received_on__gte=D(2025, 2, 1))
    with CaptureQueriesContext(connection) as queries:
        report = delay_report(qs, DIMENSIONS["service-instructeur"])
    assert _rows(report)["Voirie"].instruction.histogram == {3: 1, 4: 1}
    sql = " ".join(query["sql"] for query in queries.captured_queries)
    assert "casework_requestevent" not in sql and "casework_answer" not in sql


def test_delays_of_requests_instructed_and_answered_through_the_services(db):
    central, voirie = CentralFactory(), ServiceFactory(name="Voirie")
    agent = AgentFactory(services=[voirie])
    today = timezone.localdate()
    sr = ServiceRequestFactory(
        created_by=central, instructing_service=voirie, received_on=today - datetime.timedelta(days=20)
    )
    request_instruct(sr=sr, actor=agent, feasibility="feasible")
    request_answer(
        sr=sr, actor=central, channel=AnswerChannel.LETTER, text="Réponse", answered_on=today - datetime.timedelta(9)
    )
    row = _rows(delay_report(request_list(user=central), DIMENSIONS["service-instructeur"]))["Voirie"]
    assert (row.instruction.histogram, row.answered_within, row.answer_base) == ({20: 1}, 1, 1)


@pytest.mark.parametrize(
    "histogram, fraction, expected",
    [
        ({}, 0.5, None),
        ({7: 1}, 0.9, 7),
        ({1: 1, 2: 1, 3: 1, 4: 1}, 0.5, 2.5),
        ({2: 1, 4: 1, 6: 1, 8: 1, 10: 1}, 0.9, 9.2),
        ({0: 9, 100: 1}, 0.9, 10),
        ({5: 3, 1: 1}, 0.5, 5),
    ],
)
def test_percentile_interpolates_like_percentile_cont(histogram, fraction, expected):
    assert percentile(histogram, fraction) == (pytest.approx(expected) if expected is not None else None)


def test_nice_ticks_and_bar_geometry():
    assert charts.nice_ticks(0) == [0, 1]
    assert charts.nice_ticks(7) == [0, 2, 4, 6, 8]
    assert charts.nice_ticks(1234) == [0, 250, 500, 750, 1000, 1250]
    assert charts.nice_ticks(11) == [0, 5, 10, 15]  # whole steps: no tick at 2.5 requests
    chart = charts.bar_chart([("Nord", 5), ("Sud", 4), ("Un quartier au nom vraiment très très long", 0)])
    assert [bar.width for bar in chart.bars][2] == 0
    assert chart.bars[0].width == chart.width - charts.VALUE_ROOM - charts.LABEL_WIDTH  # 5 on a 0–5 scale
    assert chart.bars[1].width == pytest.approx(chart.bars[0].width * 4 / 5, abs=0.1)
    assert chart.bars[2].short_label.endswith("…") and len(chart.bars[2].short_label) == charts.LABEL_CHARS
    assert chart.bars[1].y > chart.bars[0].y


def test_time_chart_columns_then_a_line():
    few = charts.time_chart([(str(i), i) for i in range(12)])
    assert not few.as_line and len(few.columns) == 12
    assert few.columns[0].height == 0 and few.columns[-1].y < few.columns[1].y
    many = charts.time_chart([(str(i), i % 5) for i in range(200)])
    assert many.as_line and len(many.line.split()) == 200
    assert len(many.x_ticks) < 20
