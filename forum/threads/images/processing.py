"""What an uploaded file must be to become an image in a post, and what is kept of it.

The type is decided by the content, never by the name or the declared type: Pillow must
recognise and verify it as PNG, JPEG, WebP or GIF. The pixel count is read from the
header and refused past the limit before any pixel is decoded, so a small file that
would unpack to gigabytes (a decompression bomb) costs nothing. Animated images are
refused rather than cut to their first frame, which would show something the author did
not post. What is kept is the pixels alone, turned upright as the EXIF orientation said
and converted to sRGB when an ICC profile came with them; EXIF (camera, GPS position),
ICC profiles, comments and every other chunk are dropped by re-encoding from the pixels
into a new image: PNG stays PNG (lossless, as drawn charts want) and GIF becomes PNG,
JPEG and WebP become WebP.

Pure Python and Pillow, no Django.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

__all__ = ("ImageRefused", "ProcessedImage", "process_image")

_ACCEPTED = {"PNG": "png", "GIF": "png", "JPEG": "webp", "WEBP": "webp"}
_WEBP_QUALITY = 85


class ImageRefused(ValueError):
    """The upload cannot become an image in a post; `code` says why."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class ProcessedImage:
    content: bytes
    format: str  # "png" or "webp"
    width: int
    height: int
    sha256: str  # of `content`
    original_sha256: str  # of the bytes uploaded


def _opened(data: bytes) -> Image.Image:
    # Pillow's own bomb check warns, then raises, at sizes far past ours; ours is below.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as probe:
                probe.verify()
            return Image.open(io.BytesIO(data))
        except Image.DecompressionBombError as exc:
            raise ImageRefused(
                "This image has far too many pixels to be shown.", code="too_many_pixels"
            ) from exc
        except UnidentifiedImageError as exc:
            raise _not_an_image() from exc
        except (OSError, SyntaxError, ValueError, EOFError, IndexError) as exc:
            raise _not_an_image() from exc


def _not_an_image() -> ImageRefused:
    return ImageRefused(
        "This file is not an image the forum can show: send a PNG, JPEG, WebP or GIF.",
        code="not_an_image",
    )


def _srgb_pixels(image: Image.Image) -> Image.Image:
    """`image` upright and in RGB(A), its colours converted to sRGB from its ICC
    profile when it has one that can be read (otherwise its values are taken as sRGB)."""
    image = ImageOps.exif_transpose(image) or image
    alpha = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )
    mode = "RGBA" if alpha else "RGB"
    profile = image.info.get("icc_profile")
    if profile and image.mode in ("RGB", "RGBA", "CMYK", "L"):
        try:
            return ImageCms.profileToProfile(
                image,
                ImageCms.ImageCmsProfile(io.BytesIO(profile)),
                ImageCms.createProfile("sRGB"),
                outputMode=mode,
            )
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass
    return image.convert(mode)


def process_image(data: bytes, *, max_bytes: int, max_pixels: int) -> ProcessedImage:
    """Check `data` and re-encode it without its metadata; raise ImageRefused when it is
    too large, not an accepted image, animated, or more than `max_pixels` pixels."""
    if len(data) > max_bytes:
        raise ImageRefused(
            f"This image is {len(data):,} bytes; the limit is {max_bytes:,}.", code="too_large"
        )
    image = _opened(data)
    with image:
        if image.format not in _ACCEPTED:
            raise _not_an_image()
        width, height = image.size
        if width * height > max_pixels:
            raise ImageRefused(
                f"This image is {width:,} by {height:,} pixels; the limit is "
                f"{max_pixels:,} pixels in all.",
                code="too_many_pixels",
            )
        if getattr(image, "is_animated", False):
            raise ImageRefused(
                "Animated images are not accepted: send a still image.", code="animated"
            )
        output_format = _ACCEPTED[image.format]
        try:
            pixels = _srgb_pixels(image)
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            raise _not_an_image() from exc
    # A new image from the pixels alone carries nothing else of the file over.
    clean = Image.frombytes(pixels.mode, pixels.size, pixels.tobytes())
    buffer = io.BytesIO()
    if output_format == "png":
        clean.save(buffer, format="PNG", optimize=True)
    else:
        clean.save(buffer, format="WEBP", quality=_WEBP_QUALITY, method=4)
    content = buffer.getvalue()
    return ProcessedImage(
        content=content,
        format=output_format,
        width=clean.width,
        height=clean.height,
        sha256=hashlib.sha256(content).hexdigest(),
        original_sha256=hashlib.sha256(data).hexdigest(),
    )
