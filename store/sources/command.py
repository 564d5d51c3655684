"""``command`` sources: a program run without a shell, with time and output limits.

The program gets its arguments as a list (no shell ever splits or expands them), no
standard input, and its own session, so that at the time limit it and anything it started
are killed together. Output beyond :data:`MAX_OUTPUT` bytes ends it too.
"""

import contextlib
import os
import signal
import subprocess
import threading
from collections.abc import Mapping
from typing import IO, Any

from store.domain.kpi_sources import MAX_OUTPUT
from store.sources.values import Observation, SourceError, text_observations


def _kill(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


def _drain(stream: IO[bytes], into: bytearray, limit: int, proc: subprocess.Popen[bytes],
           overflow: threading.Event) -> None:  # fmt: skip
    while chunk := stream.read(65536):
        into.extend(chunk)
        if len(into) > limit:
            overflow.set()
            _kill(proc)
            break
    stream.close()


def fetch(spec: Mapping[str, Any]) -> list[Observation]:
    """Run the program; its output is one number or CSV rows ``date,value``."""
    argv = [str(word) for word in spec["argv"]]
    timeout = int(spec["timeout"])
    try:
        proc = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            close_fds=True, start_new_session=True, shell=False,
        )  # fmt: skip
    except OSError as exc:
        raise SourceError(f"cannot run {argv[0]}: {exc.strerror}") from None
    out, err = bytearray(), bytearray()
    overflow = threading.Event()
    assert proc.stdout is not None and proc.stderr is not None
    readers = [
        threading.Thread(target=_drain, args=(proc.stdout, out, MAX_OUTPUT, proc, overflow)),
        threading.Thread(
            target=_drain, args=(proc.stderr, err, 64 * 1024, proc, threading.Event())
        ),
    ]
    for reader in readers:
        reader.start()
    try:
        code = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill(proc)
        proc.wait()
        for reader in readers:
            reader.join()
        raise SourceError(
            f"{argv[0]} ran longer than its time limit of {timeout} s: killed"
        ) from None
    _kill(proc)  # anything it left running in its session
    for reader in readers:
        reader.join()
    if overflow.is_set():
        raise SourceError(f"{argv[0]} printed more than {MAX_OUTPUT} bytes: killed")
    if code != 0:
        tail = bytes(err).decode("utf-8", "replace").strip().splitlines()
        said = f": {tail[-1][:300]}" if tail else ""
        raise SourceError(f"{argv[0]} exited with status {code}{said}")
    return text_observations(bytes(out).decode("utf-8", "replace"), argv[0])
