"""How a web form's refusal is answered: the API's error body to the page's script that
asked for JSON, else a page; something the sender may not see as a missing page."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from forum.core.errors import Conflict, NotAuthenticated, NotFound
from forum.web.views.pages import refused_as_asked, wants_json

JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture
def sent(rf, member):
    def request(**headers):
        request = rf.post("/p/1/bookmark/", **headers)
        request.user = member
        return request

    return request


def test_the_scripts_request_is_answered_with_the_apis_error_body(sent):
    answer = refused_as_asked(sent(**JSON), Conflict("Not now.", code="draft_gone"))

    assert wants_json(sent(**JSON)) and not wants_json(sent())
    assert answer.status_code == 409
    assert answer["Content-Type"] == "application/json"
    assert answer.content == b'{"error": {"code": "draft_gone", "message": "Not now."}}'


def test_a_form_is_answered_with_a_page_and_a_missing_thing_as_a_missing_page(sent, db):
    page = refused_as_asked(sent(), Conflict("Not now."))

    assert page.status_code == 409
    assert b"Not now." in page.content
    with pytest.raises(Http404):
        refused_as_asked(sent(), NotFound("No such post."))


def test_a_signed_out_sender_is_sent_to_sign_in_unless_the_script_asked(rf):
    form, script = rf.post("/p/1/react/"), rf.post("/p/1/react/", **JSON)
    form.user = script.user = AnonymousUser()

    assert refused_as_asked(form, NotAuthenticated("Sign in.")).status_code == 302
    assert refused_as_asked(script, NotAuthenticated("Sign in.")).status_code == 401
