"""The Internet Archive's published limits, read by the crawler's settings and the local archive."""

# Hard limits per client IP, as IA staff state them (and as EDGI's `wayback` library encodes
# them): 30 CDX searches a minute and 600 replays a minute. Clients are asked to stay at 80%.
WAYBACK_IA_CDX_LIMIT_PER_MINUTE = 30
WAYBACK_IA_REPLAY_LIMIT_PER_MINUTE = 600
# A client that keeps requesting after 429s is blocked at IA's firewall, for an hour as IA
# describes it. The local archive reproduces that: more than this many 429s in a minute...
WAYBACK_IA_BLOCK_AFTER_429S = 10
# ...and connections are dropped for this long.
WAYBACK_IA_BLOCK_SECONDS = 3600.0
