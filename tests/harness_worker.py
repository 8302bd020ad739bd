"""A long-lived process that performs ``lti-harness run``s one after another, importing the harness once.

Requests arrive on stdin, one JSON object a line: ``{"args": [...], "cwd": DIR, "out": FILE, "err": FILE}``
(``args`` as after ``lti-harness run``); the run's stdout and stderr go to the two files, and the answer,
``{"code": N}``, to stdout as one line. The process ends when stdin closes.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import traceback
from collections.abc import Iterator
from typing import Any, TextIO


@contextlib.contextmanager
def output_to(out: str, err: str) -> Iterator[None]:
    """File descriptors 1 and 2 (and ``sys.stdout``/``sys.stderr``) write to ``out`` and ``err`` while the block runs."""
    saved = [os.dup(1), os.dup(2)]
    try:
        for fd, path in ((1, out), (2, err)):
            target = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.dup2(target, fd)
            os.close(target)
        yield
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        for fd, copy in zip((1, 2), saved):
            os.dup2(copy, fd)
            os.close(copy)


def perform(request: dict[str, Any]) -> int:
    """One run, as ``lti-harness run ARGS`` started in ``cwd`` would do it."""
    from lti_harness.harness import cli, runner

    os.chdir(request["cwd"])
    with output_to(request["out"], request["err"]):
        try:
            ns = cli.parser().parse_args(["run", *request["args"]])
            profile = ns.profile[0] if ns.profile else None
            return runner.run_in_process(cli.run_options(ns, profile, ns.report_dir))
        except SystemExit as exc:  # argparse's usage errors
            return exc.code if isinstance(exc.code, int) else 2
        except BaseException:  # noqa: BLE001 - reported to the caller, the process stays up for the next run
            traceback.print_exc()
            return 2


def serve(requests: TextIO, replies: TextIO) -> None:
    for line in requests:
        if line.strip():
            replies.write(json.dumps({"code": perform(json.loads(line))}) + "\n")
            replies.flush()


def main() -> None:
    requests = os.fdopen(os.dup(0), "r", encoding="utf-8")
    replies = os.fdopen(os.dup(1), "w", encoding="utf-8")
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)  # a run reads no input
    os.dup2(devnull, 1)  # and writes nothing into the replies
    os.close(devnull)
    from lti_harness.harness import cli, runner  # noqa: F401 - imported once, before the first request

    serve(requests, replies)


if __name__ == "__main__":
    main()
