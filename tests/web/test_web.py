"""The web admin page over real HTTP: login, CSRF, actions, /metrics."""

import re
from dataclasses import replace

import pytest
from prometheus_client.parser import text_string_to_metric_families
from pynetdicom import AE
from pynetdicom.sop_class import Verification

from printserver.config import PrinterConfig
from printserver.spool import JobRequest, PrinterStates
from tests.net.test_dcmtk import print_with_dcmtk
from tests.outputs.test_dicom import flat_film
from tests.web.conftest import Client, running_web


def metric_values(text):
    """{(sample name, sorted labels): value} of a /metrics text."""
    values = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            values[sample.name, tuple(sorted(sample.labels.items()))] = sample.value
    return values


def test_pages_need_a_login(client):
    status, headers, _ = client.request("/queue")
    assert status == 302
    assert headers["Location"].endswith("/login?next=/queue")
    assert client.request("/queue/table")[0] == 401
    assert client.request("/jobs/x/films/1/thumbnail.png")[0] == 401
    assert client.request("/printers")[0] == 302
    assert client.request("/metrics")[0] == 200  # scrapers have no login


def test_wrong_password_is_refused(client, caplog):
    status, _, body = client.login("not-the-password")
    assert status == 401
    assert "Wrong password" in body
    assert "web login refused from 127.0.0.1" in caplog.text
    assert client.request("/queue")[0] == 302

    status, headers, _ = client.login()
    assert (status, headers["Location"]) == (303, "/queue")
    status, _, body = client.request("/queue")
    assert status == 200
    assert "No jobs in the spool." in body


def test_post_without_csrf_token_is_refused(client, web_server):
    states = PrinterStates(web_server.scp.config.data_root)
    assert client.request("/login", {"password": "film-at-eleven"})[0] == 400
    client.login()
    status, _, body = client.request("/printers/folder/disable", {"reason": "x"})
    assert status == 400
    assert "CSRF token is missing" in body
    assert states.get("folder")["enabled"] is True

    token = client.token("/printers")
    form = {"csrf_token": token, "reason": "paper jam"}
    assert client.request("/printers/folder/disable", form)[0] == 303
    assert (states.get("folder")["enabled"], states.get("folder")["reason"]) == (
        False,
        "paper jam",
    )
    _, _, body = client.request("/printers")
    assert re.search(r'<td class="enabled">disabled</td>', body)
    bad = {"csrf_token": "forged", "reason": ""}
    assert client.request("/printers/folder/enable", bad)[0] == 400


@pytest.mark.dcmtk
def test_metrics_change_after_a_print(web_server, tmp_path):
    client = Client(web_server.url)
    before = metric_values(client.request("/metrics")[2])
    assert before["printserver_jobs", (("state", "done"),)] == 0
    assert ("printserver_films_printed_total", ()) not in before

    print_with_dcmtk(web_server.dicom_port, tmp_path / "dcmtk", 2, 2)
    web_server.watcher.wait_finished(1)

    after = metric_values(client.request("/metrics")[2])
    assert after["printserver_jobs", (("state", "done"),)] == 1
    assert after["printserver_jobs", (("state", "pending"),)] == 0
    films = ("printserver_films_printed_total",
             (("film_size_id", "14INX17IN"), ("printer", "folder")))  # fmt: skip
    assert after[films] == 1
    assert after["printserver_associations_total", (("result", "accepted"),)] == 1
    assert after["printserver_associations_total", (("result", "released"),)] == 1
    assert after["printserver_render_seconds_count", ()] == 1
    assert 0 < after["printserver_render_seconds_sum", ()] < 30
    assert after["printserver_film_bytes_count", ()] == 1
    jobs_dir = web_server.scp.spool.jobs_dir
    on_disk = sum(p.stat().st_size for p in jobs_dir.rglob("*") if p.is_file())
    assert after["printserver_spool_bytes", ()] == on_disk > 10_000
    assert after["printserver_printer_up", (("printer", "folder"),)] == 1


def test_rejected_associations_are_counted(web_server, client):
    ae = AE(ae_title="ECHOSCU")
    ae.add_requested_context(Verification)
    assoc = ae.associate("127.0.0.1", web_server.dicom_port, ae_title="SOMEONE")
    assert assoc.is_rejected
    values = metric_values(client.request("/metrics")[2])
    assert values["printserver_associations_total", (("result", "rejected"),)] == 1
    assert values["printserver_associations_total", (("result", "accepted"),)] == 0


def test_actions_refused_by_the_spool_show_why(client, web_server, tmp_path):
    spool = web_server.scp.spool
    job_id = spool.submit(_request(flat_film()))
    web_server.scp.spooler.enqueue(job_id)
    web_server.watcher.wait_finished(1)
    client.login()

    form = {"csrf_token": client.token("/queue"), "next": f"/jobs/{job_id}"}
    status, headers, _ = client.request(f"/jobs/{job_id}/hold", form)
    assert (status, headers["Location"]) == (303, f"/jobs/{job_id}")
    _, _, body = client.request(f"/jobs/{job_id}")
    assert f"job {job_id} is done: only pending jobs can be held" in body
    assert 'id="state">done<' in body
    assert '<img class="film" alt="film 1"' in body

    form["next"] = "//elsewhere.example/"
    form["printer"] = "nowhere"
    status, headers, _ = client.request(f"/jobs/{job_id}/reprint", form)
    assert (status, headers["Location"]) == (303, "/queue")
    assert "no printer &#39;nowhere&#39;" in client.request("/queue")[2]
    assert spool.job_ids() == [job_id]
    assert client.request("/jobs/no-such-job")[0] == 404


def test_move_to_another_printer(server_config):
    paper = PrinterConfig("paper", path=str(server_config.data_root / "paper"))
    config = replace(server_config, printers=(*server_config.printers, paper))
    with running_web(config) as server:
        client = Client(server.url)
        client.login()
        PrinterStates(config.data_root).set("folder", "", enabled=False)
        job_id = server.scp.spool.submit(_request(flat_film()))
        form = {"csrf_token": client.token("/queue"), "printer": "paper"}
        assert 'name="printer" aria-label="printer"' in client.request("/queue")[2]
        assert client.request(f"/jobs/{job_id}/move", form)[0] == 303
        server.watcher.wait_finished(1)
        summary = server.scp.spool.summary(job_id)
        assert (summary["printer"], summary["state"]) == ("paper", "done")
        history = server.scp.spool.read_state(job_id)["history"]
        assert "moved to paper by web admin" in [h["reason"] for h in history]


def test_queue_table_is_sent_only_when_it_changed(client):
    client.login()
    status, _, body = client.request("/queue/table")
    assert status == 200
    version = re.search(r'data-version="([0-9a-f]+)"', body).group(1)
    assert client.request(f"/queue/table?since={version}")[0] == 204
    assert client.request("/queue/table?since=0")[0] == 200


def test_configuration_page_hides_the_password_hash(client, web_server):
    client.login()
    status, _, body = client.request("/config")
    assert status == 200
    assert "<th>password_hash</th><td><code>(set)</code>" in body
    assert web_server.scp.config.web.password_hash not in body
    assert "<th>ae_title</th><td><code>PRINTSCP</code>" in body
    assert client.request("/archive")[0] == 200


def _request(film):
    return JobRequest(calling_ae="CT1", called_ae="PRINTSCP", printer="folder",
                      films=[film])  # fmt: skip
