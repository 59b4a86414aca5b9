#!/usr/bin/env python3
"""Measurement driver for :mod:`rebyte_ref`, run as a subprocess by ``cargo xtask bench``.

Each mode does a bounded amount of work against ``REBYTE_BASE_URL`` with
``REBYTE_API_KEY`` and prints one JSON line on stdout with what it measured:

    bench_ref.py get TASK_ID N          -> {"calls": N, "seconds": S}
    bench_ref.py fanout N INTERVAL      -> {"tasks": N, "failed": F, "seconds": S}
    bench_ref.py upload PATH            -> {"bytes": B, "seconds": S, "vmhwm_kib": K}

``vmhwm_kib`` is the process's own peak resident set just before it exits (``VmHWM`` in
``/proc/self/status`` on Linux, else ``getrusage``); the harness also samples it from outside.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time

from rebyte_ref import RebyteClient, timed


def peak_kib() -> int:
    """This process's peak resident set so far, in KiB."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main(argv: list) -> int:
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    client = RebyteClient()
    mode = argv[1]
    if mode == "get" and len(argv) == 4:
        task_id, n = argv[2], int(argv[3])
        seconds = timed(n, lambda: client.get_task(task_id))
        out = {"calls": n, "seconds": seconds}
    elif mode == "fanout" and len(argv) == 4:
        n, interval = int(argv[2]), float(argv[3])
        start = time.perf_counter()
        results = client.run_many((f"bench fan-out {os.getpid()} #{i}" for i in range(n)), interval=interval)
        seconds = time.perf_counter() - start
        failed = sum(1 for r in results if "error" in r or r.get("status") != "completed")
        out = {"tasks": n, "failed": failed, "seconds": seconds}
    elif mode == "upload" and len(argv) == 3:
        start = time.perf_counter()
        client.upload_file(argv[2])
        seconds = time.perf_counter() - start
        out = {"bytes": os.path.getsize(argv[2]), "seconds": seconds, "vmhwm_kib": peak_kib()}
    else:
        print(__doc__, file=sys.stderr)
        return 2
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
