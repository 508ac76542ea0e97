"""Azaion client library: API facade, CDN transfers, big/small resources, image unlock. Imports no Qt."""

from __future__ import annotations

__all__ = ["__version__"]


def __getattr__(name: str) -> str:
    """``__version__`` is read from the package metadata on first use only (importlib.metadata is slow to load)."""
    if name != "__version__":
        raise AttributeError(name)
    try:
        from importlib.metadata import version

        return version("azaion-admin")
    except Exception:  # running from a source tree without metadata
        return "0.0.0"
