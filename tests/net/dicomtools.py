"""Test helpers for the archive: datasets, DCMTK runs, a PDU-counting proxy."""

import socket
import struct
import subprocess
import threading
import warnings
from pathlib import Path

import numpy as np
from pydicom import dcmread
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid
from pynetdicom.dsutils import split_dataset

CT_IMAGE = "1.2.840.10008.5.1.4.1.1.2"
MR_IMAGE = "1.2.840.10008.5.1.4.1.1.4"


def image(folder, name, **attributes):
    """A small CT-like image file; *attributes* override the defaults."""
    values = {
        "SOPClassUID": CT_IMAGE,
        "SOPInstanceUID": generate_uid(),
        "PatientName": "Doe^John",
        "PatientID": "P1",
        "PatientBirthDate": "19600101",
        "PatientSex": "M",
        "StudyInstanceUID": generate_uid(),
        "StudyDate": "20240315",
        "StudyTime": "101500",
        "AccessionNumber": "A1",
        "StudyID": "1",
        "ReferringPhysicianName": "",
        "SeriesInstanceUID": generate_uid(),
        "Modality": "CT",
        "SeriesNumber": 1,
        "InstanceNumber": 1,
    }
    values.update(attributes)
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = values["SOPClassUID"]
    meta.MediaStorageSOPInstanceUID = values["SOPInstanceUID"]
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    placeholders = {}
    for keyword, value in values.items():
        if isinstance(value, bytes):
            # Bytes go in as they are: a placeholder, replaced in the file.
            padded = value + b" " * (len(value) % 2)
            placeholder = f"Q{keyword}".ljust(len(padded), "Q")
            placeholders[keyword] = (placeholder, padded)
            setattr(ds, keyword, placeholder)
        else:
            setattr(ds, keyword, value)
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.Rows = ds.Columns = int(values.get("Rows", 64))
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = 16, 12, 11
    ds.PixelRepresentation = 0
    ds.RescaleIntercept, ds.RescaleSlope = -1024, 1
    rng = np.random.default_rng(int(values["InstanceNumber"]))
    pixels = rng.integers(0, 4096, (ds.Rows, ds.Columns), dtype=np.uint16)
    ds.PixelData = pixels.tobytes()
    path = Path(folder) / name
    with warnings.catch_warnings():  # malformed character sets on purpose
        warnings.simplefilter("ignore")
        ds.save_as(path, enforce_file_format=True)
    data = path.read_bytes()
    for placeholder, value in placeholders.values():
        data = data.replace(placeholder.encode("ascii"), value)
    path.write_bytes(data)
    return path


def data_set_bytes(path):
    """The bytes of a file after its file meta: the data set as encoded."""
    _, offset = split_dataset(Path(path))
    return Path(path).read_bytes()[offset:]


def dcmtk(*args, cwd=None, timeout=60):
    """Run a DCMTK program; returns the completed process (text output)."""
    return subprocess.run(
        list(args), capture_output=True, timeout=timeout, cwd=cwd, check=False
    )


def find(port, *keys, model="-S", folder, extra=()):
    """findscu with -X; returns the answers as datasets."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("rsp*.dcm"):
        old.unlink()
    args = ["/usr/bin/findscu", model, "-aet", "WORKSTATION", "-aec", "PRINTSCP"]
    for key in keys:
        args += ["-k", key]
    run = dcmtk(*args, *extra, "-X", "-od", str(folder), "127.0.0.1", str(port))
    assert run.returncode == 0, run.stderr
    return [dcmread(p) for p in sorted(folder.glob("rsp*.dcm"))]


class PduProxy:
    """A TCP relay that records the length of every PDU in each direction.

    ``from_target`` holds (type, length) of the PDUs the target sent,
    ``from_client`` those the connecting side sent.
    """

    def __init__(self, target_port):
        self.target_port = target_port
        self.from_target: list[tuple[int, int]] = []
        self.from_client: list[tuple[int, int]] = []
        self.connections = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._threads: list[threading.Thread] = []
        accept = threading.Thread(target=self._accept, daemon=True)
        accept.start()

    def _accept(self):
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            self.connections += 1
            try:
                target = socket.create_connection(("127.0.0.1", self.target_port))
            except OSError:  # nobody there: the client sees a closed socket
                client.close()
                continue
            for source, sink, record in (
                (client, target, self.from_client),
                (target, client, self.from_target),
            ):
                thread = threading.Thread(
                    target=self._pump, args=(source, sink, record), daemon=True
                )
                thread.start()
                self._threads.append(thread)

    @staticmethod
    def _pump(source, sink, record):
        buffer = b""
        while True:
            try:
                data = source.recv(65536)
            except OSError:
                data = b""
            if not data:
                for sock in (source, sink):
                    try:
                        sock.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass
                return
            buffer += data
            while len(buffer) >= 6:
                pdu_type, length = buffer[0], struct.unpack(">I", buffer[2:6])[0]
                if len(buffer) < 6 + length:
                    break
                record.append((pdu_type, length))
                buffer = buffer[6 + length :]
            try:
                sink.sendall(data)
            except OSError:
                return

    def largest_data_pdu(self, direction):
        """The longest P-DATA-TF PDU length seen in *direction*."""
        return max((n for t, n in direction if t == 0x04), default=0)

    def close(self):
        self._listener.close()
        for thread in self._threads:
            thread.join(5)
