"""The hostile corpus, posted through the API as bodies, titles and profile fields, then
opened in Chromium: nothing runs, and no script, event handler or dangerous URL reaches
the page."""

import pytest
from rest_framework.test import APIClient

from forum.accounts.models import User
from forum.threads.models import Category
from tests.factories import UserFactory
from tests.forum.core.test_sanitize import RAW_HTML_CORPUS
from tests.forum.threads.test_rendering import HOSTILE_MARKDOWN

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Run in the page: every element's attributes, looking for what must never survive.
FIND_DANGER = """() => {
  const found = [];
  for (const el of document.querySelectorAll('*')) {
    const tag = el.tagName.toLowerCase();
    // The forum's own script files, from its own origin, are the only scripts allowed.
    const ourFiles = ['/static/web/parley.js', '/static/web/reactions.js',
                      '/static/web/bookmarks.js', '/static/web/open-work.js'];
    const ours = tag === 'script' && ourFiles.includes(el.getAttribute('src'))
      && !el.textContent && !el.closest('main');
    if (['script', 'iframe', 'object', 'embed', 'style', 'base', 'frame'].includes(tag) && !ours) {
      found.push('<' + tag + '>');
    }
    if (tag === 'form' && el.closest('main .post-body')) found.push('<form> in a post');
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase();
      const value = attr.value.replace(/[\\s\\u0000-\\u001f]/g, '').toLowerCase();
      if (name.startsWith('on')) found.push(tag + ' ' + name);
      if (['href', 'src', 'action', 'formaction', 'xlink:href'].includes(name)
          && /^(javascript|vbscript|data):/.test(value)) found.push(tag + ' ' + name + '=' + value);
    }
  }
  return found;
}"""


def test_hostile_content_is_inert_in_a_real_browser(live_server, page):
    author = UserFactory(
        username="attacker",
        display_name='<img src=x onerror="window.__pwned=1">',
        bio="<script>window.__pwned=1</script>",
        trust_level=3,
    )
    Category.objects.create(
        name="<svg onload=alert(1)>",
        slug="hostile",
        description="<script>alert(1)</script><img src=x onerror=alert(1)>",
    )
    api = APIClient()
    api.force_authenticate(author)
    bodies = ["\n\n".join(RAW_HTML_CORPUS), "\n\n".join(HOSTILE_MARKDOWN)]
    thread_urls = []
    for index, body in enumerate(bodies):
        created = api.post(
            "/api/v1/threads/",
            {
                "category": "hostile",
                "title": f'<script>alert({index})</script> "><svg onload=alert(1)>',
                "body": body,
            },
            format="json",
        )
        assert created.status_code == 201, created.content
        thread = created.json()
        reply = api.post(f"/api/v1/threads/{thread['id']}/posts/", {"body": body}, format="json")
        assert reply.status_code == 201
        thread_urls.append(f"/t/{thread['id']}/{thread['slug']}/")

    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    for path in ["/", *thread_urls, "/u/attacker/", "/c/hostile/"]:
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        page.wait_for_load_state("load")
        assert page.evaluate("() => window.__pwned") is None, path
        assert page.evaluate(FIND_DANGER) == [], path
    assert dialogs == []
    # The detector itself sees what it looks for.
    page.evaluate(
        """() => document.body.insertAdjacentHTML('beforeend',
            '<a href="javascript:void(0)" onclick="x()">t</a>')"""
    )
    assert sorted(page.evaluate(FIND_DANGER)) == ["a href=javascript:void(0)", "a onclick"]
    page.evaluate(
        """() => document.querySelector('main').insertAdjacentHTML('beforeend',
            '<script src="/static/web/parley.js"></script>')"""
    )
    assert "<script>" in page.evaluate(FIND_DANGER)  # ours, but not where content goes
    assert User.objects.get(username="attacker").display_name.startswith("<img")
    page.screenshot(path="test-artifacts/hostile-thread.png", full_page=False)
