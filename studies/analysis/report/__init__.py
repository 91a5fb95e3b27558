"""The analysis report: matplotlib figures + a jinja2 template → one self-contained HTML file.

:func:`write_report` is the entry point; :mod:`.figures` builds the figures (the paper's Fig. 5
ROC with reader operating points, precision–recall, confusion matrices, kappa matrix) and
:mod:`.render` assembles them with the tables of :mod:`studies.analysis.tables`.
"""

from studies.analysis.report.render import REPORT_HTML, REPORT_PDF, render_html, write_report

__all__ = ["REPORT_HTML", "REPORT_PDF", "render_html", "write_report"]
