"""Matplotlib figures of the report, each returned as a :class:`~matplotlib.figure.Figure`.

Figures are built on :class:`matplotlib.figure.Figure` directly, never through ``pyplot``: no
global state, no GUI backend, safe to call from a worker thread or a test. The report embeds
them as base64 PNG (:func:`figure_data_uri`), so ``report.html`` is one self-contained file.

The central figure is the paper's Fig. 5: the model's ROC curve with every reader's unaided
(hollow) and aided (filled) operating point joined by an arrow — it shows at a glance whether
readers moved toward the model's curve when they saw its output.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass

import numpy as np
from matplotlib import rc_context
from matplotlib.axes import Axes
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.transforms import Transform
from numpy.typing import NDArray

from model_core.vocabulary import AIDED, LABELS, SESSIONS, UNAIDED
from studies.analysis.diagnostic import DiagnosticResult
from studies.analysis.inputs import StudyInputs
from studies.analysis.report.point_layout import offset_transforms
from studies.analysis.roc import RocCurve
from studies.analysis.settings import MODEL_THRESHOLD_TITLES
from studies.analysis.study_results import AnalysisResult

MODEL_COLOUR = "#222222"
#: An RGBA colour of a matplotlib colour map.
Colour = tuple[float, float, float, float]
#: Resolution of the PNG figures embedded in ``report.html``.
REPORT_DPI = 110
THRESHOLD_MARKERS: dict[str, str] = {
    "youden": "D",
    "high_sensitivity": "^",
    "high_specificity": "v",
}


def reader_colours(n: int) -> list[Colour]:
    """Distinct RGBA colours for ``n`` readers (tab10, then tab20)."""
    from matplotlib import colormaps

    palette = colormaps["tab10" if n <= 10 else "tab20"]
    return [palette(i % palette.N) for i in range(n)]


def figure_data_uri(figure: Figure) -> str:
    """``data:image/png;base64,...`` of the figure at :data:`REPORT_DPI`, for an ``<img src>``."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=REPORT_DPI)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


#: Drawing order: curves under arrows under reader markers under the model's markers.
Z_CURVE, Z_ARROW, Z_READER, Z_MODEL = 2, 3, 4, 5
#: Unit-square axes reach this far past 0 and 1, so that markers at the edges are whole.
EDGE = 0.035


@dataclass(frozen=True)
class PlotPoint:
    """One operating point to draw: where it is and how it looks.

    ``key`` identifies it for arrows and tests: ``("model", threshold)`` or
    ``(session, reader_id)``.
    """

    key: tuple[str, str]
    x: float
    y: float
    style: dict[str, object]
    zorder: int
    label: str | None = None

    @property
    def finite(self) -> bool:
        """Whether the point can be drawn (a PPV may be undefined)."""
        return bool(np.isfinite(self.x) and np.isfinite(self.y))


def _square_unit_axes(ax: Axes, xlabel: str, ylabel: str) -> None:
    ax.set_xlim(-EDGE, 1 + EDGE)
    ax.set_ylim(-EDGE, 1 + EDGE)
    ax.set_aspect("equal")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(True, color="#dddddd", linewidth=0.6)


def _operating_points(result: AnalysisResult, session: str) -> list[tuple[float, float, float]]:
    """(1 − specificity, sensitivity, PPV) of each reader in ``session``."""
    points = []
    for reader in result.readers:
        metrics = reader.sessions[session].metrics
        points.append(
            (1 - metrics.specificity.estimate, metrics.sensitivity.estimate, metrics.ppv.estimate)
        )
    return points


def _points(result: AnalysisResult, axes: str) -> list[PlotPoint]:
    """Every model and reader operating point, as (FPR, TPR) for ``"roc"`` or as (recall,
    precision) for ``"pr"``."""

    def place(metrics: DiagnosticResult) -> tuple[float, float]:
        sensitivity = metrics.sensitivity.estimate
        if axes == "roc":
            return 1 - metrics.specificity.estimate, sensitivity
        return sensitivity, metrics.ppv.estimate

    points = []
    style: dict[str, object]
    model = result.model
    if model is not None:
        for name, metrics in model.at_thresholds.items():
            x, y = place(metrics)
            style = {"marker": THRESHOLD_MARKERS[name], "color": MODEL_COLOUR, "markersize": 7.5}
            style.update({"markeredgecolor": "white", "markeredgewidth": 0.8})
            label: str | None = (
                f"Model at {MODEL_THRESHOLD_TITLES[name]} threshold "
                f"({model.thresholds[name].value:.3f})"
            )
            points.append(PlotPoint(("model", name), x, y, style, Z_MODEL, label))
    colours = reader_colours(len(result.readers))
    for reader, colour in zip(result.readers, colours, strict=True):
        for session in SESSIONS:
            x, y = place(reader.sessions[session].metrics)
            style = {"marker": "o", "markersize": 8, "color": colour}
            if session == UNAIDED:
                style.update({"markerfacecolor": "white", "markeredgewidth": 1.6})
            label = f"Reader {reader.reader_id}" if session == AIDED else None
            points.append(PlotPoint((session, reader.reader_id), x, y, style, Z_READER, label))
    return points


def _draw_points(ax: Axes, points: list[PlotPoint]) -> dict[tuple[str, str], Transform]:
    """Draw every marker, coinciding ones spread apart with a thin line to their true place,
    and each reader's unaided → aided arrow; returns each point's transform."""
    drawable = [point for point in points if point.finite]
    transforms = offset_transforms(ax, [(point.x, point.y) for point in drawable])
    placed = {}
    for point, transform in zip(drawable, transforms, strict=True):
        placed[point.key] = transform
        moved = transform.transform((point.x, point.y)) - ax.transData.transform((point.x, point.y))
        if np.hypot(*moved) > 0.5:  # a thin line from the true position to the marker
            ax.annotate(
                "",
                xy=(point.x, point.y),
                xycoords=transform,
                xytext=(point.x, point.y),
                textcoords=ax.transData,
                arrowprops={"arrowstyle": "-", "color": "#888888", "lw": 0.6},
                zorder=Z_ARROW,
            )
        ax.plot(
            point.x,
            point.y,
            linestyle="none",
            transform=transform,
            zorder=point.zorder,
            clip_on=False,
            gid=f"{point.key[0]}:{point.key[1]}",
            **point.style,  # type: ignore[arg-type]
        )
    by_key = {point.key: point for point in drawable}
    for point in drawable:
        start = (UNAIDED, point.key[1])
        if point.key[0] == AIDED and start in placed:
            colour = point.style["color"]
            _arrow(ax, by_key[start], placed[start], point, placed[point.key], colour)
    return placed


def _arrow(
    ax: Axes,
    start: PlotPoint,
    start_transform: Transform,
    end: PlotPoint,
    end_transform: Transform,
    colour: object,
) -> None:
    a = start_transform.transform((start.x, start.y))
    b = end_transform.transform((end.x, end.y))
    if np.hypot(*(a - b)) < 1.0:
        return
    ax.annotate(
        "",
        xy=(end.x, end.y),
        xycoords=end_transform,
        xytext=(start.x, start.y),
        textcoords=start_transform,
        arrowprops={"arrowstyle": "-|>", "color": colour, "lw": 1.3, "shrinkA": 5, "shrinkB": 5},
        zorder=Z_ARROW,
    )


def zoom_window(points: list[PlotPoint]) -> tuple[float, float, float, float]:
    """A square ``(x0, x1, y0, y1)`` around the points with a margin on every side.

    The side is the points' larger extent plus 15 % and at least 0.06 on each side (room for
    the markers and any spread apart), at least 0.12; the window is kept inside the unit
    square plus :data:`EDGE`.
    """
    xs = [p.x for p in points if p.finite]
    ys = [p.y for p in points if p.finite]
    if not xs:
        return -EDGE, 1 + EDGE, -EDGE, 1 + EDGE
    span = max(max(xs) - min(xs), max(ys) - min(ys))
    margin = max(0.15 * span, 0.06)
    side = min(max(span + 2 * margin, 0.12), 1 + 2 * EDGE)
    bounds = []
    for values in (xs, ys):
        centre = (min(values) + max(values)) / 2
        low = centre - side / 2
        low = min(max(low, -EDGE), 1 + EDGE - side)
        bounds += [low, low + side]
    return bounds[0], bounds[1], bounds[2], bounds[3]


def _legend(ax: Axes, points: list[PlotPoint], loc: str, extra: list[Line2D]) -> None:
    handles: list[Line2D] = []
    for point in points:
        if point.label is not None:
            style = dict(point.style)
            if point.key[0] == AIDED:
                style.pop("markerfacecolor", None)
            handles.append(Line2D([], [], linestyle="none", label=point.label, **style))  # type: ignore[arg-type]
    handles += extra
    curve = [line for line in ax.get_lines() if str(line.get_label()).startswith("Model,")]
    ax.legend(handles=[*curve, *handles], loc=loc, fontsize=7.5, framealpha=0.92)  # type: ignore[call-overload]


def _session_handles() -> list[Line2D]:
    return [
        Line2D(
            [],
            [],
            marker="o",
            linestyle="none",
            markerfacecolor="white",
            markeredgecolor="#555555",
            label=UNAIDED,
        ),
        Line2D(
            [],
            [],
            marker="o",
            linestyle="none",
            color="#555555",
            label="aided (arrow from unaided)",
        ),
    ]


def _draw_roc_curve(ax: Axes, result: AnalysisResult) -> None:
    ax.plot([0, 1], [0, 1], color="#aaaaaa", linestyle=":", linewidth=1, zorder=1)
    model = result.model
    if model is not None:
        auc = model.auc
        ax.plot(
            model.roc.fpr,
            model.roc.tpr,
            color=MODEL_COLOUR,
            linewidth=1.8,
            zorder=Z_CURVE,
            label=f"Model, AUC {auc.estimate:.3f} ({auc.ci_low:.3f}–{auc.ci_high:.3f})",
        )


def roc_figure(result: AnalysisResult) -> Figure:
    """The model's ROC curve with each reader's unaided → aided operating point (Mao Fig. 5).

    Two panels: the whole unit square, and a zoom framing the operating points with a margin
    (readers of a good model crowd the top-left corner, where the arrows would be unreadable).
    Coinciding points are spread apart (:mod:`.point_layout`); the model's markers are drawn
    on top of the readers'.
    """
    figure = Figure(figsize=(12.0, 6.0), layout="constrained")
    full, zoom = figure.subplots(1, 2)
    xlabel, ylabel = "1 − specificity (false-positive rate)", "Sensitivity (true-positive rate)"
    points = _points(result, "roc")
    _square_unit_axes(full, xlabel, ylabel)
    _square_unit_axes(zoom, xlabel, ylabel)
    for ax in (full, zoom):
        _draw_roc_curve(ax, result)
    x0, x1, y0, y1 = zoom_window(points)
    zoom.set_xlim(x0, x1)
    zoom.set_ylim(y0, y1)
    who = "readers'" if result.model is None else "model's and readers'"
    full.set_title(f"ROC: {who} operating points")
    zoom.set_title("Zoom on the operating points")
    full.indicate_inset((x0, y0, x1 - x0, y1 - y0), inset_ax=None, edgecolor="#888888")
    for ax in (full, zoom):
        _draw_points(ax, points)
    _legend(full, points, "lower right", _session_handles())
    return figure


def precision_recall_points(roc: RocCurve) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """(recall, precision) at every cutoff of an empirical ROC curve.

    Derived from the ROC counts (TP = TPR·m, FP = FPR·n), so the PR curve has exactly the ROC
    curve's cutoffs; the cutoff +inf (nobody positive, precision undefined) is left out.
    """
    tp = roc.tpr * roc.n_diseased
    fp = roc.fpr * roc.n_nondiseased
    called = (tp + fp) > 0
    return roc.tpr[called], tp[called] / (tp + fp)[called]


def pr_figure(result: AnalysisResult, inputs: StudyInputs) -> Figure:
    """The model's precision–recall curve with its threshold markers and the readers'
    (sensitivity, PPV) points, coinciding points spread apart as in the ROC figure."""
    figure = Figure(figsize=(6.4, 6.0), layout="constrained")
    ax = figure.add_subplot()
    _square_unit_axes(ax, "Recall (sensitivity)", "Precision (PPV)")
    prevalence = inputs.n_malignant / inputs.n_cases
    ax.axhline(prevalence, color="#aaaaaa", linestyle=":", linewidth=1, zorder=1)
    ax.text(0.02, prevalence + 0.015, f"prevalence {prevalence:.2f}", fontsize=7, color="#777777")
    if result.model is not None:
        recall, precision = precision_recall_points(result.model.roc)
        ax.step(
            recall,
            precision,
            where="post",
            color=MODEL_COLOUR,
            linewidth=1.8,
            zorder=Z_CURVE,
            label=f"Model, AUPRC {result.model.auprc:.3f}",
        )
    points = _points(result, "pr")
    _draw_points(ax, points)
    _legend(ax, points, "lower left", _session_handles())
    ax.set_title("Precision–recall: model and readers")
    return figure


def _confusion_panel(
    ax: Axes, metrics: DiagnosticResult, title: str, *, left: bool, bottom: bool
) -> None:
    table = np.array([[metrics.tn, metrics.fp], [metrics.fn, metrics.tp]])
    ax.imshow(table, cmap="Blues", norm=Normalize(0, max(table.sum(), 1)))
    threshold = table.sum() * 0.5
    for (row, col), count in np.ndenumerate(table):
        ax.text(
            col,
            row,
            str(count),
            ha="center",
            va="center",
            fontsize=10,
            color="white" if count > threshold else "black",
        )
    # Tick labels only on the outer panels: text layout is most of a figure's drawing time.
    ax.set_xticks([0, 1], list(LABELS) if bottom else ["", ""], fontsize=7)
    ax.set_yticks([0, 1], list(LABELS) if left else ["", ""], fontsize=7)
    ax.set_title(title, fontsize=8.5)


def confusion_figure(result: AnalysisResult) -> Figure:
    """2 × 2 tables (rows: pathology; columns: call) of every reader and session and the model."""
    panels = [
        (f"{reader.reader_id} {session}", reader.sessions[session].metrics)
        for reader in result.readers
        for session in SESSIONS
    ]
    if result.model is not None:
        name = result.settings.comparison_threshold
        panels.append((f"Model ({name})", result.model.at_thresholds[name]))
    columns = 4
    rows = int(np.ceil(len(panels) / columns))
    height = 1.9 * rows + 0.5
    figure = Figure(figsize=(1.9 * columns + 0.6, height))
    figure.subplots_adjust(
        left=0.12, right=0.98, bottom=0.5 / height, top=1 - 0.5 / height, wspace=0.15, hspace=0.35
    )
    for index, (title, metrics) in enumerate(panels):
        ax = figure.add_subplot(rows, columns, index + 1)
        _confusion_panel(
            ax,
            metrics,
            title,
            left=index % columns == 0,
            bottom=index >= len(panels) - columns,
        )
    figure.supylabel("pathology", fontsize=8)
    figure.supxlabel("call", fontsize=8)
    figure.suptitle("Confusion matrices (rows: pathology, columns: call)", fontsize=10)
    return figure


def kappa_figure(result: AnalysisResult) -> Figure:
    """Heat maps of pairwise Cohen's kappa (benign/malignant calls), one per session."""
    readers = [reader.reader_id for reader in result.readers]
    index = {reader: i for i, reader in enumerate(readers)}
    figure = Figure(figsize=(4.0 * len(SESSIONS) + 0.8, 3.9), layout="constrained")
    axes = figure.subplots(1, len(SESSIONS))
    image = None
    for ax, session in zip(np.atleast_1d(axes), SESSIONS, strict=True):
        matrix = np.full((len(readers), len(readers)), np.nan)
        for pair in result.kappa.get(session, ()):
            a, b = index[pair.reader_1], index[pair.reader_2]
            matrix[a, b] = matrix[b, a] = pair.decision.kappa
        image = ax.imshow(np.ma.masked_invalid(matrix), cmap="viridis", vmin=0, vmax=1)
        ax.set_facecolor("#eeeeee")  # the diagonal (a reader with itself) is left blank
        for (row, col), value in np.ndenumerate(matrix):
            if row != col:
                text = "n/a" if not np.isfinite(value) else f"{value:.2f}"
                ax.text(
                    col,
                    row,
                    text,
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="black" if np.isfinite(value) and value > 0.6 else "white",
                )
        ax.set_xticks(range(len(readers)), readers, fontsize=8)
        ax.set_yticks(range(len(readers)), readers, fontsize=8)
        ax.set_title(f"{session}", fontsize=9.5)
    if image is not None:
        figure.colorbar(image, ax=axes, shrink=0.8, label="Cohen's kappa")
    figure.suptitle("Inter-reader agreement on benign/malignant calls", fontsize=10)
    return figure


def build_figures(result: AnalysisResult, inputs: StudyInputs) -> dict[str, Figure]:
    """Every report figure by name, in report order.

    Texts are drawn as written: reader ids and manifest values come from users, and matplotlib
    would otherwise parse ``$...$`` in them as mathematical markup (and fail on a stray ``\\``).
    A text keeps the setting it was created with, so the figures render plainly later too.
    """
    with rc_context({"text.parse_math": False}):
        figures = {"roc": roc_figure(result), "pr": pr_figure(result, inputs)}
        figures["confusion"] = confusion_figure(result)
        if len(result.readers) > 1:
            figures["kappa"] = kappa_figure(result)
    return figures
