"""The spooler's watch: a change to one job's files wakes the spooler for
that job alone; anything else (printers.json) for the whole spool.  Files
change by a rename into place (write_atomic), and that is all the watch
asks the kernel for."""

from watchdog.events import DirMovedEvent, FileMovedEvent

from printserver.spooler import _Wake


def woken_by(event, jobs_dir):
    calls = []
    _Wake(calls.append, jobs_dir).on_any_event(event)
    return calls


def replaced(path):
    """The event of write_atomic's rename of a temporary file onto *path*."""
    return FileMovedEvent(str(path.with_name(f".{path.name}.9-9.tmp")), str(path))


def test_the_watch_asks_for_renames_only():
    assert _Wake.EVENTS == (FileMovedEvent, DirMovedEvent)


def test_a_state_change_names_its_job(tmp_path):
    jobs = tmp_path / "jobs"
    event = replaced(jobs / "20261204-1" / "state.json")
    assert woken_by(event, jobs) == ["20261204-1"]


def test_a_new_job_folder_names_its_job(tmp_path):
    jobs = tmp_path / "jobs"
    event = DirMovedEvent(str(jobs / ".incoming-20261204-2"), str(jobs / "20261204-2"))
    assert woken_by(event, jobs) == ["20261204-2"]


def test_printers_json_wakes_for_every_job(tmp_path):
    event = replaced(tmp_path / "printers.json")
    assert woken_by(event, tmp_path / "jobs") == [""]


def test_other_files_wake_nobody(tmp_path):
    jobs = tmp_path / "jobs"
    event = replaced(jobs / "20261204-1" / "out" / "job.ps")
    assert woken_by(event, jobs) == []


def test_a_job_being_written_wakes_nobody_until_its_rename(tmp_path):
    # Its job.json and state.json are written in .incoming-*: looking at
    # the whole spool for each of them made every new job cost a scan of
    # every job.
    jobs = tmp_path / "jobs"
    for name in ("job.json", "state.json"):
        event = replaced(jobs / ".incoming-20261204-3" / name)
        assert woken_by(event, jobs) == []
