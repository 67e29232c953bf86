"""`make bench`: every page's throughput as a share of a one-query Django floor (see run.py)."""
