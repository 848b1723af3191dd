"""The staff's admin."""
