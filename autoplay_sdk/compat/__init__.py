"""Compatibility registry for the module paths that moved in 0.7.4.

``SHIM_MAP`` is the table of deprecated paths (old -> canonical) and ``reexport_with_warning`` the
warning helper; both live in :mod:`autoplay_sdk.compat.shims`.  The old paths themselves are served
by the import hook in :mod:`autoplay_sdk._aliases`, which reads ``SHIM_MAP``.  See
``docs/deprecated-paths.md``.
"""

from autoplay_sdk.compat.shims import SHIM_MAP, reexport_with_warning

__all__ = ["SHIM_MAP", "reexport_with_warning"]
