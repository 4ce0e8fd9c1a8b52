"""A small pynetdicom Print SCU for the tests (a peer we drive by hand)."""

import numpy as np
from pydicom.dataset import Dataset
from pydicom.uid import generate_uid
from pynetdicom import AE, evt
from pynetdicom.sop_class import (
    BasicFilmBox,
    BasicFilmSession,
    BasicGrayscaleImageBox,
    BasicGrayscalePrintManagementMeta,
    Printer,
    PrinterInstance,
)

META = BasicGrayscalePrintManagementMeta


def grayscale_item(pixels: np.ndarray, bits_stored: int = 8, photometric="MONOCHROME2"):
    """A Basic Grayscale Image Sequence item holding *pixels*."""
    item = Dataset()
    item.SamplesPerPixel = 1
    item.PhotometricInterpretation = photometric
    item.Rows, item.Columns = pixels.shape
    item.BitsAllocated = 8 if bits_stored == 8 else 16
    item.BitsStored = bits_stored
    item.HighBit = bits_stored - 1
    item.PixelRepresentation = 0
    dtype = np.uint8 if bits_stored == 8 else np.dtype("<u2")
    item.PixelData = pixels.astype(dtype).tobytes()
    return item


class PrintClient:
    """Opens an association to the server and speaks Print Management."""

    def __init__(
        self, port: int, called_ae: str = "PRINTSCP", calling_ae: str = "TESTSCU"
    ):
        self.ae = AE(ae_title=calling_ae)
        self.ae.add_requested_context(META)
        self.created_uids: list[str] = []
        handlers = [(evt.EVT_DIMSE_RECV, self._on_recv)]
        self.assoc = self.ae.associate(
            "127.0.0.1", port, ae_title=called_ae, evt_handlers=handlers
        )

    def _on_recv(self, event):
        cs = event.message.command_set
        if cs.CommandField == 0x8140 and "AffectedSOPInstanceUID" in cs:
            self.created_uids.append(str(cs.AffectedSOPInstanceUID))

    def close(self):
        if self.assoc.is_established:
            self.assoc.release()

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
            ds if len(ds) else None, BasicFilmSession, uid, meta_uid=META
        )
        self.session_uid = uid
        return status, rsp

    def create_film_box(
        self, image_display_format="STANDARD\\1,1", uid=None, **attributes
    ):
        ds = Dataset()
        ds.ImageDisplayFormat = image_display_format
        for keyword, value in attributes.items():
            setattr(ds, keyword, value)
        ref = Dataset()
        ref.ReferencedSOPClassUID = BasicFilmSession
        ref.ReferencedSOPInstanceUID = self.session_uid
        ds.ReferencedFilmSessionSequence = [ref]
        uid = uid or generate_uid()
        status, rsp = self.assoc.send_n_create(ds, BasicFilmBox, uid, meta_uid=META)
        self.film_box_uid = uid
        return status, rsp

    def set_image(self, image_box_uid, position, item, **attributes):
        ds = Dataset()
        ds.ImageBoxPosition = position
        ds.BasicGrayscaleImageSequence = [item] if item is not None else []
        for keyword, value in attributes.items():
            setattr(ds, keyword, value)
        return self.assoc.send_n_set(
            ds, BasicGrayscaleImageBox, image_box_uid, meta_uid=META
        )

    def print_film_box(self, uid=None):
        return self.assoc.send_n_action(
            None, 1, BasicFilmBox, uid or self.film_box_uid, meta_uid=META
        )

    def print_session(self):
        return self.assoc.send_n_action(
            None, 1, BasicFilmSession, self.session_uid, meta_uid=META
        )

    def get_printer(self, tags=None):
        return self.assoc.send_n_get(
            tags or [], Printer, PrinterInstance, meta_uid=META
        )
