from django.urls import path

from . import views

urlpatterns = [path("journal/", views.journal_view, name="journal")]
