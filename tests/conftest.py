import os

import pytest

from xl_eval.libreoffice import find_soffice


@pytest.fixture(scope="session")
def soffice() -> str:
    """Path of LibreOffice's soffice; skip without it locally, fail in CI."""
    path = find_soffice()
    if path is None:
        msg = "LibreOffice (soffice) not found on PATH"
        if os.environ.get("CI"):
            pytest.fail(msg + " -- CI is set, so the LibreOffice tests must run")
        pytest.skip(msg)
    return path
