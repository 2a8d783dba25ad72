"""/statistiques/: four views of the requests a user may see (distribution, evolution,
crossed table, delays), each its own page so that each stays one pass over the table,
a print view of any of them for a council report (``impression=1``), and each table as
a file (/statistiques/export.csv|xlsx|ods, with the page's query string)."""

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from eusp.directory.models import Phase

from ..exports.links import export_links
from ..exports.writers import export_response
from . import charts
from .delays import delay_report
from .params import BREAKDOWN, CROSSED, DELAYS, TIMELINE, VIEWS, StatisticsQuery, statistics_query
from .selectors import MONTH, count_by, count_by_pair, count_by_period, share
from .tables import MAIN, TABLES, statistics_table, table_title

ANY = object()  # a crossed table's row or column total: that dimension is not narrowed
TABLE_PARAM = "tableau"  # which of the view's tables an export holds (tables.TABLES)


def statistics_view(request):
    query = statistics_query(request.GET, request.user)
    context = {
        "query": query,
        "tabs": [(key, label, query.url(vue=key, impression=None)) for key, label in VIEWS.items()],
        "print_url": query.url(impression="1"),
        "screen_url": query.url(impression=None),
        "heading": table_title(query),
        **BUILDERS[query.view](query),
    }
    context["key_figures"] = _key_figures(query, context["figures"])
    if not query.printing:
        context["table_exports"] = _table_exports(query)
    template = "reporting/statistics_print.html" if query.printing else "reporting/statistics.html"
    return render(request, template, context)


def statistics_export_view(request, fmt: str):
    """One table of the view the page's query string shows, as a file; ``tableau`` names
    which when the view has several (an unknown one is a 404, as a wrong format is).
    The same query as the page's, so the same requests: those the user may see."""
    query = statistics_query(request.GET, request.user)
    table = statistics_table(query, request.GET.get(TABLE_PARAM, MAIN))
    if table is None:
        raise Http404
    filename = f"{table.name}-{timezone.localdate():%Y-%m-%d}"
    return export_response(fmt, filename, table.headers, table.rows, widths=table.widths, title=table.title)


def _table_exports(query: StatisticsQuery) -> dict[str, dict]:
    """The export links of each table of the view (``main``, ``relances``): the page's
    query string, the table named if not the main one; with the table's title, which
    tells a screen reader's list of links which table each file holds."""
    exports = {}
    for table in TABLES[query.view]:
        params = query.params.copy()
        for name in ("impression", TABLE_PARAM):
            params.pop(name, None)
        if table != MAIN:
            params[TABLE_PARAM] = table
        exports[table or "main"] = {
            "title": table_title(query, table),
            "links": export_links("statistics-export", params.urlencode()),
        }
    return exports


def _key_figures(query: StatisticsQuery, figures) -> list[dict]:
    """The key figures of the set, each a link to its list where one parameter says it.
    None for a figure of 0: its parameter may be replacing a different one the user chose
    (« Réalisées » with the phase « ouverte » chosen), and the link would list others."""
    key_figures = [
        {"label": _("Demandes"), "value": figures.total, "share": None, "url": query.list_url()},
        {"label": _("En cours"), "value": figures.active, "share": share(figures.active, figures.total), "url": None},
        {
            "label": _("Réalisées"),
            "value": figures.done,
            "share": share(figures.done, figures.total),
            "url": query.list_url(phase=Phase.DONE),
        },
        {
            "label": _("Closes sans suite"),
            "value": figures.closed,
            "share": share(figures.closed, figures.total),
            "url": query.list_url(phase=Phase.CLOSED),
        },
        {
            "label": _("En retard"),
            "value": figures.overdue,
            "share": figures.overdue_share,
            "share_of": _("des demandes en cours"),
            "url": query.list_url(overdue="on"),
        },
    ]
    for figure in key_figures:
        if not figure["value"]:
            figure["url"] = None
    return key_figures


def _breakdown(query: StatisticsQuery) -> dict:
    dimension = query.breakdown
    slices, figures = count_by(query.queryset, dimension)
    rows = [
        {
            "slice": s,
            "share": share(s.count, figures.total),
            "url": query.list_url(**{dimension.param: s.value}) if s.value is not None else None,
        }
        for s in slices
    ]
    return {
        "figures": figures,
        "rows": rows,
        "chart": charts.bar_chart([(s.label, s.count) for s in slices]),
        "chart_title": table_title(query),
        "chart_description": _describe_breakdown(slices, figures.total),
    }


def _describe_breakdown(slices, total: int) -> str:
    if not slices:
        return _("Aucune demande ne correspond aux critères.")
    top = slices[0]
    return _(
        "Diagramme en barres horizontales : %(total)s demandes réparties en %(count)s valeurs ; "
        "la première est « %(label)s » avec %(top)s demandes. Les chiffres sont dans le tableau qui suit."
    ) % {"total": number_format(total, force_grouping=True), "count": len(slices), "label": top.label,
         "top": number_format(top.count, force_grouping=True)}  # fmt: skip


def _timeline(query: StatisticsQuery) -> dict:
    periods, figures, cut = count_by_period(
        query.queryset, query.step, start=query.received_from, end=query.received_to
    )
    monthly = query.step == MONTH
    rows = []
    for period in periods:
        start, end = period.counted(query.received_from, query.received_to)
        rows.append(
            {
                "period": period,
                "label": date_format(period.start, "YEAR_MONTH_FORMAT")
                if monthly
                else _("semaine du %(day)s") % {"day": date_format(period.start, "SHORT_DATE_FORMAT")},
                "share": share(period.count, figures.total),
                "url": query.list_url(received_from=start.isoformat(), received_to=end.isoformat()),
            }
        )
    short = "N Y" if monthly else "SHORT_DATE_FORMAT"
    chart = charts.time_chart([(date_format(p.start, short), p.count) for p in periods])
    if periods:
        peak = max(periods, key=lambda p: p.count)
        description = _(
            "Diagramme de l'évolution des demandes reçues, %(count)s périodes du %(first)s au %(last)s ; "
            "le maximum est de %(peak)s demandes (%(when)s). Les chiffres sont dans le tableau qui suit."
        ) % {
            "count": len(periods),
            "first": date_format(periods[0].start, "SHORT_DATE_FORMAT"),
            "last": date_format(periods[-1].end, "SHORT_DATE_FORMAT"),
            "peak": peak.count,
            "when": date_format(peak.start, "YEAR_MONTH_FORMAT" if monthly else "SHORT_DATE_FORMAT"),
        }
    else:
        description = _("Aucune demande ne correspond aux critères.")
    return {
        "figures": figures,
        "rows": rows,
        "cut": cut,
        "chart": chart,
        "chart_title": table_title(query),
        "chart_description": description,
    }


def _crossed(query: StatisticsQuery) -> dict:
    first, second = query.breakdown, query.crossed
    crossed, figures = count_by_pair(query.queryset, first, second)

    def url(row=ANY, column=ANY):
        params = {}
        for dimension, value in ((first, row), (second, column)):
            if value is ANY:
                continue
            if value is None:
                return None  # « non renseigné » has no list parameter
            params[dimension.param] = value
        return query.list_url(**params)

    rows = [
        {
            "slice": row,
            "url": url(row=row.value),
            "cells": [
                {
                    "count": crossed.cell(row.value, column.value),
                    "url": url(row=row.value, column=column.value),
                    "column": column.label,
                }
                for column in crossed.columns
            ],
        }
        for row in crossed.rows
    ]
    columns = [{"slice": column, "url": url(column=column.value)} for column in crossed.columns]
    return {"figures": figures, "rows": rows, "columns": columns, "total_url": query.list_url()}


def _delays(query: StatisticsQuery) -> dict:
    report = delay_report(query.queryset, query.breakdown, within_days=query.within_days)
    dimension = query.breakdown
    rows = [
        {"row": row, "url": query.list_url(**{dimension.param: row.value}) if row.value is not None else None}
        for row in report.rows
    ]
    return {"figures": report.figures, "report": report, "rows": rows}


BUILDERS = {BREAKDOWN: _breakdown, TIMELINE: _timeline, CROSSED: _crossed, DELAYS: _delays}
