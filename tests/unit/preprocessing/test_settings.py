"""Settings, as stored in a model bundle, and the backbone table."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from model_core.errors import PreprocessingError
from model_core.preprocessing import (
    BACKBONE_INPUT_SIZE,
    PreprocessingSettings,
    canonical_backbone,
    input_size_for,
)


def test_defaults_are_the_papers() -> None:
    settings = PreprocessingSettings()
    assert settings.margin_mm == 5.0
    assert settings.equalise is True
    assert "margin 5 mm" in settings.summary()


def test_settings_survive_json_round_trip() -> None:
    settings = PreprocessingSettings(margin_mm=2.5, equalise=False)
    text = json.dumps(settings.to_dict())
    assert PreprocessingSettings.from_dict(json.loads(text)) == settings
    assert PreprocessingSettings.from_dict({}) == PreprocessingSettings()


def test_margin_is_stored_as_a_plain_float() -> None:
    settings = PreprocessingSettings(margin_mm=np.float32(4.0))
    assert type(settings.margin_mm) is float
    json.dumps(settings.to_dict())


def test_unknown_setting_names_the_key_and_the_source() -> None:
    with pytest.raises(PreprocessingError, match=r"model.json: unknown .*margin_px"):
        PreprocessingSettings.from_dict({"margin_px": 50}, source="model.json")


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"margin_mm": -1.0}, "margin_mm"),
        ({"margin_mm": math.nan}, "margin_mm"),
        ({"margin_mm": "5"}, "margin_mm"),
        ({"equalise": "yes"}, "equalise"),
        ({"equalise": 1}, "equalise"),
    ],
)
def test_bad_settings_name_the_field(values: dict, field: str) -> None:
    with pytest.raises(PreprocessingError, match=rf"^{field}:"):
        PreprocessingSettings(**values)
    with pytest.raises(PreprocessingError, match=rf"^bundle/model.json: {field}:"):
        PreprocessingSettings.from_dict(values, source="bundle/model.json")


def test_backbone_table_holds_the_papers_sizes_and_is_read_only() -> None:
    assert dict(BACKBONE_INPUT_SIZE) == {"xception": 299, "densenet121": 224, "resnet50": 224}
    with pytest.raises(TypeError):
        BACKBONE_INPUT_SIZE["vgg16"] = 224  # type: ignore[index]


@pytest.mark.parametrize(
    ("name", "canonical", "size"),
    [("xception", "xception", 299), (" Xception ", "xception", 299), ("ResNet50", "resnet50", 224)],
)
def test_backbone_names_are_case_insensitive(name: str, canonical: str, size: int) -> None:
    assert canonical_backbone(name) == canonical
    assert input_size_for(name) == size


@pytest.mark.parametrize("name", ["vgg16", "", "densenet", None, 299])
def test_unknown_backbone_lists_the_known_ones(name) -> None:
    with pytest.raises(PreprocessingError, match=r"backbone: unknown .*xception, densenet121"):
        input_size_for(name)
