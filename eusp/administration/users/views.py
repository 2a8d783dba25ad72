"""/administration/utilisateurs/: the accounts, for the central service only."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from eusp.accounts.models import User
from eusp.core.forms import form_add_errors
from eusp.directory.models import Service

from . import services
from .forms import UserFilterForm, UserForm
from .selectors import user_detail, user_history, user_list

PAGE_SIZE = 50


def _user_or_404(pk: int) -> User:
    user = User.objects.filter(pk=pk).first()
    if user is None:
        raise Http404
    return user


def user_list_view(request):
    filter_form = UserFilterForm(request.GET, services=Service.objects.order_by("name"))
    filters = filter_form.filters()
    page = Paginator(user_list(**filters), PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    context = {"page": page, "filter_form": filter_form, "filters": filters, "query": params.urlencode()}
    return render(request, "administration/users/user_list.html", context)


@require_http_methods(["GET", "POST"])
def user_create_view(request):
    form = UserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_create(actor=request.user, data=form.service_data())
        except ValidationError as error:
            form_add_errors(form, error)
        else:
            text = _("Le compte de %(name)s est créé ; le lien pour choisir son mot de passe part à %(email)s.")
            messages.success(request, text % {"name": user, "email": user.email})
            return redirect("administration:user-detail", pk=user.pk)
    status = 400 if form.errors else 200
    return render(request, "administration/users/user_form.html", {"form": form}, status=status)


def user_detail_view(request, pk: int):
    user = user_detail(pk)
    if user is None:
        raise Http404
    actions = services.user_actions(request.user, user)
    context = {
        "account": user,
        "history": user_history(user),
        "technical": services.is_technical(user),
        "actions": actions,
        # Shown instead of the actions: the services refuse them anyway.
        "refusal": "" if actions else services.TECHNICAL_REFUSAL,
    }
    return render(request, "administration/users/user_detail.html", context)


def _refusals_shown(request, error: ValidationError) -> None:
    for text in error.messages:
        messages.error(request, text)


@require_http_methods(["GET", "POST"])
def user_edit_view(request, pk: int):
    account = _user_or_404(pk)
    try:
        services.user_manageable_check(actor=request.user, user=account)
    except ValidationError as error:  # not even the form: the service refuses the change anyway
        _refusals_shown(request, error)
        return redirect("administration:user-detail", pk=pk)
    form = UserForm(request.POST or None, instance=account)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_update(actor=request.user, user=account, data=form.service_data())
        except ValidationError as error:
            form_add_errors(form, error)
        else:
            messages.success(request, _("Le compte est modifié."))
            return redirect("administration:user-detail", pk=pk)
    status = 400 if form.errors else 200
    # The name as saved, not as just typed in a refused form.
    account = User.objects.get(pk=pk)
    return render(request, "administration/users/user_form.html", {"form": form, "account": account}, status=status)


def _action(request, pk: int, action, done: str, unchanged: str = ""):
    """Run a POST action on an account; a refusal is shown on its page, nothing changed."""
    account = _user_or_404(pk)
    try:
        changed = action(actor=request.user, user=account)
    except ValidationError as error:
        _refusals_shown(request, error)
    else:
        if changed or not unchanged:
            messages.success(request, done % {"name": account})
        else:
            messages.info(request, unchanged % {"name": account})
    return redirect("administration:user-detail", pk=pk)


@require_POST
def user_deactivate_view(request, pk: int):
    return _action(
        request,
        pk,
        services.user_deactivate,
        _("Le compte de %(name)s est désactivé : il ne peut plus se connecter, ses sessions sont closes."),
        _("Le compte de %(name)s était déjà désactivé."),
    )


@require_POST
def user_reactivate_view(request, pk: int):
    return _action(
        request,
        pk,
        services.user_reactivate,
        _("Le compte de %(name)s est réactivé."),
        _("Le compte de %(name)s était déjà actif."),
    )


@require_POST
def user_send_link_view(request, pk: int):
    return _action(
        request,
        pk,
        services.user_password_link_send,
        _("Un lien pour choisir un nouveau mot de passe part à %(name)s."),
    )


@require_POST
def user_two_factor_reset_view(request, pk: int):
    return _action(
        request,
        pk,
        services.user_two_factor_reset,
        _(
            "La double authentification de %(name)s est réinitialisée : il l'activera de nouveau "
            "à sa prochaine connexion si elle est exigée."
        ),
        _("%(name)s n'avait aucun appareil de double authentification."),
    )
