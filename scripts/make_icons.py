"""Draw the program's icon (a laptop on a rounded square) as PNG, ICO and ICNS.

    python scripts/make_icons.py        # writes resources/icons/digibank.{png,ico,icns}

Drawn in code so that it can be changed and remade without a drawing program.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

OUT = Path(__file__).resolve().parent.parent / "resources" / "icons"
TEAL, WHITE, DARK = (0, 110, 120, 255), (255, 255, 255, 255), (0, 70, 78, 255)


def draw(size: int = 1024) -> Image.Image:
    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    s = size / 1024
    d.rounded_rectangle((40 * s, 40 * s, 984 * s, 984 * s), radius=190 * s, fill=TEAL)
    # screen
    d.rounded_rectangle((230 * s, 250 * s, 794 * s, 640 * s), radius=36 * s, fill=WHITE)
    d.rectangle((280 * s, 300 * s, 744 * s, 590 * s), fill=DARK)
    # a heart on the screen: the laptop is lent with care
    d.ellipse((430 * s, 380 * s, 520 * s, 470 * s), fill=WHITE)
    d.ellipse((504 * s, 380 * s, 594 * s, 470 * s), fill=WHITE)
    d.polygon([(436 * s, 445 * s), (588 * s, 445 * s), (512 * s, 540 * s)], fill=WHITE)
    # keyboard base
    d.polygon([(170 * s, 680 * s), (854 * s, 680 * s), (924 * s, 770 * s), (100 * s, 770 * s)], fill=WHITE)
    d.rectangle((440 * s, 700 * s, 584 * s, 730 * s), fill=TEAL)
    return img


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    big = draw()
    big.resize((256, 256), Image.LANCZOS).save(OUT / "digibank.png")
    sizes = [(n, n) for n in (16, 24, 32, 48, 64, 128, 256)]
    big.save(OUT / "digibank.ico", sizes=sizes)
    big.resize((512, 512), Image.LANCZOS).save(OUT / "digibank.icns")
    for p in sorted(OUT.iterdir()):
        print(p.name, p.stat().st_size)


if __name__ == "__main__":
    main()
