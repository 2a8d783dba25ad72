from django import forms
from django.core.exceptions import ValidationError


def form_add_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a service's refusal on the form: next to its field when the form has it, on top otherwise."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)
