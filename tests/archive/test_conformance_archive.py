"""docs/conformance.md section 7 says what the archive offers."""

from printserver.scp._archive import QUERY_RETRIEVE_MODELS
from printserver.scp._contexts import STORAGE_SOP_CLASSES
from tests.test_conformance import table_rows


def test_archive_sop_classes():
    section = "## 7. Archive: Storage and Query/Retrieve SCP"
    rows = table_rows(section)
    uids = {row[1] for row in rows if row[1].startswith("1.2.840")}
    assert uids == set(QUERY_RETRIEVE_MODELS)
    storage = next(row for row in rows if "StoragePresentationContexts" in row[1])
    assert f"({len(STORAGE_SOP_CLASSES)}," in storage[0]
    assert "1.2.840.10008.5.1.4.1.1.7" in STORAGE_SOP_CLASSES
