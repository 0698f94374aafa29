"""Session-wide generated datasets shared by the generator and end-to-end tests."""

from __future__ import annotations

import pytest

from yecai.generate import GenerateReport, generate

DEMO_SCALE = 0.01


@pytest.fixture(scope="session")
def demo_data(tmp_path_factory) -> GenerateReport:
    """The demo dataset: default defect rates."""
    root = tmp_path_factory.mktemp("demo")
    return generate(root / "landing", root / "answer_key", scale=DEMO_SCALE, seed=42)


@pytest.fixture(scope="session")
def clean_data(tmp_path_factory) -> GenerateReport:
    """The same business with every defect rate at 0."""
    root = tmp_path_factory.mktemp("clean")
    return generate(root / "landing", root / "answer_key", scale=DEMO_SCALE, seed=42, defect_factor=0.0)
