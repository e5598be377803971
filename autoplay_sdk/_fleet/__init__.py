"""The Redis fleet: the one ingester that writes a stream into Redis, and the bridge's Redis roles.

This package sits above the stream clients and the context stores and uses both through their
public API only; nothing below imports it.  ``RedisIngester`` is public as
``autoplay_sdk.context.redis_ingest.RedisIngester`` (that module re-exports it).
"""

from autoplay_sdk._fleet.ingest import RedisIngester
from autoplay_sdk._fleet.roles import RedisParts, RedisUsers, redis_parts

__all__ = ["RedisIngester", "RedisParts", "RedisUsers", "redis_parts"]
