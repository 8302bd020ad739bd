"""A long-lived process that performs ``lti-harness run``s one after another, importing the harness once.

Requests arrive on stdin, one JSON object a line: ``{"args": [...], "cwd": DIR, "out": FILE, "err": FILE,
"env": {NAME: VALUE}}`` (``args`` as after ``lti-harness run``, ``--`` and pytest's options included; ``env``
optional, set for that run only); the run's stdout and stderr go to the two files, and the answer,
``{"code": N}``, to stdout as one line. The process ends when stdin closes.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import sys
import threading
import traceback
import uuid
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


class KeyPool:
    """``keys.generate`` for runs performed one after another: the n-th key a run asks for is the n-th RSA key
    of a pool that grows as needed, under a fresh ``kid``. Within a run every key is distinct, as fresh keys
    are (a run's mocks, tool and forged signers never share one); across runs the key material repeats,
    which no run can see (each starts its own mocks and sessions). An RSA key costs ~35 ms of CPU, and a
    fault run asks for four or five: a fifth of its CPU time."""

    def __init__(self) -> None:
        from lti_harness.harness import keys

        self.keys, self.fresh = keys, keys.generate
        self.pool: dict[int, Any] = {}
        self.taken = 0
        self.lock = threading.Lock()  # the mocks ask from their server threads
        keys.generate = self.generate

    def generate(self, kid: str | None = None, bits: int = 2048) -> Any:
        if bits != 2048:
            return self.fresh(kid, bits)
        with self.lock:
            slot, self.taken = self.taken, self.taken + 1
            if slot not in self.pool:
                self.pool[slot] = self.fresh().private_key
            key = self.pool[slot]
        return self.keys.KeyPair(private_key=key, kid=kid or uuid.uuid4().hex)

    def next_run(self) -> None:
        with self.lock:
            self.taken = 0


def perform(request: dict[str, Any], pool: KeyPool | None = None) -> int:
    """One run, as ``lti-harness run ARGS`` started in ``cwd`` would do it."""
    from lti_harness.harness import cli, runner

    if pool is not None:
        pool.next_run()
    os.chdir(request["cwd"])
    extra = request.get("env") or {}
    saved = {name: os.environ.get(name) for name in extra}
    os.environ.update(extra)
    with output_to(request["out"], request["err"]):
        try:
            runner.forget_earlier_runs()  # as runner.run_in_process does
            return cli.main(["run", *request["args"]])  # the command line as the console script takes it
        except SystemExit as exc:  # argparse's usage errors
            return exc.code if isinstance(exc.code, int) else 2
        except BaseException:  # noqa: BLE001 - reported to the caller, the process stays up for the next run
            traceback.print_exc()
            return 2
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


def serve(requests: TextIO, replies: TextIO) -> None:
    pool, frozen = KeyPool(), False
    for line in requests:
        if line.strip():
            replies.write(json.dumps({"code": perform(json.loads(line), pool)}) + "\n")
            replies.flush()
            if not frozen:
                # what the first run left (the harness, pytest, hypothesis and schemathesis, loaded and
                # warmed up) lives as long as the process: out of the collector's sight, each later run's
                # collections (pytest makes five at its end) scan only that run's objects. A tenth of a run's CPU.
                gc.collect()
                gc.freeze()
                frozen = True


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
