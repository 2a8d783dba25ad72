from django.urls import path

from . import views

urlpatterns = [path("parametres/", views.settings_view, name="settings")]
