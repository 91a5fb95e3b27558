"""One module per ``cesm-reader`` subcommand (see :mod:`cesm_cli.main`)."""
