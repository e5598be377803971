"""The package version, in one place.

``pyproject.toml`` reads it from here when the wheel is built, so the installed metadata,
``autoplay_sdk.__version__`` and ``autoplay-sdk --version`` always agree, and reading it costs no
``importlib.metadata`` lookup at import time.
"""

__version__ = "0.7.5"
