from django import template

from eusp.notifications.display import password_links_hidden

register = template.Library()


@register.filter
def hide_password_links(text: str) -> str:
    """The mail as sent, with the secret part of a password link replaced by « … »."""
    return password_links_hidden(text)
