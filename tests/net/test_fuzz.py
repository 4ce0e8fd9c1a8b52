"""Hostile input over real sockets, with figures.

A seeded random peer (``tests/rawpeer.py``, bytes written by hand) sends
N-CREATE, N-SET, N-ACTION, N-GET and N-DELETE requests with random,
missing, wrong-VR and out-of-range attributes, wrong SOP classes and
hostile instance UIDs; another sends malformed, truncated and oversized
PDUs and closes abruptly.  Every request must get a response or a clean
abort, no handler may crash (0x0110 with a traceback), nothing may be
written outside the data root, every log line stays one line, and a normal
print succeeds afterwards.  Each test prints what it tried.

``FUZZ_REQUESTS=10000 ./scripts/test.sh tests/net/test_fuzz.py -s`` runs
the full suite; the default is a quick slice.  ``FUZZ_SEED`` picks another
sequence.
"""

import io
import logging
import os
import random
import re
import struct
import time
import traceback
from collections import Counter
from io import BytesIO

import numpy as np
import pytest
from pydicom.filereader import read_dataset
from pydicom.uid import generate_uid

from printserver.logsetup import OneLineFormatter
from tests.net.test_first_film import print_four_grays
from tests.rawpeer import EXPLICIT_LE, RawPeer, command, element, p_data, pdu, us

REQUESTS = int(os.environ.get("FUZZ_REQUESTS", "300"))
RAW_ROUNDS = int(os.environ.get("FUZZ_RAW_ROUNDS", "0")) or max(40, REQUESTS // 25)
SEED = int(os.environ.get("FUZZ_SEED", "8"))

GRAY_META = b"1.2.840.10008.5.1.1.9"
COLOR_META = b"1.2.840.10008.5.1.1.18"
CONTEXTS = [
    (1, GRAY_META, [EXPLICIT_LE]),
    (3, b"1.2.840.10008.5.1.1.23", [EXPLICIT_LE]),  # Presentation LUT
    (5, b"1.2.840.10008.5.1.1.15", [EXPLICIT_LE]),  # Annotation Box
    (7, b"1.2.840.10008.5.1.1.14", [EXPLICIT_LE]),  # Print Job
    (9, b"1.2.840.10008.5.1.1.16", [EXPLICIT_LE]),  # Printer
    (11, COLOR_META, [EXPLICIT_LE]),
]
PRINT_CLASSES = [
    "1.2.840.10008.5.1.1.1", "1.2.840.10008.5.1.1.2", "1.2.840.10008.5.1.1.4",
    "1.2.840.10008.5.1.1.4.1", "1.2.840.10008.5.1.1.14", "1.2.840.10008.5.1.1.15",
    "1.2.840.10008.5.1.1.16", "1.2.840.10008.5.1.1.16.376", "1.2.840.10008.5.1.1.23",
]  # fmt: skip
#: Marker in every hostile path, searched for on disk afterwards.
ESCAPE = "fuzz-escape"
HOSTILE_UIDS = [
    "1.2." + "3" * 70, f"../../../../tmp/{ESCAPE}", f"1.2/{ESCAPE}", "..", "/",
    f"/tmp/{ESCAPE}", "abc", "", "1.2.\n3", "0.00.1", "1" * 64, "1.2.3.",
    "\x00\xff", "1.2.3\\4", "1 2 3", f"..\\..\\{ESCAPE}",
]  # fmt: skip
#: The classes each operation is usually sent to.
FITTING = {
    "N-CREATE": ["1.2.840.10008.5.1.1.1", "1.2.840.10008.5.1.1.2",
                 "1.2.840.10008.5.1.1.23"],
    "N-SET": ["1.2.840.10008.5.1.1.4", "1.2.840.10008.5.1.1.4", "1.2.840.10008.5.1.1.2",
              "1.2.840.10008.5.1.1.1", "1.2.840.10008.5.1.1.15"],
    "N-GET": ["1.2.840.10008.5.1.1.16", "1.2.840.10008.5.1.1.14",
              "1.2.840.10008.5.1.1.16.376"],
    "N-ACTION": ["1.2.840.10008.5.1.1.2", "1.2.840.10008.5.1.1.1"],
    "N-DELETE": ["1.2.840.10008.5.1.1.1", "1.2.840.10008.5.1.1.2",
                 "1.2.840.10008.5.1.1.23"],
}  # fmt: skip
#: Which remembered UIDs address a class.
KINDS = {
    "1.2.840.10008.5.1.1.1": "session", "1.2.840.10008.5.1.1.2": "film_box",
    "1.2.840.10008.5.1.1.4": "image_box", "1.2.840.10008.5.1.1.4.1": "image_box",
    "1.2.840.10008.5.1.1.15": "annotation", "1.2.840.10008.5.1.1.23": "lut",
    "1.2.840.10008.5.1.1.14": "job",
}  # fmt: skip
OPERATIONS = {"N-CREATE": 0x0140, "N-SET": 0x0120, "N-GET": 0x0110,
              "N-ACTION": 0x0130, "N-DELETE": 0x0150}  # fmt: skip
#: Attributes a print request may carry: (tag, VR, good values).
ATTRIBUTES = [
    (0x20000010, b"IS", [b"1", b"99", b"0", b"-3", b"1\\2"]),  # NumberOfCopies
    (0x20000020, b"CS", [b"HIGH", b"MED", b"LOW", b"URGENT"]),  # PrintPriority
    (0x20000030, b"CS", [b"BLUE FILM", b"PAPER", b"CLEAR FILM", b"CURRENT"]),
    (0x20000040, b"CS", [b"MAGAZINE", b"PROCESSOR", b"BIN_1"]),
    (0x20000050, b"LO", [b"FUZZ^PATIENT\nLABEL", b"label", b"\x1b[31mred"]),
    (0x20000060, b"IS", [b"1", b"100000"]),  # MemoryAllocation
    (
        0x20100010,
        b"ST",
        [
            b"STANDARD\\1,1",
            b"STANDARD\\2,2",
            b"ROW\\2,3",
            b"COL\\1",
            b"STANDARD\\0,0",
            b"STANDARD\\99,99",
            b"STANDARD\\1000,1000",
            b"SLIDE",
            b"CUSTOM\\7",
        ],
    ),
    (0x20100030, b"CS", [b"ANNOTATION", b"BOGUS"]),
    (0x20100040, b"CS", [b"PORTRAIT", b"LANDSCAPE", b"DIAGONAL"]),
    (0x20100050, b"CS", [b"14INX17IN", b"8INX10IN", b"A4", b"1INX1IN"]),
    (0x20100052, b"CS", [b"STANDARD", b"HIGH", b"ULTRA"]),
    (0x20100060, b"CS", [b"REPLICATE", b"BILINEAR", b"CUBIC", b"NONE", b"ZOOM"]),
    (0x20100080, b"CS", [b"MEDIUM", b"0", b"140"]),  # SmoothingType
    (0x20100100, b"CS", [b"BLACK", b"WHITE", b"150", b"9999"]),
    (0x20100110, b"CS", [b"BLACK", b"WHITE", b"-1"]),
    (0x20100120, b"US", [us(20), us(0), us(65535)]),  # MinDensity
    (0x20100130, b"US", [us(300), us(1), us(65535)]),  # MaxDensity
    (0x20100140, b"CS", [b"YES", b"NO", b"MAYBE"]),  # Trim
    (0x20100150, b"ST", [b"CONTRAST_HIGH", b"CS999", b"x" * 2000]),
    (0x2010015E, b"US", [us(2000), us(0)]),  # Illumination
    (0x20100160, b"US", [us(10), us(65535)]),
    (0x20200010, b"US", [us(1), us(2), us(0), us(65535)]),  # ImageBoxPosition
    (0x20200020, b"CS", [b"NORMAL", b"REVERSE", b"INVERSE"]),  # Polarity
    (0x20200030, b"DS", [b"100", b"0", b"-5", b"1e400", b"abc"]),
    (0x20200040, b"CS", [b"DECIMATE", b"CROP", b"FAIL", b"SHRINK"]),
    (0x20300010, b"US", [us(1), us(2), us(0)]),  # AnnotationPosition
    (0x20300020, b"LO", [b"FUZZ^PATIENT\r\nERROR forged", b"Annotation"]),
    (0x20500020, b"CS", [b"IDENTITY", b"LIN OD", b"INVERSE", b"SIGMOID"]),
    (0x00080005, b"CS", [b"ISO_IR 100", b"ISO_IR 192", b"ISO 2022 IR 87", b"XX"]),
    (0x00280010, b"US", [us(8), us(0), us(65535)]),  # Rows at the top level
]
_BY_TAG = {tag: (tag, vr, good) for tag, vr, good in ATTRIBUTES}
SESSION_ATTRIBUTES = [_BY_TAG[t] for t in (0x20000010, 0x20000020, 0x20000030,
                                           0x20000040, 0x20000050)]  # fmt: skip
FILM_BOX_ATTRIBUTES = [_BY_TAG[t] for t in (0x20100010, 0x20100040, 0x20100050,
                       0x20100060, 0x20100100, 0x20100110, 0x20100120, 0x20100130,
                       0x20100140)]  # fmt: skip
IMAGE_BOX_ATTRIBUTES = [_BY_TAG[t] for t in (0x20200020, 0x20200030, 0x20200040)]
#: VRs to send an attribute with instead of its own.
VRS = [b"US", b"SS", b"UL", b"FL", b"FD", b"CS", b"LO", b"ST", b"UI", b"SQ",
       b"OB", b"OW", b"AT", b"DA", b"PN", b"UN", b"ZZ"]  # fmt: skip


def random_bytes(rng, size):
    return bytes(rng.getrandbits(8) for _ in range(size))


def sequence_item(content):
    return struct.pack("<HHL", 0xFFFE, 0xE000, len(content)) + content


def sequence(tag, items):
    return element(tag, b"".join(sequence_item(i) for i in items), b"SQ", True)


class Fuzzer:
    """Makes requests from a seeded generator and the UIDs seen so far."""

    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.known = {"session": [], "film_box": [], "image_box": [],
                      "annotation": [], "lut": [], "job": []}  # fmt: skip

    def uid(self, sop_class=""):
        rng = self.rng
        choice = rng.random()
        own = self.known.get(KINDS.get(sop_class, ""), [])[-4:]
        pool = [u for uids in self.known.values() for u in uids[-4:]]
        if choice < 0.5 and own:
            return rng.choice(own)
        if choice < 0.6 and pool:
            return rng.choice(pool)
        if choice < 0.75:
            return rng.choice(HOSTILE_UIDS)
        if choice < 0.8:
            return rng.choice(["1.2.840.10008.5.1.1.17", "1.2.840.10008.5.1.1.17.376"])
        return generate_uid()

    def sop_class(self, operation):
        rng = self.rng
        if rng.random() < 0.08:
            return rng.choice(HOSTILE_UIDS + ["1.2.840.10008.5.1.4.1.1.2"])
        if rng.random() < 0.75:
            return rng.choice(FITTING[operation])
        return rng.choice(PRINT_CLASSES)

    def value(self, vr, good):
        """(VR, bytes) sent for an attribute: good, wrong VR, junk..."""
        rng = self.rng
        mode = rng.random()
        if mode < 0.65:
            return vr, rng.choice(good)
        if mode < 0.75:
            return rng.choice(VRS), rng.choice(good)
        if mode < 0.8:
            return vr, random_bytes(rng, rng.choice([0, 1, 3, 17, 300]))
        if mode < 0.9:
            return vr, b""
        return vr, rng.choice(good) * rng.choice([40, 1000])

    def image_item(self):
        rng = self.rng
        rows, columns = rng.choice([(4, 4), (0, 4), (70000, 2), (16385, 16385),
                                    (8, 3)])  # fmt: skip
        bits = rng.choice([8, 16, 12, 0, 7])
        fields = [
            (0x00280002, b"US", us(rng.choice([1, 1, 1, 3, 0]))),
            (
                0x00280004,
                b"CS",
                rng.choice([b"MONOCHROME2", b"MONOCHROME1", b"RGB", b"YBR_FULL", b""]),
            ),  # fmt: skip
            (0x00280006, b"US", us(rng.choice([0, 1, 2]))),
            (0x00280010, b"US", us(rows)),
            (0x00280011, b"US", us(columns)),
            (0x00280100, b"US", us(bits)),
            (0x00280101, b"US", us(rng.choice([8, 12, 16, 0, 17]))),
            (0x00280102, b"US", us(rng.choice([7, 11, 15, 40]))),
            (0x00280103, b"US", us(rng.choice([0, 0, 1]))),
            (0x00280034, b"IS", rng.choice([b"1\\1", b"0\\1", b"1", b"x\\y"])),
        ]
        content = b""
        for tag, own_vr, raw in fields:
            if rng.random() < 0.1:
                continue  # missing
            vr = rng.choice(VRS) if rng.random() < 0.05 else own_vr
            content += element(tag, raw, vr, True)
        size = min(rows * columns * max(bits, 8) // 8, 4096)
        size = rng.choice([size, size, 0, size // 2, size + 7])
        pixels = bytes(rng.getrandbits(8) for _ in range(8)) * (size // 8 + 1)
        vr = rng.choice([b"OB", b"OW", b"OW", b"US", b"LO"])
        return content + element(0x7FE00010, pixels[:size], vr, True)

    def dataset(self, operation):
        rng = self.rng
        if operation in ("N-GET", "N-DELETE") or rng.random() < 0.1:
            return None
        parts = {}
        for tag, own_vr, good in rng.sample(ATTRIBUTES, rng.randint(0, 6)):
            vr, raw = self.value(own_vr, good)
            parts[tag] = (
                element(tag, raw, vr, True)
                if vr != b"SQ"
                else (sequence(tag, [random_bytes(rng, 9)]))
            )
        if rng.random() < 0.4:  # a film session reference
            session = self.uid("1.2.840.10008.5.1.1.1").encode("latin-1")
            item = element(0x00081150, b"1.2.840.10008.5.1.1.1", b"UI", True)
            item += element(0x00081155, session, b"UI", True)
            parts[0x20100500] = sequence(0x20100500, [item])
        if rng.random() < 0.4:  # an image
            tag = rng.choice([0x20200110, 0x20200111])
            parts[tag] = sequence(tag, [self.image_item()] * rng.choice([1, 1, 2, 0]))
        if rng.random() < 0.1:  # a Presentation LUT reference
            item = element(0x00081155, self.uid().encode("latin-1"), b"UI", True)
            parts[0x20500500] = sequence(0x20500500, [item])
        data = b"".join(parts[tag] for tag in sorted(parts))
        if rng.random() < 0.03:  # a lying length at the end
            data += struct.pack("<HH2sH", 0x2010, 0x0010, b"ST", 0xFFF0) + b"x" * 5
        if rng.random() < 0.02:
            data = random_bytes(rng, rng.randint(1, 200))
        return data

    def plausible(self):  # noqa: PLR0911 - one return per step
        """(operation, SOP class, instance UID, data set): the next step of
        a print, with at most one attribute spoilt, to reach deep states."""
        rng = self.rng
        known = self.known
        session, film_box = "1.2.840.10008.5.1.1.1", "1.2.840.10008.5.1.1.2"
        if not known["session"] or rng.random() < 0.05:
            return "N-CREATE", session, None, self.attributes(SESSION_ATTRIBUTES)
        if not known["film_box"] or rng.random() < 0.15:
            item = element(0x00081150, session.encode(), b"UI", True)
            item += element(0x00081155, known["session"][-1].encode(), b"UI", True)
            data = self.attributes(FILM_BOX_ATTRIBUTES)
            data += sequence(0x20100500, [item])
            return "N-CREATE", film_box, None, data
        step = rng.random()
        if step < 0.5 and known["image_box"]:
            position = rng.randrange(len(known["image_box"]))
            data = element(0x20200010, us(position + 1), b"US", True)
            data += sequence(0x20200110, [self.image_item()])
            data += self.attributes(IMAGE_BOX_ATTRIBUTES)
            uid = known["image_box"][position]
            return "N-SET", "1.2.840.10008.5.1.1.4", uid, data
        if step < 0.65:
            return "N-ACTION", film_box, known["film_box"][-1], None
        if step < 0.75:
            data = self.attributes(FILM_BOX_ATTRIBUTES[3:])
            return "N-SET", film_box, known["film_box"][-1], data
        if step < 0.85:
            return "N-GET", "1.2.840.10008.5.1.1.16", "1.2.840.10008.5.1.1.17", None
        if step < 0.93:
            known["image_box"].clear()
            return "N-DELETE", film_box, known["film_box"].pop(), None
        known["film_box"].clear()
        return "N-DELETE", session, known["session"].pop(), None

    def attributes(self, table):
        """Some attributes of *table* with good values, one maybe spoilt."""
        rng = self.rng
        chosen = sorted(rng.sample(table, rng.randint(1, len(table))))
        spoilt = rng.randrange(len(chosen)) if rng.random() < 0.5 else -1
        data = b""
        for index, (tag, own_vr, good) in enumerate(chosen):
            vr, raw = self.value(own_vr, good) if index == spoilt else (own_vr, good[0])
            data += element(tag, raw, vr, True)
        return data

    def request(self, message_id):
        """(operation, context id, command bytes, data set bytes or None)."""
        rng = self.rng
        if rng.random() < 0.5:
            operation, sop_class, uid, dataset = self.plausible()
            fields = {
                0x00000002 if uid is None else 0x00000003: sop_class.encode(),
                0x00000100: us(OPERATIONS[operation]),
                0x00000110: us(message_id),
                0x00000800: us(0x0101 if dataset is None else 0x0000),
            }
            if uid is not None:
                fields[0x00001001] = uid.encode("latin-1")
            if operation == "N-ACTION":
                fields[0x00001008] = us(1)
            return operation, 1, command(fields), dataset
        operation = rng.choice(list(OPERATIONS))
        sop_class = self.sop_class(operation)
        create = operation == "N-CREATE"
        fields = {
            0x00000002 if create else 0x00000003: sop_class.encode("latin-1"),
            0x00000100: us(OPERATIONS[operation]),
            0x00000110: us(message_id),
        }
        if not create or rng.random() < 0.3:
            uid = self.uid(sop_class).encode("latin-1")
            fields[0x00001000 if create else 0x00001001] = uid
        if operation == "N-ACTION":
            fields[0x00001008] = us(rng.choice([1, 1, 1, 2, 0, 65535]))
        if operation == "N-GET" and rng.random() < 0.5:
            tags = [rng.choice(ATTRIBUTES)[0] for _ in range(rng.randint(0, 4))]
            fields[0x00001005] = b"".join(
                struct.pack("<HH", t >> 16, t & 0xFFFF) for t in tags
            )
        dataset = self.dataset(operation)
        fields[0x00000800] = us(0x0101 if dataset is None else 0x0000)
        if rng.random() < 0.02:  # a command element missing
            del fields[rng.choice(sorted(fields))]
        context_id = self._context(sop_class)
        return operation, context_id, command(fields), dataset

    def _context(self, sop_class):
        rng = self.rng
        if rng.random() < 0.01:
            return rng.choice([99, 2, 255])
        own = {"1.2.840.10008.5.1.1.23": 3, "1.2.840.10008.5.1.1.15": 5,
               "1.2.840.10008.5.1.1.14": 7}  # fmt: skip
        if sop_class in own and rng.random() < 0.8:
            return own[sop_class]
        return rng.choice([1, 1, 1, 11, 9])

    def learn(self, operation, command_set, data):
        """Remember the UIDs the server made, to address them next."""
        uid = str(command_set.get("AffectedSOPInstanceUID", "") or "")
        sop_class = str(command_set.get("AffectedSOPClassUID", "") or "")
        names = {"1.2.840.10008.5.1.1.1": "session", "1.2.840.10008.5.1.1.2":
                 "film_box", "1.2.840.10008.5.1.1.23": "lut"}  # fmt: skip
        if operation == "N-CREATE" and uid and sop_class in names:
            self.known[names[sop_class]].append(uid)
        if not data:
            return
        if operation == "N-CREATE" and sop_class == "1.2.840.10008.5.1.1.2":
            self.known["image_box"] = []  # the new film box's, in order
        try:
            ds = read_dataset(BytesIO(data), False, True)
            for keyword, name in (("ReferencedImageBoxSequence", "image_box"),
                                  ("ReferencedBasicAnnotationBoxSequence",
                                   "annotation"),
                                  ("ReferencedPrintJobSequencePullStoredPrint",
                                   "job")):  # fmt: skip
                for item in ds.get(keyword) or []:
                    self.known[name].append(str(item.ReferencedSOPInstanceUID))
        except (ValueError, KeyError, AttributeError, struct.error):
            pass  # a reply we cannot read teaches nothing


class LogCheck:
    """Every printserver and pynetdicom line, formatted as in production."""

    def __init__(self):
        self.out = io.StringIO()
        self.handler = logging.StreamHandler(self.out)
        self.handler.setFormatter(
            OneLineFormatter("%(levelname)s %(name)s: %(message)s")
        )
        self.handler.setLevel(logging.INFO)
        self.records = []
        self.handler.addFilter(lambda r: self.records.append(r) or True)
        self.loggers = [
            logging.getLogger("printserver"),
            logging.getLogger("pynetdicom"),
        ]

    def __enter__(self):
        for log in self.loggers:
            log.addHandler(self.handler)
        self.level = self.loggers[0].level
        self.loggers[0].setLevel(logging.INFO)
        return self

    def __exit__(self, *exc):
        for log in self.loggers:
            log.removeHandler(self.handler)
        self.loggers[0].setLevel(self.level)

    def crashes(self):
        """Our lines with a traceback: a handler failed unexpectedly."""
        return [r for r in self.records
                if r.name.startswith("printserver") and r.exc_info]  # fmt: skip

    def check_lines(self):
        """No forged lines: each starts with a level, none holds a control
        character, and no peer text came out raw."""
        text = self.out.getvalue()
        levels = ("DEBUG ", "INFO ", "WARNING ", "ERROR ", "CRITICAL ")
        lines = text.splitlines()
        assert lines, "nothing was logged"
        traceback = re.compile(
            r"^(Traceback|  |$|During handling|The above exception|[\w.]+(Error|"
            r"Exception|Warning|error)\b)"
        )
        for number, line in enumerate(lines):
            if not line.startswith(levels):  # a traceback line of pynetdicom's
                assert traceback.match(line), lines[max(0, number - 5) : number + 1]
            assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", line), repr(line)
        assert "ERROR forged" not in text.replace("\\x0d\\x0aERROR forged", "")


def crash_report(crashes):
    """The last frames of each distinct crash, for the failure message."""
    seen = {}
    for record in crashes:
        frames = traceback.format_exception(*record.exc_info)
        key = "".join(frames[-3:])
        seen[key] = seen.get(key, 0) + 1
    return [f"{n} x {key}" for key, n in seen.items()]


def files_outside(root, data_root):
    return sorted(
        str(p) for p in root.rglob("*") if p.is_file() and data_root not in p.parents
    )


def no_escaped_files():
    """No file or folder named after a hostile UID, in /tmp or the cwd."""
    found = []
    for base in (os.path.realpath("/tmp"), os.getcwd()):
        for _, dirs, files in os.walk(base):
            found += [n for n in dirs + files if ESCAPE in n]
            dirs[:] = [d for d in dirs if not d.startswith((".", "pytest-of"))]
    return found


def open_peer(port):
    peer = RawPeer(port)
    assert peer.associate(b"PRINTSCP", b"FUZZER", CONTEXTS) == 0x02
    return peer


# pydicom warns, in the server's threads, of each invalid value it reads (a
# hostile UID); under pytest a warning is an error.  The server logs them.
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def test_fuzz_print_requests(print_server, tmp_path, capsys):
    scp, port, _ = print_server
    data_root = scp.config.data_root
    before = files_outside(tmp_path, data_root)
    fuzzer = Fuzzer(SEED)
    statuses, outcomes = Counter(), Counter()
    comments = []
    started = time.monotonic()
    with LogCheck() as logs:
        peer = open_peer(port)
        for number in range(1, REQUESTS + 1):
            operation, context_id, cmd, data = fuzzer.request(number & 0xFFFF)
            peer.send_message(context_id, cmd, data)
            try:
                reply = peer.read_response()
            except TimeoutError:
                raise AssertionError(
                    f"request {number} not answered: {operation} on context "
                    f"{context_id}, command {cmd!r}, data set {data!r}"
                ) from None
            if reply is None:  # aborted: a clean end, then a new association
                outcomes["aborted"] += 1
                outcomes[f"ended by {peer.ended_by}"] += 1
                if os.environ.get("FUZZ_DEBUG"):
                    print("ABORT", operation, context_id, cmd, data)
                peer.close()
                peer = open_peer(port)
                continue
            command_set, reply_data = reply
            status = int(command_set.get("Status", -1))
            statuses[status] += 1
            outcomes["answered"] += 1
            comments.append(str(command_set.get("ErrorComment", "")))
            fuzzer.learn(operation, command_set, reply_data)
            if number % 97 == 0:  # a fresh association now and then
                peer.close()
                peer = open_peer(port)
        peer.close()
        seconds = time.monotonic() - started
        crashes = logs.crashes()
        print_four_grays(port)  # a normal print still succeeds
        logs.check_lines()

    failed = len(crashes) + statuses[0x0110]  # an unanswered one fails above
    with capsys.disabled():
        print(
            f"\nfuzz (seed {SEED}): {REQUESTS} requests tried in {seconds:.1f} s: "
            f"{outcomes['answered']} answered, {outcomes['aborted']} ended the "
            f"association ({outcomes['ended by A-ABORT']} by A-ABORT, "
            f"{outcomes['ended by close']} by a close); failed (crash, 0x0110 or no "
            f"answer): {failed}; statuses "
            + ", ".join(f"0x{s:04X}:{n}" for s, n in sorted(statuses.items()))
        )
    assert not crashes, "\n".join(crash_report(crashes))
    assert outcomes["answered"] + outcomes["aborted"] == REQUESTS
    assert statuses[0x0110] == 0
    assert not [c for c in comments if "Traceback" in c or ".py" in c]
    assert files_outside(tmp_path, data_root) == before
    assert no_escaped_files() == []
    for path in data_root.rglob("*"):
        assert not any(h and h in path.name for h in HOSTILE_UIDS[:6] + [ESCAPE])


# The raw-socket peer --------------------------------------------------------


def echo_rq(message_id=1):
    return command({0x00000002: b"1.2.840.10008.1.1", 0x00000100: us(0x0030),
                    0x00000110: us(message_id), 0x00000800: us(0x0101)})  # fmt: skip


def valid_session():
    """An A-ASSOCIATE-RQ, then a C-ECHO and an N-CREATE, as PDUs."""
    from tests.rawpeer import associate_rq  # noqa: PLC0415 - kept beside its use

    echo_context = [(13, b"1.2.840.10008.1.1", [b"1.2.840.10008.1.2"])]
    create = command({0x00000002: b"1.2.840.10008.5.1.1.1", 0x00000100: us(0x0140),
                      0x00000110: us(2), 0x00000800: us(0x0101)})  # fmt: skip
    return [
        associate_rq(b"PRINTSCP", b"RAWPEER", CONTEXTS + echo_context),
        p_data(13, echo_rq(), True, True),
        p_data(1, create, True, True),
        pdu(0x05, b"\0\0\0\0"),  # A-RELEASE-RQ
    ]


def mutate(rng, pdus):
    """One hostile variant of a valid exchange, and what it was."""
    pdus = list(pdus)
    index = rng.randrange(len(pdus))
    target = bytearray(pdus[index])
    kind = rng.choice(["flip", "truncate", "length", "garbage", "type", "close",
                       "split", "zero"])  # fmt: skip
    if kind == "flip":
        for _ in range(rng.randint(1, 8)):
            target[rng.randrange(len(target))] ^= 1 << rng.randrange(8)
    elif kind == "truncate":  # and nothing more: the peer goes quiet
        target = target[: rng.randrange(1, len(target))]
        pdus = pdus[: index + 1]
    elif kind == "length":
        target[2:6] = struct.pack(">L", rng.choice([0, 1, 0xFFFFFFFF, 1 << 30,
                                                    len(target) * 3]))  # fmt: skip
    elif kind == "garbage":
        target = bytearray(random_bytes(rng, rng.randint(1, 300)))
    elif kind == "type":
        target[0] = rng.choice([0x00, 0x08, 0x55, 0xFF, 0x02, 0x03, 0x06])
    elif kind == "zero":
        target = bytearray(len(target))
    pdus[index] = bytes(target)
    if kind == "close":
        pdus = pdus[:index]
    if kind == "split":
        pdus[index : index + 1] = [bytes(target[:3]), bytes(target[3:])]
    return kind, pdus


def run_raw(port, pdus, timeout):
    """Send *pdus*; read until the server closes.  How it ended: "closed"
    (after whatever it answered), "closed while sending" or "no answer"."""
    with RawPeer(port, timeout=timeout) as peer:
        try:
            for data in pdus:
                peer.send(data)
        except OSError:
            return "closed while sending"
        started = time.monotonic()
        types = []
        while time.monotonic() - started < timeout:
            try:
                reply = peer.read_pdu()
            except TimeoutError:
                return "no answer"
            if reply is None:
                return "closed"
            types.append(reply[0])
        return "no answer"


def test_raw_peer_malformed_pdus(toml_server, capsys):
    scp, port, _ = toml_server("acse_timeout = 1\nnetwork_timeout = 1\n")
    rng = random.Random(SEED)
    ends = Counter()
    kinds = Counter()
    with LogCheck() as logs:
        # Fixed cases first: each must end with an answer or a close.
        fixed = {
            "oversized P-DATA": valid_session()[:1]
            + [b"\x04\0\x7f\xff\xff\xff" + b"x" * 64],
            "oversized A-ASSOCIATE-RQ": [b"\x01\0\x40\0\0\0" + b"x" * 64],
            "garbage": [random_bytes(rng, 50)],
            "truncated header": [b"\x01\0\0"],
            "abrupt close mid-PDU": [valid_session()[0][:40]],
            "unknown PDU type": [b"\x09\0\0\0\0\x04abcd"],
        }
        for name, pdus in fixed.items():
            end = run_raw(port, pdus, timeout=10)
            assert end.startswith("closed"), (name, end)
            ends[end] += 1
        for _ in range(RAW_ROUNDS):
            kind, pdus = mutate(rng, valid_session())
            kinds[kind] += 1
            ends[run_raw(port, pdus, timeout=10)] += 1
        crashes = logs.crashes()
        # The server still serves.
        print_four_grays(port)
        logs.check_lines()
    assert any("PDU type 0x04 of 2147483647 bytes announced" in r.getMessage()
               for r in logs.records)  # fmt: skip
    with capsys.disabled():
        print(
            f"\nraw peer (seed {SEED}): {len(fixed) + RAW_ROUNDS} connections: "
            + ", ".join(f"{k}:{n}" for k, n in sorted(ends.items()))
            + "; mutations "
            + ", ".join(f"{k}:{n}" for k, n in sorted(kinds.items()))
            + f"; {len(crashes)} crashes"
        )
    assert ends["no answer"] == 0
    assert not crashes, [r.getMessage() for r in crashes[:5]]


def test_declared_huge_image_allocates_nothing(print_server):
    """Rows and Columns of 16384 (512 MB at 16 bits) with 64 bytes of
    pixels: refused before anything that size is made."""
    import tracemalloc  # noqa: PLC0415 - only this test traces

    from tests.printclient import PrintClient, grayscale_item  # noqa: PLC0415

    _, port, _ = print_server
    item = grayscale_item(np.zeros((4, 8), np.uint16), bits_stored=12)
    item.Rows = item.Columns = 16384
    with PrintClient(port) as client:
        client.create_session()
        _, rsp = client.create_film_box()
        box = rsp.ReferencedImageBoxSequence[0].ReferencedSOPInstanceUID
        tracemalloc.start()
        try:
            status, _ = client.set_image(box, 1, item)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert status.Status == 0x0106
    assert status.ErrorComment == "(7FE0,0010) PixelData: 64 bytes, 536870912 needed"
    assert peak < 20_000_000, peak
