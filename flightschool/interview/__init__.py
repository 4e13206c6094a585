"""Mock interviews: sessions and transparent rubric scoring."""
