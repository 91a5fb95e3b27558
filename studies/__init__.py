"""Study engine: configuration, randomisation, sessions, storage, analysis, synthetic cohorts.

Never imports Qt; never imports TensorFlow directly (model outputs come through ``model_core``).
"""
