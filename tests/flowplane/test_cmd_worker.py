"""`flowplane worker` as Kubernetes stops it: SIGTERM ends a real worker process cleanly (exit
code 0, one line saying so, no traceback), with one queue or several."""

from __future__ import annotations

import os
import signal

import pytest

from tests.processes import FlowplaneProcess


@pytest.mark.parametrize("queues", [["flowplane:org:1:wf:1"], ["flowplane:default", "q2"]])
async def test_sigterm_stops_the_worker_cleanly(
    database_url: str, redis_url: str, queues: list[str], secret_key: bytes
) -> None:
    args = ["worker"] + [arg for queue in queues for arg in ("--queue", queue)]
    # A platform worker refuses to start without the master key once any secret is stored
    # (earlier tests of the session store some).
    worker = FlowplaneProcess(args, {"DATABASE_URL": database_url, "REDIS_URL": redis_url,
                                     "FLOWPLANE_SECRET_KEY": os.environ["FLOWPLANE_SECRET_KEY"],
                                     "FLOWPLANE_LOG_FORMAT": "text"}).start()
    try:
        # arq says so once per queue when its poll loop runs.
        worker.wait_until(lambda: worker.output().count("Starting worker for") == len(queues),
                          "every queue's worker started")
        assert worker.process is not None
        worker.process.send_signal(signal.SIGTERM)
        code = worker.process.wait(30)
    finally:
        worker.stop()
    output = worker.output()
    assert code == 0, output
    assert "Traceback" not in output and "CancelledError" not in output, output
    assert output.count("stopped on SIGTERM") == 1, output
    assert "shutdown on" not in output, output  # arq's own line, naming a signal nobody sent
