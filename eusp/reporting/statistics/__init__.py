"""Statistics of the requests a user may see: counts by dimension, over time, crossed,
and delay indicators, computed in SQL and drawn as SVG on the server."""
