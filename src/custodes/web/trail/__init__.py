"""The trail: an append-only, hash-chained record of every read and write of sensitive records."""
