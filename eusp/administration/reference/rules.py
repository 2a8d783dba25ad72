"""The rules reference entries keep, checked on the rows as they are in the database by
every write (``services``): a refusal is a ``ValidationError`` with a French message, on
the field it is about when there is one."""

import re

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from eusp.casework.models import ServiceRequest
from eusp.casework.services.answers import ANSWER_PLACEHOLDERS
from eusp.casework.services.answers import PLACEHOLDER_PATTERN as PLACEHOLDER
from eusp.directory.models import AnswerTemplate, Category, Phase, Priority, Service, State

from .registry import ReferenceKind
from .usage import usage_of

HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
# State badges print their label in white: RGAA asks 4.5:1 for normal text.
MIN_CONTRAST_WITH_WHITE = 4.5
# The workflow moves requests into the first active state of these phases by itself
# (casework.services.workflow.state_first): each must keep one.
REQUIRED_PHASES = (Phase.OPEN, Phase.IN_PROGRESS, Phase.DONE, Phase.CLOSED)


def refuse(message: str, field: str | None = None):
    raise ValidationError({field: message} if field else message)


def contrast_with_white(colour: str) -> float:
    """WCAG contrast ratio of white text on ``colour`` (#rrggbb)."""

    def channel(hex_pair: str) -> float:
        value = int(hex_pair, 16) / 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(colour[i : i + 2]) for i in (1, 3, 5))
    luminance = 0.2126 * red + 0.7152 * green + 0.0722 * blue
    return 1.05 / (luminance + 0.05)


def _check_label(kind: ReferenceKind, entry: models.Model) -> None:
    name = kind.label_field
    value = " ".join(str(getattr(entry, name) or "").split())
    setattr(entry, name, value)
    if not value:
        refuse(_("Indiquez le nom."), name)
    taken = kind.model.objects.filter(**{f"{name}__iexact": value}).exclude(pk=entry.pk)
    if taken.exists():
        refuse(_("« %(name)s » existe déjà dans la liste « %(list)s ».") % {"name": value, "list": kind.title}, name)


def _is_last_active_of_phase(state: State, phase: str) -> bool:
    return not State.objects.filter(phase=phase, is_active=True).exclude(pk=state.pk).exists()


def _check_required_phase(state: State, phase: str) -> None:
    if phase in REQUIRED_PHASES and state.is_active and _is_last_active_of_phase(state, phase):
        refuse(
            _(
                "« %(state)s » est le dernier état actif de la phase « %(phase)s », dont le suivi des demandes "
                "a besoin : créez ou réactivez d'abord un autre état de cette phase."
            )
            % {"state": state, "phase": Phase(phase).label}
        )


def _check_state(state: State, previous: State | None) -> None:
    colour = (state.colour or "").strip().lower()
    state.colour = colour
    if not HEX_COLOUR.fullmatch(colour):
        refuse(_("Saisissez la couleur en code hexadécimal de six chiffres, par exemple #1f5fa8."), "colour")
    ratio = contrast_with_white(colour)
    if ratio < MIN_CONTRAST_WITH_WHITE:
        refuse(
            _(
                "Cette couleur est trop claire : le libellé blanc n'aurait qu'un contraste de %(ratio)s:1 "
                "(4,5:1 au moins). Choisissez une couleur plus foncée."
            )
            % {"ratio": number_format(ratio, decimal_pos=1)},
            "colour",
        )
    if state.phase not in Phase.values:
        refuse(_("Choisissez la phase de l'état."), "phase")
    if previous is not None and previous.phase != state.phase:
        count = ServiceRequest.objects.filter(state=state).count()
        if count:
            refuse(
                ngettext(
                    "Cet état est porté par %(count)d demande : changer sa phase reclasserait son historique "
                    "et fausserait les statistiques. Créez plutôt un nouvel état dans la phase voulue.",
                    "Cet état est porté par %(count)d demandes : changer sa phase reclasserait leur historique "
                    "et fausserait les statistiques. Créez plutôt un nouvel état dans la phase voulue.",
                    count,
                )
                % {"count": count},
                "phase",
            )
        try:
            _check_required_phase(previous, previous.phase)
        except ValidationError as error:
            refuse(error.messages[0], "phase")
    if previous is not None and previous.is_initial and not state.is_initial:
        refuse(_("Pour changer d'état initial, cochez « état initial » sur l'état qui doit le devenir."), "is_initial")
    if state.is_initial and state.phase != Phase.OPEN:
        refuse(_("L'état initial doit être de la phase « %(phase)s ».") % {"phase": Phase.OPEN.label}, "is_initial")
    if state.is_initial and not state.is_active:
        refuse(_("Un état désactivé ne peut pas être l'état initial : réactivez-le d'abord."), "is_initial")


def _check_priority(priority: Priority, previous: Priority | None) -> None:
    if previous is not None and previous.is_default and not priority.is_default:
        refuse(
            _("Pour changer de priorité par défaut, cochez « par défaut » sur la priorité qui doit le devenir."),
            "is_default",
        )
    if priority.is_default and not priority.is_active:
        refuse(_("Une priorité désactivée ne peut pas être celle par défaut : réactivez-la d'abord."), "is_default")


# The links that hold a service in one role: on requests, and as a category's default.
ROLE_FIELDS = {
    "instruct": ("instructing_service", "default_instructing_service"),
    "execute": ("executing_service", "default_executing_service"),
}


def _service_roles_in_use(service: Service) -> dict[str, int]:
    """How many requests and categories use the service in each role (the list's usage)."""
    counts = {usage.relation.field.name: usage.count for usage in usage_of(service)}
    return {role: sum(counts.get(name, 0) for name in names) for role, names in ROLE_FIELDS.items()}


def _check_service(service: Service, previous: Service | None) -> None:
    if previous is None or previous.kind == service.kind:
        return
    in_use = _service_roles_in_use(previous)
    if previous.can_instruct and not service.can_instruct and in_use["instruct"]:
        refuse(
            _(
                "Ce service instruit des demandes ou est proposé comme service instructeur par des catégories "
                "(%(count)d) : il doit rester instructeur."
            )
            % {"count": in_use["instruct"]},
            "kind",
        )
    if previous.can_execute and not service.can_execute and in_use["execute"]:
        refuse(
            _(
                "Ce service exécute des demandes ou est proposé comme service exécution par des catégories "
                "(%(count)d) : il doit rester service exécution."
            )
            % {"count": in_use["execute"]},
            "kind",
        )


def _check_category(category: Category, previous: Category | None) -> None:
    for name, role_ok, message in (
        ("default_instructing_service", "can_instruct", _("Ce service n'instruit pas les demandes.")),
        ("default_executing_service", "can_execute", _("Ce service n'exécute pas les demandes.")),
    ):
        service = getattr(category, name)
        if service is None:
            continue
        if not getattr(service, role_ok):
            refuse(message, name)
        unchanged = previous is not None and getattr(previous, f"{name}_id") == service.pk
        if not service.is_active and not unchanged:
            refuse(_("Ce service est désactivé : choisissez un service actif."), name)


def _check_answer_template(template: AnswerTemplate) -> None:
    for name in ("subject", "body"):
        unknown = sorted(
            {token for token in PLACEHOLDER.findall(getattr(template, name)) if token not in ANSWER_PLACEHOLDERS}
        )
        if unknown:
            refuse(
                _("Variable inconnue : %(unknown)s. Les variables possibles sont listées sous le formulaire.")
                % {"unknown": ", ".join(f"{{{token}}}" for token in unknown)},
                name,
            )


def entry_check(kind: ReferenceKind, entry: models.Model, previous: models.Model | None) -> None:
    """Every rule on an entry's values, for the forms and any other caller alike."""
    _check_label(kind, entry)
    entry.full_clean(validate_unique=False, validate_constraints=False)
    if isinstance(entry, State):
        _check_state(entry, previous)
    elif isinstance(entry, Priority):
        _check_priority(entry, previous)
    elif isinstance(entry, Service):
        _check_service(entry, previous)
    elif isinstance(entry, Category):
        _check_category(entry, previous)
    elif isinstance(entry, AnswerTemplate):
        _check_answer_template(entry)


def removable_check(kind: ReferenceKind, entry: models.Model, *, deactivating: bool) -> None:
    """What may never go away: the flag holder, the last state of a phase the workflow needs,
    a service categories still propose."""
    if kind.flag and getattr(entry, kind.flag):
        if isinstance(entry, State):
            refuse(
                _("« %(entry)s » est l'état initial des nouvelles demandes : choisissez d'abord un autre état initial.")
                % {"entry": entry}
            )
        refuse(
            _("« %(entry)s » est la priorité par défaut : choisissez d'abord une autre priorité par défaut.")
            % {"entry": entry}
        )
    if isinstance(entry, State):
        _check_required_phase(entry, entry.phase)
    if deactivating and isinstance(entry, Service):
        names = list(
            Category.objects.filter(Q(default_instructing_service=entry) | Q(default_executing_service=entry))
            .order_by("position", "pk")
            .values_list("name", flat=True)
        )
        if names:
            refuse(
                _(
                    "Des catégories proposent encore « %(entry)s » par défaut (%(names)s) : choisissez-leur un autre "
                    "service, ou fusionnez ce service dans un autre."
                )
                % {"entry": entry, "names": ", ".join(names)}
            )


def merge_check(kind: ReferenceKind, source: models.Model, target: models.Model) -> None:
    if not target.is_active:
        refuse(
            _("L'entrée « %(target)s » est désactivée : réactivez-la d'abord, ou choisissez une entrée active.")
            % {"target": target},
            "target",
        )
    if isinstance(source, State) and source.phase != target.phase:
        refuse(
            _(
                "« %(source)s » (phase « %(source_phase)s ») et « %(target)s » (phase « %(target_phase)s ») "
                "n'ont pas la même phase : les fusionner reclasserait l'historique des demandes et fausserait "
                "les statistiques. Seuls deux états de la même phase peuvent être fusionnés."
            )
            % {
                "source": source,
                "source_phase": source.get_phase_display(),
                "target": target,
                "target_phase": target.get_phase_display(),
            },
            "target",
        )
    if isinstance(source, Service):
        in_use = _service_roles_in_use(source)
        if in_use["instruct"] and not target.can_instruct:
            refuse(
                _("« %(source)s » instruit des demandes et « %(target)s » n'est pas service instructeur.")
                % {"source": source, "target": target},
                "target",
            )
        if in_use["execute"] and not target.can_execute:
            refuse(
                _("« %(source)s » exécute des demandes et « %(target)s » n'est pas service exécution.")
                % {"source": source, "target": target},
                "target",
            )
