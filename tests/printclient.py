"""A small pynetdicom Print SCU for the tests (a peer we drive by hand)."""

import threading

import numpy as np
from pydicom.dataset import Dataset
from pydicom.uid import generate_uid
from pynetdicom import AE, evt
from pynetdicom.sop_class import (
    BasicColorImageBox,
    BasicFilmBox,
    BasicFilmSession,
    BasicGrayscaleImageBox,
    BasicGrayscalePrintManagementMeta,
    Printer,
    PrinterInstance,
)

META = BasicGrayscalePrintManagementMeta

#: Seconds a release may take before the client aborts instead.
RELEASE_SECONDS = 30


def grayscale_item(pixels, bits_stored=8, photometric="MONOCHROME2", big_endian=False):
    """A Basic Grayscale Image Sequence item holding *pixels*."""
    item = Dataset()
    item.SamplesPerPixel = 1
    item.PhotometricInterpretation = photometric
    item.Rows, item.Columns = pixels.shape
    item.BitsAllocated = 8 if bits_stored == 8 else 16
    item.BitsStored = bits_stored
    item.HighBit = bits_stored - 1
    item.PixelRepresentation = 0
    dtype = np.uint8 if bits_stored == 8 else np.dtype(">u2" if big_endian else "<u2")
    item.PixelData = pixels.astype(dtype).tobytes()
    return item


def color_item(pixels, planar_configuration=1):
    """A Basic Color Image Sequence item of RGB *pixels* (rows, cols, 3)."""
    item = Dataset()
    item.SamplesPerPixel = 3
    item.PhotometricInterpretation = "RGB"
    item.PlanarConfiguration = planar_configuration
    item.Rows, item.Columns = pixels.shape[:2]
    item.BitsAllocated, item.BitsStored, item.HighBit = 8, 8, 7
    item.PixelRepresentation = 0
    data = pixels.transpose(2, 0, 1) if planar_configuration == 1 else pixels
    item.PixelData = np.ascontiguousarray(data, np.uint8).tobytes()
    return item


class PrintClient:
    """Opens an association to the server and speaks Print Management."""

    def __init__(  # noqa: PLR0917 - test helper
        self,
        port,
        called_ae="PRINTSCP",
        calling_ae="TESTSCU",
        contexts=(META,),
        transfer_syntaxes=None,
        meta=META,
        tls_args=None,
    ):
        self.ae = AE(ae_title=calling_ae)
        for abstract_syntax in contexts:
            self.ae.add_requested_context(abstract_syntax, transfer_syntaxes)
        self.meta = meta
        self.created_uids = []
        self.events = []
        self.events_seen = threading.Condition()
        handlers = [
            (evt.EVT_DIMSE_RECV, self._on_recv),
            (evt.EVT_N_EVENT_REPORT, self._on_event),
        ]
        self.assoc = self.ae.associate(
            "127.0.0.1", port, ae_title=called_ae, evt_handlers=handlers,
            tls_args=tls_args,
        )  # fmt: skip

    def _on_recv(self, event):
        cs = event.message.command_set
        if cs.CommandField == 0x8140 and "AffectedSOPInstanceUID" in cs:
            self.created_uids.append(str(cs.AffectedSOPInstanceUID))

    def _on_event(self, event):
        req = event.request
        with self.events_seen:
            info = event.event_information
            self.events.append((req.EventTypeID, str(req.AffectedSOPClassUID), info))
            self.events_seen.notify_all()
        return 0x0000, None

    def wait_events(self, count, timeout=30):
        """Wait until *count* N-EVENT-REPORTs arrived; return them all."""
        with self.events_seen:
            arrived = self.events_seen.wait_for(
                lambda: len(self.events) >= count, timeout
            )
        assert arrived, self.events
        return list(self.events)

    def close(self):
        """Release the association; abort it if the release hangs.

        pynetdicom's release() waits, without a timeout, for its own reactor
        thread to pause; a clean-clone run once hung there for good with the
        server's side of the association already gone.  Bounded here, so a
        hang in the client library cannot stall the whole suite.
        """
        if not self.assoc.is_established:
            return
        releaser = threading.Thread(target=self.assoc.release, daemon=True)
        releaser.start()
        releaser.join(RELEASE_SECONDS)
        if releaser.is_alive():
            self.assoc.abort()
            releaser.join(RELEASE_SECONDS)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def create_session(self, **attributes):
        ds = Dataset()
        for keyword, value in attributes.items():
            setattr(ds, keyword, value)
        uid = generate_uid()
        # pynetdicom announces a data set even when it is empty; send none.
        status, rsp = self.assoc.send_n_create(
            ds if len(ds) else None, BasicFilmSession, uid, meta_uid=self.meta
        )
        self.session_uid = uid
        return status, rsp

    def create_film_box(self, image_display_format="STANDARD\\1,1", uid=None, **attrs):
        ds = Dataset()
        ds.ImageDisplayFormat = image_display_format
        for keyword, value in attrs.items():
            setattr(ds, keyword, value)
        ref = Dataset()
        ref.ReferencedSOPClassUID = BasicFilmSession
        ref.ReferencedSOPInstanceUID = self.session_uid
        ds.ReferencedFilmSessionSequence = [ref]
        uid = uid or generate_uid()
        status, rsp = self.assoc.send_n_create(
            ds, BasicFilmBox, uid, meta_uid=self.meta
        )
        self.film_box_uid = uid
        return status, rsp

    def set_image(self, image_box_uid, position, item, color=False, **attributes):
        ds = Dataset()
        ds.ImageBoxPosition = position
        keyword = "BasicColorImageSequence" if color else "BasicGrayscaleImageSequence"
        setattr(ds, keyword, [item] if item is not None else [])
        for name, value in attributes.items():
            setattr(ds, name, value)
        sop_class = BasicColorImageBox if color else BasicGrayscaleImageBox
        return self.assoc.send_n_set(ds, sop_class, image_box_uid, meta_uid=self.meta)

    def print_film_box(self, uid=None):
        return self.assoc.send_n_action(
            None, 1, BasicFilmBox, uid or self.film_box_uid, meta_uid=self.meta
        )

    def print_session(self):
        return self.assoc.send_n_action(
            None, 1, BasicFilmSession, self.session_uid, meta_uid=self.meta
        )

    def get_printer(self, tags=None):
        return self.assoc.send_n_get(
            tags or [], Printer, PrinterInstance, meta_uid=self.meta
        )

    def fill(self, rsp, pixels_for_position, **attributes):
        """N-SET every image box of a film box reply; return the statuses."""
        statuses = []
        for position, item in enumerate(rsp.ReferencedImageBoxSequence, start=1):
            pixels = pixels_for_position(position)
            if pixels is None:
                continue
            status, _ = self.set_image(
                item.ReferencedSOPInstanceUID, position, pixels, **attributes
            )
            statuses.append(status.Status)
        return statuses
