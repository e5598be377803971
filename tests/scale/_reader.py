"""A reader replica as its own OS process: prints JSON of enrich() and user activity per id.

Usage: python -m tests.scale._reader REDIS_URL LOOKBACK USER[,USER...] SID:PID[,SID:PID...]
"""

from __future__ import annotations

import json
import sys

from autoplay_sdk.context.redis_store import RedisContextStore, RedisUserSessionIndex


def main() -> None:
    url, lookback, users, sessions = sys.argv[1], float(sys.argv[2]), sys.argv[3], sys.argv[4]
    store = RedisContextStore(url, lookback_seconds=lookback, max_actions=20)
    index = RedisUserSessionIndex(store, url, lookback_seconds=lookback)
    out = {
        "activity": {u: index.get_user_activity(u) for u in users.split(",")},
        "enrich": {s: store.enrich(s.split(":")[0], "q?", product_id=s.split(":")[1]) for s in sessions.split(",")},
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
