from django.urls import path, register_converter

from .views import answers, attachments, creation, editing, follow_up, listing, search


class ReferenceConverter:
    regex = r"[0-9]{4}-[0-9]{5,}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(ReferenceConverter, "reference")

app_name = "casework"
urlpatterns = [
    path("", listing.request_list_view, name="request-list"),
    path("nouvelle/", creation.request_create_view, name="request-create"),
    path("recherche/", listing.advanced_search_view, name="request-search"),
    path("recherche-rapide/", search.quick_search_view, name="quick-search"),
    path("recherches/", search.saved_search_create_view, name="saved-search-create"),
    path("recherches/<int:pk>/supprimer/", search.saved_search_delete_view, name="saved-search-delete"),
    path("nouvelle/services/", creation.category_services_view, name="request-category-services"),
    path("<reference:reference>/reponses/nouvelle/", answers.answer_create_view, name="answer-create"),
    path("<reference:reference>/reponses/modele/", answers.answer_template_view, name="answer-template"),
    path("<reference:reference>/reponses/<int:pk>/lettre/", answers.answer_letter_view, name="answer-letter"),
    path("<reference:reference>/pieces-jointes/", attachments.attachment_add_view, name="attachment-add"),
    path(
        "<reference:reference>/pieces-jointes/<int:pk>/",
        attachments.attachment_download_view,
        name="attachment-download",
    ),
    path("<reference:reference>/", follow_up.request_detail_view, name="request-detail"),
    path("<reference:reference>/modifier/", editing.request_edit_view, name="request-edit"),
    # In-place actions of the follow-up sheet: etat, cloture, instruction, execution, commentaire,
    # relance, doublon, archivage, reactivation.
    path("<reference:reference>/<slug:action>/", follow_up.request_action_view, name="request-action"),
]
