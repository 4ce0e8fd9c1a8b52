"""docs/conformance.md says what the code and the default profile do."""

import re
from pathlib import Path

from printserver.config import load_config
from printserver.outputs import dicom
from printserver.scp import ABSTRACT_SYNTAXES, TRANSFER_SYNTAXES

DOC = (Path(__file__).parent.parent / "docs" / "conformance.md").read_text()
PROFILE = load_config().profiles["default"]


def table_rows(heading, until="\n## "):
    """The cells of the first table under *heading* (to *until*), by row."""
    section = DOC.split(heading, 1)[1].split(until, 1)[0]
    rows = [
        line.split("|")[1:-1] for line in section.splitlines() if line.startswith("|")
    ]
    return [[cell.strip() for cell in row] for row in rows[2:]]


def row_for(attribute):
    return next(line for line in DOC.splitlines() if attribute in line)


def test_sop_classes():
    uids = {row[1] for row in table_rows("## 2. SOP classes")}
    offered = {str(uid) for uid in ABSTRACT_SYNTAXES}
    if PROFILE.color:
        offered.add("1.2.840.10008.5.1.1.18")
    assert uids == offered


def test_transfer_syntaxes():
    uids = {row[1] for row in table_rows("## 3. Transfer syntaxes")}
    assert uids == {str(uid) for uid in TRANSFER_SYNTAXES}


def test_film_box_values_match_the_profile():
    assert f"| {', '.join(PROFILE.magnification_types)} *(checked)* |" in row_for(
        "(2010,0060) Magnification Type"
    )
    assert f"| {PROFILE.default_magnification_type} |" in row_for(
        "(2010,0060) Magnification Type"
    )
    assert f"{PROFILE.min_density}-{PROFILE.max_density}" in row_for("(2010,0120)")
    assert f"STANDARD ({PROFILE.resolution_dpi} dpi)" in row_for("(2020,0050)")
    assert f"HIGH ({PROFILE.high_resolution_dpi} dpi)" in row_for("(2020,0050)")
    assert f"up to {PROFILE.max_image_boxes} boxes" in row_for("(2010,0010)")
    formats = re.findall(
        r"\b(STANDARD|ROW|COL|SLIDE|SUPERSLIDE|CUSTOM)\b", row_for("(2010,0010)")
    )
    assert set(formats) == set(PROFILE.image_display_formats)
    for format_id in PROFILE.annotation_display_format_ids:
        assert format_id in row_for("(2010,0030)")


def test_configurations_match_the_profile():
    names = ", ".join(name for name, _, _ in PROFILE.configurations)
    assert f"| {names} *(checked)* |" in row_for(
        "(2010,0150) Configuration Information"
    )


def test_film_sizes_and_media_match_the_profile():
    sizes = ", ".join(PROFILE.film_size_ids)
    assert f"| {sizes} *(checked)* |" in row_for("(2010,0050) Film Size ID")
    media = ", ".join(PROFILE.medium_types)
    assert f"| {media} *(checked)* |" in row_for("(2000,0030) Medium Type")
    assert f"| {PROFILE.default_film_size_id} |" in row_for("(2010,0050) Film Size ID")
    assert f"| {PROFILE.default_medium_type} |" in row_for("(2000,0030) Medium Type")
    bins = ", ".join(["MAGAZINE", "PROCESSOR", "BIN_1 ... BIN_" + str(PROFILE.bins)])
    assert bins in row_for("(2000,0040)")
    assert f"1-{PROFILE.max_copies}" in row_for("(2000,0010)")


def test_print_scu_sop_classes_and_transfer_syntaxes():
    proposed = table_rows("### SOP classes proposed", "\n### ")
    assert {row[1] for row in proposed} == {str(u) for u in dicom.ABSTRACT_SYNTAXES}
    syntaxes = table_rows("### Transfer syntaxes proposed", "\n### ")
    assert [row[1] for row in syntaxes] == [str(u) for u in dicom.TRANSFER_SYNTAXES]
