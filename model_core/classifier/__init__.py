"""The CBAM classifier: models, training, inference, Grad-CAM, bundles (docs/classifier.md).

The only package that imports TensorFlow/Keras, always inside the functions that need it, so
that importing any module here costs nothing. The reader application may not import it (an
import-linter contract): model outputs reach the GUI precomputed, through the study store.
"""
