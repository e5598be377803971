"""Import surface of the bridge: no FastAPI needed to import it, and the deprecated ``serve`` paths.

Each probe runs in a fresh interpreter so that what is (not) imported, and which warnings fire,
is observed from a clean ``sys.modules``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from typing import Any

import pytest

pytestmark = pytest.mark.timeout(60)

_HIDE_FASTAPI = """
import sys

class _NoFastAPI:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("fastapi", "starlette"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, _NoFastAPI())
"""


def probe(code: str) -> Any:
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_api_imports_without_fastapi_and_building_names_the_serve_extra() -> None:
    report = probe(
        _HIDE_FASTAPI
        + """
import json, warnings
warnings.simplefilter("error")
import autoplay_sdk
root_imports_api = "autoplay_sdk.api" in sys.modules
import autoplay_sdk.api
from autoplay_sdk.api.fastapi import build_copilot_app

async def llm(prompt):
    return ""

try:
    build_copilot_app(stream_url="http://127.0.0.1:1/stream/p", token="t", llm=llm)
except ModuleNotFoundError as exc:
    error = [str(exc), type(exc.__cause__).__name__, exc.__cause__.name]
print(json.dumps({
    "root_imports_api": root_imports_api,
    "fastapi_loaded": "fastapi" in sys.modules,
    "error": error,
}))
"""
    )
    assert report == {
        "root_imports_api": False,
        "fastapi_loaded": False,
        "error": [
            "FastAPI is required for autoplay_sdk.api. Install with: pip install 'autoplay-sdk[serve]'",
            "ModuleNotFoundError",
            "fastapi",
        ],
    }


def test_importing_the_canonical_packages_emits_no_warning() -> None:
    report = probe(
        """
import json, warnings
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    import autoplay_sdk.api, autoplay_sdk.api.fastapi, autoplay_sdk.rag, autoplay_sdk.rag.ingest
    import autoplay_sdk.rag.ingest.ingest
print(json.dumps([str(w.message) for w in caught]))
"""
    )
    assert report == []


def _moved(old: str, new: str) -> str:
    return f"`{old}` has moved to `{new}`. Update your imports before 1.0.0, when the old path will be removed."


def test_deprecated_serve_package_forwards_to_api_and_names_the_old_path() -> None:
    report = probe(
        """
import json, warnings
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    import autoplay_sdk.serve as legacy
    namespace = {}
    exec("from autoplay_sdk.serve import *", namespace)
import autoplay_sdk.api as canonical
try:
    legacy.nope
except AttributeError as exc:
    missing = str(exc)
print(json.dumps({
    "distinct": legacy is not canonical,
    "same_function": legacy.build_copilot_app is canonical.build_copilot_app,
    "all": legacy.__all__,
    "star": sorted(n for n in namespace if n != "__builtins__"),
    "star_same": namespace["build_copilot_app"] is canonical.build_copilot_app,
    "missing": missing,
    "warnings": [(w.category.__name__, str(w.message)) for w in caught],
}))
"""
    )
    assert report == {
        "distinct": True,
        "same_function": True,
        "all": ["build_copilot_app"],
        "star": ["build_copilot_app"],
        "star_same": True,
        "missing": "module 'autoplay_sdk.serve' has no attribute 'nope'",
        "warnings": [["DeprecationWarning", _moved("autoplay_sdk.serve", "autoplay_sdk.api")]],
    }


def test_deprecated_serve_fastapi_module_is_the_canonical_module() -> None:
    report = probe(
        """
import json, warnings
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    import autoplay_sdk.serve.fastapi as legacy
import autoplay_sdk.api.fastapi as canonical
print(json.dumps({
    "same": legacy is canonical,
    "name": legacy.__name__,
    "warnings": [(w.category.__name__, str(w.message)) for w in caught],
}))
"""
    )
    assert report["same"] is True
    assert report["name"] == "autoplay_sdk.api.fastapi"
    assert report["warnings"] == [  # the parent alias package is imported (and warns) first
        ["DeprecationWarning", _moved("autoplay_sdk.serve", "autoplay_sdk.api")],
        ["DeprecationWarning", _moved("autoplay_sdk.serve.fastapi", "autoplay_sdk.api.fastapi")],
    ]
