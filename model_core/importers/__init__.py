"""Importers of public CESM datasets: each turns a dataset as its authors distribute it into a
case manifest (docs/formats.md) with masks, so that the rest of the project reads it like any
other cohort. One subpackage per dataset (docs/importing.md)."""
