"""Image previews with Pillow: every format it reads, decoded in a worker within a pixel budget.

The images are made with Pillow here. In the UI, the tests are not a terminal,
so pictures are drawn in half-blocks (textual-image's `HalfcellImage`).
"""

from __future__ import annotations

import io
import threading
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from textual.geometry import Region

from view_helpers import (
    Harness,
    pilot_test,
    preview_message,
    preview_title,
    run_job,
    select_output,
    settle,
)
from workbench import images
from workbench.filepreview import PreviewKind, preview_file
from workbench.images import (
    DECODE_MAX_PIXELS,
    PREVIEW_MAX_SIDE,
    ImageDecodeError,
    load_preview,
)
from workbench.ui import output_browser
from workbench.ui.image_view import ImageView
from workbench.ui.output_browser import OutputBrowser

RED, GREEN, BLUE = (220, 30, 40), (30, 200, 60), (40, 60, 220)


def quarters(size: tuple[int, int] = (40, 20)) -> Image.Image:
    """Red on the left half, blue on the right, a green square in the middle."""
    image = Image.new("RGB", size, RED)
    width, height = size
    draw = ImageDraw.Draw(image)
    draw.rectangle((width // 2, 0, width, height), fill=BLUE)
    draw.rectangle((width // 2 - 2, height // 2 - 2, width // 2 + 1, height // 2 + 1), fill=GREEN)
    return image


def save_samples(folder: Path) -> dict[str, Path]:
    """A JPEG, a GIF, a palette PNG with a transparent colour and a 16-bit gray PNG."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {name: folder / name for name in ("photo.jpg", "anim.gif", "palette.png", "deep.png")}
    quarters().save(paths["photo.jpg"], quality=95)
    frames = [quarters(), quarters().transpose(Image.Transpose.FLIP_LEFT_RIGHT)]
    frames[0].save(paths["anim.gif"], save_all=True, append_images=frames[1:], duration=100, loop=0)
    palette = quarters().convert("P", palette=Image.Palette.ADAPTIVE, colors=3)
    palette.save(paths["palette.png"], transparency=palette.getpixel((39, 0)))  # the blue half transparent
    deep = Image.new("I;16", (40, 20))
    deep.paste(65535, (20, 0, 40, 20))  # black left, white right, in 16 bits
    deep.paste(32896, (0, 0, 20, 20))
    deep.save(paths["deep.png"])
    return paths


def near(pixel: tuple[int, ...], colour: tuple[int, int, int], slack: int = 24) -> bool:
    return all(abs(a - b) <= slack for a, b in zip(pixel, colour, strict=True))


# ---------------------------------------------------------------- decoding, without a terminal


def test_each_format_decodes_to_its_colours(tmp_path: Path) -> None:
    paths = save_samples(tmp_path)
    expected = {
        "photo.jpg": ("JPEG", "RGB", RED, BLUE),
        "anim.gif": ("GIF", "P", RED, BLUE),
        "palette.png": ("PNG", "P", RED, images.BACKDROP),  # transparent pixels are drawn on the backdrop
        "deep.png": ("PNG", "I;16", (128, 128, 128), (255, 255, 255)),  # scaled to 8 bits, not clipped
    }
    for name, (fmt, mode, left, right) in expected.items():
        preview = preview_file(paths[name])
        assert preview.kind is PreviewKind.IMAGE, name
        assert (preview.image.format, preview.image.width, preview.image.height) == (fmt, 40, 20)
        picture = load_preview(paths[name])
        assert picture.info.mode == mode, name
        assert picture.image.mode == "RGB" and picture.image.size == (40, 20)
        assert near(picture.image.getpixel((2, 2)), left), (name, picture.image.getpixel((2, 2)))
        assert near(picture.image.getpixel((37, 17)), right), (name, picture.image.getpixel((37, 17)))
    assert load_preview(paths["anim.gif"]).info.describe() == "GIF image, 40 × 20 pixels, 2 frames"


def test_a_header_past_the_bytes_read_is_still_found(tmp_path: Path) -> None:
    # A JPEG whose metadata (a 200 KB comment) comes before its frame header.
    path = tmp_path / "tagged.jpg"
    quarters().save(path, comment=b"x" * 60_000, icc_profile=b"\0" * 200_000)
    preview = preview_file(path)
    assert preview.kind is PreviewKind.IMAGE and preview.image.format == "JPEG"


def test_over_the_budget_is_described_not_decoded(tmp_path: Path) -> None:
    path = tmp_path / "wide.png"
    quarters((400, 300)).save(path)
    with pytest.raises(ImageDecodeError, match="more than the 0-megapixel budget"):
        load_preview(path, max_pixels=100_000)


def test_damaged_links_and_non_images_are_refused(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    quarters((400, 300)).save(buffer, "PNG")
    (tmp_path / "cut.png").write_bytes(buffer.getvalue()[:300])
    (tmp_path / "text.png").write_text("not an image")
    (tmp_path / "real.png").write_bytes(buffer.getvalue())
    (tmp_path / "link.png").symlink_to(tmp_path / "real.png")
    with pytest.raises(ImageDecodeError, match="cannot be decoded"):
        load_preview(tmp_path / "cut.png")
    with pytest.raises(ImageDecodeError, match="not an image Pillow reads"):
        load_preview(tmp_path / "text.png")
    with pytest.raises(ImageDecodeError, match="cannot be decoded"):
        load_preview(tmp_path / "link.png")  # never through a symlink


@pytest.fixture(scope="module")
def fifty_megapixels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("big") / "fifty.png"
    image = Image.new("RGB", (10_000, 5_000), RED)
    ImageDraw.Draw(image).rectangle((5_000, 0, 10_000, 5_000), fill=BLUE)
    image.save(path, compress_level=1)
    return path


def test_fifty_megapixels_decode_within_the_budget(fifty_megapixels: Path) -> None:
    picture = load_preview(fifty_megapixels)
    assert picture.decoded_pixels == 50_000_000 <= DECODE_MAX_PIXELS
    assert picture.image.size == (PREVIEW_MAX_SIDE, PREVIEW_MAX_SIDE // 2)
    assert near(picture.image.getpixel((10, 10)), RED) and near(picture.image.getpixel((1000, 10)), BLUE)


def test_a_large_jpeg_is_decoded_at_a_reduced_scale(tmp_path: Path) -> None:
    path = tmp_path / "photo.jpg"
    quarters((8_000, 4_000)).save(path, quality=80)
    picture = load_preview(path)
    assert picture.info.width == 8_000
    assert picture.decoded_pixels == 2_000 * 1_000  # decoded at 1/4 scale: the smallest still as large as drawn
    assert picture.image.size == (PREVIEW_MAX_SIDE, PREVIEW_MAX_SIDE // 2)


# ---------------------------------------------------------------- in the output browser


def images_app(root: Path, sources: Path) -> Path:
    """An App that copies every file of `sources` into its output/."""
    root.mkdir()
    (root / "main.py").write_text(
        "import shutil\n"
        f"for path in __import__('pathlib').Path({str(sources)!r}).iterdir():\n"
        "    shutil.copy(path, 'output/' + path.name)\n"
    )
    return root


def drawn_lines(view: ImageView) -> list[str]:
    width, height = view.content_size
    return [strip.text for strip in view.render_lines(Region(0, 0, width, height))]


@pilot_test
async def test_each_format_previews_as_a_picture(tmp_path: Path) -> None:
    save_samples(tmp_path / "sources")
    record = run_job(images_app(tmp_path / "app", tmp_path / "sources"))
    browser = OutputBrowser()
    async with Harness(browser).run_test(size=(120, 36)) as pilot:
        browser.show_run(record)
        await settle(pilot)
        for name, fmt in (("photo.jpg", "JPEG"), ("anim.gif", "GIF"), ("palette.png", "PNG"), ("deep.png", "PNG")):
            select_output(browser, name)
            await settle(pilot)
            assert preview_title(browser).startswith(f"{name}  ·  {fmt}  ·  "), preview_title(browser)
            view = browser.query_one("#output-preview-image", ImageView)
            assert view.image is not None and view.image.size == (40, 20)
            assert view.visible and view.content_size.width > 0 and view.content_size.height > 0
            lines = drawn_lines(view)
            assert lines and all(set(line) == {"▀"} for line in lines), name
            caption = str(browser.query_one("#output-preview-caption").content)
            assert caption.startswith(f"{fmt} image, 40 × 20 pixels") and caption.endswith("·  half-blocks")


@pilot_test
async def test_an_image_over_the_budget_is_described(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "sources").mkdir()
    quarters().save(tmp_path / "sources" / "wide.png")
    record = run_job(images_app(tmp_path / "app", tmp_path / "sources"))
    browser = OutputBrowser()
    monkeypatch.setattr(output_browser, "load_preview", lambda path: load_preview(path, max_pixels=500))
    async with Harness(browser).run_test(size=(120, 36)) as pilot:
        browser.show_run(record)
        await settle(pilot)
        assert preview_message(browser).startswith(
            "PNG image, 40 × 20 pixels, "
        ) and "Not drawn here: 40 × 20 is more than the 0-megapixel budget" in preview_message(browser)


@pilot_test
async def test_fifty_megapixels_preview_off_the_event_loop(
    tmp_path: Path, fifty_megapixels: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "fifty.png").symlink_to(fifty_megapixels)  # shutil.copy follows it: a real file in output/
    record = run_job(images_app(tmp_path / "app", tmp_path / "sources"))
    ticks = 0
    decoding: dict[str, object] = {}

    def spy(path: Path) -> images.PreviewImage:
        before = ticks
        decoding["thread"] = threading.current_thread()
        picture = load_preview(path)
        decoding["ticks"] = ticks - before
        return picture

    monkeypatch.setattr(output_browser, "load_preview", spy)
    browser = OutputBrowser()
    app = Harness(browser)
    async with app.run_test(size=(120, 36)) as pilot:

        def tick() -> None:
            nonlocal ticks
            ticks += 1

        app.set_interval(0.02, tick)
        browser.show_run(record)
        await settle(pilot)
        assert decoding["thread"] is not threading.main_thread()
        assert decoding["ticks"] >= 1  # the event loop went on while the image was decoded
        view = browser.query_one("#output-preview-image", ImageView)
        assert view.image is not None and view.image.size == (PREVIEW_MAX_SIDE, PREVIEW_MAX_SIDE // 2)
        assert str(browser.query_one("#output-preview-caption").content).startswith(
            "PNG image, 10000 × 5000 pixels"
        )


def test_a_terminal_that_reports_no_size_still_gets_pictures(tmp_path) -> None:
    """A pty sized 0x0 made textual-image divide by zero while the UI was imported."""
    import fcntl
    import os
    import pty
    import select
    import struct
    import subprocess
    import sys
    import termios
    import time

    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 0, 0, 0, 0))
    code = "import workbench.ui.image_view as view; print('drawn with', view.drawing_method())"
    process = subprocess.Popen([sys.executable, "-c", code], stdin=follower, stdout=follower, stderr=follower)
    os.close(follower)
    seen = b""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the follower side closed: the process ended
                break
            if not chunk:
                break
            seen += chunk
        elif process.poll() is not None:
            break
    os.close(leader)
    assert process.wait(timeout=10) == 0, seen.decode("utf-8", "replace")
    assert b"drawn with half-blocks" in seen


def test_the_ui_starts_without_the_picture_libraries() -> None:
    """textual-image (Pillow, numpy) costs a quarter of a second: it is imported with the first picture."""
    import subprocess
    import sys

    code = (
        "import sys, workbench.ui.app\n"
        "heavy = [m for m in ('numpy', 'PIL', 'textual_image.widget', 'textual_image.renderable') if m in sys.modules]\n"
        "print(heavy)\n"
        "from workbench.ui.image_view import ImageView\n"
        "print('numpy' in sys.modules, ImageView.__name__, sys.__stdout__ is sys.stdout)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["[]", "True HalfcellImage True"]
