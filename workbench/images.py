"""Images for previews, read with Pillow: what an image is, and a small copy of it to draw.

Every format Pillow reads is recognised (PNG of any depth and colour type,
JPEG, GIF, WebP, TIFF, BMP, ...). Drawing an image means decoding it, which
costs memory and time in proportion to its pixels, so decoding has a budget:
- JPEG is decoded at a reduced scale when that is enough to draw it (its DCT
  allows 1/2, 1/4 or 1/8), so a 50-megapixel photo costs less than a megapixel;
- any image whose decoded pixels would exceed `DECODE_MAX_PIXELS` is
  described, not drawn;
- what is kept to draw is at most `PREVIEW_MAX_SIDE` pixels on each side.
Callers decode in a worker thread, never on the UI's event loop.

Pillow is imported on first use: it is not needed to start a run.
Files are opened without following symlinks, as everywhere in the previews.
"""

from __future__ import annotations

import io
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .fsutil import human_size

if TYPE_CHECKING:
    from PIL import Image as PILImage

DECODE_MAX_PIXELS = 64_000_000
"""Pixels decoded at most to draw an image (about 200 MB of RGB while it is scaled down)."""
PREVIEW_MAX_SIDE = 1024
"""The drawn copy fits in this many pixels each way (a megapixel at most): enough for any terminal."""
IMAGE_MAX_BYTES = 256 * 1024 * 1024
"""Image files larger than this are described, not drawn."""
BACKDROP = (32, 32, 32)
"""The colour transparent pixels are drawn on."""

_IDENTIFY_ERRORS: tuple[type[BaseException], ...] = (OSError, ValueError, SyntaxError, EOFError, IndexError, KeyError)
"""What Pillow raises on bytes it cannot make sense of (plugins differ)."""


class ImageDecodeError(ValueError):
    """The image cannot be drawn; the message says why, in a few words."""


@dataclass(frozen=True)
class ImageInfo:
    """What an image's header says."""

    format: str
    """Pillow's name for the format: `PNG`, `JPEG`, `GIF`, `WEBP`, ..."""
    width: int | None
    height: int | None
    """None when the size could not be read."""
    mode: str | None = None
    """Pillow's pixel mode: `RGB`, `P` (palette), `I;16` (16-bit gray), ..."""
    frames: int = 1

    def describe(self) -> str:
        if self.width is None or self.height is None:
            return f"{self.format} image (size not found in its first bytes)"
        text = f"{self.format} image, {self.width} × {self.height} pixels"
        if self.frames > 1:
            text += f", {self.frames} frames"
        return text


@dataclass(frozen=True)
class PreviewImage:
    """An image scaled down to draw (RGB, at most `PREVIEW_MAX_SIDE` each way), and what it was."""

    info: ImageInfo
    image: PILImage.Image
    decoded_pixels: int
    """Pixels actually decoded (fewer than the image's for a JPEG decoded at a reduced scale)."""


def _info(image: PILImage.Image) -> ImageInfo:
    width, height = image.size
    return ImageInfo(image.format or "image", width, height, image.mode, getattr(image, "n_frames", 1) or 1)


def identify(head: bytes) -> ImageInfo | None:
    """What image the bytes (a file's first bytes, or all of it) start, if Pillow reads it; None if not an image."""
    if not head:
        return None
    from PIL import Image as pil

    try:
        with pil.open(io.BytesIO(head)) as image:
            return _info(image)
    except pil.DecompressionBombError:
        return ImageInfo("image", None, None)
    except _IDENTIFY_ERRORS:
        return None


def _open_regular(path: Path) -> io.BufferedReader:
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise IsADirectoryError(f"{path}: not a regular file")
        if info.st_size > IMAGE_MAX_BYTES:
            raise ImageDecodeError(f"{human_size(info.st_size)} is too large to draw here")
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def identify_file(path: Path) -> ImageInfo | None:
    """What image a file is, reading only its header (Pillow opens lazily); never follows a symlink."""
    from PIL import Image as pil

    try:
        with _open_regular(path) as handle, pil.open(handle) as image:
            return _info(image)
    except pil.DecompressionBombError:
        return ImageInfo("image", None, None)
    except _IDENTIFY_ERRORS:  # ImageDecodeError is a ValueError
        return None


def load_preview(
    path: Path, *, max_pixels: int = DECODE_MAX_PIXELS, max_side: int = PREVIEW_MAX_SIDE
) -> PreviewImage:
    """Decode an image file within the pixel budget and scale it to fit `max_side`; the first frame of an animation.

    Raises ImageDecodeError with a short reason (not an image, over budget, damaged).
    Slow for large images: call it in a worker thread.
    """
    from PIL import Image as pil
    from PIL import UnidentifiedImageError

    try:
        with _open_regular(path) as handle, pil.open(handle) as image:
            info = _info(image)
            scale = min(1.0, max_side / max(1, info.width or 1), max_side / max(1, info.height or 1))
            target = (max(1, round((info.width or 1) * scale)), max(1, round((info.height or 1) * scale)))
            image.draft("RGB", target)  # JPEG: decode at the smallest scale still as large as the drawing
            width, height = image.size
            if width * height > max_pixels:
                raise ImageDecodeError(
                    f"{width} × {height} is more than the {max_pixels // 1_000_000}-megapixel budget for drawing here"
                )
            image.load()
            small = _to_rgb(image)
            small.thumbnail((max_side, max_side), pil.Resampling.BILINEAR, reducing_gap=2.0)
            return PreviewImage(info, small, width * height)
    except ImageDecodeError:
        raise
    except pil.DecompressionBombError:
        raise ImageDecodeError(f"more than the {max_pixels // 1_000_000}-megapixel budget for drawing here") from None
    except UnidentifiedImageError:
        raise ImageDecodeError("not an image Pillow reads") from None
    except _IDENTIFY_ERRORS as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        raise ImageDecodeError(f"cannot be decoded ({reason})") from None


def _to_rgb(image: PILImage.Image) -> PILImage.Image:
    """8-bit RGB, whatever the source: deep grays scaled (not clipped), transparency on the backdrop."""
    from PIL import Image as pil

    mode = image.mode
    if mode.startswith("I;16"):
        image = image.convert("I").point(lambda value: value * (1 / 257)).convert("L")
    elif mode in ("I", "F"):
        extrema = image.getextrema()
        low, high = float(extrema[0]), float(extrema[1])  # type: ignore[arg-type]  # one band: two numbers
        scale = 255 / (high - low) if high != low else 0.0
        image = image.point(lambda value: (value - low) * scale).convert("L")
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (image.mode in ("P", "L", "RGB") and image.has_transparency_data):
        rgba = image.convert("RGBA")
        backdrop = pil.new("RGBA", rgba.size, (*BACKDROP, 255))
        return pil.alpha_composite(backdrop, rgba).convert("RGB")
    return image.convert("RGB")
