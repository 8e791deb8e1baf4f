"""Spec tests see only the checkout's specs and postures."""

from __future__ import annotations

import pytest


@pytest.fixture
def no_extra_spec_dirs(monkeypatch):
    """No ``$POSECHECK_SPECS`` from the environment: only the checkout's specs and postures."""
    monkeypatch.delenv("POSECHECK_SPECS", raising=False)
