#!/usr/bin/env python3
"""Measurement driver for :mod:`rebyte_ref`, run as a subprocess by ``cargo xtask bench``.

Each mode does a bounded amount of work against ``REBYTE_BASE_URL`` with
``REBYTE_API_KEY`` and prints one JSON line on stdout with what it measured:

    bench_ref.py get TASK_ID N          -> {"calls": N, "seconds": S}
    bench_ref.py fanout N INTERVAL      -> {"tasks": N, "failed": F, "seconds": S}
    bench_ref.py upload PATH            -> {"bytes": B, "seconds": S, "maxrss_kib": K}

``maxrss_kib`` is the process's own peak resident set (``getrusage``), reported for
cross-checking; the harness measures the peak from outside as well.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time

from rebyte_ref import RebyteClient, timed


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
        maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        out = {"bytes": os.path.getsize(argv[2]), "seconds": seconds, "maxrss_kib": maxrss}
    else:
        print(__doc__, file=sys.stderr)
        return 2
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
