"""The theme in .streamlit/config.toml keeps captions readable (WCAG AA, 4.5:1)."""

from __future__ import annotations

import tomllib

from tests.colour import CAPTION_OPACITY, blend, contrast, parse
from tests.conftest import ROOT


def test_the_contrast_computation_matches_known_pairs() -> None:
    assert round(contrast((0, 0, 0), (255, 255, 255)), 1) == 21.0
    assert round(contrast((118, 118, 118), (255, 255, 255)), 2) == 4.54  # the AA grey
    # Streamlit's default light text at caption opacity: what the issue found too faint
    faded = blend(parse("#31333f")[0], CAPTION_OPACITY, (255, 255, 255))
    assert contrast(faded, (255, 255, 255)) < 4.5


def test_captions_in_the_theme_meet_4_5_to_1() -> None:
    theme = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())["theme"]
    background, _ = parse(theme["backgroundColor"])
    text, _ = parse(theme["textColor"])
    caption = blend(text, CAPTION_OPACITY, background)
    assert contrast(caption, background) >= 4.5
    assert contrast(text, background) >= 7  # body text: AAA
