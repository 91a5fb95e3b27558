"""The PySide6 + pyqtgraph reader GUI.

The only package allowed to import Qt; it never imports TensorFlow (model outputs reach it
precomputed through the study store).
"""
