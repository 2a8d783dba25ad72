from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from eusp.casework.views.listing import archive_list_view

urlpatterns = [
    path("", include("eusp.core.urls")),
    path("", include("eusp.accounts.urls")),
    path("", include("eusp.reporting.urls")),
    path("", include("eusp.directory.urls")),
    path("demandes/", include("eusp.casework.urls")),
    path("archives/", archive_list_view, name="archive-list"),
    path("administration/", include("eusp.administration.urls")),
    path("django-admin/", admin.site.urls),
    # The login page offers the language choice too.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
]
