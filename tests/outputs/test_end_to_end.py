"""A film printed by DCMTK's client reaches each kind of output; a dead
film printer fails over to paper through CUPS."""

import pytest

from tests.conftest import require_tool
from tests.net.test_dcmtk import print_with_dcmtk
from tests.outputs.conftest import Sink
from tests.outputs.test_dicom import CALLED_AE, Dcmprscp
from tests.outputs.test_outputs import cups_printer, pdf_pages


def test_dcmtk_film_reaches_socket_cups_and_folder(
    server_with_printers, cupsd, tmp_path
):
    sink = Sink()
    out = cupsd.root / "out" / "film"
    cupsd.add_queue("film", out)
    printers = (
        f'[[printers]]\nname = "laser"\nkind = "socket"\nhost = "127.0.0.1"\n'
        f'port = {sink.port}\ncalled_ae_titles = ["PRINTSCP"]\n'
        + cups_printer(cupsd, "film")
        + 'called_ae_titles = ["CUPSFILM"]\n'
        + f'[[printers]]\nname = "files"\npath = "{tmp_path / "files"}"\n'
        + 'called_ae_titles = ["FILES"]\n'
    )
    try:
        scp, port, watcher = server_with_printers(printers)
        for index, called in enumerate(("PRINTSCP", "CUPSFILM", "FILES")):
            work = tmp_path / f"dcmtk-{index}"
            work.mkdir()
            print_with_dcmtk(port, work, 2, 2, called_ae=called)
        finished = watcher.wait_finished(3)
        assert set(finished.values()) == {"done"}, scp.spool.summaries()
        jobs = {scp.spool.read_state(j)["printer"]: j for j in scp.spool.job_ids()}
        assert set(jobs) == {"laser", "film", "files"}
        ps = {
            name: (scp.spool.output_dir(job) / "job.ps").read_bytes()
            for name, job in jobs.items()
        }
        assert sink.wait(1) == [ps["laser"]]
        [printed] = out.glob("job-*.ps")
        assert printed.read_bytes() == ps["film"]
        assert (tmp_path / "files" / f"{jobs['files']}.ps").read_bytes() == ps["files"]
    finally:
        sink.close()


@pytest.mark.dcmtk
def test_dead_film_printer_fails_over_to_paper(server_with_printers, cupsd, tmp_path):
    film_printer = Dcmprscp(require_tool("dcmprscp", "dcmtk"), tmp_path / "imager")
    film_printer.start()
    paper = cupsd.root / "out" / "paper"
    cupsd.add_queue("paper", paper)
    printers = (
        f'[[printers]]\nname = "imager"\nkind = "dicom"\nhost = "127.0.0.1"\n'
        f'port = {film_printer.port}\ncalled_ae = "{CALLED_AE}"\ntimeout = 20\n'
        'retries = 2\nretry_delay = 0.2\non_error = "fallback"\nfallback = "paper"\n'
        + cups_printer(cupsd, "paper", rendition="paper")
    )
    try:
        scp, port, watcher = server_with_printers(printers)
        print_with_dcmtk(port, tmp_path / "first", 2, 2)
        [(first, state)] = watcher.wait_finished(1).items()
        assert state == "done"
        assert scp.spool.read_state(first)["printer"] == "imager"
        assert len(film_printer.stored("SP")) == 1

        film_printer.stop()  # the imager is switched off
        print_with_dcmtk(port, tmp_path / "second", 2, 2)
        finished = watcher.wait_finished(2, timeout=90)
        [second] = [j for j in finished if j != first]
        assert finished[second] == "done"
        state = scp.spool.read_state(second)
        assert state["printer"] == "paper"
        reasons = [h["reason"] for h in state["history"]]
        assert sum(" in 0.2 s" in r for r in reasons) == 1
        assert sum(" in 0.4 s" in r for r in reasons) == 1
        assert any("failed over to paper" in r for r in reasons)
        [printed] = paper.glob("job-*.ps")
        assert printed.read_bytes().startswith(b"%PDF-")
        assert pdf_pages(printed) == 1
        assert len(film_printer.stored("SP")) == 1  # nothing more reached it
        status = scp.printer_states["imager"]
        assert (status.printer_status, status.printer_status_info) == (
            "FAILURE",
            "PRINTER DOWN",
        )
    finally:
        film_printer.stop()
