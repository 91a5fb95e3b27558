"""The iMRMC input file and RJafroc's workbook: read back as those tools read them, and refusals.

Neither Java's iMRMC nor R's RJafroc runs here, so what is written is read back with readers
written from their input rules (``imrmc_reader_rules``, ``rjafroc_reader_rules``). Those readers
are checked on the tools' own example files when a checkout of each tool is at hand (the files
are not copied into this project): set ``CESM_IMRMC_CHECKOUT`` to a clone of
github.com/DIDSR/iMRMC (its ``Rpackage/iMRMC/tests/testthat/input.imrmc`` is read) and
``CESM_RJAFROC_CHECKOUT`` to a clone of github.com/dpc10ster/RJafroc (its
``inst/extdata/toyFiles/ROC/`` examples; which it accepts and refuses is taken from its own
``tests/testthat/test-DfReadDataFile.R``). Without them, those checks are skipped, and the
round trips below still run.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from imrmc_reader_rules import ImrmcReadError, read_imrmc_like_java
from rjafroc_reader_rules import RjafrocReadError, read_rjafroc_like_r

from model_core.errors import ExportError
from model_core.formats.imrmc import write_imrmc
from model_core.formats.rjafroc import STUDY_CASE_COLUMN, write_rjafroc_workbook
from model_core.vocabulary import SESSIONS
from studies.simulation.reader_study import simulate_reader_study


def _checkout_file(variable: str, relative: str) -> Path:
    root = os.environ.get(variable)
    if not root:
        pytest.skip(f"{variable} is not set (a checkout of the tool's repository)")
    path = Path(root) / relative
    if not path.is_file():
        pytest.skip(f"{path} not found in the checkout named by {variable}")
    return path


def _imrmc_example() -> Path:
    return _checkout_file("CESM_IMRMC_CHECKOUT", "Rpackage/iMRMC/tests/testthat/input.imrmc")


def _rjafroc_example(name: str) -> Path:
    folder = "inst/extdata/toyFiles/ROC/"
    relative = folder + (f"bad/{name[4:]}" if name.startswith("bad-") else name)
    return _checkout_file("CESM_RJAFROC_CHECKOUT", relative)


#: Case ids as a real manifest may have them: leading zeros, punctuation, non-ASCII, and a
#: spreadsheet formula look-alike. None has a comma or white space (iMRMC cannot carry those).
CASE_IDS = ("007", "P-12/L", "ä-3", "=1+1", "case.5", "C6", "10", "2")
LABELS = (0, 1, 1, 0, 1, 0, 1, 0)


@pytest.fixture()
def reads() -> pd.DataFrame:
    """Three simulated readers, both sessions, eight cases (four benign, four malignant)."""
    study = simulate_reader_study(np.array(LABELS), n_readers=3, seed=11)
    renamed = dict(zip(sorted(set(study.reads.case_id)), CASE_IDS, strict=True))
    frame = study.reads.assign(
        case_id=study.reads.case_id.map(renamed), pom=study.reads.pom.astype(float)
    )
    frame.loc[0, "pom"] = 33.5  # a score that is not a whole number
    return frame


@pytest.fixture()
def truth() -> dict[str, int]:
    return dict(zip(CASE_IDS, LABELS, strict=True))


def _scores(reads: pd.DataFrame) -> dict[tuple[str, str, str], float]:
    return {
        (r.reader_id, r.case_id, r.session): float(r.pom) for r in reads.itertuples(index=False)
    }


# ----------------------------------------------------------------- the transcriptions, checked


def test_imrmc_transcription_reads_imrmcs_own_example() -> None:
    data = read_imrmc_like_java(_imrmc_example())
    assert data.title == "This is row 1 of front matter"
    assert data.reader_ids == [f"reader{i}" for i in range(1, 6)]
    assert data.modality_ids == ["testA", "testB"]
    assert (len(data.normal_ids), len(data.disease_ids)) == (40, 40)
    assert len(data.truth) == 80 and set(data.truth.values()) == {0, 1}
    # fully crossed: every reader read every case in both modalities, every score kept
    assert data.observations == len(data.scores) == 5 * 80 * 2


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda lines: [*lines, "reader1,negCase1,testA,0.5"], "Replicate observation"),
        (lambda lines: [line for line in lines if line != "truth,negCase1,truth,0"], "No truth"),
        (lambda lines: [*lines, "truth,negCase1,truth,0"], "Duplicate case"),
        (lambda lines: [line for line in lines if line != "BEGIN DATA:"], "BEGIN DATA"),
        (lambda lines: ["NR: five", *lines], "not an integer"),
    ],
    ids=["replicate", "no truth", "duplicate truth", "no begin", "bad size"],
)
def test_imrmc_transcription_refuses_what_java_refuses(tmp_path: Path, edit, message) -> None:
    lines = _imrmc_example().read_text(encoding="utf-8").splitlines()
    path = tmp_path / "edited.imrmc"
    path.write_text("\n".join(edit(lines)) + "\n", encoding="utf-8")
    with pytest.raises(ImrmcReadError, match=message):
        read_imrmc_like_java(path)


#: RJafroc's verdicts on its example files, from its own tests (``bad-x`` is ``bad/x``).
RJAFROC_EXAMPLES = {
    "rocCr.xlsx": True,
    "rocCrStrRdrsTrts.xlsx": True,
    "bad-missing2CellsRow5and7.xlsx": False,
    "bad-missingEntireRow5.xlsx": False,
    "bad-non-integerCaseID.xlsx": False,
    "bad-non-integerLesionID.xlsx": False,
    "bad-incorrectWeights.xlsx": False,
    "bad-non-numeric-weight.xlsx": False,
    "bad-incorrectSheetName.xlsx": False,
    "bad-rocCrStrRdrsNonUnique.xlsx": False,
    "bad-rocSpCText.xlsx": False,  # text case ids: the limitation the export works around
}


@pytest.mark.filterwarnings("ignore:Unknown extension:UserWarning")
@pytest.mark.parametrize("name, accepted", sorted(RJAFROC_EXAMPLES.items()))
def test_rjafroc_transcription_gives_rjafrocs_verdicts(name: str, accepted: bool) -> None:
    path = _rjafroc_example(name)
    if accepted:
        dataset = read_rjafroc_like_r(path)
        assert len(dataset.nl) == len(dataset.modalities) * len(dataset.readers) * len(
            dataset.normal_cases
        )
    else:
        with pytest.raises(RjafrocReadError):
            read_rjafroc_like_r(path)


@pytest.mark.filterwarnings("ignore:Unknown extension:UserWarning")
def test_rjafroc_transcription_keeps_text_reader_and_modality_ids() -> None:
    """``rocCrStrRdrsTrts`` is ``rocCr`` with readers Rdr0… and modalities Trt0…."""
    numbered = read_rjafroc_like_r(_rjafroc_example("rocCr.xlsx"))
    named = read_rjafroc_like_r(_rjafroc_example("rocCrStrRdrsTrts.xlsx"))
    assert named.readers == [f"Rdr{r}" for r in numbered.readers]
    assert named.modalities == [f"Trt{m}" for m in numbered.modalities]
    for ours, theirs in ((numbered.nl, named.nl), (numbered.ll, named.ll)):
        assert {(f"Trt{m}", f"Rdr{r}", c): v for (m, r, c), v in ours.items()} == theirs


# ------------------------------------------------------------------------------------ iMRMC


def test_imrmc_file_reads_back_as_written(tmp_path: Path, reads, truth) -> None:
    path = write_imrmc(reads, truth, tmp_path / "reads.imrmc")
    data = read_imrmc_like_java(path)
    assert data.truth == truth  # case ids as given: "007" stays "007"
    assert data.reader_ids == sorted(set(reads.reader_id))
    assert sorted(data.modality_ids) == sorted(SESSIONS)
    assert data.size_mismatches == ""  # NR, N0, N1, NM of the header agree with the data
    assert data.observations == len(reads)
    assert data.scores == _scores(reads)
    assert "SIMULATED" not in path.read_text(encoding="utf-8")
    assert "study SIM" in data.title


def test_imrmc_file_of_simulated_readers_says_so(tmp_path: Path, reads, truth) -> None:
    path = write_imrmc(reads, truth, tmp_path / "reads.imrmc", simulated=True)
    assert "SIMULATED" in read_imrmc_like_java(path).title
    assert any(line.startswith("SIMULATED:") for line in path.read_text().splitlines())


def test_imrmc_file_holds_only_the_cases_read(tmp_path: Path, reads, truth) -> None:
    data = read_imrmc_like_java(
        write_imrmc(reads, {**truth, "never-read": 1}, tmp_path / "reads.imrmc")
    )
    assert "never-read" not in data.truth


@pytest.mark.parametrize(
    "column, value, words",
    [
        ("reader_id", "-1", "truth rows"),
        ("reader_id", "truth", "truth rows"),
        ("reader_id", "Dr Smith", "white space"),
        ("case_id", "a,b", "comma"),
        ("case_id", "a\tb", "white space"),
    ],
)
def test_imrmc_refuses_ids_it_would_misread(
    tmp_path: Path, reads, truth, column: str, value: str, words: str
) -> None:
    edited = reads.copy()
    old = edited.loc[0, column]
    edited[column] = edited[column].replace(old, value)
    if column == "case_id":
        truth = {value if k == old else k: v for k, v in truth.items()}
    path = tmp_path / "reads.imrmc"
    with pytest.raises(ExportError, match=words) as error:
        write_imrmc(edited, truth, path)
    assert repr(value) in str(error.value) and str(path) in str(error.value)
    assert not path.exists()


def test_imrmc_refuses_a_study_id_its_header_would_misread(tmp_path: Path, reads, truth) -> None:
    path = tmp_path / "reads.imrmc"
    with pytest.raises(ExportError, match="misread by iMRMC"):
        write_imrmc(reads.assign(study_id="scan n1: pilot"), truth, path)
    assert not path.exists()


# ----------------------------------------------------------------------------------- RJafroc


def test_rjafroc_workbook_reads_back_as_written(tmp_path: Path, reads, truth) -> None:
    path = write_rjafroc_workbook(reads, truth, tmp_path / "reads.xlsx")
    dataset = read_rjafroc_like_r(path)
    assert dataset.modalities == list(SESSIONS)
    assert dataset.readers == sorted(set(reads.reader_id))
    sheet = openpyxl.load_workbook(path)["TRUTH"]
    header = [cell.value for cell in sheet[1]]
    mapping = {
        row[0].value: row[header.index(STUDY_CASE_COLUMN)] for row in sheet.iter_rows(min_row=2)
    }
    assert all(cell.data_type == "s" for cell in mapping.values())  # "=1+1" is not a formula
    study_id = {number: cell.value for number, cell in mapping.items()}
    assert sorted(study_id) == list(range(1, len(truth) + 1))
    assert list(study_id.values()) == sorted(truth)  # numbered in sorted order of the ids
    assert {study_id[c] for c in dataset.normal_cases} == {k for k, v in truth.items() if v == 0}
    assert {study_id[c] for c in dataset.abnormal_cases} == {k for k, v in truth.items() if v}
    back = {(r, study_id[c], m): v for (m, r, c), v in {**dataset.nl, **dataset.ll}.items()}
    assert back == _scores(reads)
    usage = [row[0] for row in openpyxl.load_workbook(path)["Usage"].iter_rows(values_only=True)]
    assert not any("SIMULATED" in line for line in usage)


def test_rjafroc_workbook_of_simulated_readers_says_so(tmp_path: Path, reads, truth) -> None:
    path = write_rjafroc_workbook(reads, truth, tmp_path / "reads.xlsx", simulated=True)
    usage = openpyxl.load_workbook(path)["Usage"]
    assert str(usage["A1"].value).startswith("SIMULATED:")
    read_rjafroc_like_r(path)  # the extra sheet sorts after TRUTH: RJafroc still reads it


def test_rjafroc_refuses_a_study_that_is_not_fully_crossed(tmp_path: Path, reads, truth) -> None:
    gap = reads.iloc[5]
    path = tmp_path / "reads.xlsx"
    with pytest.raises(ExportError, match="fully crossed") as error:
        write_rjafroc_workbook(reads.drop(index=5), truth, path)
    assert f"reader {gap.reader_id!r}, {gap.session}, case {gap.case_id!r}" in str(error.value)
    assert not path.exists()


@pytest.mark.parametrize(
    "edit, name, words",
    [
        (lambda r, t: (r, t), "reads.xls", r"\.xlsx"),
        (lambda r, t: (r.replace({"reader_id": {"R1": "R 1"}}), t), "reads.xlsx", "'R 1'"),
        (lambda r, t: (r.replace({"reader_id": {"R1": "R1,2"}}), t), "reads.xlsx", "'R1,2'"),
        (lambda r, t: (r, dict.fromkeys(t, 0)), "reads.xlsx", "no malignant case"),
        (
            lambda r, t: (r.replace({"case_id": {"C6": "C\x016"}}), {**t, "C\x016": t["C6"]}),
            "reads.xlsx",
            "control character",
        ),
    ],
    ids=["suffix", "reader space", "reader comma", "one class", "control character"],
)
def test_rjafroc_refuses_what_its_reader_cannot_take(
    tmp_path: Path, reads, truth, edit, name: str, words: str
) -> None:
    edited_reads, edited_truth = edit(reads, truth)
    if words == "no malignant case":
        edited_reads = edited_reads.assign(truth=0)
    path = tmp_path / name
    with pytest.raises(ExportError, match=words):
        write_rjafroc_workbook(edited_reads, edited_truth, path)
    assert not path.exists()


# --------------------------------------------------------------------- rules of both formats

WRITERS = {"imrmc": (write_imrmc, "reads.imrmc"), "rjafroc": (write_rjafroc_workbook, "r.xlsx")}


def _set(frame: pd.DataFrame, row: int, column: str, value: object) -> pd.DataFrame:
    edited = frame.astype({column: object})
    edited.at[row, column] = value
    return edited


@pytest.mark.parametrize("writer", sorted(WRITERS))
@pytest.mark.parametrize(
    "edit, words",
    [
        (lambda r, t: (_set(r, 3, "pom", 100.5), t), "100.5 is not a probability"),
        (lambda r, t: (_set(r, 3, "pom", math.nan), t), "nan is not a probability"),
        (lambda r, t: (_set(r, 3, "pom", "high"), t), "'high' is not a probability"),
        (lambda r, t: (_set(r, 3, "session", "both"), t), "'both' is not 'unaided' or 'aided'"),
        (lambda r, t: (_set(r, 3, "reader_id", ""), t), "has no reader_id"),
        (lambda r, t: (pd.concat([r, r.iloc[[3]]]), t), "is repeated (read 4 too)"),
        (lambda r, t: (r, {k: v for k, v in t.items() if k != "007"}), "'007' was read but"),
        (lambda r, t: (r, {**t, "007": 2}), "truth 2, not 0 or 1"),
        (lambda r, t: (r, {**t, "007": 1}), "the reads give truth 0"),
        (lambda r, t: (r.drop(columns="pom"), t), "lack the column"),
        (lambda r, t: (r.iloc[0:0], t), "no reads"),
    ],
    ids=[
        "pom high",
        "pom nan",
        "pom text",
        "session",
        "no reader",
        "repeat",
        "no truth",
        "truth 2",
        "truth disagrees",
        "no column",
        "empty",
    ],
)
def test_both_formats_refuse_bad_reads(
    tmp_path: Path, reads, truth, writer: str, edit, words: str
) -> None:
    write, name = WRITERS[writer]
    edited_reads, edited_truth = edit(reads, truth)
    path = tmp_path / name
    with pytest.raises(ExportError, match="nothing was written") as error:
        write(edited_reads, edited_truth, path)
    assert words in str(error.value)
    assert str(path) in str(error.value)
    assert not path.exists()


def test_every_problem_is_reported_at_once(tmp_path: Path, reads, truth) -> None:
    edited = _set(_set(reads, 1, "pom", -1), 2, "session", "later")
    with pytest.raises(ExportError, match="2 problems") as error:
        write_imrmc(edited, truth, tmp_path / "reads.imrmc")
    row_1, row_2 = reads.iloc[1], reads.iloc[2]
    assert f"reader {row_1.reader_id!r}, {row_1.session} read of case {row_1.case_id!r}" in str(
        error.value
    )
    assert f"case {row_2.case_id!r}: 'later'" in str(error.value)
