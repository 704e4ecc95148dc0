"""Uploads become images only by their content, within the limits, and keep nothing but
their pixels."""

import hashlib
import io
import struct
import zlib

import pytest
from PIL import Image, ImageCms, PngImagePlugin

from forum.threads.images.processing import ImageRefused, process_image

LIMITS = {"max_bytes": 5 * 1024 * 1024, "max_pixels": 40_000_000}


def encoded(image: Image.Image, format: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=format, **options)
    return buffer.getvalue()


def chart(size=(60, 40)) -> Image.Image:
    image = Image.new("RGB", size, "white")
    for x in range(10, 50):
        image.putpixel((x, 20), (200, 30, 30))
    return image


def refusal(data: bytes, **limits) -> str:
    with pytest.raises(ImageRefused) as caught:
        process_image(data, **{**LIMITS, **limits})
    return caught.value.code


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def test_a_png_stays_png_and_is_named_by_the_hash_of_what_is_stored():
    original = encoded(chart(), "PNG")

    image = process_image(original, **LIMITS)

    assert (image.format, image.width, image.height) == ("png", 60, 40)
    assert Image.open(io.BytesIO(image.content)).format == "PNG"
    assert image.sha256 == hashlib.sha256(image.content).hexdigest()
    assert image.original_sha256 == hashlib.sha256(original).hexdigest()
    assert Image.open(io.BytesIO(image.content)).getpixel((30, 20))[:3] == (200, 30, 30)


def test_jpeg_and_webp_become_webp_and_a_still_gif_becomes_png():
    assert process_image(encoded(chart(), "JPEG"), **LIMITS).format == "webp"
    assert process_image(encoded(chart(), "WEBP"), **LIMITS).format == "webp"
    gif = process_image(encoded(chart().convert("P"), "GIF"), **LIMITS)
    assert gif.format == "png"
    assert Image.open(io.BytesIO(gif.content)).format == "PNG"


def test_the_type_is_read_from_the_content_not_the_name():
    # process_image is never told the name: a PNG sent as "chart.jpg" is a PNG.
    assert process_image(encoded(chart(), "PNG"), **LIMITS).format == "png"
    assert refusal(b"just some text, not a picture\n" * 10) == "not_an_image"


def test_svg_and_other_formats_pillow_knows_are_refused():
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    assert refusal(svg) == "not_an_image"
    assert refusal(encoded(chart(), "BMP")) == "not_an_image"
    assert refusal(encoded(chart(), "TIFF")) == "not_an_image"


def test_a_truncated_image_is_refused():
    assert refusal(encoded(chart(), "PNG")[:100]) == "not_an_image"


def test_a_file_past_the_size_limit_is_refused_before_it_is_opened():
    data = encoded(chart(), "PNG")
    assert refusal(data, max_bytes=len(data) - 1) == "too_large"


def test_more_pixels_than_the_limit_are_refused():
    assert refusal(encoded(chart((100, 100)), "PNG"), max_pixels=9_999) == "too_many_pixels"


def test_a_decompression_bomb_is_refused_from_its_header():
    # A valid PNG of 50,000 x 50,000 black-and-white pixels in under 100 bytes: decoding
    # it would take 2.5 gigapixels of memory.
    header = struct.pack(">IIBBBBB", 50_000, 50_000, 1, 0, 0, 0, 0)
    bomb = (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + _png_chunk(b"IEND", b"")
    )
    assert len(bomb) < 100

    assert refusal(bomb) == "too_many_pixels"
    assert refusal(bomb, max_pixels=10**12) == "too_many_pixels"  # Pillow's own guard


def test_an_animated_gif_is_refused():
    frames = [chart(), Image.new("RGB", (60, 40), "black")]
    animated = encoded(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100)
    assert refusal(animated) == "animated"


def test_exif_with_a_gps_position_is_gone():
    exif = Image.Exif()
    exif[0x010F] = "Phone maker"  # Make
    exif[0x8825] = {1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 36.0)}
    photo = encoded(chart(), "JPEG", exif=exif.tobytes())
    assert Image.open(io.BytesIO(photo)).getexif().get_ifd(0x8825)  # it was there

    image = process_image(photo, **LIMITS)

    stored = Image.open(io.BytesIO(image.content))
    assert not dict(stored.getexif())
    assert not stored.getexif().get_ifd(0x8825)
    assert "exif" not in stored.info
    assert b"Phone maker" not in image.content


def test_the_exif_orientation_is_applied_before_it_is_dropped():
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees to display
    photo = encoded(chart((60, 40)), "JPEG", exif=exif.tobytes())

    image = process_image(photo, **LIMITS)

    assert (image.width, image.height) == (40, 60)


def test_text_chunks_and_colour_profiles_are_gone():
    text = PngImagePlugin.PngInfo()
    text.add_text("Author", "someone@example.org")
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    original = encoded(chart(), "PNG", pnginfo=text, icc_profile=profile)

    image = process_image(original, **LIMITS)

    stored = Image.open(io.BytesIO(image.content))
    assert "icc_profile" not in stored.info
    assert "Author" not in stored.info
    assert b"someone@example.org" not in image.content


def test_transparency_is_kept():
    logo = Image.new("RGBA", (20, 20), (0, 0, 0, 0))
    image = process_image(encoded(logo, "PNG"), **LIMITS)
    assert Image.open(io.BytesIO(image.content)).mode == "RGBA"
