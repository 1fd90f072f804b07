"""Importing flowgap (and its CLI) leaves pydantic for the commands that read a configuration:
``flowgap --help`` and ``--version`` were 0.12 s slower for it (0.50 s -> 0.37 s)."""

from __future__ import annotations

import subprocess
import sys

CODE = """
import sys
import flowgap, flowgap.cli
print("pydantic" in sys.modules)
from flowgap import Config
print(flowgap.Config is Config, Config().flow.as_of, "pydantic" in sys.modules)
"""


def test_importing_flowgap_and_its_cli_does_not_import_pydantic() -> None:
    done = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "False\nTrue None True\n"


def test_an_unknown_attribute_is_still_an_attribute_error() -> None:
    import pytest

    import flowgap

    with pytest.raises(AttributeError, match="no attribute 'Konfig'"):
        flowgap.Konfig  # noqa: B018
