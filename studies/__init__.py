"""Reader studies: analysis, simulation, and (to come) the study engine and its store.

Never imports Qt; never imports TensorFlow directly (model outputs come through ``model_core``).
"""
