"""write_atomic under concurrent writers of one file."""

import json
import threading

from printserver.spool import write_atomic


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
