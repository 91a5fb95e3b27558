"""What importing the GUI's side of the project costs at run time.

import-linter checks the import statements; these tests check what actually lands in
``sys.modules`` when every module of ``reader_app`` and of ``studies`` (which the GUI builds on)
is imported in a fresh interpreter, so that an indirect or dynamic import of TensorFlow (~4 s)
cannot slip into the reader's start-up unnoticed.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

_IMPORT_ALL = """
import importlib, json, pkgutil, sys
imported = []
for package_name in {packages!r}:
    package = importlib.import_module(package_name)
    imported.append(package_name)
    for module in pkgutil.walk_packages(package.__path__, package_name + "."):
        importlib.import_module(module.name)
        imported.append(module.name)
top = sorted({{name.split(".")[0] for name in sys.modules}})
print(json.dumps({{"imported": imported, "top": top}}))
"""


def _import_in_fresh_interpreter(*packages: str) -> dict[str, list[str]]:
    completed = subprocess.run(
        [sys.executable, "-c", _IMPORT_ALL.format(packages=list(packages))],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    return json.loads(completed.stdout)


@pytest.mark.parametrize("packages", [("reader_app",), ("reader_app", "studies")])
def test_importing_the_reader_app_side_leaves_no_tensorflow(packages: tuple[str, ...]) -> None:
    result = _import_in_fresh_interpreter(*packages)
    assert set(packages) <= set(result["imported"])
    assert not {"tensorflow", "keras", "tf_keras"} & set(result["top"])


def test_the_probe_sees_tensorflow_when_it_is_imported() -> None:
    """Guards the test above against passing vacuously (e.g. a probe that reads the wrong list)."""
    probe = _IMPORT_ALL.replace("top = sorted", "import tensorflow\ntop = sorted")
    completed = subprocess.run(
        [sys.executable, "-c", probe.format(packages=["reader_app"])],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    assert "tensorflow" in json.loads(completed.stdout)["top"]
