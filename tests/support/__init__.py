"""Test helpers: factories, API clients and paths, scratch databases, served processes, a Redis
of our own."""
