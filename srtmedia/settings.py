"""Settings dataclasses filled from environment variables.

A settings class lists ``_ENV = {field: VARIABLE}``; ``from_environ`` reads
those variables, converts them to the field's type and applies overrides.
Shared by the pipeline's Options and the service's Config. ``SRTMEDIA_CONFIG``
names a file of ``KEY=VALUE`` lines read under the environment: a variable set
in the environment wins over the same one in the file.
"""
import os
from dataclasses import fields

CONFIG_VARIABLE = "SRTMEDIA_CONFIG"


class EnvSettings:
    """Mixin for a settings dataclass with an ``_ENV`` map: adds ``from_env``."""

    @classmethod
    def from_env(cls, environ=None, **overrides):
        """Defaults, then the environment (and ``SRTMEDIA_CONFIG``), then non-None ``overrides``."""
        return from_environ(cls, environ, overrides)


def from_environ(cls, environ=None, overrides=None):
    """An instance of ``cls``: defaults, then the environment, then non-None ``overrides``."""
    environ = effective_environ(environ)
    values = {}
    for f in fields(cls):
        name = cls._ENV.get(f.name)
        if name and environ.get(name, "") != "":
            values[f.name] = coerce(f.type, environ[name])
    values.update({k: v for k, v in (overrides or {}).items() if v is not None})
    return cls(**values)


def coerce(kind, raw):
    """``raw`` (a string) as the field type ``kind`` names."""
    if kind in (bool, "bool"):
        return raw.strip().lower() in ("1", "true", "yes", "on")
    if kind in (int, "int"):
        return int(raw)
    if kind in (float, "float"):
        return float(raw)
    return raw


def effective_environ(environ=None):
    """``environ`` (default os.environ) over the settings of the file SRTMEDIA_CONFIG names."""
    environ = os.environ if environ is None else environ
    if environ.get(CONFIG_VARIABLE):
        return {**read_env_file(environ[CONFIG_VARIABLE]), **environ}
    return environ


def read_env_file(path):
    """{KEY: VALUE} from a file of ``KEY=VALUE`` lines; blank lines and ``#`` comments are skipped,
    one pair of surrounding quotes is removed from a value."""
    values = {}
    with open(path, encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            key, sep, value = line.removeprefix("export ").partition("=")
            if not sep or not key.strip():
                raise ValueError(f"{path}:{number}: expected KEY=VALUE")
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                value = value[1:-1]
            values[key.strip()] = value
    return values
