"""The server's footprint: memory, start-up and CPU per film, beside dcmprscp.

Runs ``printserver serve`` as systemd would (``$NOTIFY_SOCKET`` set: the
start-up time is until READY=1, port bound and spool recovered), with its web
page on, and measures:

- start-up time to READY (best and median of --starts runs);
- idle RSS, a few seconds after READY and one scrape of /metrics, with the
  web page on and with it off;
- peak RSS (VmHWM, reset before the print) while printing a 17INX17IN film
  of 20 CT images, 512 x 512 x 12 bits, laid out STANDARD\\4,5 by DCMTK's
  dcmpsprt and sent by dcmprscu, --films times, each waited for;
- CPU seconds (user + system) of the server per film: receiving, composing
  at 320 dpi, PostScript, preview.

DCMTK's dcmprscp, measured in the same run, is the peer: its idle RSS and
the time until its port takes connections (it stores what it gets; it does
not render).  M, the time of one memcpy of 60 MB with numpy, is measured too
so that times carry to other machines (shared/reference/performance-notes).

    python benchmarks/footprint.py [--films N] [--starts N]
"""

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np
from reception import free_port, prepare, wait_for_port, wait_rendered

#: Goals of issue #9 on this machine.
IDLE_GOAL_MB = 90.0
START_GOAL_S = 2.0
#: Seconds to let a started server settle before its idle RSS is read.
SETTLE_S = 3.0


def proc_status(pid: int, key: str) -> float:
    """A ``/proc/PID/status`` figure (``VmRSS``, ``VmHWM``) in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    raise KeyError(key)


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def memcpy_m() -> float:
    """M: seconds for one numpy copy of a 60 MB buffer (median of 21)."""
    source = np.ones(60_000_000, np.uint8)
    target = np.empty_like(source)
    times = []
    for _ in range(21):
        start = time.perf_counter()
        np.copyto(target, source)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def write_config(work: Path, port: int, web_port: int, web: bool) -> Path:
    path = work / f"printserver-{'web' if web else 'noweb'}.toml"
    path.write_text(
        f'[server]\nhost = "127.0.0.1"\nport = {port}\ndata = "{work / "data"}"\n'
        f"[web]\nenabled = {'true' if web else 'false'}\nport = {web_port}\n"
    )
    return path


def start_server(
    config: Path, work: Path, notify: socket.socket
) -> tuple[subprocess.Popen[bytes], float]:
    """Start the server as systemd does, telling it the *notify* socket;
    the process and its seconds to READY=1."""
    env = {**os.environ, "NOTIFY_SOCKET": notify.getsockname()}
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "printserver", "serve", "--config", str(config),
         "--log-level", "WARNING"],
        env=env, cwd=work,
    )  # fmt: skip
    while b"READY=1" not in notify.recv(4096):
        pass
    return proc, time.perf_counter() - start


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    proc.wait(60)


def idle_rss(pid: int, web_port: int | None) -> float:
    """RSS in MB once the server has settled (and served /metrics)."""
    if web_port is not None:
        with urllib.request.urlopen(f"http://127.0.0.1:{web_port}/metrics") as rsp:
            rsp.read()
    time.sleep(SETTLE_S)
    return proc_status(pid, "VmRSS")


def print_films(pid: int, work: Path, config: Path, films: int) -> tuple[float, float]:
    """Print *films* 17x17 films; (peak RSS in MB, CPU seconds per film)."""
    [stored_print] = (work / "database").glob("SP_*.dcm")
    env = {**os.environ, "TCP_NODELAY": "1"}
    Path(f"/proc/{pid}/clear_refs").write_text("5")  # VmHWM := VmRSS
    cpu = cpu_seconds(pid)
    for _ in range(films):
        subprocess.run(
            ["dcmprscu", "-c", str(config), "-p", "OURS", str(stored_print)],
            cwd=work, env=env, check=True, capture_output=True,
        )  # fmt: skip
        wait_rendered(work / "data")
    return proc_status(pid, "VmHWM"), (cpu_seconds(pid) - cpu) / films


def measure_dcmprscp(work: Path, scp_config: Path, port: int) -> tuple[float, float]:
    """dcmprscp's (seconds until its port answers, idle RSS in MB)."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        ["dcmprscp", "-c", str(scp_config), "-p", "LOCAL"],
        cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_for_port(port)
        started = time.perf_counter() - start
        return started, idle_rss(proc.pid, None)
    finally:
        stop(proc)


def report(figures: dict[str, float], films: int, pi_m: float) -> None:
    m = figures["m"]
    print(f"M (numpy copy of 60 MB) here: {m * 1000:.1f} ms")
    print(
        f"start-up to READY      best {figures['start_best']:.2f} s, "
        f"median {figures['start_median']:.2f} s   "
        f"(goal <= {START_GOAL_S:g} s: "
        f"{'met' if figures['start_median'] <= START_GOAL_S else 'MISSED'})"
    )
    print(
        f"idle RSS, web page on  {figures['idle_web']:.1f} MB   "
        f"(goal <= {IDLE_GOAL_MB:g} MB: "
        f"{'met' if figures['idle_web'] <= IDLE_GOAL_MB else 'MISSED'})"
    )
    print(f"idle RSS, web page off {figures['idle_noweb']:.1f} MB")
    print(f"peak RSS, 17INX17IN 4x5 film of 20 CT images: {figures['peak']:.1f} MB")
    cpu = figures["cpu_per_film"]
    print(f"CPU per film ({films} films)  {cpu:.2f} s = {cpu / m:.0f} M")
    print(
        f"dcmprscp (peer)        start {figures['peer_start']:.2f} s, "
        f"idle RSS {figures['peer_idle']:.1f} MB"
    )
    scale = pi_m / m
    print(
        f"ESTIMATE for a Raspberry Pi 4, taking its M as {pi_m * 1000:.0f} ms "
        f"(not measured): CPU per film {cpu * scale:.1f} s, start-up "
        f"{figures['start_median'] * scale:.1f} s; memory as here "
        f"(idle {figures['idle_web']:.0f} MB, peak {figures['peak']:.0f} MB)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--films", type=int, default=3, help="films printed")
    parser.add_argument("--starts", type=int, default=3, help="starts timed")
    parser.add_argument(
        "--pi-m-ms", type=float, default=30.0,
        help="M of a Raspberry Pi 4 for the estimate, ms (default 30, assumed)",
    )  # fmt: skip
    args = parser.parse_args()
    for tool in ("dcmpsprt", "dcmprscu", "dcmprscp"):
        if shutil.which(tool) is None:
            print(f"{tool} not found: install the Debian package dcmtk")
            return 1

    figures = {"m": memcpy_m()}
    with (
        tempfile.TemporaryDirectory() as tmp,
        socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as notify,
    ):
        work = Path(tmp)
        notify.bind(str(work / "notify.sock"))
        notify.settimeout(60)
        ours, theirs, web_port = free_port(), free_port(), free_port()
        config, scp_config = prepare(work, ours, theirs)
        with_web = write_config(work, ours, web_port, web=True)

        proc, _ = start_server(write_config(work, ours, web_port, False), work, notify)
        figures["idle_noweb"] = idle_rss(proc.pid, None)
        stop(proc)
        starts = []
        for _ in range(args.starts - 1):
            proc, seconds = start_server(with_web, work, notify)
            starts.append(seconds)
            stop(proc)
        proc, seconds = start_server(with_web, work, notify)
        starts.append(seconds)
        try:
            figures["idle_web"] = idle_rss(proc.pid, web_port)
            peak, cpu = print_films(proc.pid, work, config, args.films)
            figures["peak"], figures["cpu_per_film"] = peak, cpu
        finally:
            stop(proc)
        figures["start_best"] = min(starts)
        figures["start_median"] = statistics.median(starts)
        figures["peer_start"], figures["peer_idle"] = measure_dcmprscp(
            work, scp_config, theirs
        )
    report(figures, args.films, args.pi_m_ms / 1000)
    return 0


if __name__ == "__main__":
    sys.exit(main())
