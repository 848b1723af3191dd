"""Load benchmarks behind ``make bench``."""
