from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render

from eusp.core.forms import form_add_errors
from eusp.directory.models import Category

from ..forms import RequestCreateForm
from ..permissions import can_create_request
from ..services import request_create


def request_create_view(request):
    """/demandes/nouvelle/: central service and élus record a request."""
    if not can_create_request(request.user):
        raise PermissionDenied
    form = RequestCreateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            sr = request_create(actor=request.user, data=form.cleaned_data)
        except ValidationError as error:  # a rule of the service layer, e.g. no open state left
            form_add_errors(form, error)
        else:
            return redirect(sr)
    return render(request, "casework/request_form.html", {"form": form})


def category_services_view(request):
    """htmx: the follow-up services proposed by the chosen category."""
    if not can_create_request(request.user):
        raise PermissionDenied
    initial = {}
    category_id = request.GET.get("category", "")
    if category_id.isdigit():
        category = get_object_or_404(Category, pk=category_id, is_active=True)
        initial = {
            "instructing_service": category.default_instructing_service_id,
            "executing_service": category.default_executing_service_id,
        }
    form = RequestCreateForm(user=request.user, initial=initial)
    return render(request, "casework/request_form.html#services", {"form": form})
