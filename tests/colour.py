"""WCAG 2 contrast of colours, for the tests that check the theme keeps text readable."""

from __future__ import annotations

import re

RGB = tuple[float, float, float]

CAPTION_OPACITY = 0.6  # Streamlit draws captions in the text colour at this opacity


def parse(css: str) -> tuple[RGB, float]:
    """`#rrggbb`, `rgb(r, g, b)` or `rgba(r, g, b, a)` as (rgb, alpha)."""
    if css.startswith("#"):
        return (int(css[1:3], 16), int(css[3:5], 16), int(css[5:7], 16)), 1.0
    numbers = [float(n) for n in re.findall(r"[\d.]+", css)]
    return (numbers[0], numbers[1], numbers[2]), numbers[3] if len(numbers) > 3 else 1.0


def blend(colour: RGB, alpha: float, background: RGB) -> RGB:
    r, g, b = (alpha * c + (1 - alpha) * under for c, under in zip(colour, background, strict=True))
    return (r, g, b)


def luminance(colour: RGB) -> float:
    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in colour)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(foreground: RGB, background: RGB) -> float:
    light, dark = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)
