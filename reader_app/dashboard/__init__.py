"""The coordinator dashboard (docs/dashboard.md): create a study, enrol readers, follow progress
and the washout, verify, analyse, export and correct — over the Study engine's API.

``reader_app.dashboard.window.DashboardWindow`` is the window; ``python -m reader_app.dashboard``
opens it on a store for screenshots and trials.
"""
