"""Test helpers: factories, scratch databases, served processes, a Redis of our own."""
