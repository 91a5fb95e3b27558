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

import numpy as np
from matplotlib import rc_context
from matplotlib.axes import Axes
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from numpy.typing import NDArray

from model_core.vocabulary import AIDED, LABELS, SESSIONS, UNAIDED
from studies.analysis.diagnostic import DiagnosticResult
from studies.analysis.inputs import StudyInputs
from studies.analysis.roc import RocCurve
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
THRESHOLD_LABELS: dict[str, str] = {
    "youden": "Youden",
    "high_sensitivity": "high sensitivity",
    "high_specificity": "high specificity",
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


def _square_unit_axes(ax: Axes, xlabel: str, ylabel: str) -> None:
    ax.set_xlim(-0.01, 1.01)
    ax.set_ylim(-0.01, 1.01)
    ax.set_aspect("equal")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(True, color="#dddddd", linewidth=0.6)


def _arrow(ax: Axes, start: tuple[float, float], end: tuple[float, float], colour: Colour) -> None:
    if np.allclose(start, end):
        return
    ax.annotate(
        "",
        xy=end,
        xytext=start,
        arrowprops={"arrowstyle": "-|>", "color": colour, "lw": 1.3, "shrinkA": 4, "shrinkB": 5},
    )


def _operating_points(result: AnalysisResult, session: str) -> list[tuple[float, float, float]]:
    """(1 − specificity, sensitivity, PPV) of each reader in ``session``."""
    points = []
    for reader in result.readers:
        metrics = reader.sessions[session].metrics
        points.append(
            (1 - metrics.specificity.estimate, metrics.sensitivity.estimate, metrics.ppv.estimate)
        )
    return points


def _zoom_limits(result: AnalysisResult) -> tuple[float, float]:
    """Upper FPR and lower TPR bounds that hold every reader and model operating point."""
    fprs, tprs = [], []
    for session in SESSIONS:
        for fpr, tpr, _ in _operating_points(result, session):
            fprs.append(fpr)
            tprs.append(tpr)
    if result.model is not None:
        for metrics in result.model.at_thresholds.values():
            fprs.append(1 - metrics.specificity.estimate)
            tprs.append(metrics.sensitivity.estimate)
    finite_f = [v for v in fprs if np.isfinite(v)] or [1.0]
    finite_t = [v for v in tprs if np.isfinite(v)] or [0.0]
    return min(1.0, max(finite_f) + 0.05), max(0.0, min(finite_t) - 0.05)


def _draw_roc(ax: Axes, result: AnalysisResult, *, legend: bool) -> None:
    ax.plot([0, 1], [0, 1], color="#aaaaaa", linestyle=":", linewidth=1)
    model = result.model
    if model is not None:
        auc = model.auc
        ax.plot(
            model.roc.fpr,
            model.roc.tpr,
            color=MODEL_COLOUR,
            linewidth=1.8,
            label=f"Model, AUC {auc.estimate:.3f} ({auc.ci_low:.3f}–{auc.ci_high:.3f})",
        )
        for name, metrics in model.at_thresholds.items():
            ax.plot(
                1 - metrics.specificity.estimate,
                metrics.sensitivity.estimate,
                marker=THRESHOLD_MARKERS[name],
                color=MODEL_COLOUR,
                markersize=7,
                linestyle="none",
                label=f"Model at {THRESHOLD_LABELS[name]} threshold "
                f"({model.thresholds[name].value:.3f})",
            )
    colours = reader_colours(len(result.readers))
    unaided = _operating_points(result, UNAIDED)
    aided = _operating_points(result, AIDED)
    for reader, colour, before, after in zip(result.readers, colours, unaided, aided, strict=True):
        ax.plot(*before[:2], "o", markerfacecolor="white", markeredgecolor=colour, markersize=8)
        ax.plot(*after[:2], "o", color=colour, markersize=8, label=f"Reader {reader.reader_id}")
        _arrow(ax, before[:2], after[:2], colour)
    if legend:
        ax.plot([], [], "o", markerfacecolor="white", markeredgecolor="#555555", label=UNAIDED)
        ax.plot([], [], "o", color="#555555", label="aided (arrow from unaided)")
        ax.legend(loc="lower right", fontsize=7.5, framealpha=0.92)


def roc_figure(result: AnalysisResult) -> Figure:
    """The model's ROC curve with each reader's unaided → aided operating point (Mao Fig. 5).

    Two panels: the whole unit square, and a zoom on the region holding the operating points
    (readers of a good model crowd the top-left corner, where the arrows would be unreadable).
    """
    figure = Figure(figsize=(12.0, 6.0), layout="constrained")
    full, zoom = figure.subplots(1, 2)
    xlabel, ylabel = "1 − specificity (false-positive rate)", "Sensitivity (true-positive rate)"
    _square_unit_axes(full, xlabel, ylabel)
    _draw_roc(full, result, legend=True)
    who = "readers'" if result.model is None else "model and readers'"
    full.set_title(f"ROC: {who} operating points")
    _square_unit_axes(zoom, xlabel, ylabel)
    _draw_roc(zoom, result, legend=False)
    x_high, y_low = _zoom_limits(result)
    side = max(x_high, 1.0 - y_low)
    zoom.set_xlim(0.0, side)
    zoom.set_ylim(1.0 - side, 1.0)
    zoom.set_title("Zoom on the operating points")
    full.indicate_inset((0.0, 1.0 - side, side, side), inset_ax=None, edgecolor="#888888")
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
    """The model's precision–recall curve with the readers' (sensitivity, PPV) points."""
    figure = Figure(figsize=(6.4, 6.0), layout="constrained")
    ax = figure.add_subplot()
    _square_unit_axes(ax, "Recall (sensitivity)", "Precision (PPV)")
    prevalence = inputs.n_malignant / inputs.n_cases
    ax.axhline(prevalence, color="#aaaaaa", linestyle=":", linewidth=1)
    ax.text(0.02, prevalence + 0.015, f"prevalence {prevalence:.2f}", fontsize=7, color="#777777")
    if result.model is not None:
        recall, precision = precision_recall_points(result.model.roc)
        ax.step(
            recall,
            precision,
            where="post",
            color=MODEL_COLOUR,
            linewidth=1.8,
            label=f"Model, AUPRC {result.model.auprc:.3f}",
        )
    colours = reader_colours(len(result.readers))
    unaided = _operating_points(result, UNAIDED)
    aided = _operating_points(result, AIDED)
    for reader, colour, before, after in zip(result.readers, colours, unaided, aided, strict=True):
        if np.isfinite(before[2]):
            ax.plot(before[1], before[2], "o", markerfacecolor="white", markeredgecolor=colour)
        if np.isfinite(after[2]):
            ax.plot(after[1], after[2], "o", color=colour, label=f"Reader {reader.reader_id}")
        if np.isfinite(before[2]) and np.isfinite(after[2]):
            _arrow(ax, (before[1], before[2]), (after[1], after[2]), colour)
    ax.legend(loc="lower left", fontsize=7.5, framealpha=0.92)
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
