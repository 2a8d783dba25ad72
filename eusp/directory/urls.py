from django.urls import path

from . import views

app_name = "directory"
urlpatterns = [path("etats.css", views.state_colours_css_view, name="state-colours")]
