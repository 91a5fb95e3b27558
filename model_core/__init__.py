"""CESM image I/O, the paper's preprocessing, and (later) the CBAM classifier.

Importing this package never imports TensorFlow: image I/O and preprocessing must be usable
by the study engine and by researchers' scripts without paying TensorFlow's ~4 s import.
Modules that need TensorFlow import it inside the functions that use it.
"""
