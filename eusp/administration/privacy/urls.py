from django.urls import path

from . import views

# Spliced into the « administration » namespace (administration/urls.py).
urlpatterns = [
    path("donnees-personnelles/", views.privacy_home_view, name="privacy-home"),
    path("donnees-personnelles/exporter/", views.privacy_export_view, name="privacy-export"),
    path("donnees-personnelles/effacer/", views.privacy_erase_view, name="privacy-erase"),
]
