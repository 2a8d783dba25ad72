from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


def _sqlite_functions(sender, connection, **kwargs):
    """SQLite has no unaccent: the word search folds text with the same Python function
    PostgreSQL's eusp_fold mirrors."""
    if connection.vendor == "sqlite":
        from .search.text import fold

        connection.connection.create_function("eusp_fold", 1, fold, deterministic=True)


class CaseworkConfig(AppConfig):
    name = "eusp.casework"
    label = "casework"
    verbose_name = _("Demandes")

    def ready(self) -> None:
        connection_created.connect(_sqlite_functions, dispatch_uid="eusp_sqlite_functions")
