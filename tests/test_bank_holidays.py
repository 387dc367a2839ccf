"""The bank holidays' copy in the cache folder: the same dates as the `holidays` package,
read without importing it, and never a reason to fail."""
from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys

import pytest

from clerkdesk.models.core import bank_holidays, dates


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """An empty cache folder of this test's own."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    bank_holidays.forget()
    yield tmp_path / "cache" / "clerkdesk"
    bank_holidays.forget()


def test_the_file_is_named_after_the_holidays_version(cache):
    import holidays

    assert bank_holidays.holidays_version() == holidays.__version__
    bank_holidays.between("ENG", 2026, 2028)
    assert [p.name for p in cache.iterdir()] == [f"bank-holidays-{holidays.__version__}.json"]


@pytest.mark.parametrize("subdivision", ["ENG", "WLS", "SCT", "NIR"])
def test_the_copy_gives_the_packages_own_dates(cache, subdivision):
    computed = bank_holidays.between(subdivision, 2020, 2032)  # computed, then stored
    bank_holidays.forget()  # as a new process would: from the file
    assert bank_holidays.between(subdivision, 2020, 2032) == computed
    assert computed == bank_holidays.compute(subdivision, 2020, 2032)
    assert dt.date(2023, 5, 8) in computed  # the coronation


def test_a_new_process_reads_the_copy_without_importing_holidays(cache):
    env = {**os.environ, "XDG_CACHE_HOME": str(cache.parent)}
    code = ("import sys, datetime as d; from clerkdesk.models.core import dates; "
            "print(dates.add_working_days(d.date(2026, 12, 24), 1), 'holidays' in sys.modules)")
    first = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                           text=True, check=True).stdout.split()
    second = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                            text=True, check=True).stdout.split()
    assert first == ["2026-12-29", "True"]  # computed (and stored) by the first
    assert second == ["2026-12-29", "False"]  # the second only read the file


def test_a_damaged_file_is_computed_again_and_replaced(cache):
    path = bank_holidays.cache_file()
    path.parent.mkdir(parents=True)
    path.write_text("{not json")
    assert dt.date(2026, 12, 28) in bank_holidays.between("ENG", 2025, 2027)
    assert "ENG:2025-2027" in json.loads(path.read_text())


def test_a_damaged_entry_is_computed_again(cache):
    path = bank_holidays.cache_file()
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"ENG:2025-2027": ["not a date"]}))
    assert dt.date(2026, 12, 28) in bank_holidays.between("ENG", 2025, 2027)


def test_an_unwritable_cache_folder_changes_nothing(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))  # the folder cannot be made
    bank_holidays.forget()
    assert dates.bank_holidays("scotland", [2026]) >= {dt.date(2026, 11, 30)}
    assert bank_holidays.between("SCT", 2030, 2030) == bank_holidays.compute("SCT", 2030, 2030)
    bank_holidays.forget()


def test_an_older_versions_file_is_removed(cache):
    cache.mkdir(parents=True)
    (cache / "bank-holidays-0.1.json").write_text("{}")
    bank_holidays.between("ENG", 2026, 2026)
    assert [p.name for p in cache.iterdir()] == [bank_holidays.cache_file().name]


def test_without_the_package_version_the_dates_are_computed(cache, monkeypatch):
    monkeypatch.setattr(bank_holidays, "holidays_version", lambda: None)
    assert dt.date(2026, 12, 25) in bank_holidays.between("ENG", 2026, 2026)
    assert not cache.exists()
