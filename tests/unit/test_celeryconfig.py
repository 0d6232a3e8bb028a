"""celeryconfig names only settings Celery knows: a misspelt one would be ignored without a word."""

from __future__ import annotations

import types
from pathlib import Path

from celery.app.defaults import DEFAULTS

import celeryconfig
from common.config import Settings


def test_every_setting_in_celeryconfig_is_one_celery_reads() -> None:
    settings = {
        name
        for name, value in vars(celeryconfig).items()
        if name.islower()
        and not name.startswith("_")
        and name != "annotations"  # the __future__ import
        and not isinstance(value, types.ModuleType | types.FunctionType | type)
    }
    assert settings, "the module's settings were found"
    assert settings - set(DEFAULTS) == set()


def test_the_settings_that_depend_on_the_environment_are_celery_settings_too(tmp_path: Path) -> None:
    applied = celeryconfig.from_settings(Settings(data_dir=tmp_path, redis_url="redis://127.0.0.1:1/2"))
    assert set(applied) - set(DEFAULTS) == set()
    assert applied["broker_url"] == "redis://127.0.0.1:1/2"
    assert applied["beat_schedule_filename"].startswith(str(tmp_path))
