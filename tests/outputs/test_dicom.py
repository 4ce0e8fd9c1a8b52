"""The ``dicom`` output against film printers we did not write, and one we did.

DCMTK's ``dcmprscp`` shows what a real Print SCP stores; a pynetdicom
stand-in, written here, shows what dcmprscp cannot: warnings, failures,
events, odd replies.  Both listen on loopback and are stopped after each
test.
"""

import itertools
import logging
import os
import signal
import socket
import subprocess
import threading
from io import BytesIO

import numpy as np
import pytest
from pydicom import config as pydicom_config
from pydicom import dcmread
from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian, generate_uid
from pynetdicom import AE, evt
from pynetdicom import sop_class as uids
from pynetdicom.dimse_primitives import N_EVENT_REPORT
from pynetdicom.dsutils import encode

from printserver.config import parse_config
from printserver.outputs import Delivery, OutputError, make_output
from printserver.render import (
    Film,
    PolarityValues,
    PresentationLUT,
    SourceImage,
    image_boxes,
)
from printserver.spooler import JobRequest, Spool, Spooler
from tests.conftest import require_tool

CALLED_AE = "FILMPRINTER"
GRAY_META = str(uids.BasicGrayscalePrintManagementMeta)
COLOR_META = str(uids.BasicColorPrintManagementMeta)
LONG_UID = "1.2." + "3" * 66


def printer_toml(port, mode="composed", timeout=10):
    return (
        '[server]\nae_title = "PRINTSCU"\n'
        '[[printers]]\nname = "film"\nkind = "dicom"\nhost = "127.0.0.1"\n'
        f'port = {port}\ncalled_ae = "{CALLED_AE}"\nmode = "{mode}"\n'
        f"timeout = {timeout}\n"
    )


def output_for(port, mode="composed", timeout=10):
    config = parse_config(printer_toml(port, mode, timeout))
    return make_output(config.printers[0], config)


def gray(value, shape=(64, 64)):
    """A flat 8-bit MONOCHROME2 image."""
    return SourceImage(np.full(shape, value, np.uint8), 8, "MONOCHROME2")


def pure_red():
    rgb = np.zeros((8, 6, 3), np.uint8)
    rgb[..., 0] = 255
    return SourceImage(rgb, 8, "RGB")


def film_of(display, size, *images):
    """A film holding *images* in positions 1, 2..."""
    return Film(display, size, images=dict(enumerate(images, start=1)))


def flat_film(display="STANDARD\\2,2", size="8INX10IN", values=(40, 90, 140, 190)):
    """A film of flat images, one value per position."""
    return film_of(display, size, *(gray(value) for value in values))


def make_delivery(tmp_path, films, progress=None, session=None):
    """A Delivery as the spooler makes it; returns it and what it recorded."""
    recorded = {}

    def not_composed(index):
        raise AssertionError("the dicom output composes its own films")

    delivery = Delivery(
        job_id="J1",
        films=films,
        postscript=tmp_path / "job.ps",
        previews=[],
        compose=not_composed,
        work_dir=tmp_path,
        session=session if session is not None else {"NumberOfCopies": 1},
        progress=dict(progress or {}),
        record=recorded.update,
    )
    return delivery, recorded


def condition(printer_status):
    """Printer Status and Printer Status Info of a PrinterStatus."""
    return printer_status.status, printer_status.info


def fails_transiently(output, delivery, match):
    """Send, expecting a transient OutputError; it, and the status after."""
    with pytest.raises(OutputError, match=match) as caught:
        output.send(delivery)
    assert caught.value.transient
    return caught.value, output.status()


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# DCMTK's dcmprscp ---------------------------------------------------------

DCMPRSCP_CONFIG = """\
[[GENERAL]]
[APPLICATION]
LogDirectory = {work}/log
[DATABASE]
Directory = {work}/database
[PRINT]
Directory = {work}/spool

[[COMMUNICATION]]
[FILMPRINTER]
Type = LOCALPRINTER
Hostname = localhost
Port = {port}
Aetitle = FILMPRINTER
Description = film printer for tests
ImplicitOnly = false
MaxPDU = 65536
DisplayFormat = 1,1\\1,2\\2,1\\2,2\\2,3\\3,3
FilmSizeID = 14INX17IN\\8INX10IN\\11INX14IN
MediumType = BLUE FILM\\CLEAR FILM\\PAPER
FilmDestination = MAGAZINE\\PROCESSOR
MagnificationType = CUBIC\\REPLICATE\\BILINEAR\\NONE
MaxDensity = 320
MinDensity = 20
BorderDensity = BLACK\\WHITE\\150
EmptyImageDensity = BLACK\\WHITE\\150
ResolutionID = STANDARD\\HIGH
Supports12Bit = true
SupportsPresentationLUT = false
SupportsImageSize = true
SupportsDecimateCrop = true
SupportsTrim = false
"""


class Dcmprscp:
    """DCMTK's print SCP in a scratch folder, started and stopped by pid."""

    def __init__(self, program, work):
        self.program = program
        self.work = work
        self.port = free_port()
        self.proc = None
        for sub in ("log", "database", "spool"):
            (work / sub).mkdir(parents=True, exist_ok=True)
        self.config = work / "printer.cfg"
        self.config.write_text(DCMPRSCP_CONFIG.format(work=work, port=self.port))

    def start(self):
        log = open(self.work / "dcmprscp.log", "ab")  # noqa: SIM115 - kept by Popen
        self.proc = subprocess.Popen(
            [self.program, "-v", "-c", str(self.config), "-p", CALLED_AE],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=self.work,
        )
        log.close()
        for _ in range(200):  # up to 10 s: it listens within a moment
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                return
            except OSError:
                try:
                    self.proc.wait(timeout=0.05)
                except subprocess.TimeoutExpired:
                    continue
                pytest.fail(f"dcmprscp exited: {self.log()}")
        pytest.fail(f"dcmprscp is not listening on {self.port}: {self.log()}")

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=10)

    def log(self):
        return (self.work / "dcmprscp.log").read_text(errors="replace")

    def stored(self, prefix):
        """What it stored: ``SP`` (Stored Print) or ``HG`` (Hardcopy Gray)."""
        paths = sorted((self.work / "database").glob(f"{prefix}_*.dcm"))
        return [dcmread(path) for path in paths]


@pytest.fixture
def dcmprscp(tmp_path):
    printer = Dcmprscp(require_tool("dcmprscp", "dcmtk"), tmp_path / "dcmprscp")
    printer.start()
    try:
        yield printer
    finally:
        printer.stop()


def box_centers(film, dpi):
    return [(b.y + b.height // 2, b.x + b.width // 2) for b in image_boxes(film, dpi)]


@pytest.mark.dcmtk
def test_composed_14x17_film_is_stored_by_dcmprscp(dcmprscp, tmp_path):
    film = flat_film(size="14INX17IN")
    delivery, recorded = make_delivery(tmp_path, [film])

    sent = output_for(dcmprscp.port).send(delivery)

    assert sent == [f"dicom://{CALLED_AE}@127.0.0.1:{dcmprscp.port}"]
    assert recorded["films_printed"] == 1
    [stored_print] = dcmprscp.stored("SP")
    [hardcopy] = dcmprscp.stored("HG")
    [film_box] = stored_print.FilmBoxContentSequence
    assert film_box.ImageDisplayFormat == "STANDARD\\1,1"
    assert film_box.FilmSizeID == "14INX17IN"
    assert (film_box.MinDensity, film_box.MaxDensity) == (20, 300)
    # 14 x 17 inches at the default profile's 320 dpi.
    assert (hardcopy.Rows, hardcopy.Columns) == (5440, 4480)
    assert (hardcopy.BitsStored, hardcopy.PhotometricInterpretation) == (
        8,
        "MONOCHROME2",
    )
    # The pixels are P-Values: each flat image keeps its value, and the
    # BLACK border is P-Value 0 (Max Density).
    pixels = hardcopy.pixel_array
    centers = [int(pixels[y, x]) for y, x in box_centers(film, 320)]
    assert centers == [40, 90, 140, 190]
    assert pixels[0, 0] == 0


@pytest.mark.dcmtk
def test_passthrough_films_are_stored_by_dcmprscp(dcmprscp, tmp_path, caplog):
    first = flat_film("STANDARD\\2,2", "14INX17IN")
    first.trim = True  # this dcmprscp refuses Trim (0x0105): sent again without
    ramp = np.tile(np.arange(0, 4096, 128, dtype=np.uint16), (48, 1))  # 48 x 32
    second = film_of(
        "STANDARD\\1,2", "8INX10IN", SourceImage(ramp, 12, "MONOCHROME2"), gray(7)
    )
    delivery, recorded = make_delivery(tmp_path, [first, second])

    with caplog.at_level(logging.WARNING, "printserver"):
        output_for(dcmprscp.port, "passthrough").send(delivery)

    assert recorded["films_printed"] == 2
    stored_prints = dcmprscp.stored("SP")
    hardcopies = dcmprscp.stored("HG")
    assert len(stored_prints) == 2
    assert len(hardcopies) == 6
    film_boxes = [sp.FilmBoxContentSequence[0] for sp in stored_prints]
    assert sorted((fb.ImageDisplayFormat, fb.FilmSizeID) for fb in film_boxes) == [
        ("STANDARD\\1,2", "8INX10IN"),
        ("STANDARD\\2,2", "14INX17IN"),
    ]
    assert sorted((hc.Rows, hc.Columns, hc.BitsStored) for hc in hardcopies) == [
        (48, 32, 12),
        *[(64, 64, 8)] * 5,
    ]
    twelve_bit = next(hc for hc in hardcopies if hc.BitsStored == 12)
    assert np.array_equal(twelve_bit.pixel_array, ramp)
    refused = [r for r in caplog.records if "0x0105" in r.getMessage()]
    assert len(refused) == 1
    assert "job=J1" in refused[0].getMessage()
    assert "'Trim'" in refused[0].getMessage()


def spooled_job(tmp_path, toml, copies=1):
    """A spool in *tmp_path* with one job of a flat film, printed by the
    spooler of configuration *toml*; returns the spool and the job's id."""
    toml = toml.replace("[server]\n", f'[server]\ndata = "{tmp_path / "data"}"\n')
    config = parse_config(toml)
    spool = Spool(config.data_root)
    spool.ensure()
    job_id = spool.submit(
        JobRequest(
            "MODALITY", "PRINTSCP", "film", [flat_film()], {"NumberOfCopies": copies}
        )
    )
    Spooler(spool, config).process(job_id)
    return spool, job_id


@pytest.mark.dcmtk
def test_spooler_prints_a_job_on_dcmprscp(dcmprscp, tmp_path):
    spool, job_id = spooled_job(tmp_path, printer_toml(dcmprscp.port), copies=2)

    state = spool.read_state(job_id)
    assert state["state"] == "done", state
    assert f"dicom://{CALLED_AE}@127.0.0.1:{dcmprscp.port}" in state["outputs"]
    assert state["progress"]["films_printed"] == 1
    assert len(dcmprscp.stored("SP")) == 1


@pytest.mark.dcmtk
def test_stopped_dcmprscp_is_a_transient_failure(dcmprscp, tmp_path):
    dcmprscp.stop()
    delivery, recorded = make_delivery(tmp_path, [flat_film()])

    error, status = fails_transiently(
        output_for(dcmprscp.port), delivery, "cannot connect"
    )

    assert condition(error.status) == condition(status) == ("FAILURE", "PRINTER DOWN")
    assert "refused" in status.comment.lower()
    assert recorded == {}


# A stand-in printer --------------------------------------------------------

_message_ids = itertools.count(0x7000)


def reference(class_uid, instance_uid):
    """A reference item; the UID goes unchecked, as a faulty printer's."""
    item = Dataset()
    item.ReferencedSOPClassUID = class_uid
    item.add(
        DataElement(
            "ReferencedSOPInstanceUID",
            "UI",
            instance_uid,
            validation_mode=pydicom_config.IGNORE,
        )
    )
    return item


class StandIn:
    """A film printer written with pynetdicom that replies as a test asks.

    *statuses* maps (operation, SOP class UID) to the status (an int, or a
    Dataset with an Error Comment) of that request.
    """

    def __init__(
        self,
        contexts=(uids.BasicGrayscalePrintManagementMeta, uids.PrintJob),
        transfer_syntaxes=(ImplicitVRLittleEndian,),
    ):
        self.contexts = list(contexts)
        self.transfer_syntaxes = list(transfer_syntaxes)
        self.statuses = {}
        self.printer_status = ("NORMAL", "NORMAL")
        self.no_dataset = set()
        self.image_box_uid = ""
        self.print_job = ("ReferencedPrintJobSequencePullStoredPrint", "1.2.3.99")
        self.events = []
        self.requests = []
        self.proposed = []
        self.event_answers = []
        self.answered = threading.Event()
        self.on_action = None
        self.associations = 0
        self.server = None

    @property
    def port(self):
        return self.server.server_address[1]

    def start(self):
        ae = AE(ae_title=CALLED_AE)
        for abstract_syntax in self.contexts:
            ae.add_supported_context(abstract_syntax, self.transfer_syntaxes)
        handlers = [
            (evt.EVT_REQUESTED, self.on_requested),
            (evt.EVT_DIMSE_RECV, self.on_dimse_recv),
            (evt.EVT_N_GET, self.on_n_get),
            (evt.EVT_N_CREATE, self.on_n_create),
            (evt.EVT_N_SET, self.on_n_set),
            (evt.EVT_N_ACTION, self.on_n_action),
            (evt.EVT_N_DELETE, self.on_n_delete),
        ]
        self.server = ae.start_server(
            ("127.0.0.1", 0), block=False, evt_handlers=handlers
        )

    def stop(self):
        self.server.shutdown()

    def requests_of(self, operation, class_uid=None):
        return [
            ds
            for op, uid, ds in self.requests
            if op == operation and class_uid in (None, uid)
        ]

    def _status(self, operation, class_uid):
        return self.statuses.get((operation, str(class_uid)), 0x0000)

    # Handlers.

    def on_requested(self, event):
        self.associations += 1
        for cx in event.assoc.requestor.requested_contexts:
            self.proposed.append((str(cx.abstract_syntax), list(cx.transfer_syntax)))

    def on_dimse_recv(self, event):
        command = event.message.command_set
        if command.CommandField == 0x8100:  # N-EVENT-REPORT-RSP
            self.event_answers.append(command.Status)
            if len(self.event_answers) == len(self.events):
                self.answered.set()

    def on_n_get(self, event):
        self.requests.append(("N-GET", str(event.request.RequestedSOPClassUID), None))
        ds = Dataset()
        ds.PrinterStatus, ds.PrinterStatusInfo = self.printer_status
        return 0x0000, ds

    def on_n_create(self, event):
        class_uid = str(event.request.AffectedSOPClassUID)
        self.requests.append(("N-CREATE", class_uid, event.attribute_list))
        status = self._status("N-CREATE", class_uid)
        if class_uid in self.no_dataset:
            return status, None
        reply = Dataset()
        if class_uid == uids.BasicFilmBox:
            reply.ReferencedImageBoxSequence = self._image_boxes(event)
        else:
            reply.NumberOfCopies = 1
        return status, reply

    def _image_boxes(self, event):
        layout = event.attribute_list.ImageDisplayFormat.split("\\")[1]
        columns, rows = (int(n) for n in layout.split(","))
        color = event.context.abstract_syntax == COLOR_META
        box_class = uids.BasicColorImageBox if color else uids.BasicGrayscaleImageBox
        return [
            reference(box_class, self.image_box_uid or generate_uid())
            for _ in range(columns * rows)
        ]

    def on_n_set(self, event):
        class_uid = str(event.request.RequestedSOPClassUID)
        self.requests.append(("N-SET", class_uid, event.attribute_list))
        return self._status("N-SET", class_uid), None

    def on_n_action(self, event):
        class_uid = str(event.request.RequestedSOPClassUID)
        self.requests.append(("N-ACTION", class_uid, None))
        if self.on_action is not None:
            self.on_action()
        for event_args in self.events:
            self._send_event(event.assoc, *event_args)
        status = self._status("N-ACTION", class_uid)
        keyword, uid = self.print_job
        reply = Dataset()
        setattr(reply, keyword, [reference(uids.PrintJob, uid)])
        return status, reply

    def on_n_delete(self, event):
        class_uid = str(event.request.RequestedSOPClassUID)
        self.requests.append(("N-DELETE", class_uid, None))
        return 0x0000

    @staticmethod
    def _send_event(assoc, class_uid, instance_uid, event_type, info):
        """Send an N-EVENT-REPORT without waiting (the reactor is busy)."""
        abstract_syntax = uids.PrintJob if class_uid == uids.PrintJob else GRAY_META
        cx = next(
            c for c in assoc.accepted_contexts if c.abstract_syntax == abstract_syntax
        )
        req = N_EVENT_REPORT()
        req.MessageID = next(_message_ids)
        req.AffectedSOPClassUID = class_uid
        req.AffectedSOPInstanceUID = instance_uid
        req.EventTypeID = event_type
        syntax = cx.transfer_syntax[0]
        req.EventInformation = BytesIO(
            encode(info, syntax.is_implicit_VR, syntax.is_little_endian)
        )
        assoc.dimse.send_msg(req, cx.context_id)


@pytest.fixture
def stand_in():
    """Starts stand-in printers; each is shut down after the test."""
    started = []

    def start(**behaviour):
        syntaxes = ("contexts", "transfer_syntaxes")
        printer = StandIn(**{k: behaviour.pop(k) for k in syntaxes if k in behaviour})
        for name, value in behaviour.items():
            setattr(printer, name, value)
        printer.start()
        started.append(printer)
        return printer

    yield start
    for printer in started:
        printer.stop()


def failure(code, comment):
    status = Dataset()
    status.Status = code
    status.ErrorComment = comment
    return status


def test_only_meta_classes_are_proposed_with_implicit_vr(stand_in, tmp_path):
    # The stand-in takes Implicit VR only and no member class on its own.
    printer = stand_in()
    delivery, recorded = make_delivery(tmp_path, [flat_film()])

    output_for(printer.port, "passthrough").send(delivery)

    proposed = dict(printer.proposed)
    assert set(proposed) == {GRAY_META, str(uids.PrintJob)}
    assert all(ImplicitVRLittleEndian in syntaxes for syntaxes in proposed.values())
    assert [op for op, _, _ in printer.requests] == [
        "N-GET",
        "N-CREATE",
        "N-CREATE",
        *["N-SET"] * 4,
        "N-ACTION",
        "N-DELETE",
        "N-DELETE",
    ]
    assert recorded == {"films_printed": 1, "print_jobs": ["1.2.3.99"]}


def test_session_and_film_box_attributes_arrive(stand_in, tmp_path):
    printer = stand_in(transfer_syntaxes=(ExplicitVRLittleEndian,))
    film = flat_film(size="14INX17IN")
    session = {
        "NumberOfCopies": 2,
        "MediumType": "CLEAR FILM",
        "FilmDestination": "PROCESSOR",
        "FilmSessionLabel": "Ward 3",
        "PrintPriority": "HIGH",
    }
    delivery, _ = make_delivery(tmp_path, [film], session=session)

    output_for(printer.port, "passthrough").send(delivery)

    [film_session] = printer.requests_of("N-CREATE", uids.BasicFilmSession)
    assert {k: film_session[k].value for k in session} == session
    [film_box] = printer.requests_of("N-CREATE", uids.BasicFilmBox)
    assert film_box.ImageDisplayFormat == "STANDARD\\2,2"
    assert film_box.FilmSizeID == "14INX17IN"
    assert film_box.MagnificationType == "CUBIC"
    assert "Trim" not in film_box
    item = film_box.ReferencedFilmSessionSequence[0]
    assert item.ReferencedSOPClassUID == uids.BasicFilmSession
    image_boxes_set = printer.requests_of("N-SET")
    assert [ds.ImageBoxPosition for ds in image_boxes_set] == [1, 2, 3, 4]
    pixels = image_boxes_set[2].BasicGrayscaleImageSequence[0]
    assert (pixels.Rows, pixels.Columns, pixels.BitsStored) == (64, 64, 8)
    assert set(pixels.PixelData) == {140}


def test_warnings_are_logged_and_the_job_goes_on(stand_in, tmp_path, caplog):
    printer = stand_in(
        statuses={
            ("N-CREATE", uids.BasicFilmBox): 0xB605,
            ("N-SET", uids.BasicGrayscaleImageBox): 0x0116,
            ("N-ACTION", uids.BasicFilmBox): 0x0107,
        }
    )
    delivery, recorded = make_delivery(tmp_path, [flat_film()])

    with caplog.at_level(logging.WARNING, "printserver"):
        output_for(printer.port, "passthrough").send(delivery)

    assert recorded["films_printed"] == 1
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert sum("0xB605" in w for w in warnings) == 1
    assert sum("0x0116" in w for w in warnings) == 4
    assert sum("0x0107" in w for w in warnings) == 1
    assert all(w.startswith("job=J1 printer film:") for w in warnings)


@pytest.mark.parametrize(
    ("code", "transient"),
    [(0xC600, False), (0x0106, False), (0x0110, False), (0xC602, True)],
)
def test_failure_on_n_action_stops_with_the_comment(
    stand_in, tmp_path, code, transient
):
    printer = stand_in(
        statuses={
            ("N-ACTION", uids.BasicFilmBox): failure(code, "film magazine jammed")
        }
    )
    delivery, recorded = make_delivery(tmp_path, [flat_film(), flat_film()])

    with pytest.raises(OutputError, match="film magazine jammed") as caught:
        output_for(printer.port, "passthrough").send(delivery)

    assert f"0x{code:04X}" in str(caught.value)
    assert caught.value.transient is transient
    assert "film magazine jammed" in caught.value.status.comment
    assert recorded == {}
    assert len(printer.requests_of("N-ACTION")) == 1  # the second film waits


def test_printer_failure_at_n_get_sends_nothing(stand_in, tmp_path):
    printer = stand_in(printer_status=("FAILURE", "FILM JAM"))
    delivery, _ = make_delivery(tmp_path, [flat_film()])

    error, status = fails_transiently(output_for(printer.port), delivery, "FILM JAM")

    assert condition(error.status) == condition(status) == ("FAILURE", "FILM JAM")
    assert printer.requests_of("N-CREATE") == []


def test_no_reply_in_time_is_a_transient_failure(stand_in, tmp_path):
    released = threading.Event()
    printer = stand_in(on_action=lambda: released.wait(10))
    delivery, recorded = make_delivery(tmp_path, [flat_film()])

    try:
        with pytest.raises(OutputError, match="no reply to film 1/1") as caught:
            output_for(printer.port, "passthrough", timeout=1).send(delivery)
    finally:
        released.set()

    assert caught.value.transient
    assert recorded == {}


def test_status_while_printing_is_the_jobs(stand_in, tmp_path):
    printer = stand_in(printer_status=("WARNING", "SUPPLY LOW"))
    output = output_for(printer.port, "passthrough")
    seen = []
    printer.on_action = lambda: seen.append(output.status())
    delivery, _ = make_delivery(tmp_path, [flat_film()])

    output.send(delivery)

    assert [condition(status) for status in seen] == [("WARNING", "SUPPLY LOW")]
    assert printer.associations == 1


def test_status_of_a_normal_printer(stand_in):
    printer = stand_in(printer_status=("WARNING", "SUPPLY LOW"))

    status = output_for(printer.port).status()

    assert condition(status) == ("WARNING", "SUPPLY LOW")
    assert dict(printer.proposed).keys() == {GRAY_META}


def test_replies_without_dataset_to_session_n_create(stand_in, tmp_path):
    printer = stand_in(no_dataset={str(uids.BasicFilmSession)})
    delivery, recorded = make_delivery(tmp_path, [flat_film()])

    output_for(printer.port, "passthrough").send(delivery)

    assert recorded["films_printed"] == 1


def test_film_box_reply_without_dataset_is_a_failure(stand_in, tmp_path):
    printer = stand_in(no_dataset={str(uids.BasicFilmSession), str(uids.BasicFilmBox)})
    delivery, recorded = make_delivery(tmp_path, [flat_film()])

    with pytest.raises(OutputError, match="names no image box") as caught:
        output_for(printer.port, "passthrough").send(delivery)

    assert not caught.value.transient
    assert printer.requests_of("N-SET") == []
    assert recorded == {}


def test_overlong_image_box_uid_is_a_failure_not_a_crash(stand_in, tmp_path):
    printer = stand_in(image_box_uid=LONG_UID)
    delivery, recorded = make_delivery(tmp_path, [flat_film()])

    with pytest.raises(OutputError, match="70 characters") as caught:
        output_for(printer.port, "passthrough").send(delivery)

    assert not caught.value.transient
    assert LONG_UID in str(caught.value)
    assert printer.requests_of("N-SET") == []
    assert printer.requests_of("N-ACTION") == []


@pytest.mark.parametrize(
    ("keyword", "uid"),
    [
        ("ReferencedPrintJobSequencePullStoredPrint", "1.2.3.7"),
        ("ReferencedPrintJobSequence", "1.2.3.8"),
        ("ReferencedPrintJobSequencePullStoredPrint", LONG_UID),
    ],
)
def test_print_job_is_read_from_either_tag(stand_in, tmp_path, keyword, uid):
    printer = stand_in(print_job=(keyword, uid))
    delivery, recorded = make_delivery(tmp_path, [flat_film()])

    output_for(printer.port, "passthrough").send(delivery)

    assert recorded["print_jobs"] == [uid]


def test_event_reports_are_answered_and_logged(stand_in, tmp_path, caplog):
    supply_low = Dataset()
    supply_low.PrinterStatusInfo = "SUPPLY LOW"
    done = Dataset()
    done.ExecutionStatusInfo = "NORMAL"
    printer = stand_in(
        events=[
            (uids.Printer, uids.PrinterInstance, 2, supply_low),
            (uids.PrintJob, "1.2.3.99", 3, done),
        ]
    )
    delivery, recorded = make_delivery(tmp_path, [flat_film()])

    with caplog.at_level(logging.INFO, "printserver"):
        output_for(printer.port, "passthrough").send(delivery)

    assert printer.answered.wait(10)
    assert printer.event_answers == [0x0000, 0x0000]
    assert recorded["films_printed"] == 1
    messages = [r.getMessage() for r in caplog.records]
    assert "job=J1 printer film: printer reports WARNING (SUPPLY LOW)" in messages
    assert "job=J1 printer film: print job 1.2.3.99: DONE (NORMAL)" in messages


def test_resumed_job_prints_only_the_films_left(stand_in, tmp_path):
    printer = stand_in()
    films = [flat_film(size="8INX10IN"), flat_film(size="11INX14IN")]
    delivery, recorded = make_delivery(
        tmp_path, films, progress={"films_printed": 1, "print_jobs": ["1.2.3.1"]}
    )

    output_for(printer.port, "passthrough").send(delivery)

    assert len(printer.requests_of("N-ACTION")) == 1
    [film_box] = printer.requests_of("N-CREATE", uids.BasicFilmBox)
    assert film_box.FilmSizeID == "11INX14IN"
    assert recorded == {"films_printed": 2, "print_jobs": ["1.2.3.1", "1.2.3.99"]}


def test_a_job_printed_before_a_restart_is_not_sent_again(stand_in, tmp_path):
    printer = stand_in()
    delivery, recorded = make_delivery(
        tmp_path, [flat_film()], progress={"films_printed": 1}
    )

    output_for(printer.port).send(delivery)

    assert printer.requests == []
    assert recorded == {}


def test_rejected_association_is_transient(stand_in, tmp_path):
    printer = stand_in()
    config = parse_config(printer_toml(printer.port).replace(CALLED_AE, "SOMEONE_ELSE"))
    printer.server.ae.require_called_aet = True
    output = make_output(config.printers[0], config)
    delivery, _ = make_delivery(tmp_path, [flat_film()])

    with pytest.raises(OutputError, match="association rejected") as caught:
        output.send(delivery)

    assert caught.value.transient
    assert "called ae title not recognised" in str(caught.value).lower()


def test_color_film_goes_to_color_image_boxes(stand_in, tmp_path):
    printer = stand_in(
        contexts=(
            uids.BasicGrayscalePrintManagementMeta,
            uids.BasicColorPrintManagementMeta,
        )
    )
    film = film_of("STANDARD\\1,2", "8INX10IN", pure_red(), gray(100, (4, 4)))
    delivery, _ = make_delivery(tmp_path, [film])

    output_for(printer.port, "passthrough").send(delivery)

    assert set(dict(printer.proposed)) == {GRAY_META, COLOR_META, str(uids.PrintJob)}
    color_sets = printer.requests_of("N-SET", uids.BasicColorImageBox)
    assert len(color_sets) == 2
    item = color_sets[0].BasicColorImageSequence[0]
    assert (item.PlanarConfiguration, item.Rows, item.Columns) == (1, 8, 6)
    planes = np.frombuffer(item.PixelData, np.uint8)[: 3 * 48].reshape(3, 8, 6)
    assert [int(plane.max()) for plane in planes] == [255, 0, 0]
    gray_as_rgb = color_sets[1].BasicColorImageSequence[0]
    assert len(set(gray_as_rgb.PixelData)) == 1
    assert color_sets[1].Polarity == "NORMAL"


def test_color_film_on_a_gray_printer_is_sent_in_gray(stand_in, tmp_path, caplog):
    printer = stand_in()
    film = film_of("STANDARD\\1,1", "8INX10IN", pure_red())
    delivery, _ = make_delivery(tmp_path, [film])

    with caplog.at_level(logging.WARNING, "printserver"):
        output_for(printer.port, "passthrough").send(delivery)

    [image_box] = printer.requests_of("N-SET", uids.BasicGrayscaleImageBox)
    item = image_box.BasicGrayscaleImageSequence[0]
    assert set(item.PixelData[:48]) == {76}  # luma of pure red
    assert any("gray only" in r.getMessage() for r in caplog.records)


def test_presentation_lut_is_applied_before_sending(stand_in, tmp_path):
    printer = stand_in()
    film = flat_film("STANDARD\\1,1", values=(10,))
    film.presentation_lut = PresentationLUT("TABLE", tuple(range(255, -1, -1)), 8)
    film.images[1].polarity = PolarityValues.REVERSE
    delivery, _ = make_delivery(tmp_path, [film])

    output_for(printer.port, "passthrough").send(delivery)

    [image_box] = printer.requests_of("N-SET")
    item = image_box.BasicGrayscaleImageSequence[0]
    # REVERSE makes 10 into 245, the inverting table makes it 10 again.
    assert set(item.PixelData) == {10}
    assert (item.PhotometricInterpretation, image_box.Polarity) == (
        "MONOCHROME2",
        "NORMAL",
    )


def test_composed_film_is_one_image_of_pvalues(stand_in, tmp_path):
    printer = stand_in()
    film = flat_film("STANDARD\\1,2", "8INX10IN", values=(30, 200))
    delivery, _ = make_delivery(tmp_path, [film])

    output_for(printer.port).send(delivery)

    [film_box] = printer.requests_of("N-CREATE", uids.BasicFilmBox)
    assert film_box.ImageDisplayFormat == "STANDARD\\1,1"
    assert "MagnificationType" not in film_box
    [image_box] = printer.requests_of("N-SET")
    item = image_box.BasicGrayscaleImageSequence[0]
    assert (item.Rows, item.Columns) == (3200, 2560)  # 8 x 10 in at 320 dpi
    pixels = np.frombuffer(item.PixelData, np.uint8).reshape(3200, 2560)
    assert [int(pixels[y, x]) for y, x in box_centers(film, 320)] == [30, 200]


@pytest.mark.parametrize(
    ("code", "policy", "state"),
    [(0xC600, "fail", "failed"), (0xC602, "hold", "held")],
)
def test_stand_in_failure_is_recorded_in_the_job_by_policy(
    stand_in, tmp_path, code, policy, state
):
    # Through the spooler: the printer's status and comment end up in the
    # job's history (and error), and the policy decides where the job goes.
    printer = stand_in(
        statuses={("N-ACTION", uids.BasicFilmBox): failure(code, "out of film")}
    )
    toml = printer_toml(printer.port, "passthrough")
    spool, job_id = spooled_job(
        tmp_path, toml + f'retries = 0\non_error = "{policy}"\n'
    )

    job = spool.read_state(job_id)
    assert job["state"] == state, job
    assert f"0x{code:04X}" in job["history"][-1]["reason"]
    assert "out of film" in job["history"][-1]["reason"]
    if state == "failed":
        assert "out of film" in job["error"]
    assert len(printer.requests_of("N-ACTION")) == 1
