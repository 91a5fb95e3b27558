"""The ``cesm-reader`` command line: one thin subcommand module per task.

The CLI is the top layer: it may import ``reader_app``, ``studies`` and ``model_core``, but each
subcommand imports its heavy modules inside ``run`` so that ``cesm-reader --help`` stays instant.
"""
