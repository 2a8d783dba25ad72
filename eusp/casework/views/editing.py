from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from eusp.core.forms import form_add_errors

from ..action_forms import RequestEditForm
from ..field_groups import EDITABLE_FIELDS
from ..permissions import Action, can, request_get_visible
from ..selectors import request_detail_queryset
from ..services import StaleEditError, request_update


def _key(value):
    return getattr(value, "pk", value) or None


def _conflicts(form: RequestEditForm, current) -> list[dict]:
    """Fields someone else changed since this user's page was built: value then → value now."""
    rows = []
    for name in EDITABLE_FIELDS:
        field = form.fields.get(name)
        if field is None:
            continue
        try:
            then = field.to_python(form.data.get(form.add_initial_prefix(name)))
        except ValidationError:
            continue
        now = getattr(current, name)
        if _key(then) != _key(now):
            rows.append({"label": field.label, "then": then or "—", "now": now or "—"})
    return rows


def request_edit_view(request, reference):
    """/demandes/<reference>/modifier/: every field, for the central service.

    A save built on an outdated version is refused: the user keeps what they typed,
    sees what changed meanwhile, and decides before saving again.
    """
    sr = request_get_visible(request.user, reference, request_detail_queryset())
    if not can(request.user, Action.EDIT, sr) or sr.is_archived:
        raise PermissionDenied
    instance = request_detail_queryset().get(pk=sr.pk)
    form = RequestEditForm(request.POST or None, instance=instance, user=request.user)
    conflicts = []
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in EDITABLE_FIELDS if name in form.cleaned_data}
        try:
            request_update(sr=sr, actor=request.user, data=data, expected_version=form.cleaned_data["version"])
        except StaleEditError as stale:
            conflicts = _conflicts(form, stale.current)
            resubmit = request.POST.copy()
            resubmit["version"] = stale.current.version
            form = RequestEditForm(resubmit, instance=stale.current, user=request.user)
            form.is_valid()
            form.add_error(
                None,
                _(
                    "Quelqu'un a enregistré cette demande pendant que vous la modifiiez : vos changements "
                    "n'ont pas été enregistrés. Vérifiez ce qui a changé entre-temps, puis enregistrez de nouveau."
                ),
            )
        except ValidationError as error:
            form_add_errors(form, error)
        else:
            messages.success(request, _("La demande a été modifiée."))
            return redirect(sr)
    status = 409 if conflicts else 200
    return render(
        request, "casework/request_edit.html", {"form": form, "sr": sr, "conflicts": conflicts}, status=status
    )
