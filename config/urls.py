from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("eusp.core.urls")),
    path("", include("eusp.accounts.urls")),
    path("demandes/", include("eusp.casework.urls")),
    path("django-admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]
