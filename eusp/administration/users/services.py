"""The central service manages accounts: create, edit, deactivate, reactivate, reset the
two-factor authentication. Accounts are never deleted: requests, events and audit records
point to them.

Each change runs in one transaction with its audit record (before → after, services and
quartiers as names).
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_otp import device_classes

from eusp.accounts.models import Profile, User
from eusp.accounts.password_link import password_link_send
from eusp.casework.permissions import can_administer

from ..audit import Action, audit_record, snapshot

FIELDS = ["username", "first_name", "last_name", "email", "profile", "phone", "job_title"]
RELATIONS = ["services", "districts"]
AUDIT_FIELDS = [*FIELDS, *RELATIONS]


def _authorize(actor: User) -> None:
    if not can_administer(actor):
        raise PermissionDenied


def user_rules_check(data: dict, *, user_pk: int | None) -> None:
    """What makes an account usable, whatever the entry point: a login and an address
    nobody else has (in any case), a service for an agent, quartiers for an élu only."""
    errors = {}
    others = User.objects.exclude(pk=user_pk) if user_pk else User.objects.all()
    username = (data.get("username") or "").strip()
    if username and others.filter(username__iexact=username).exists():
        errors["username"] = _("Cet identifiant est déjà pris (les majuscules ne comptent pas).")
    email = (data.get("email") or "").strip()
    if not email:
        errors["email"] = _("L'adresse e-mail est obligatoire : le lien pour choisir le mot de passe y est envoyé.")
    elif others.filter(email__iexact=email).exists():
        errors["email"] = _("Cette adresse e-mail est déjà celle d'un autre utilisateur.")
    profile = data.get("profile")
    if profile not in Profile.values:
        errors["profile"] = _("Choisissez un profil.")
    if profile == Profile.AGENT and not list(data.get("services") or []):
        errors["services"] = _(
            "Un agent doit appartenir à au moins un service : sans service, il ne voit aucune demande."
        )
    if profile != Profile.ELECTED and list(data.get("districts") or []):
        errors["districts"] = _(
            "Seul un élu est rattaché à des quartiers : décochez les quartiers ou choisissez le profil « Élu »."
        )
    if errors:
        raise ValidationError(errors)


def _lock(user: User) -> User:
    return User.objects.select_for_update().get(pk=user.pk)


def _lock_with_centrals(user: User) -> tuple[User, list[int]]:
    """The account, and the ids of the active central accounts, all locked in one statement
    in id order: two members deactivating each other at once queue (no deadlock), and the
    second sees the first's change."""
    rows = list(
        User.objects.select_for_update()
        .filter(Q(pk=user.pk) | Q(profile=Profile.CENTRAL, is_active=True))
        .order_by("pk")
    )
    current = next((row for row in rows if row.pk == user.pk), None)
    if current is None:
        raise User.DoesNotExist
    return current, [row.pk for row in rows if row.profile == Profile.CENTRAL and row.is_active]


def _last_central_guard(current: User, central_ids: list[int], message: str) -> None:
    """Refuse to take away the last active central account: nobody could administer any more."""
    if current.profile == Profile.CENTRAL and current.is_active and central_ids == [current.pk]:
        raise ValidationError(message)


def _apply(user: User, data: dict) -> None:
    for name in FIELDS:
        if name in data:
            value = data[name]
            setattr(user, name, value.strip() if isinstance(value, str) else value)
    user.full_clean(exclude=["password", "last_login", "date_joined"], validate_unique=True)


def _relations_set(user: User, data: dict) -> None:
    if "services" in data:
        user.services.set(list(data["services"] or []))
    if "districts" in data:
        user.districts.set(list(data["districts"] or []))


@transaction.atomic
def user_create(*, actor: User, data: dict) -> User:
    """A new account with no usable password: the user chooses it through the link mailed now."""
    _authorize(actor)
    user_rules_check(data, user_pk=None)
    user = User()
    _apply(user, data)
    user.set_unusable_password()
    user.save()
    _relations_set(user, data)
    audit_record(actor, Action.CREATED, user, after=snapshot(user, AUDIT_FIELDS))
    password_link_send(user, actor=actor)
    return user


@transaction.atomic
def user_update(*, actor: User, user: User, data: dict) -> User:
    """Change the account's fields, services and quartiers; the audit record says what changed."""
    _authorize(actor)
    current, central_ids = _lock_with_centrals(user)
    merged = {name: getattr(current, name) for name in FIELDS}
    merged.update(services=current.services.all(), districts=current.districts.all())
    merged.update(data)
    user_rules_check(merged, user_pk=current.pk)
    before = snapshot(current, AUDIT_FIELDS)
    if merged["profile"] != current.profile and current.profile == Profile.CENTRAL:
        _last_central_guard(
            current,
            central_ids,
            _(
                "C'est le dernier compte actif du service centralisateur : son profil ne peut pas changer. "
                "Créez d'abord un autre compte du service centralisateur."
            ),
        )
        if current.pk == actor.pk:
            raise ValidationError(
                {
                    "profile": _(
                        "Vous ne pouvez pas changer votre propre profil : demandez-le à un autre membre "
                        "du service centralisateur."
                    )
                }
            )
    _apply(current, data)
    # These fields only: the user's own choices (alert mode) and their last login are theirs.
    current.save(update_fields=[name for name in FIELDS if name in data])
    _relations_set(current, data)
    audit_record(actor, Action.UPDATED, current, before=before, after=snapshot(current, AUDIT_FIELDS))
    return current


@transaction.atomic
def user_deactivate(*, actor: User, user: User) -> bool:
    """Close the account (never deleted). Its sessions end with it: Django's ModelBackend no
    longer returns an inactive user, so their next page asks for the login. Mail still
    waiting for them is cancelled by the outbox worker. False if it was already closed."""
    _authorize(actor)
    current, central_ids = _lock_with_centrals(user)
    if not current.is_active:
        return False
    _last_central_guard(
        current,
        central_ids,
        _(
            "C'est le dernier compte actif du service centralisateur : il ne peut pas être désactivé. "
            "Créez d'abord un autre compte du service centralisateur."
        ),
    )
    if current.pk == actor.pk:
        raise ValidationError(
            _("Vous ne pouvez pas désactiver votre propre compte : demandez-le à un autre membre du service.")
        )
    before = snapshot(current, ["is_active"])
    current.is_active = False
    current.save(update_fields=["is_active"])
    audit_record(actor, Action.DEACTIVATED, current, before=before, after=snapshot(current, ["is_active"]))
    return True


@transaction.atomic
def user_reactivate(*, actor: User, user: User) -> bool:
    """Open a closed account again, with its password, services and quartiers as they were."""
    _authorize(actor)
    current = _lock(user)
    if current.is_active:
        return False
    before = snapshot(current, ["is_active"])
    current.is_active = True
    current.save(update_fields=["is_active"])
    audit_record(actor, Action.REACTIVATED, current, before=before, after=snapshot(current, ["is_active"]))
    return True


def user_password_link_send(*, actor: User, user: User):
    """The central service sends the account a link to choose a (new) password."""
    _authorize(actor)
    return password_link_send(user, actor=actor)


@transaction.atomic
def user_two_factor_reset(*, actor: User, user: User) -> int:
    """Delete the account's two-factor devices (a lost phone): the user enrols again at their
    next login. Returns how many were deleted; none deleted, nothing recorded."""
    _authorize(actor)
    current = _lock(user)
    deleted = 0
    for model in device_classes():
        _total, per_model = model.objects.filter(user=current).delete()
        deleted += per_model.get(model._meta.label, 0)
    if deleted:
        note = ngettext(
            "%(count)d appareil de double authentification supprimé.",
            "%(count)d appareils de double authentification supprimés.",
            deleted,
        ) % {"count": deleted}
        audit_record(actor, Action.TWO_FACTOR_RESET, current, note=note)
    return deleted
