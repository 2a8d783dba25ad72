import re

from django import template

register = template.Library()

# /compte/mot-de-passe/<uidb64>/<token>/: a live link would let whoever reads the queue set
# that account's password.
PASSWORD_LINK = re.compile(r"(/compte/mot-de-passe/)[^/\s]+/[^/\s]+/?")


@register.filter
def hide_password_links(text: str) -> str:
    """The mail as sent, with the secret part of a password link replaced by « … »."""
    return PASSWORD_LINK.sub(r"\1…", text or "")
