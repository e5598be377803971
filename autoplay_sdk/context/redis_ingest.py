"""The one writer of a Redis-backed fleet: :class:`RedisIngester` (see ``docs/scaling.md``).

The class lives in the fleet package, above the stream clients and the context stores it uses;
this module is its public import path.
"""

from autoplay_sdk._fleet.ingest import RedisIngester

__all__ = ["RedisIngester"]
