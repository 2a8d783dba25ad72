from django.urls import path

from . import views

# Spliced into the "administration" namespace (eusp/administration/urls.py).
urlpatterns = [
    path("utilisateurs/", views.user_list_view, name="user-list"),
    path("utilisateurs/nouveau/", views.user_create_view, name="user-create"),
    path("utilisateurs/<int:pk>/", views.user_detail_view, name="user-detail"),
    path("utilisateurs/<int:pk>/modifier/", views.user_edit_view, name="user-edit"),
    path("utilisateurs/<int:pk>/desactiver/", views.user_deactivate_view, name="user-deactivate"),
    path("utilisateurs/<int:pk>/reactiver/", views.user_reactivate_view, name="user-reactivate"),
    path("utilisateurs/<int:pk>/lien-mot-de-passe/", views.user_send_link_view, name="user-send-link"),
    path(
        "utilisateurs/<int:pk>/double-authentification/reinitialiser/",
        views.user_two_factor_reset_view,
        name="user-two-factor-reset",
    ),
]
