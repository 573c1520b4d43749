"""moa's log lines: one handler on the root logger, writing to stderr as it is when a line is logged."""

from __future__ import annotations

import contextlib
import io
import logging

from moa import log


def test_a_line_goes_to_stderr_as_it_is_then_not_as_it_was_at_setup(capsys) -> None:
    log.setup()
    logging.getLogger("moa.test").warning("first")
    assert "WARNING moa.test: first" in capsys.readouterr().err
    # main() set logging up under one stderr; it has been replaced since (a redirect, another test's capture).
    with contextlib.redirect_stderr(io.StringIO()) as other:
        logging.getLogger("moa.test").warning("second")
    assert "second" in other.getvalue() and "second" not in capsys.readouterr().err


def test_setting_up_again_keeps_one_handler_of_moas_and_the_others() -> None:
    root = logging.getLogger()
    kept = logging.NullHandler()
    root.addHandler(kept)
    try:
        log.setup()
        log.setup(quiet=True)
        assert kept in root.handlers
        assert sum(isinstance(h, log._Stderr) for h in root.handlers) == 1
        assert root.level == logging.WARNING
    finally:
        root.removeHandler(kept)
