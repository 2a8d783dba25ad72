"""Reads for the users pages; each owns its joins, so no row of a list costs a query."""

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django_otp.plugins.otp_totp.models import TOTPDevice

from eusp.accounts.models import Profile, User
from eusp.administration.journal.selectors import journal_list
from eusp.administration.models import AdminChange
from eusp.core.forms import offered_or_held
from eusp.directory.models import District, Service

# ?etat= of the list: which accounts, by their active flag (None: all of them).
STATES = {"actifs": True, "desactives": False, "tous": None}
DEFAULT_STATE = "actifs"
HISTORY_LIMIT = 200


def _with_details(queryset: QuerySet) -> QuerySet:
    return queryset.annotate(
        two_factor_active=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True))
    ).prefetch_related(
        Prefetch("services", queryset=Service.objects.order_by("name")),
        Prefetch("districts", queryset=District.objects.order_by("name")),
    )


def user_list(*, query: str = "", profile: str = "", service_id: int | None = None, state: str = DEFAULT_STATE):
    """Users matching every word of ``query`` (each in the username, names or e-mail), with
    their services, quartiers and whether their two-factor authentication is on."""
    users = User.objects.all()
    for word in query.split():
        users = users.filter(
            Q(username__icontains=word)
            | Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(email__icontains=word)
        )
    if profile in Profile.values:
        users = users.filter(profile=profile)
    if service_id is not None:
        users = users.filter(services=service_id)
    active = STATES.get(state, STATES[DEFAULT_STATE])
    if active is not None:
        users = users.filter(is_active=active)
    return _with_details(users).order_by("last_name", "first_name", "username", "pk")


def user_detail(pk: int) -> User | None:
    return _with_details(User.objects.filter(pk=pk)).first()


def user_history(user: User) -> list[AdminChange]:
    """The administrative changes to this account, newest first."""
    return list(journal_list(target_type=User._meta.label_lower, target_id=str(user.pk))[:HISTORY_LIMIT])


def service_choices(current: User | None = None) -> QuerySet:
    """Active services, plus those the account already has (kept on edit even if closed since)."""
    held = current.services.all() if current is not None and current.pk else None
    return offered_or_held(Service.objects.filter(is_active=True), held).order_by("name")


def district_choices(current: User | None = None) -> QuerySet:
    held = current.districts.all() if current is not None and current.pk else None
    return offered_or_held(District.objects.filter(is_active=True), held).order_by("name")
