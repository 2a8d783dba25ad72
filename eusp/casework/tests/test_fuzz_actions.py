"""Random form data thrown at every action of the sheet, and at the edit page: the answer
is a page with a message (or a redirect), never a server error."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eusp.casework import action_forms
from eusp.casework.views.follow_up import ACTIONS
from tests.factories import ServiceRequestFactory

pytestmark = pytest.mark.django_db

JUNK = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", "0", "-1", "2026-02-30", "31/12/2026", "9" * 30, "2026-00001", "on", "true", "1e9", "NaN"]),
    st.integers(min_value=-(10**12), max_value=10**12).map(str),
    st.dates().map(lambda d: d.isoformat()),
)


FIELDS = {slug: [f"{spec.form.prefix_name}-{name}" for name in spec.form.base_fields] for slug, spec in ACTIONS.items()}


@pytest.fixture
def sr(central, voirie):
    return ServiceRequestFactory(created_by=central, instructing_service=voirie, executing_service=voirie)


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_action_posts_never_fail(client, sr, central, agent, data):
    slug = data.draw(st.sampled_from(sorted(ACTIONS)))
    user = data.draw(st.sampled_from([central, agent]))
    payload = data.draw(st.dictionaries(st.sampled_from(FIELDS[slug] + ["junk"]), JUNK, max_size=8))
    client.force_login(user)
    htmx = data.draw(st.booleans())
    extra = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    response = client.post(f"/demandes/{sr.reference}/{slug}/", payload, **extra)
    assert response.status_code < 500


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_edits_never_fail(client, sr, central, data):
    names = list(action_forms.RequestEditForm.base_fields)
    payload = data.draw(st.dictionaries(st.sampled_from(names), JUNK, max_size=10))
    client.force_login(central)
    response = client.post(f"/demandes/{sr.reference}/modifier/", payload)
    assert response.status_code < 500


LIST_PARAMS = [
    "q", "field", "state", "phase", "district", "category", "service", "instructing_service", "executing_service",
    "referent_official", "origin", "priority", "received_from", "received_to", "closed_from", "closed_to",
    "overdue", "answered", "mine", "sort", "apres", "avant", "fin", "page", "archives",
]  # fmt: skip
LIST_URLS = ["/demandes/", "/archives/", "/demandes/recherche/", "/demandes/recherche-rapide/"]


@settings(max_examples=80, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_list_and_search_parameters_never_fail(client, sr, central, agent, elected, data):
    """Crafted URLs on the lists and searches: a page, never a server error (NUL aside:
    the middleware answers 400 to it before any view)."""
    url = data.draw(st.sampled_from(LIST_URLS))
    user = data.draw(st.sampled_from([central, agent, elected]))
    junk = JUNK.filter(lambda value: "\x00" not in value)
    params = data.draw(st.dictionaries(st.sampled_from(LIST_PARAMS), junk, max_size=6))
    client.force_login(user)
    htmx = data.draw(st.booleans())
    response = client.get(url, params, **({"HTTP_HX_REQUEST": "true"} if htmx else {}))
    assert response.status_code in (200, 302)
