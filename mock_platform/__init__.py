"""A mock Canvas platform (Starlette) that behaves as the source documents say, with fault switches."""

from .app import PlatformConfig, create_app

__all__ = ["PlatformConfig", "create_app"]
