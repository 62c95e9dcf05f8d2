import os

import pytest

from xl_eval.xlsx.libreoffice import find_soffice


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


SAMPLES = __import__("pathlib").Path(__file__).resolve().parent.parent / "samples"
SEED_UNIT = "昌吉市人民政府中山路街道办事处"


@pytest.fixture(scope="session")
def fw():
    from xl_eval.framework.model import load
    return load()


@pytest.fixture(scope="session")
def sample_rows(fw):
    """Typed inputs of every department in samples/departments.csv, by 单位名称."""
    from xl_eval.sources.departments import read_departments
    dept = read_departments(fw, SAMPLES / "departments.csv")
    return {row.name: row.values for row in dept.rows}


@pytest.fixture
def seed_values(sample_rows):
    """The seed department's inputs (a fresh copy each test may change)."""
    return dict(sample_rows[SEED_UNIT])


@pytest.fixture(scope="session")
def native_run(soffice, fw, sample_rows, tmp_path_factory):
    """The native template filled with every case of tests/template_cases.py and
    recalculated in LibreOffice, once per session (test_template_libreoffice.py
    and test_template_udf.py both compare against it)."""
    from template_cases import recalculate_native
    return recalculate_native(fw, sample_rows, soffice, tmp_path_factory.mktemp("cases"),
                              tmp_path_factory.mktemp("recalculated"))
