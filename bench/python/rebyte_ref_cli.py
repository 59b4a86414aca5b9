#!/usr/bin/env python3
"""Command-line baseline for the Rebyte tasks API, built on :mod:`rebyte_ref`.

It is the comparison point for the ``rebyte`` binary's whole-process time in
``cargo xtask bench``: start the interpreter, import, make one call, print JSON, exit.

Usage (base URL from ``REBYTE_BASE_URL``, key from ``REBYTE_API_KEY``)::

    rebyte_ref_cli.py tasks get ID
    rebyte_ref_cli.py tasks list [--limit N] [--offset N]
    rebyte_ref_cli.py tasks create PROMPT [--wait] [--interval S]
    rebyte_ref_cli.py tasks prompt ID PROMPT
    rebyte_ref_cli.py tasks visibility ID {private,shared,public}
    rebyte_ref_cli.py tasks wait ID [--interval S] [--timeout S]
    rebyte_ref_cli.py tasks delete ID
    rebyte_ref_cli.py files upload PATH [--content-type T]

Every command prints the API's JSON answer on stdout (``--json`` is accepted and changes
nothing). Errors go to stderr with exit status 1.
"""

from __future__ import annotations

import argparse
import json
import sys

from rebyte_ref import APIError, RebyteClient


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rebyte_ref_cli.py", description=__doc__.splitlines()[0])
    nouns = parser.add_subparsers(dest="noun", required=True)

    tasks = nouns.add_parser("tasks").add_subparsers(dest="verb", required=True)
    get = tasks.add_parser("get")
    get.add_argument("id")
    lst = tasks.add_parser("list")
    lst.add_argument("--limit", type=int, default=50)
    lst.add_argument("--offset", type=int, default=0)
    create = tasks.add_parser("create")
    create.add_argument("prompt")
    create.add_argument("--wait", action="store_true")
    create.add_argument("--interval", type=float, default=3.0)
    prompt = tasks.add_parser("prompt")
    prompt.add_argument("id")
    prompt.add_argument("prompt")
    vis = tasks.add_parser("visibility")
    vis.add_argument("id")
    vis.add_argument("visibility", choices=["private", "shared", "public"])
    wait = tasks.add_parser("wait")
    wait.add_argument("id")
    wait.add_argument("--interval", type=float, default=3.0)
    wait.add_argument("--timeout", type=float, default=600.0)
    delete = tasks.add_parser("delete")
    delete.add_argument("id")

    files = nouns.add_parser("files").add_subparsers(dest="verb", required=True)
    upload = files.add_parser("upload")
    upload.add_argument("path")
    upload.add_argument("--content-type", default="application/octet-stream")

    for sub in (get, lst, create, prompt, vis, wait, delete, upload):
        sub.add_argument("--json", action="store_true", help="accepted for parity; output is JSON")
    return parser


def run(args: argparse.Namespace) -> object:
    client = RebyteClient()
    if args.noun == "files":
        return client.upload_file(args.path, args.content_type)
    if args.verb == "get":
        return client.get_task(args.id)
    if args.verb == "list":
        return client.list_tasks(args.limit, args.offset)
    if args.verb == "create":
        task = client.create_task(args.prompt)
        return client.wait_for_task(task["id"], interval=args.interval) if args.wait else task
    if args.verb == "prompt":
        return client.send_prompt(args.id, args.prompt)
    if args.verb == "visibility":
        return client.set_visibility(args.id, args.visibility)
    if args.verb == "wait":
        return client.wait_for_task(args.id, timeout=args.timeout, interval=args.interval)
    client.delete_task(args.id)
    return {"deleted": args.id}


def main(argv: list | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        result = run(args)
    except (APIError, TimeoutError, ValueError, OSError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    json.dump(result, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
