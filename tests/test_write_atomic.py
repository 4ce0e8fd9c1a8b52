"""write_atomic under concurrent writers of one file."""

import json
import threading

import numpy as np

from printserver.spool import _NewFolder, write_atomic


def test_racing_writers_each_replace_the_file_whole(tmp_path):
    target = tmp_path / "state.json"
    errors = []

    def writer(n):
        try:
            for i in range(200):
                write_atomic(target, json.dumps({"writer": n, "i": i}).encode())
        except OSError as exc:  # a writer losing its temporary file
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert json.loads(target.read_text())["i"] == 199
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


def test_new_folder_files_read_back(tmp_path):
    # A job's files: pixel arrays written one after another into one file,
    # and plain bytes, written together and fsynced together.  Empty
    # chunks write nothing.
    folder = tmp_path / "job"
    folder.mkdir()
    files = _NewFolder(folder)
    first = np.arange(12, dtype=np.uint16).reshape(3, 4) * 300
    second = np.full((2, 2), 7, np.uint8)
    files.write("pixels.bin", first.data, b"", second.data)
    files.write("b.json", b'{"x": ', memoryview(b"1}"))
    files.sync()
    data = (folder / "pixels.bin").read_bytes()
    assert len(data) == 28
    loaded = np.frombuffer(data[:24], np.uint16).reshape(3, 4)
    assert (loaded == first).all() and loaded[2, 3] == 3300
    assert data[24:] == b"\x07" * 4
    assert (folder / "b.json").read_bytes() == b'{"x": 1}'
