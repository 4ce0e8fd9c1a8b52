"""``printserver archive list|show|delete|purge`` on a real archive."""

import json

from pydicom.uid import generate_uid

from printserver.__main__ import main as cli_main
from printserver.archive import Archive
from tests.archive.test_retention import _back_date, _film, _instance


def _run(capsys, *args):
    code = cli_main(["archive", *args])
    out, err = capsys.readouterr()
    return code, out, err


def _filled(tmp_path):
    """Study S1 (two series, three CT images, one 40 days old) and a film."""
    archive = Archive(tmp_path / "data")
    study, series = generate_uid(), [generate_uid(), generate_uid()]
    cts = [
        _instance(archive, tmp_path, StudyInstanceUID=study,
                  SeriesInstanceUID=series[i % 2], InstanceNumber=i + 1)
        for i in range(3)
    ]  # fmt: skip
    _back_date(archive, cts[2].sop_instance_uid, 40)
    film = _film(archive, "job-7")
    archive.close()
    return study, series, cts, film


def test_list_and_show(tmp_path, capsys):
    study, series, cts, film = _filled(tmp_path)
    data = ["--data", str(tmp_path / "data")]

    code, out, _ = _run(capsys, "list", "--json", *data)
    assert code == 0
    listed = {s["study_instance_uid"]: s for s in json.loads(out)}
    assert listed[study]["instances"] == 3
    assert listed[study]["series"] == 2
    assert listed[study]["bytes"] == sum(ct.path.stat().st_size for ct in cts)
    assert listed[study]["printed_films"] is False
    assert len(listed) == 2
    [film_study] = [s for s in listed.values() if s["printed_films"]]
    assert film_study["bytes"] == film.path.stat().st_size

    code, out, _ = _run(capsys, "list", *data)
    assert code == 0
    assert [line.split()[0] for line in out.splitlines()[1:]] == [study, film_study[
        "study_instance_uid"]]  # fmt: skip

    # A series UID shows its study, with both series.
    code, out, _ = _run(capsys, "show", series[1], "--json", *data)
    shown = json.loads(out)
    assert shown["study_instance_uid"] == study
    assert {s["series_instance_uid"]: s["instances"] for s in shown["series_list"]} == {
        series[0]: 2,
        series[1]: 1,
    }
    code, out, _ = _run(capsys, "show", study, *data)
    assert code == 0
    assert out.count("  series ") == 2


def test_delete_by_uid_and_errors(tmp_path, capsys):
    study, series, cts, _ = _filled(tmp_path)
    data = ["--data", str(tmp_path / "data")]

    code, out, _ = _run(capsys, "delete", series[0], "--json", *data)
    assert code == 0
    deleted = json.loads(out)
    assert deleted["level"] == "series"
    assert set(deleted["deleted"]) == {cts[0].sop_instance_uid, cts[2].sop_instance_uid}
    assert not cts[0].path.exists()
    assert cts[1].path.exists()

    code, out, _ = _run(capsys, "delete", cts[1].sop_instance_uid, *data)
    assert (code, out.split(":")[0]) == (0, f"instance {cts[1].sop_instance_uid}")
    assert "1 instance(s) deleted" in out

    code, out, err = _run(capsys, "delete", study, *data)
    assert (code, out) == (1, "")
    assert (
        err == f"printserver: no study, series or instance {study!r} in the archive\n"
    )
    code, _, err = _run(capsys, "show", "1.2.3", *data)
    assert code == 1
    assert len(err.splitlines()) == 1

    code, _, err = _run(capsys, "list", "--data", str(tmp_path / "empty"))
    assert code == 1
    assert err == f"printserver: no archive in {tmp_path / 'empty'}\n"


def test_purge_by_rules_and_older_than(tmp_path, capsys):
    _, _, cts, film = _filled(tmp_path)
    data = ["--data", str(tmp_path / "data")]

    # The default rules: films after 30 days, received instances kept.
    code, out, _ = _run(capsys, "purge", "--json", *data)
    assert code == 0
    assert json.loads(out)["deleted"] == []

    old_bytes = cts[2].path.stat().st_size
    rest = sum(p.path.stat().st_size for p in (cts[0], cts[1], film))
    code, out, _ = _run(capsys, "purge", "--older-than", "30", "--json", *data)
    assert code == 0
    purged = json.loads(out)
    assert purged["deleted"] == [cts[2].sop_instance_uid]
    assert purged["bytes"] == old_bytes
    assert not cts[2].path.exists()
    code, out, _ = _run(capsys, "purge", "--older-than", "0", *data)
    assert out == f"3 instance(s) purged, {rest / 1e6:.1f} MB freed\n"
    assert not film.path.exists()
