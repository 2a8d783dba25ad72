from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    """Statistics and exports: reads over the requests a user may see, never writes."""

    name = "eusp.reporting"
    verbose_name = _("Statistiques et exports")
