"""CaseViewer offscreen: what show_case draws, linked views, heat map, tools, pyramid levels."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QRectF
from viewer_cases import COLUMNS, ROWS, write_case

from reader_app.viewer.case_viewer import CaseViewer
from reader_app.viewer.prepared_case import PreparedCase, prepare_case

SIZE = (200, 200)


@pytest.fixture
def viewer(qtbot) -> CaseViewer:  # type: ignore[no-untyped-def]
    widget = CaseViewer()
    qtbot.addWidget(widget)
    widget.resize(900, 500)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


@pytest.fixture
def right_case(tmp_path: Path) -> PreparedCase:
    """A right breast stored with its chest wall on the left: the hanging mirrors it."""
    return prepare_case(write_case(tmp_path, laterality="R", chest_wall="left"), display_size=SIZE)


def drawn_from(shown: np.ndarray | None, prepared: np.ndarray | None) -> bool:
    """The image item shows ``prepared`` itself (pyqtgraph keeps a view of it), not a copy."""
    return (
        shown is not None
        and prepared is not None
        and shown.shape == prepared.shape
        and np.shares_memory(shown, prepared)
    )


def view_rect(viewer: CaseViewer, index: int = 0) -> QRectF:
    (x0, x1), (y0, y1) = viewer.panels[index].view.viewRange()
    return QRectF(x0, y0, x1 - x0, y1 - y0)


def test_show_case_draws_the_display_level_with_labels(viewer: CaseViewer, right_case) -> None:  # type: ignore[no-untyped-def]
    viewer.show_case(right_case)
    assert viewer.current_case() is right_case
    for panel, displayed in zip(
        viewer.panels, (right_case.low_energy, right_case.recombined), strict=True
    ):
        assert drawn_from(panel.image.image, displayed.display_grey)  # handed over as prepared
        assert panel.corner_label.text() == "R CC"
        # right breast: chest wall at the right, label on the nipple side (left corner)
        assert panel.corner_label.pos().x() < panel.view.width() / 2
    assert view_rect(viewer).contains(QRectF(0, 0, COLUMNS, ROWS))


def test_a_left_breast_has_its_label_in_the_right_corner(
    viewer: CaseViewer, tmp_path: Path
) -> None:
    viewer.show_case(prepare_case(write_case(tmp_path, laterality="L"), display_size=SIZE))
    label = viewer.panels[0].corner_label
    assert label.text() == "L CC" and label.pos().x() > viewer.panels[0].view.width() / 2


def test_the_views_are_linked(viewer: CaseViewer, right_case) -> None:  # type: ignore[no-untyped-def]
    viewer.show_case(right_case)
    left, right = viewer.panels
    left.view.setRange(QRectF(10, 20, 30, 30), padding=0)
    assert view_rect(viewer, 1) == view_rect(viewer, 0)
    right.view.translateBy(x=5, y=-3)  # pan the other one: the first follows
    assert view_rect(viewer, 0) == view_rect(viewer, 1)
    assert view_rect(viewer, 0).center().x() == pytest.approx(view_rect(viewer, 1).center().x())


def test_heatmap_toggle_and_opacity(qtbot, viewer: CaseViewer, right_case) -> None:  # type: ignore[no-untyped-def]
    viewer.show_case(right_case)
    assert not viewer.heatmap_visible()
    assert not any(panel.heatmap.isVisible() for panel in viewer.panels)
    with qtbot.waitSignal(viewer.heatmap_toggled, timeout=1000) as shown:
        viewer.toggle_heatmap()
    assert shown.args == [True] and viewer.heatmap_visible()
    assert all(panel.heatmap.isVisible() for panel in viewer.panels)
    assert drawn_from(viewer.panels[0].heatmap.image, right_case.heatmap_rgba)
    viewer.set_heatmap_opacity(0.8)
    assert all(panel.heatmap.opacity() == pytest.approx(0.8) for panel in viewer.panels)
    viewer.set_heatmap_opacity(7)  # clamped
    assert viewer.heatmap_opacity() == 1.0
    with qtbot.waitSignal(viewer.heatmap_toggled, timeout=1000) as hidden:
        viewer.set_heatmap_visible(False)
    assert hidden.args == [False]
    assert not any(panel.heatmap.isVisible() for panel in viewer.panels)


def test_a_case_without_heatmap_never_shows_one(qtbot, viewer: CaseViewer, right_case) -> None:  # type: ignore[no-untyped-def]
    unaided = replace(right_case, heatmap=None, heatmap_rgba=None, heatmap_rect=None)
    viewer.show_case(unaided)
    with qtbot.assertNotEmitted(viewer.heatmap_toggled):
        viewer.set_heatmap_visible(True)
    assert not viewer.heatmap_visible()
    assert all(panel.heatmap.image is None for panel in viewer.panels)


def test_each_case_opens_with_the_heatmap_off(viewer: CaseViewer, right_case) -> None:  # type: ignore[no-untyped-def]
    viewer.show_case(right_case)
    viewer.set_heatmap_visible(True)
    viewer.show_case(right_case)
    assert not viewer.heatmap_visible()


def test_invert_turns_the_grey_scale_over(qtbot, viewer: CaseViewer, right_case) -> None:  # type: ignore[no-untyped-def]
    viewer.show_case(right_case)
    row0, col0, _, _ = right_case.lesion_box
    panel = viewer.panels[0]

    def grey_at_lesion() -> int:
        panel.image.render()
        pixel = panel.image.qimage.pixelColor(col0 + 1, row0 + 1)
        return pixel.red()

    assert grey_at_lesion() == 255  # the bright lesion is white
    viewer.toggle_invert()
    assert viewer.is_inverted() and grey_at_lesion() == 0
    viewer.toggle_invert()
    assert not viewer.is_inverted() and grey_at_lesion() == 255


def test_zoom_to_lesion_puts_the_lesion_in_view(viewer: CaseViewer, tmp_path: Path) -> None:
    case = write_case(tmp_path, rows=600, columns=520)
    prepared = prepare_case(case, display_size=SIZE)
    viewer.show_case(prepared)
    fitted = view_rect(viewer)
    viewer.zoom_to_lesion()
    row0, col0, row1, col1 = prepared.lesion_box
    zoomed = view_rect(viewer)
    assert zoomed.contains(QRectF(col0, row0, col1 - col0, row1 - row0))
    assert zoomed.width() < fitted.width() / 2  # zoomed in, not just re-fitted
    viewer.reset_view()
    assert view_rect(viewer).contains(QRectF(0, 0, 520, 600))


def test_outline_toggle_is_kept_from_case_to_case(viewer: CaseViewer, right_case) -> None:  # type: ignore[no-untyped-def]
    viewer.show_case(right_case)
    assert viewer.outline_visible() and viewer.panels[0].outline.isVisible()
    viewer.toggle_outline()
    assert not viewer.outline_visible()
    assert not any(p.outline.isVisible() or p.outline_shadow.isVisible() for p in viewer.panels)
    viewer.show_case(right_case)
    assert not viewer.panels[1].outline.isVisible()
    viewer.set_outline_visible(True)
    assert all(panel.outline.isVisible() for panel in viewer.panels)


def test_presets_right_drag_and_reset(viewer: CaseViewer, right_case) -> None:  # type: ignore[no-untyped-def]
    viewer.show_case(right_case)
    default = right_case.low_energy.window
    viewer.apply_window_preset("Full")
    assert viewer.grey_window(0) == right_case.low_energy.presets["Full"]
    assert viewer.grey_window(1) == right_case.recombined.presets["Full"]
    assert viewer.panels[0].image.levels is not None  # drawn through a window now
    with pytest.raises(ValueError, match="unknown window preset"):
        viewer.apply_window_preset("Bone")
    before = viewer.grey_window(0)
    viewer.panels[0].view.window_dragged.emit(60.0, 0.0)  # right drag to the right: wider
    assert viewer.grey_window(0).width > before.width
    assert viewer.grey_window(1) == right_case.recombined.presets["Full"]  # the other is untouched
    viewer.toggle_invert()
    viewer.reset_view()
    assert viewer.grey_window(0) == default and not viewer.is_inverted()
    assert drawn_from(viewer.panels[0].image.image, right_case.low_energy.display_grey)


def test_one_to_one_zoom_draws_full_resolution(qtbot, viewer: CaseViewer, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    prepared = prepare_case(write_case(tmp_path, rows=600, columns=520), display_size=(150, 140))
    viewer.show_case(prepared)
    panel = viewer.panels[1]
    assert panel.level == 2 and panel.image.image.shape == (150, 130)
    viewer.toggle_magnifier()
    ratio = viewer.devicePixelRatioF()
    assert viewer.panels[0].view.viewPixelSize()[0] * ratio == pytest.approx(1.0, rel=0.02)
    qtbot.waitUntil(lambda: panel.level == 0, timeout=2000)
    assert drawn_from(panel.image.image, prepared.recombined.levels[0])
    assert not viewer.magnified_smoothly()  # 1:1: each image pixel as it is
    viewer.panels[0].view.scaleBy((0.25, 0.25))  # 4:1
    qtbot.waitUntil(viewer.magnified_smoothly, timeout=2000)
    viewer.toggle_magnifier()  # not 1:1 now: to 1:1
    viewer.toggle_magnifier()  # back to the fitted view
    assert view_rect(viewer).contains(QRectF(0, 0, 520, 600))
    qtbot.waitUntil(lambda: not viewer.magnified_smoothly(), timeout=2000)


def test_clear_shows_nothing(viewer: CaseViewer, right_case) -> None:  # type: ignore[no-untyped-def]
    viewer.show_case(right_case)
    viewer.set_heatmap_visible(True)
    viewer.clear()
    assert viewer.current_case() is None and not viewer.heatmap_visible()
    assert all(panel.image.image is None for panel in viewer.panels)
    viewer.zoom_to_lesion()  # tools do nothing without a case
    viewer.toggle_magnifier()
    viewer.reset_view()
    assert viewer.current_case() is None


def test_display_size_is_the_views_size(viewer: CaseViewer) -> None:
    rows, columns = viewer.display_size()
    view = viewer.panels[0].view
    ratio = viewer.devicePixelRatioF()
    assert rows == round(view.height() * ratio) and columns == round(view.width() * ratio)
    assert rows > 100 and columns > 100


def test_heatmap_legend_shows_with_the_heatmap(viewer: CaseViewer, right_case) -> None:  # type: ignore[no-untyped-def]
    viewer.set_heatmap_note("SIMULATED heat map")
    viewer.show_case(right_case)
    legend = viewer._legend
    assert not legend.isVisible()
    viewer.set_heatmap_visible(True)
    assert legend.isVisible() and legend.note() == "SIMULATED heat map"
    # inside the recombined view, fully
    assert (
        viewer.panels[1].view.boundingRect().contains(legend.mapRectToParent(legend.boundingRect()))
    )
    assert np.isfinite(legend.pos().x())


@pytest.mark.parametrize("laterality", ["L", "R"])
def test_the_fitted_image_hangs_against_the_chest_wall_edge(  # type: ignore[no-untyped-def]
    qtbot, viewer: CaseViewer, tmp_path: Path, laterality: str
) -> None:
    viewer.resize(1400, 400)  # wide views: spare width to put somewhere
    qtbot.waitUntil(lambda: viewer.panels[0].view.width() > 600)
    prepared = prepare_case(write_case(tmp_path, laterality=laterality), display_size=SIZE)
    viewer.show_case(prepared)
    shown = view_rect(viewer)
    assert shown.width() > COLUMNS * 1.5  # there is spare width...
    if laterality == "R":  # ...on the nipple side, never between chest wall and view edge
        assert shown.right() == pytest.approx(COLUMNS)
    else:
        assert shown.left() == pytest.approx(0)
    assert shown.top() <= 0 and shown.bottom() >= ROWS
