"""Each statistics table as plain values — ``(headers, rows)`` of strings, numbers and
dates — for a spreadsheet export (``reporting.exports``) as for any other reader.
Shares are percentages rounded to one decimal; a value that cannot be computed is None.

A view's tables are named in the export's URL (``tableau``): the main one has no name,
the delays' « Relances par service relancé » is ``relances``.
"""

from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _

from .delays import DelayReport, DelayRow, delay_report
from .dimensions import Dimension
from .params import BREAKDOWN, CROSSED, DELAYS, TIMELINE, StatisticsQuery
from .selectors import MONTH, Crossed, Figures, Period, Slice, count_by, count_by_pair, count_by_period, share

Table = tuple[list[str], list[list]]

MAIN, REMINDERS = "", "relances"
TABLES = {BREAKDOWN: (MAIN,), TIMELINE: (MAIN,), CROSSED: (MAIN,), DELAYS: (MAIN, REMINDERS)}


@dataclass(frozen=True)
class StatisticsTable:
    name: str  # a file name, without its extension
    title: str  # a sheet's name: 31 characters at most
    headers: list[str]
    rows: list[list]

    @property
    def widths(self) -> list[int]:
        """Column widths in characters: the labels' column as wide as its longest label
        (within reason), figures narrow under a header that wraps."""
        longest = max([len(str(self.headers[0])), *(len(str(row[0])) for row in self.rows)])
        return [min(max(longest + 2, 12), 40), *(min(max(len(str(h)) + 2, 10), 16) for h in self.headers[1:])]


def _rounded(value: float | None) -> float | None:
    """A share in percent or a delay in days, to one decimal."""
    return None if value is None else round(value, 1)


def table_title(query: StatisticsQuery, table: str = MAIN) -> str:
    """A table's title: the page's heading over it, and what names its files to a screen reader."""
    if table == REMINDERS:
        return _("Relances par service relancé")
    dimension = str(query.breakdown.label).lower()
    if query.view == BREAKDOWN:
        return _("Demandes par %(dimension)s") % {"dimension": dimension}
    if query.view == CROSSED:
        return _("Demandes par %(first)s et par %(second)s") % {
            "first": dimension,
            "second": str(query.crossed.label).lower(),
        }
    if query.view == DELAYS:
        return _("Délais par %(dimension)s") % {"dimension": dimension}
    return _("Demandes reçues par mois") if query.step == MONTH else _("Demandes reçues par semaine")


def breakdown_table(dimension: Dimension, slices: list[Slice], figures: Figures) -> Table:
    headers = [
        str(dimension.label),
        _("Demandes"),
        _("Part (%)"),
        _("En cours"),
        _("Réalisées"),
        _("En retard"),
    ]
    rows = [
        [s.label, s.count, _rounded(share(s.count, figures.total)), s.figures.active, s.figures.done, s.figures.overdue]
        for s in slices
    ]
    rows.append([_("Total"), figures.total, 100.0 if figures.total else None, figures.active, figures.done,
                 figures.overdue])  # fmt: skip
    return headers, rows


def timeline_table(
    periods: list[Period], figures: Figures, start: date | None = None, end: date | None = None
) -> Table:
    """The periods, the first and last cut by the chosen dates ``start`` and ``end``."""
    headers = [_("Début de la période"), _("Fin de la période"), _("Demandes reçues"), _("Part (%)")]
    rows = [[*p.counted(start, end), p.count, _rounded(share(p.count, figures.total))] for p in periods]
    return headers, rows


def crossed_table(first: Dimension, second: Dimension, crossed: Crossed) -> Table:
    headers = [f"{first.label} \\ {second.label}", *(c.label for c in crossed.columns), _("Total")]
    rows = [[r.label, *(crossed.cell(r.value, c.value) for c in crossed.columns), r.count] for r in crossed.rows]
    rows.append([_("Total"), *(c.count for c in crossed.columns), sum(r.count for r in crossed.rows)])
    return headers, rows


def delays_table(report: DelayReport) -> Table:
    days = report.within_days
    headers = [
        str(report.dimension.label),
        _("Demandes"),
        _("Première instruction : médiane (jours)"),
        _("Première instruction : 90e centile (jours)"),
        _("Première instruction : demandes mesurées"),
        _("Réalisation ou clôture : médiane (jours)"),
        _("Réalisation ou clôture : 90e centile (jours)"),
        _("Réalisation ou clôture : demandes mesurées"),
        _("En cours"),
        _("En cours en retard"),
        _("En cours en retard (%)"),
        _("Réalisées après l'échéance (%)"),
        _("Relances"),
        _("Réponse sous %(days)s jours (%%)") % {"days": days},
    ]
    rows = [_delay_values(row, row.label) for row in report.rows]
    rows.append(_delay_values(report.total, _("Ensemble")))
    return headers, rows


def _delay_values(row: DelayRow, label: str) -> list:
    return [
        label,
        row.figures.total,
        _rounded(row.instruction.median),
        _rounded(row.instruction.p90),
        row.instruction.count,
        _rounded(row.completion.median),
        _rounded(row.completion.p90),
        row.completion.count,
        row.figures.active,
        row.figures.overdue,
        _rounded(row.overdue_share),
        _rounded(row.done_late_share),
        row.reminders,
        _rounded(row.within_share),
    ]


def reminded_services_table(report: DelayReport) -> Table:
    headers = [_("Service relancé"), _("Relances"), _("dont automatiques")]
    return headers, [list(row) for row in report.reminded_services]


def statistics_table(query: StatisticsQuery, table: str = MAIN) -> StatisticsTable | None:
    """The table ``table`` of the view a statistics URL asks for, from the same queries as
    the page; None if the view has no such table."""
    if table not in TABLES[query.view]:
        return None
    qs = query.queryset
    if query.view == BREAKDOWN:
        slices, figures = count_by(qs, query.breakdown)
        name, title = f"statistiques-{query.breakdown.key}", str(query.breakdown.label)
        return StatisticsTable(name, title, *breakdown_table(query.breakdown, slices, figures))
    if query.view == CROSSED:
        crossed, _figures = count_by_pair(qs, query.breakdown, query.crossed)
        name = f"statistiques-{query.breakdown.key}-{query.crossed.key}"
        title = f"{query.breakdown.label} × {query.crossed.label}"
        return StatisticsTable(name, title, *crossed_table(query.breakdown, query.crossed, crossed))
    title = table_title(query, table)
    if query.view == DELAYS:
        report = delay_report(qs, query.breakdown, within_days=query.within_days)
        if table == REMINDERS:
            return StatisticsTable("relances-par-service", title, *reminded_services_table(report))
        return StatisticsTable(f"delais-{query.breakdown.key}", title, *delays_table(report))
    periods, figures, _cut = count_by_period(qs, query.step, start=query.received_from, end=query.received_to)
    name = f"evolution-{'mois' if query.step == MONTH else 'semaines'}"
    return StatisticsTable(name, title, *timeline_table(periods, figures, query.received_from, query.received_to))
