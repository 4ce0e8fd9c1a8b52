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
    # A job's files: .npy arrays (a transposed 12-bit one is not contiguous)
    # and plain bytes, written together and fsynced together.
    folder = tmp_path / "job"
    folder.mkdir()
    files = _NewFolder(folder)
    pixels = (np.arange(12, dtype=np.uint16).reshape(3, 4) * 300).T
    files.write_array("a.npy", pixels)
    files.write("b.json", b'{"x": ', memoryview(b"1}"))
    files.sync()
    loaded = np.load(folder / "a.npy", allow_pickle=False)
    assert loaded.dtype == np.uint16 and loaded.shape == (4, 3)
    assert (loaded == pixels).all() and loaded[3, 2] == 3300
    assert (folder / "b.json").read_bytes() == b'{"x": 1}'
