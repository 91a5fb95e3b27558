"""Import of the CDD-CESM dataset (Khaled et al., Sci Data 2022; TCIA, DOI 10.7937/29kw-ae92):
2006 JPEG images of 326 patients, low-energy and recombined, with the radiologists' annotation
sheet and hand-drawn regions, into a case manifest with PNG images and NIfTI masks.

One module per part of the dataset, then the import itself (docs/importing.md):

* :mod:`.file_names`: ``P{id}_{L|R}_{DM|CM}_{CC|MLO}.jpg`` and its variants;
* :mod:`.dataset_files`: where the files are, which images pair up;
* :mod:`.annotation_sheet`: the workbook's sheet ``all``;
* :mod:`.segmentations`: the VGG Image Annotator CSV of drawn regions;
* :mod:`.rasterise`: regions to pixel masks; :mod:`.lesions`: which region is kept;
* :mod:`.case_labels`: one case's label, BI-RADS, age and density from its rows;
* :mod:`.jpeg_images`: reading the JPEGs, refusing damaged ones;
* :mod:`.issues`, :mod:`.report`: what is reported; :mod:`.importer`: the import.
"""

from model_core.importers.cdd_cesm.importer import (
    DEFAULT_PIXEL_SPACING_MM,
    VIEW_CHOICES,
    ImportResult,
    ImportSettings,
    default_spacing_warning,
    import_cdd_cesm,
)
from model_core.importers.cdd_cesm.issues import REASONS, ImportIssue

__all__ = [
    "DEFAULT_PIXEL_SPACING_MM",
    "REASONS",
    "VIEW_CHOICES",
    "ImportIssue",
    "ImportResult",
    "ImportSettings",
    "default_spacing_warning",
    "import_cdd_cesm",
]
