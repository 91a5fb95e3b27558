"""The CBAM classifier (to be built): models, training, ensemble inference, Grad-CAM, bundles.

The only package that imports TensorFlow/Keras, always inside the functions that need it. The
reader application may not import it (an import-linter contract): model outputs reach the GUI
precomputed, through the study store. Empty until the classifier work lands; the package exists
so that the contract already holds it in place.
"""
