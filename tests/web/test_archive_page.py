"""The archive's page: studies stored by DCMTK's storescu are found by
patient or date and printed on a chosen layout, through the spool."""

import html

from tests.conftest import require_tool
from tests.net.dicomtools import dcmtk, image

STUDY = "1.2.826.0.1.3680043.8.498.77"
OTHER = "1.2.826.0.1.3680043.8.498.78"


def store_two_studies(port, folder):
    """Three images of Ivanov's study, one of Doe's, sent by storescu."""
    files = [
        image(folder, f"ct{n}.dcm", StudyInstanceUID=STUDY, InstanceNumber=n,
              SeriesInstanceUID=f"{STUDY}.1", PatientName="Ivanov^Petr",
              PatientID="IV-7", StudyDate="20261130", Rows=32)
        for n in (1, 2, 3)
    ]  # fmt: skip
    files.append(image(folder, "doe.dcm", StudyInstanceUID=OTHER, Rows=32))
    run = dcmtk("/usr/bin/storescu", "-aec", "PRINTSCP", "127.0.0.1", str(port),
                *map(str, files))  # fmt: skip
    assert run.returncode == 0, run.stderr


def study_rows(body):
    return [uid for uid in (STUDY, OTHER) if f'data-study="{uid}"' in body]


def test_find_a_study_and_print_it_on_a_layout(web_server, client, tmp_path):
    require_tool("storescu", "dcmtk")
    store_two_studies(web_server.dicom_port, tmp_path)
    client.login()

    _, _, body = client.request("/archive")
    assert study_rows(body) == [STUDY, OTHER]
    assert "2 of 2 studies" in body
    _, _, body = client.request("/archive?q=ivanov")
    assert study_rows(body) == [STUDY]
    assert "Ivanov Petr" in body
    assert study_rows(client.request("/archive?q=20261130")[2]) == [STUDY]
    assert study_rows(client.request("/archive?q=iv-7+petr")[2]) == [STUDY]
    assert study_rows(client.request("/archive?q=smith")[2]) == []

    form = {
        "csrf_token": client.token("/archive"),
        "study": STUDY,
        "layout": "STANDARD\\1,2",
        "film_size": "8inx10in",
        "orientation": "LANDSCAPE",
        "printer": "folder",
    }
    status, headers, _ = client.request("/archive/print", form)
    assert (status, headers["Location"]) == (303, "/queue")
    web_server.watcher.wait_finished(1)
    [job_id] = web_server.scp.spool.job_ids()
    films = web_server.scp.spool.load_films(job_id)
    assert len(films) == 2  # three images on films of two
    assert films[0].film_size_id == "8INX10IN"
    assert films[0].film_orientation.value == "LANDSCAPE"
    assert [len(f.images) for f in films] == [2, 1]
    assert f"job {job_id}: queued on folder" in client.request("/queue")[2]


def test_wrong_print_requests_say_why_and_queue_nothing(web_server, client, tmp_path):
    require_tool("storescu", "dcmtk")
    store_two_studies(web_server.dicom_port, tmp_path)
    client.login()
    token = client.token("/archive")
    cases = [
        ({"study": "1.2.3.4"}, "no study 1.2.3.4 in the archive"),
        ({"study": STUDY, "printer": "nowhere"}, "no printer 'nowhere'"),
        ({"study": STUDY, "layout": "STANDARD\\0,0"}, "a zero count in"),
        ({"study": STUDY, "orientation": "DIAGONAL"}, "no film orientation"),
    ]
    for fields, message in cases:
        form = {"csrf_token": token, "next": "/archive?q=ivanov", **fields}
        status, headers, _ = client.request("/archive/print", form)
        assert (status, headers["Location"]) == (303, "/archive?q=ivanov")
        body = html.unescape(client.request("/archive")[2])
        assert message in body, (fields, body[-2000:])
    assert web_server.scp.spool.job_ids() == []

    del form["csrf_token"]
    assert client.request("/archive/print", form)[0] == 400
