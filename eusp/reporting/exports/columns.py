"""The columns of a request export: what a user's file holds, in order.

Each column names what the export query reads (a field path, or an expression annotated
under the column's key) and, for a few, how a raw value becomes the cell (a code to its
label). Writers then give dates a date cell (XLSX, ODS) or « jj/mm/aaaa » (CSV).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Expression, F, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce, Concat, NullIf, Trim, TruncDate
from django.utils.translation import gettext_lazy as _

from eusp.accounts.models import User
from eusp.casework.models import Answer, AnswerChannel, Civility, Feasibility
from eusp.casework.permissions import can_export_personal_data


@dataclass(frozen=True)
class Column:
    key: str  # a field path, or the name the expression is annotated under
    header: str
    width: int  # in characters
    expression: Expression | None = None
    labels: type | None = None  # TextChoices whose label replaces the stored code


def _latest_answer(field: str) -> Subquery:
    # One subquery per row on the (service_request, answered_on) index: never a query per row.
    latest = Answer.objects.filter(service_request=OuterRef("pk")).order_by("-answered_on", "-pk")
    return Subquery(latest.values(field)[:1])


def _user_name(path: str) -> Expression:
    """As ``User.__str__``: the full name, else the username; NULL without a user."""
    full = Trim(Concat(F(f"{path}__first_name"), Value(" "), F(f"{path}__last_name")))
    return Coalesce(NullIf(full, Value("")), F(f"{path}__username"))


REQUESTER = [
    Column("requester_civility", _("Civilité"), 9, labels=Civility),
    Column("requester_last_name", _("Nom"), 18),
    Column("requester_first_name", _("Prénom"), 16),
    Column("requester_address", _("Adresse du demandeur"), 30),
    Column("requester_postcode", _("Code postal"), 11),
    Column("requester_city", _("Commune"), 18),
    Column("requester_phone", _("Téléphone"), 16),
    Column("requester_email", _("E-mail"), 28),
]


def request_columns(user: User, *, archived: bool | None) -> list[Column]:
    """The columns of ``user``'s export: the requester's identity and contact details only
    for those allowed to take personal data away in bulk; « Archivée » when the file mixes
    live and archived requests."""
    columns = [
        Column("reference", _("Référence"), 12),
        Column("received_on", _("Reçue le"), 11),
        Column("x_created_on", _("Saisie le"), 11, TruncDate("created_at")),
        Column("origin__name", _("Origine"), 18),
    ]
    if can_export_personal_data(user):
        columns += REQUESTER
    columns += [
        Column("location_address", _("Adresse du lieu"), 30),
        Column("district__name", _("Quartier"), 18),
        Column("category__name", _("Catégorie"), 22),
        Column("subject", _("Objet"), 45),
        Column("instructing_service__name", _("Service instructeur"), 22),
        Column("executing_service__name", _("Service exécution"), 22),
        Column("x_referent_official", _("Élu référent"), 22, _user_name("referent_official")),
        Column("state__label", _("État"), 16),
        Column("priority__label", _("Priorité"), 11),
        Column("feasibility", _("Faisabilité"), 13, labels=Feasibility),
        Column("expected_delay_days", _("Délai prévu (jours)"), 11),
        Column("due_on", _("Échéance"), 11),
        Column("done_on", _("Réalisée le"), 11),
        Column("x_closed_on", _("Close le"), 11, TruncDate("closed_at")),
        Column("x_last_answer_on", _("Dernière réponse"), 13, _latest_answer("answered_on")),
        Column(
            "x_last_answer_channel", _("Canal de la dernière réponse"), 14, _latest_answer("channel"), AnswerChannel
        ),
    ]
    if archived is None:
        columns.append(Column("is_archived", _("Archivée"), 9))
    return columns


def value_converters(columns: list[Column]) -> list[tuple[int, Callable]]:
    """(position, function) for the columns whose stored code reads as a label, the labels
    translated once for the whole file."""
    converters = []
    for index, column in enumerate(columns):
        if column.labels is not None:
            labels = {code: str(label) for code, label in column.labels.choices}
            converters.append((index, lambda code, labels=labels: labels.get(code, code)))
    return converters
