"""The aided panel says what an empty or missing heat map means instead of showing nothing."""

from __future__ import annotations

import numpy as np
import pytest

from reader_app.reading.aided_panel import AidedPanel, heatmap_note
from studies.engine.reader_api import ModelOutput


def test_a_map_with_attention_needs_no_note() -> None:
    heatmap = np.zeros((8, 6), dtype=np.float16)
    heatmap[3, 2] = 0.4
    assert heatmap_note(heatmap) == ""


def test_an_all_zero_grad_cam_map_is_explained() -> None:
    assert "no region pushes the model toward malignant" in heatmap_note(np.zeros((8, 6)))


def test_a_case_without_a_map_says_so() -> None:
    assert heatmap_note(None) == "No heat map for this case."


@pytest.mark.parametrize(
    ("heatmap", "shown"),
    [(np.zeros((4, 4)), True), (np.full((4, 4), 0.5), False), (None, True)],
)
def test_the_panel_shows_the_note_only_when_there_is_one(qtbot, heatmap, shown) -> None:
    panel = AidedPanel()
    qtbot.addWidget(panel)
    panel.show()
    panel.show_output(ModelOutput(0.1, heatmap, {"youden": 0.5}), None)
    assert panel.no_heatmap_label.isVisible() is shown
    assert panel.heatmap_box.isEnabled() is (heatmap is not None)
