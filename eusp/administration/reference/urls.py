from django.urls import path

from . import views

ENTRY = "listes/<slug:kind>/<int:pk>/"

urlpatterns = [
    path("listes/", views.reference_home_view, name="reference-home"),
    path(
        "listes/modeles-de-reponse/<int:pk>/apercu/",
        views.reference_template_preview_view,
        name="reference-template-preview",
    ),
    path("listes/<slug:kind>/", views.reference_list_view, name="reference-list"),
    path("listes/<slug:kind>/nouveau/", views.reference_create_view, name="reference-create"),
    path(f"{ENTRY}modifier/", views.reference_edit_view, name="reference-edit"),
    path(f"{ENTRY}monter/", views.reference_move_up_view, name="reference-move-up"),
    path(f"{ENTRY}descendre/", views.reference_move_down_view, name="reference-move-down"),
    path(f"{ENTRY}desactiver/", views.reference_deactivate_view, name="reference-deactivate"),
    path(f"{ENTRY}reactiver/", views.reference_reactivate_view, name="reference-reactivate"),
    path(f"{ENTRY}supprimer/", views.reference_delete_view, name="reference-delete"),
    path(f"{ENTRY}fusionner/", views.reference_merge_view, name="reference-merge"),
]
