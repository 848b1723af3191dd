"""The tree's own rules: import direction, sizes, docstrings."""
