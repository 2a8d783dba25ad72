"""The central service manages accounts: create, edit, deactivate, reactivate, reset the
two-factor authentication. Accounts are never deleted: requests, events and audit records
point to them.

Each change runs in one transaction with its audit record (before → after, services and
quartiers as names).

An account that opens the technical maintenance (/django-admin/: ``is_staff`` or
``is_superuser``) is changed by a technical administrator only: otherwise a central user
could set its address to their own, send it a password link and take it over.
"""

import unicodedata

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django_otp import device_classes

from eusp.accounts.models import Profile, User
from eusp.accounts.password_link import password_link_send

from ..access import administration_authorize
from ..audit import Action, audit_record, snapshot

FIELDS = ["username", "first_name", "last_name", "email", "profile", "phone", "job_title"]
RELATIONS = ["services", "districts"]
AUDIT_FIELDS = [*FIELDS, *RELATIONS]


def is_technical(user: User) -> bool:
    """The account opens the technical maintenance (/django-admin/)."""
    return user.is_staff or user.is_superuser


def user_manageable(actor: User, user: User) -> bool:
    """Whether ``actor`` may change ``user`` here: a technical account only by a technical
    administrator (who could grant that access anyway)."""
    return actor.is_superuser or not is_technical(user)


TECHNICAL_REFUSAL = gettext_lazy(
    "Ce compte a accès à la maintenance technique : seul un administrateur technique peut le modifier, "
    "le désactiver, lui envoyer un lien ou réinitialiser sa double authentification."
)


def user_manageable_check(*, actor: User, user: User) -> None:
    """Refuse every change (edit, link, two-factor reset, deactivate, reactivate) of a
    technical account to a central user who is not a technical administrator."""
    if not user_manageable(actor, user):
        raise ValidationError(str(TECHNICAL_REFUSAL))


def agent_without_service(profile: str, services) -> bool:
    """An agent sees the requests of their services only: with none, they see nothing. The
    account form and the service page (its members) both keep this rule."""
    return profile == Profile.AGENT and not list(services or [])


def normalised(data: dict) -> dict:
    """The login and the address as they are stored and compared: NFKC (« Ｃ.Durand » is
    « C.Durand », as Django saves it), no surrounding spaces, the domain in lower case."""
    data = dict(data)
    if isinstance(data.get("username"), str):
        data["username"] = User.normalize_username(data["username"]).strip()
    if isinstance(data.get("email"), str):
        data["email"] = User.objects.normalize_email(unicodedata.normalize("NFKC", data["email"]).strip())
    return data


USERNAME_TAKEN = gettext_lazy("Cet identifiant est déjà pris (les majuscules ne comptent pas).")
EMAIL_TAKEN = gettext_lazy("Cette adresse e-mail est déjà celle d'un autre utilisateur.")


def user_rules_check(data: dict, *, user_pk: int | None) -> None:
    """What makes an account usable, whatever the entry point: a login and an address
    nobody else has (in any case, once normalised), a service for an agent, quartiers for
    an élu only. The database holds the first two as well (``User.Meta.constraints``)."""
    errors = {}
    data = normalised(data)
    others = User.objects.exclude(pk=user_pk) if user_pk else User.objects.all()
    username = data.get("username") or ""
    if username and others.filter(username__iexact=username).exists():
        errors["username"] = str(USERNAME_TAKEN)
    email = data.get("email") or ""
    if not email:
        errors["email"] = _("L'adresse e-mail est obligatoire : le lien pour choisir le mot de passe y est envoyé.")
    elif others.filter(email__iexact=email).exists():
        errors["email"] = str(EMAIL_TAKEN)
    profile = data.get("profile")
    if profile not in Profile.values:
        errors["profile"] = _("Choisissez un profil.")
    if agent_without_service(profile, data.get("services")):
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
    # The constraints (login and address in any case) are user_rules_check's, whose messages
    # go next to their field; a race past it is _save's.
    user.full_clean(exclude=["password", "last_login", "date_joined"], validate_unique=True, validate_constraints=False)


def _save(user: User, **kwargs) -> None:
    """Save in a savepoint: a login or an address another creation took after our check
    (the database's constraints refuse it) comes back as the form's French error, and the
    transaction stays usable."""
    try:
        with transaction.atomic():
            user.save(**kwargs)
    except IntegrityError as error:
        diagnostic = getattr(error.__cause__, "diag", None)  # PostgreSQL names the constraint
        constraint = getattr(diagnostic, "constraint_name", None) or str(error)
        if "email" in constraint:
            raise ValidationError({"email": str(EMAIL_TAKEN)}) from error
        raise ValidationError({"username": str(USERNAME_TAKEN)}) from error


def _relations_set(user: User, data: dict) -> None:
    if "services" in data:
        user.services.set(list(data["services"] or []))
    if "districts" in data:
        user.districts.set(list(data["districts"] or []))


@transaction.atomic
def user_create(*, actor: User, data: dict) -> User:
    """A new account with no usable password: the user chooses it through the link mailed now."""
    administration_authorize(actor)
    data = normalised(data)
    user_rules_check(data, user_pk=None)
    user = User()
    _apply(user, data)
    user.set_unusable_password()
    _save(user)
    _relations_set(user, data)
    audit_record(actor, Action.CREATED, user, after=snapshot(user, AUDIT_FIELDS))
    password_link_send(user, actor=actor)
    return user


@transaction.atomic
def user_update(*, actor: User, user: User, data: dict) -> User:
    """Change the account's fields, services and quartiers; the audit record says what changed."""
    administration_authorize(actor)
    current, central_ids = _lock_with_centrals(user)
    user_manageable_check(actor=actor, user=current)
    data = normalised(data)
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
    _save(current, update_fields=[name for name in FIELDS if name in data])
    _relations_set(current, data)
    audit_record(actor, Action.UPDATED, current, before=before, after=snapshot(current, AUDIT_FIELDS))
    return current


@transaction.atomic
def user_deactivate(*, actor: User, user: User) -> bool:
    """Close the account (never deleted). Its sessions end with it: Django's ModelBackend no
    longer returns an inactive user, so their next page asks for the login. Mail still
    waiting for them is cancelled by the outbox worker. False if it was already closed."""
    administration_authorize(actor)
    current, central_ids = _lock_with_centrals(user)
    user_manageable_check(actor=actor, user=current)
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
    administration_authorize(actor)
    current = _lock(user)
    user_manageable_check(actor=actor, user=current)
    if current.is_active:
        return False
    before = snapshot(current, ["is_active"])
    current.is_active = True
    current.save(update_fields=["is_active"])
    audit_record(actor, Action.REACTIVATED, current, before=before, after=snapshot(current, ["is_active"]))
    return True


def user_actions(actor: User, user: User) -> frozenset[str]:
    """What ``actor`` may do to the account on its page, from the rules the services below
    apply (the last active central account is checked only when asked: it needs a lock)."""
    if not user_manageable(actor, user):
        return frozenset()
    own = user.pk == actor.pk
    actions = {"edit"}
    if user.is_active:
        actions.add("send_link")
        if not own:
            actions.add("deactivate")
    else:
        actions.add("reactivate")
    if getattr(user, "two_factor_active", False):
        actions.add("own_two_factor" if own else "two_factor_reset")
    return frozenset(actions)


def user_password_link_send(*, actor: User, user: User):
    """The central service sends the account a link to choose a (new) password."""
    administration_authorize(actor)
    current = User.objects.get(pk=user.pk)
    user_manageable_check(actor=actor, user=current)
    return password_link_send(current, actor=actor)


@transaction.atomic
def user_two_factor_reset(*, actor: User, user: User) -> int:
    """Delete the account's two-factor devices (a lost phone): the user enrols again at their
    next login. Returns how many were deleted; none deleted, nothing recorded.

    Not one's own: that goes through « Mon compte », which asks for a current code
    (accounts.two_factor.two_factor_disable) — an open session must not be enough."""
    administration_authorize(actor)
    current = _lock(user)
    if current.pk == actor.pk:
        raise ValidationError(
            _(
                "Votre propre double authentification ne se réinitialise pas ici : passez par « Mon compte › "
                "Double authentification », qui demande un code de votre application."
            )
        )
    user_manageable_check(actor=actor, user=current)
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
