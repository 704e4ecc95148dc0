"""<img> survives the sanitisers only for the forum's own image URLs, with its size and
nothing else; each sanitiser alone enforces it."""

import re

import pytest

from forum.core.sanitize import bleach_clean, nh3_clean, sanitize_html

OWN = re.compile(r"/media/images/[0-9a-f]{2}/[0-9a-f]{64}\.(?:png|webp)")
SRC = f"/media/images/ab/{'ab' * 32}.png"
CLEANERS = [bleach_clean, nh3_clean, sanitize_html]


@pytest.mark.parametrize("clean", CLEANERS)
def test_an_own_image_keeps_its_size_alt_and_lazy_loading(clean):
    html = (
        f'<img src="{SRC}" alt="A chart" width="640" height="480" loading="lazy" decoding="async">'
    )
    assert clean(html, image_src=OWN) == html


@pytest.mark.parametrize("clean", CLEANERS)
def test_without_a_pattern_every_image_is_dropped(clean):
    assert "<img" not in clean(f'<img src="{SRC}" alt="A chart">')


@pytest.mark.parametrize("clean", CLEANERS)
@pytest.mark.parametrize(
    "src",
    [
        "https://evil.example/pixel.png",
        "//evil.example/media/images/ab/" + "ab" * 32 + ".png",
        "javascript:alert(1)",
        "data:image/png;base64,iVBORw0KGgo=",
        "data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=",
        SRC + "?track=1",
        "/media/images/ab/" + "ab" * 32 + ".svg",
        "/media/images/../../admin/",
    ],
)
def test_any_other_source_is_dropped(clean, src):
    cleaned = clean(f'<img src="{src}" alt="x">', image_src=OWN)
    assert "src=" not in cleaned
    assert "javascript" not in cleaned and "data:" not in cleaned


@pytest.mark.parametrize("clean", CLEANERS)
def test_event_handlers_styles_and_odd_values_are_dropped(clean):
    cleaned = clean(
        f'<img src="{SRC}" alt="x" onerror="alert(1)" style="position:fixed" '
        'width="100%" height="-1" loading="eager" srcset="https://evil.example/a.png 2x" '
        'class="button" id="location">',
        image_src=OWN,
    )
    assert cleaned == f'<img src="{SRC}" alt="x">'
