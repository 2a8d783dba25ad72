from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..services.attachments import megabytes

register = template.Library()


@register.filter
def file_size(size: int | None) -> str:
    """Ko and Mo as French users read them (Django's filesizeformat says « Mio »), on the same
    1024 base as the upload limit, so a file shown as « 10 Mo » is one that was accepted."""
    if size is None:
        return ""
    if size < 1024:
        return ngettext("%(size)d octet", "%(size)d octets", size) % {"size": size}
    if size < 1024 * 1024:
        return _("%(size)s Ko") % {"size": number_format(max(1, round(size / 1024)))}
    return megabytes(size)
