"""The package version, in one place.

``pyproject.toml`` reads it from here when the wheel is built, so the installed metadata,
``autoplay_sdk.__version__`` and ``autoplay-sdk --version`` always agree, and reading it costs no
``importlib.metadata`` lookup at import time.

The public part is the published ``autoplay-sdk`` release this package is a drop-in for; the
local label after ``+`` names this build.  A requirement ``autoplay-sdk==0.7.5`` (or any range
containing 0.7.5) is satisfied by it, as PEP 440 ignores a local label the requirement does not
name, while ``pip show`` and ``--version`` tell it apart from the published 0.7.5.
"""

__version__ = "0.7.5+dropin.1"
