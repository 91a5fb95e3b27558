"""CDD-CESM image names in their three spellings (files, sheet, segmentation file)."""

from __future__ import annotations

import pytest

from model_core.importers.cdd_cesm.file_names import ImageName, PairKey, parse_image_name


@pytest.mark.parametrize(
    "text",
    [
        "P12_L_DM_CC.jpg",
        "P12_L_DM_CC",
        "P12_L_DM_CC .jpg",
        " P12_L_DM_CC.JPG ",
        "p12_l_dm_cc.jpeg",
        "P012_L_DM_CC.jpg",
        "P12 _L_DM_CC.jpg",
    ],
)
def test_every_spelling_of_one_image_is_the_same_image(text: str) -> None:
    assert parse_image_name(text) == ImageName(12, "L", "DM", "CC")


@pytest.mark.parametrize(
    "text",
    [
        "P12_X_DM_CC.jpg",
        "P12_L_DM_ML.jpg",
        "P12_L_XX_CC",
        "12_L_DM_CC",
        "P12-L-DM-CC",
        "",
        "P_L_DM_CC",
    ],
)
def test_names_that_are_not_image_names_are_refused(text: str) -> None:
    assert parse_image_name(text) is None


def test_both_energies_of_one_view_share_the_key_and_case_id() -> None:
    low, high = parse_image_name("P7_R_DM_MLO.jpg"), parse_image_name("P7_R_CM_MLO .jpg")
    assert low is not None and high is not None
    assert low.key == high.key == PairKey(7, "R", "MLO")
    assert low.key.case_id == "P7_R_MLO" and low.key.patient_id == "P7"
    assert (low.stem, high.stem) == ("P7_R_DM_MLO", "P7_R_CM_MLO")
