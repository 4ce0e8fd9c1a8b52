"""Outputs end to end: a film printed over DICOM reaches a socket printer,
a CUPS queue or a folder; dead printers are retried, stopped or failed
over; routes pick the printer."""

import json
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from printserver.__main__ import main
from tests.outputs.conftest import Sink, print_film
from tests.printclient import PrintClient, grayscale_item
from tests.test_cli import free_port


def job_of(scp, index=-1):
    job_id = scp.spool.job_ids()[index]
    return job_id, scp.spool.read_state(job_id)


def wait_for(predicate, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(0.05)
    raise AssertionError("condition not reached in time")


def socket_printer(port, **keys):
    lines = [
        "[[printers]]",
        'name = "laser"',
        'kind = "socket"',
        'host = "127.0.0.1"',
        f"port = {port}",
    ]
    lines += [f"{key} = {value!r}".replace("'", '"') for key, value in keys.items()]
    return "\n".join(lines) + "\n"


FOLDER_PAPER = '[[printers]]\nname = "paper"\nkind = "folder"\n'


def test_socket_printer_receives_the_exact_postscript(server_with_printers, sink):
    scp, port, watcher = server_with_printers(socket_printer(sink.port))
    assert print_film(port) == 0x0000
    job_id, _ = job_of(scp)
    assert watcher.wait_finished(1) == {job_id: "done"}
    [received] = sink.wait(1)
    state = scp.spool.read_state(job_id)
    ps = Path(next(p for p in state["outputs"] if p.endswith(".ps")))
    assert received == ps.read_bytes()
    assert received.startswith(b"%!PS-Adobe-3.0") and len(received) > 1000
    assert state["outputs"][0] == f"socket://127.0.0.1:{sink.port}"
    assert [h["state"] for h in state["history"]] == [
        "pending", "rendering", "sending", "done",
    ]  # fmt: skip
    assert state["progress"] == {"sent": True, "bytes": len(received)}


def test_dead_printer_is_retried_then_fails_over(server_with_printers):
    dead = free_port()  # nothing listens there
    printers = socket_printer(
        dead, retries=2, retry_delay=0.1, on_error="fallback", fallback="paper"
    )
    scp, port, watcher = server_with_printers(printers + FOLDER_PAPER)
    assert print_film(port) == 0x0000
    job_id, _ = job_of(scp)
    assert watcher.wait_finished(1) == {job_id: "done"}
    state = scp.spool.read_state(job_id)
    reasons = [h["reason"] for h in state["history"]]
    assert state["printer"] == "paper"
    assert sum("try 2 in 0.1 s" in r for r in reasons) == 1
    assert sum("try 3 in 0.2 s" in r for r in reasons) == 1
    [failover] = [r for r in reasons if "failed over to paper" in r]
    assert f"cannot connect to 127.0.0.1:{dead}" in failover
    assert "(after 3 tries)" in failover
    out = scp.config.data_root / "output"
    assert (out / f"{job_id}.ps").is_file()
    status = scp.printer_states["laser"]
    assert (status.printer_status, status.printer_status_info) == (
        "FAILURE",
        "PRINTER DOWN",
    )


def test_stop_printer_policy_keeps_the_job_until_enabled(
    server_with_printers, capsys, tmp_path
):
    dead = free_port()
    printers = socket_printer(dead, retries=0, on_error="stop-printer")
    scp, port, watcher = server_with_printers(printers)
    assert print_film(port) == 0x0000
    job_id, _ = job_of(scp)
    wait_for(lambda: not scp.spooler.printers.get("laser")["enabled"])
    assert scp.spool.read_state(job_id)["state"] == "sending"
    config = str(tmp_path / "config.toml")
    assert main(["printers", "list", "--config", config, "--json"]) == 0
    [listed] = json.loads(capsys.readouterr().out)
    assert listed["enabled"] is False
    assert listed["reason"].startswith(f"stopped: cannot connect to 127.0.0.1:{dead}")
    assert (listed["status"], listed["status_info"]) == ("FAILURE", "PRINTER DOWN")
    assert main(["printers", "list", "--config", config]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[1].split()[:5] == [
        "laser",
        "socket",
        "disabled",
        "accepting",
        "FAILURE",
    ]

    with PrintClient(port) as client:  # the modality sees the printer down
        status, ds = client.get_printer()
        assert (ds.PrinterStatus, ds.PrinterStatusInfo) == ("FAILURE", "PRINTER DOWN")

    sink = Sink(dead)  # the printer is back
    try:
        assert main(["printers", "enable", "laser", "--config", config]) == 0
        assert watcher.wait_finished(1) == {job_id: "done"}
        assert len(sink.wait(1)) == 1
        time.sleep(0.3)
        assert len(sink.received) == 1  # sent once
    finally:
        sink.close()


def test_a_job_confirmed_before_a_crash_is_not_sent_again(server_with_printers, sink):
    scp, port, watcher = server_with_printers(socket_printer(sink.port))
    assert print_film(port) == 0x0000
    job_id, _ = job_of(scp)
    watcher.wait_finished(1)
    sink.wait(1)
    # As if the server died after the printer took the job, before "done".
    scp.spool.set_state(job_id, "sending", "crash replay")
    scp.spooler.enqueue(job_id)
    wait_for(lambda: scp.spool.read_state(job_id)["state"] == "done")
    time.sleep(0.3)
    assert len(sink.received) == 1


def test_routes_by_called_ae_calling_ae_and_medium(server_with_printers, tmp_path):
    printers = (
        '[[printers]]\nname = "film"\nkind = "folder"\n'
        f'[[printers]]\nname = "paper"\nkind = "folder"\npath = "{tmp_path / "p"}"\n'
        'called_ae_titles = ["PAPER"]\n'
        f'[[printers]]\nname = "mammo"\nkind = "folder"\npath = "{tmp_path / "m"}"\n'
        'medium_types = ["MAMMO CLEAR FILM"]\n'
        f'[[printers]]\nname = "ward"\nkind = "folder"\npath = "{tmp_path / "w"}"\n'
        'calling_ae_titles = ["WARD_US"]\n'
    )
    scp, port, watcher = server_with_printers(printers)
    assert print_film(port, called_ae="PAPER") == 0x0000
    assert print_film(port, MediumType="MAMMO CLEAR FILM") == 0x0000
    assert print_film(port, calling_ae="WARD_US") == 0x0000
    assert print_film(port) == 0x0000
    watcher.wait_finished(4)
    printed = [scp.spool.read_state(j)["printer"] for j in scp.spool.job_ids()]
    assert printed == ["paper", "mammo", "ward", "film"]
    assert len(list((tmp_path / "p").glob("*.ps"))) == 1

    with PrintClient(port, called_ae="PAPER") as client:
        _, ds = client.get_printer()
        assert ds.PrinterName == "paper"
    refused = PrintClient(port, called_ae="NOSUCHAE")
    assert refused.assoc.is_rejected


def test_folder_printer_writes_pdf(server_with_printers):
    scp, port, watcher = server_with_printers(
        '[[printers]]\nname = "f"\nkind = "folder"\nformats = ["pdf"]\n'
    )
    assert print_film(port) == 0x0000
    job_id, _ = job_of(scp)
    assert watcher.wait_finished(1) == {job_id: "done"}
    out = scp.config.data_root / "output"
    assert sorted(p.name for p in out.iterdir()) == [f"{job_id}.pdf"]
    assert (out / f"{job_id}.pdf").read_bytes().startswith(b"%PDF-")


# CUPS -------------------------------------------------------------------


def cups_printer(cupsd, queue, **keys):
    lines = [
        "[[printers]]",
        f'name = "{queue}"',
        'kind = "cups"',
        'host = "127.0.0.1"',
        f"port = {cupsd.port}",
        f'queue = "{queue}"',
    ]
    lines += [f"{key} = {value!r}".replace("'", '"') for key, value in keys.items()]
    return "\n".join(lines) + "\n"


def pdf_pages(path):
    result = subprocess.run(
        ["gs", "-q", "-dNODISPLAY", "-dNOSAFER", "-c",
         f"({path}) (r) file runpdfbegin pdfpagecount = quit"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return int(result.stdout.strip())


def test_cups_queue_prints_the_film_postscript(cupsd, server_with_printers):
    out = cupsd.root / "out" / "film"
    cupsd.add_queue("film", out)
    scp, port, watcher = server_with_printers(cups_printer(cupsd, "film"))
    assert print_film(port, NumberOfCopies="2") == 0x0000
    job_id, _ = job_of(scp)
    assert watcher.wait_finished(1) == {job_id: "done"}, cupsd.log()
    state = scp.spool.read_state(job_id)
    [printed] = out.glob("job-*.ps")
    cups_job = int(printed.stem.removeprefix("job-"))
    assert state["progress"] == {"cups_job": cups_job}
    assert state["outputs"][0] == f"cups://film@127.0.0.1:{cupsd.port}/{cups_job}"
    ps = Path(next(p for p in state["outputs"] if p.endswith(".ps")))
    assert printed.read_bytes() == ps.read_bytes()
    attrs = cupsd.connection().getJobAttributes(cups_job, ["copies", "job-name"])
    assert attrs["copies"] == 2
    assert attrs["job-name"] == job_id


def test_cups_stopped_queue_keeps_the_job_until_enabled(cupsd, server_with_printers):
    out = cupsd.root / "out" / "film"
    cupsd.add_queue("film", out)
    cupsd.disable("film", "out of film")
    printers = cups_printer(cupsd, "film", retries=1000, retry_delay=0.2)
    scp, port, watcher = server_with_printers(printers)
    assert print_film(port) == 0x0000
    job_id, _ = job_of(scp)
    wait_for(
        lambda: any(
            "out of film" in h["reason"]
            for h in scp.spool.read_state(job_id)["history"]
        )
    )
    state = scp.spool.read_state(job_id)
    assert state["state"] == "sending"
    status = scp.printer_states["film"]
    assert (status.printer_status, status.printer_status_info) == (
        "FAILURE",
        "PRINTER OFFLINE",
    )
    assert not list(out.glob("job-*"))
    cupsd.enable("film")
    assert watcher.wait_finished(1) == {job_id: "done"}, cupsd.log()
    assert len(list(out.glob("job-*.ps"))) == 1  # submitted once, printed once
    wait_for(lambda: scp.printer_states["film"].printer_status == "NORMAL")


def test_cups_paper_rendition_is_a_pdf_page_per_film(cupsd, server_with_printers):
    out = cupsd.root / "out" / "office"
    cupsd.add_queue("office", out)
    printers = cups_printer(cupsd, "office", rendition="paper", paper_size="LETTER")
    scp, port, watcher = server_with_printers(printers)
    with PrintClient(port) as client:
        client.create_session(FilmSessionLabel="Ward 3")
        for _ in range(2):
            _, rsp = client.create_film_box()
            client.fill(
                rsp, lambda position: grayscale_item(np.full((8, 8), 40, np.uint8))
            )
        assert client.print_session()[0].Status == 0x0000
    job_id, _ = job_of(scp)
    assert watcher.wait_finished(1) == {job_id: "done"}, cupsd.log()
    [printed] = out.glob("job-*.ps")  # the backend names every file .ps
    assert printed.read_bytes().startswith(b"%PDF-")
    assert pdf_pages(printed) == 2


def test_unreachable_cups_server_shows_printer_down(server_with_printers):
    class Nowhere:
        port = free_port()

    printers = cups_printer(Nowhere, "film", retries=0, on_error="hold")
    scp, port, watcher = server_with_printers(printers)
    assert print_film(port) == 0x0000
    job_id, _ = job_of(scp)
    wait_for(lambda: scp.spool.read_state(job_id)["state"] == "held")
    [reason] = [h["reason"] for h in scp.spool.read_state(job_id)["history"][-1:]]
    assert f"cannot reach CUPS at 127.0.0.1:{Nowhere.port}" in reason
    assert scp.printer_states["film"].printer_status == "FAILURE"


if __name__ == "__main__":  # pragma: no cover
    pytest.main([__file__])


def test_copies_and_medium_go_in_the_postscript(server_with_printers, tmp_path):
    scp, port, watcher = server_with_printers('[[printers]]\nname = "f"\n')
    assert print_film(port, NumberOfCopies="3", MediumType="CLEAR FILM") == 0x0000
    job_id, _ = job_of(scp)
    assert watcher.wait_finished(1) == {job_id: "done"}
    ps = scp.config.data_root / "output" / f"{job_id}.ps"
    text = ps.read_bytes()
    assert b"<< /NumCopies 3 >> setpagedevice" in text
    assert b"<< /MediaType (CLEAR FILM) >> setpagedevice" in text
    assert text.count(b"%%Page: ") == 1
    subprocess.run(
        ["gs", "-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-sDEVICE=pnggray", "-r10",
         f"-sOutputFile={tmp_path}/copy-%d.png", str(ps)],
        check=True, capture_output=True,
    )  # fmt: skip
    assert sorted(p.name for p in tmp_path.glob("copy-*.png")) == [
        "copy-1.png", "copy-2.png", "copy-3.png",
    ]  # fmt: skip


def test_twelve_bit_profile_and_ascii85_printer(server_with_printers, tmp_path):
    profile = tmp_path / "twelve.toml"
    profile.write_text("print_bits = 12\n")
    scp, port, watcher = server_with_printers(
        f'[[printers]]\nname = "f"\nprofile = "{profile}"\nps_data = "ascii85"\n'
    )
    assert print_film(port, gray=200) == 0x0000
    job_id, _ = job_of(scp)
    assert watcher.wait_finished(1) == {job_id: "done"}
    ps = (scp.config.data_root / "output" / f"{job_id}.ps").read_bytes()
    assert b"/BitsPerComponent 12 " in ps
    assert b"currentfile /ASCII85Decode filter /FlateDecode filter" in ps
    assert max(ps) < 128
