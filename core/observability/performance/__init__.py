"""The performance page: the last hour of ``/metrics``, sampled into Redis and drawn as SVG.

- ``sampling``: each server's figures sampled into Redis by one process at a time
- ``series``: from cumulative samples to per-minute rates, percentiles, ratios and pool use
- ``charts``: the SVG charts (pygal)
- ``views``: ``/admin/performance/``, staff only
"""
