"""Writes on the reference lists: create, update, reorder, deactivate, reactivate, delete
and merge.

Each one checks its rules on the rows as they are in the database, changes them and
writes its audit record in one transaction; a refusal is a ``ValidationError`` with a
French message (on a field when it is about one) and changes nothing. Entries used by
requests are never deleted: they are deactivated (kept on history, no longer offered)
or merged into another entry, which takes over every link.
"""

import copy

from django.db import IntegrityError, models, transaction
from django.db.models import Max, ProtectedError, Q, RestrictedError
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from eusp.accounts.models import User
from eusp.casework.models import SavedSearch
from eusp.directory.models import Service

from ..access import administration_authorize
from ..audit import Action, audit_record, audit_records, snapshot
from ..users.services import agent_without_service
from .registry import ReferenceKind
from .rules import entry_check, merge_check, refuse, removable_check
from .usage import Relation, reference_relations, usage_of


def _audit_fields(kind: ReferenceKind) -> list[str]:
    return [*kind.fields, "position", "is_active"]


def _snapshot(kind: ReferenceKind, entry: models.Model) -> dict[str, str]:
    return snapshot(entry, _audit_fields(kind))


def _locked(kind: ReferenceKind, pk: int) -> models.Model:
    try:
        return kind.model.objects.select_for_update().get(pk=pk)
    except kind.model.DoesNotExist:
        refuse(_("Cette entrée n'existe plus : elle vient d'être supprimée ou fusionnée."))


def _usage_text(usages) -> str:
    return ", ".join(str(usage) for usage in usages)


def _split(kind: ReferenceKind, data: dict) -> tuple[dict, list | None]:
    """The kind's fields, and the members of a service; position and activity have their
    own services, so nothing else may come in here."""
    data = dict(data)
    members = data.pop("members", None) if kind.model is Service else None
    unknown = set(data) - set(kind.fields)
    if unknown:
        raise ValueError(f"Not fields of {kind.slug}: {sorted(unknown)}")
    return data, members


def _flag_take(kind: ReferenceKind, entry: models.Model, actor) -> None:
    """The entry takes the single flag (initial state, default priority) from its holder.

    Cleared before the entry is saved: a constraint allows one holder at a time."""
    if not (kind.flag and getattr(entry, kind.flag)):
        return
    for holder in kind.model.objects.select_for_update().filter(**{kind.flag: True}).exclude(pk=entry.pk):
        before = _snapshot(kind, holder)
        setattr(holder, kind.flag, False)
        holder.save(update_fields=[kind.flag])
        note = _("Ce rôle passe à « %(entry)s ».") % {"entry": entry}
        audit_record(actor, Action.UPDATED, holder, before=before, after=_snapshot(kind, holder), note=note)


def _save(kind: ReferenceKind, entry: models.Model) -> None:
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError:  # a concurrent save took the name first
        name = getattr(entry, kind.label_field)
        refuse(_("« %(name)s » existe déjà dans la liste « %(list)s ».") % {"name": name, "list": kind.title})


def _leaving_check(service: Service, leaving: list) -> None:
    """Refuse to take an agent's last service, as the account form does (users'
    ``agent_without_service``): with no service, they would see no request at all.

    The leaving accounts are locked first: two services' pages each taking one of an agent's
    two services queue, and the second sees the first's change."""
    if not leaving:
        return
    locked = list(User.objects.select_for_update().filter(pk__in=[user.pk for user in leaving]).order_by("pk"))
    memberships = User.services.through.objects.filter(user__in=[user.pk for user in locked])
    elsewhere: dict[int, list[int]] = {}
    for user_id, service_id in memberships.exclude(service=service).values_list("user", "service"):
        elsewhere.setdefault(user_id, []).append(service_id)
    stranded = [user for user in locked if agent_without_service(user.profile, elsewhere.get(user.pk))]
    if stranded:
        names = ", ".join(str(user) for user in sorted(stranded, key=str))
        refuse(
            ngettext(
                "%(names)s n'aurait plus aucun service, donc plus aucune demande visible : rattachez d'abord "
                "cet agent à un autre service (Administration › Utilisateurs), ou laissez-le coché.",
                "%(names)s n'auraient plus aucun service, donc plus aucune demande visible : rattachez d'abord "
                "ces agents à un autre service (Administration › Utilisateurs), ou laissez-les cochés.",
                len(stranded),
            )
            % {"names": names},
            "members",
        )


def _members_set(service: Service, members, actor) -> None:
    """Memberships are a field of the user: each user whose services change gets the record."""
    wanted = {user.pk: user for user in members}
    current = {user.pk: user for user in service.members.all()}
    _leaving_check(service, [current[pk] for pk in current.keys() - wanted.keys()])
    changed = [wanted[pk] for pk in wanted.keys() - current.keys()] + [
        current[pk] for pk in current.keys() - wanted.keys()
    ]
    before = _memberships([user.pk for user in changed])
    service.members.set(wanted.values())
    after = _memberships([user.pk for user in changed])
    audit_records(actor, Action.UPDATED, changed, before=before, after=after)


def _memberships(user_ids: list[int]) -> dict[int, dict[str, str]]:
    """Each user's services as the record shows them (``audit.snapshot``), in one query."""
    names: dict[int, list[str]] = {pk: [] for pk in user_ids}
    for user_id, name in User.services.through.objects.filter(user__in=user_ids).values_list("user", "service__name"):
        names[user_id].append(name)
    return {pk: {"services": ", ".join(sorted(found))} for pk, found in names.items()}


# ---- Create, update, reorder --------------------------------------------------------------


@transaction.atomic
def reference_create(*, kind: ReferenceKind, data: dict, actor) -> models.Model:
    """A new entry, at the end of its list."""
    administration_authorize(actor)
    data, members = _split(kind, data)
    entry = kind.model(**data)
    last = kind.model.objects.aggregate(last=Max("position"))["last"] or 0
    entry.position = last + 1
    entry_check(kind, entry, None)
    _flag_take(kind, entry, actor)
    _save(kind, entry)
    if members:
        _members_set(entry, members, actor)
    audit_record(actor, Action.CREATED, entry, after=_snapshot(kind, entry))
    return entry


@transaction.atomic
def reference_update(*, kind: ReferenceKind, entry: models.Model, data: dict, actor) -> models.Model:
    """Rename or change an entry; its requests follow (they point at it, not at its name)."""
    administration_authorize(actor)
    current = _locked(kind, entry.pk)
    previous = copy.copy(current)
    before = _snapshot(kind, current)
    data, members = _split(kind, data)
    for name, value in data.items():
        setattr(current, name, value)
    entry_check(kind, current, previous)
    _flag_take(kind, current, actor)
    _save(kind, current)
    if members is not None:
        _members_set(current, members, actor)
    audit_record(actor, Action.UPDATED, current, before=before, after=_snapshot(kind, current))
    return current


@transaction.atomic
def reference_move(*, kind: ReferenceKind, entry: models.Model, offset: int, actor) -> models.Model:
    """Swap the entry with its neighbour (offset -1: up, +1: down) and number the list 1…n.

    Positions may repeat (entries created elsewhere keep 0): numbering them all once
    makes every later move a swap of two rows."""
    administration_authorize(actor)
    rows = list(kind.model.objects.select_for_update().order_by("position", "pk").values_list("pk", "position"))
    order = [pk for pk, _position in rows]
    if entry.pk not in order:
        refuse(_("Cette entrée n'existe plus : elle vient d'être supprimée ou fusionnée."))
    index = order.index(entry.pk)
    other = index + offset
    if offset not in (-1, 1) or not 0 <= other < len(order):
        message = (
            _("« %(entry)s » est déjà en tête de liste.")
            if offset < 0
            else _("« %(entry)s » est déjà en fin de liste.")
        )
        refuse(message % {"entry": entry})
    neighbour = kind.model.objects.get(pk=order[other])
    order[index], order[other] = order[other], order[index]
    positions = dict(rows)
    renumbered = [
        kind.model(pk=pk, position=number) for number, pk in enumerate(order, start=1) if positions[pk] != number
    ]
    kind.model.objects.bulk_update(renumbered, ["position"])
    entry.refresh_from_db()
    note = _("Placée avant « %(other)s ».") if offset < 0 else _("Placée après « %(other)s ».")
    audit_record(
        actor,
        Action.REORDERED,
        entry,
        before={"position": str(index + 1)},
        after={"position": str(other + 1)},
        note=note % {"other": neighbour},
    )
    return entry


# ---- Deactivate, reactivate, delete -------------------------------------------------------


@transaction.atomic
def reference_deactivate(*, kind: ReferenceKind, entry: models.Model, actor) -> models.Model:
    """No longer offered for new choices; stays on its requests, in filters and statistics."""
    administration_authorize(actor)
    current = _locked(kind, entry.pk)
    if not current.is_active:
        refuse(_("L'entrée « %(entry)s » est déjà désactivée.") % {"entry": current})
    removable_check(kind, current, deactivating=True)
    before = _snapshot(kind, current)
    current.is_active = False
    current.save(update_fields=["is_active"])
    audit_record(actor, Action.DEACTIVATED, current, before=before, after=_snapshot(kind, current))
    return current


@transaction.atomic
def reference_reactivate(*, kind: ReferenceKind, entry: models.Model, actor) -> models.Model:
    administration_authorize(actor)
    current = _locked(kind, entry.pk)
    if current.is_active:
        refuse(_("L'entrée « %(entry)s » est déjà active.") % {"entry": current})
    before = _snapshot(kind, current)
    current.is_active = True
    current.save(update_fields=["is_active"])
    audit_record(actor, Action.REACTIVATED, current, before=before, after=_snapshot(kind, current))
    return current


def in_use_message(entry: models.Model, usages) -> str:
    return _(
        "L'entrée « %(entry)s » ne peut pas être supprimée : elle est utilisée par %(usage)s. "
        "Désactivez-la (elle reste sur ces données mais n'est plus proposée), "
        "ou fusionnez-la dans une autre entrée de la liste."
    ) % {"entry": entry, "usage": _usage_text(usages)}


@transaction.atomic
def reference_delete(*, kind: ReferenceKind, entry: models.Model, actor) -> None:
    """Only an entry nothing uses: a request never loses its origin, state or service."""
    administration_authorize(actor)
    current = _locked(kind, entry.pk)
    usages = usage_of(current)
    if usages:
        refuse(in_use_message(current, usages))
    removable_check(kind, current, deactivating=False)
    audit_record(actor, Action.DELETED, current, before=_snapshot(kind, current))
    try:
        with transaction.atomic():
            current.delete()
    except (ProtectedError, RestrictedError, IntegrityError):  # used meanwhile
        refuse(in_use_message(current, usage_of(current)))


# ---- Merge --------------------------------------------------------------------------------


def _move_links(relation: Relation, source: models.Model, target: models.Model) -> int:
    """Point the relation's rows at the target: one UPDATE; for link rows (memberships),
    those the target already has are dropped rather than doubled."""
    rows = relation.rows._base_manager
    if relation.many_to_many:
        ours, theirs = relation.column, relation.owner_column
        already = rows.filter(**{ours: target.pk}).values(theirs)
        moved = rows.filter(**{ours: source.pk}).exclude(**{f"{theirs}__in": already}).update(**{ours: target.pk})
        doubles, _by_model = rows.filter(**{ours: source.pk}).delete()
        return moved + doubles
    name = relation.field.name
    if (
        relation.field.unique
        and rows.filter(**{name: target.pk}).exists()
        and rows.filter(**{name: source.pk}).exists()
    ):
        refuse(
            _("« %(target)s » a déjà son propre %(what)s : la fusion est impossible.")
            % {"target": target, "what": relation.model._meta.verbose_name}
        )
    return rows.filter(**{name: source.pk}).update(**{name: target.pk})


def _saved_searches_move(kind: ReferenceKind, source: models.Model, target: models.Model) -> int:
    """Saved searches filtering on the merged entry filter on the target from now on."""
    if not kind.filter_params:
        return 0
    maybe = Q()
    for param in kind.filter_params:
        maybe |= Q(query__contains=f"{param}={source.pk}")
    old, new = str(source.pk), str(target.pk)
    changed = []
    for search in SavedSearch.objects.select_for_update().filter(maybe):
        params = QueryDict(search.query, mutable=True)
        touched = False
        for param in kind.filter_params:
            values = params.getlist(param)
            if old in values:
                params.setlist(param, list(dict.fromkeys(new if value == old else value for value in values)))
                touched = True
        query = params.urlencode()
        if touched and len(query) <= SavedSearch._meta.get_field("query").max_length:
            search.query = query
            changed.append(search)
    SavedSearch.objects.bulk_update(changed, ["query"])
    return len(changed)


@transaction.atomic
def reference_merge(*, kind: ReferenceKind, source: models.Model, target: models.Model, actor) -> list[str]:
    """Move everything that points at ``source`` to ``target``, then delete ``source``.

    Every relation pointing at the model is found from its metadata (requests, reminders,
    memberships, category defaults, and any added later), so nothing is left pointing at
    the merged entry. Returns what moved, as text. The single flag (initial state, default
    priority) moves to the target with it.
    """
    administration_authorize(actor)
    if not kind.mergeable:
        refuse(_("Les entrées de cette liste ne se fusionnent pas : supprimez ou désactivez-les."))
    if type(source) is not kind.model or type(target) is not kind.model:
        refuse(_("Une entrée ne peut être fusionnée que dans une entrée de la même liste."), "target")
    if source.pk == target.pk:
        refuse(_("Une entrée ne peut pas être fusionnée dans elle-même."), "target")
    locked = {row.pk: row for row in kind.model.objects.select_for_update().filter(pk__in=[source.pk, target.pk])}
    if len(locked) < 2:
        refuse(_("Cette entrée n'existe plus : elle vient d'être supprimée ou fusionnée."))
    source, target = locked[source.pk], locked[target.pk]
    merge_check(kind, source, target)

    before = _snapshot(kind, source)
    relations = reference_relations(kind.model)
    moved = []
    for relation in relations:
        count = _move_links(relation, source, target)
        if count:
            moved.append(relation.describe(count, qualified=sum(r.model is relation.model for r in relations) > 1))
    searches = _saved_searches_move(kind, source, target)
    if searches:
        moved.append(
            ngettext("%(count)d recherche enregistrée", "%(count)d recherches enregistrées", searches)
            % {"count": searches}
        )
    if kind.flag and getattr(source, kind.flag):
        kind.model.objects.filter(pk=source.pk).update(**{kind.flag: False})
        target_before = _snapshot(kind, target)
        setattr(target, kind.flag, True)
        target.save(update_fields=[kind.flag])
        note = _("Reprend ce rôle de « %(source)s », fusionnée dans cette entrée.") % {"source": source}
        audit_record(actor, Action.UPDATED, target, before=target_before, after=_snapshot(kind, target), note=note)

    if moved:
        note = _("Fusionnée dans « %(target)s » ; reporté sur elle : %(moved)s.") % {
            "target": target,
            "moved": ", ".join(moved),
        }
    else:
        note = _("Fusionnée dans « %(target)s » ; rien n'y faisait référence.") % {"target": target}
    audit_record(actor, Action.MERGED, source, before=before, note=note)
    try:
        with transaction.atomic():
            source.delete()
    except (ProtectedError, RestrictedError, IntegrityError):  # linked meanwhile: the whole merge is undone
        refuse(
            _("L'entrée « %(source)s » vient d'être utilisée ailleurs : recommencez la fusion.") % {"source": source}
        )
    return moved
