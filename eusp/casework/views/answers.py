"""Answers to the citizen: the answer form and the printable letter."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from eusp.core.city_settings import city_settings
from eusp.directory.models import AnswerTemplate

from ..answer_forms import AnswerForm, template_initial
from ..models import Answer, AnswerChannel, ServiceRequest
from ..permissions import Action, can, request_get_visible
from ..selectors import request_detail_queryset
from ..services.answers import ANSWER_PLACEHOLDERS, answer_duplicates_without_email, request_answer

FORM_TEMPLATE = "casework/answer_form.html"


def _answerable(request, reference: str) -> ServiceRequest:
    sr = request_get_visible(request.user, reference, request_detail_queryset())
    if not can(request.user, Action.ANSWER, sr):
        raise PermissionDenied
    return sr


def answers_panel_context(user, sr: ServiceRequest) -> dict:
    """What the sheet's « Réponses à l'usager » panel needs (casework/includes/_answers.html)."""
    return {
        "answers": list(sr.answers.select_related("author", "outbox_message")),
        "can_answer": can(user, Action.ANSWER, sr),
    }


def _render_form(request, sr: ServiceRequest, form: AnswerForm, duplicates: list, status: int = 200):
    context = {
        "sr": sr,
        "form": form,
        "duplicates": duplicates,
        "duplicates_without_email": answer_duplicates_without_email(sr) if duplicates else [],
        # With duplicates a template keeps its placeholders, filled for each requester on saving.
        "keep_placeholders": bool(duplicates),
        "placeholders": [(f"{{{name}}}", label) for name, label in ANSWER_PLACEHOLDERS.items()],
    }
    template = f"{FORM_TEMPLATE}#template-fields" if request.htmx else FORM_TEMPLATE
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _errors_onto(form: AnswerForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def answer_create_view(request, reference):
    """/demandes/<reference>/reponses/nouvelle/: the central service answers the citizen."""
    sr = _answerable(request, reference)
    duplicates = list(sr.duplicates.only("reference", "subject"))
    kwargs = {"sr": sr, "has_duplicates": bool(duplicates)}
    if request.method != "POST":
        return _render_form(request, sr, AnswerForm(**kwargs), duplicates)
    form = AnswerForm(request.POST, **kwargs)
    if form.is_valid():
        data = form.cleaned_data
        try:
            answers = request_answer(
                sr=sr,
                actor=request.user,
                channel=data["channel"],
                text=data["text"],
                subject=data["subject"],
                answered_on=data["answered_on"],
                include_duplicates=data.get("include_duplicates", False),
            )
        except ValidationError as error:
            _errors_onto(form, error)
        else:
            return _answered(request, sr, answers, duplicates, data.get("include_duplicates", False))
    return _render_form(request, sr, form, duplicates, status=400)


def _answered(request, sr: ServiceRequest, answers: list[Answer], duplicates: list, with_duplicates: bool):
    """Say what happened, then show the sheet, or the letter to print."""
    answer, others = answers[0], answers[1:]
    if answer.channel == AnswerChannel.EMAIL:
        # The worker takes the mail as soon as the transaction commits; it may already be gone.
        answer.outbox_message.refresh_from_db(fields=["status", "last_error"])
        email = {"email": answer.recipient_email}
        if answer.delivery_status == Answer.DeliveryStatus.SENT:
            messages.success(request, _("La réponse a été envoyée par e-mail à %(email)s.") % email)
        elif answer.delivery_status == Answer.DeliveryStatus.PENDING:
            messages.success(
                request, _("La réponse est enregistrée ; l'e-mail à %(email)s est en attente d'envoi.") % email
            )
        else:
            messages.warning(
                request,
                _(
                    "La réponse est enregistrée, mais l'e-mail n'a pas pu être envoyé : "
                    "l'échec est indiqué dans la liste des réponses."
                ),
            )
    else:
        messages.success(request, _("La réponse a été enregistrée."))
    if others:
        messages.info(
            request,
            _("Réponse aussi enregistrée pour les doublons : %(references)s.")
            % {"references": ", ".join(a.service_request.reference for a in others)},
        )
    answered = {a.service_request_id for a in answers}
    missed = [d.reference for d in duplicates if d.pk not in answered] if with_duplicates else []
    if missed:
        messages.warning(
            request,
            _("Sans adresse e-mail, ces doublons n'ont pas reçu de réponse : %(references)s.")
            % {"references": ", ".join(missed)},
        )
    if answer.channel == AnswerChannel.LETTER:
        return redirect("casework:answer-letter", reference=sr.reference, pk=answer.pk)
    return redirect(sr)


def answer_template_view(request, reference):
    """/demandes/<reference>/reponses/modele/?template=ID: a template filled in for this request.

    htmx swaps the subject and text fields; without it, the whole form is shown.
    """
    sr = _answerable(request, reference)
    template_id = request.GET.get("template", "")
    if not template_id.isdigit():
        # "No template": leave what the user typed alone.
        if request.htmx:
            return HttpResponse(status=204)
        return redirect("casework:answer-create", reference=sr.reference)
    template = get_object_or_404(AnswerTemplate, pk=template_id, is_active=True)
    duplicates = list(sr.duplicates.only("reference", "subject"))
    initial = template_initial(template, sr, keep_placeholders=bool(duplicates))
    form = AnswerForm(initial=initial, sr=sr, has_duplicates=bool(duplicates))
    return _render_form(request, sr, form, duplicates)


def answer_letter_view(request, reference, pk):
    """/demandes/<reference>/reponses/<pk>/lettre/: the letter, ready to print."""
    sr = request_get_visible(request.user, reference, request_detail_queryset())
    answer = get_object_or_404(sr.answers.select_related("author"), pk=pk, channel=AnswerChannel.LETTER)
    # The citizen reads the letter in the city's language, whatever the writer's interface.
    with translation.override(settings.LANGUAGE_CODE):
        context = {"sr": sr, "answer": answer, "city": city_settings()}
        return render(request, "casework/answer_letter.html", context)
