"""The repository: one contract suite for every backend, and what each backend adds."""
