"""Azaion client library: API facade, CDN transfers, big/small resources, image unlock. Imports no Qt."""

__all__ = ["__version__"]

try:
    from importlib.metadata import version as _version

    __version__ = _version("azaion-admin")
except Exception:  # pragma: no cover - running from a source tree without metadata
    __version__ = "0.0.0"
