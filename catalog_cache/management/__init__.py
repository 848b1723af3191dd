"""Management commands of the response cache."""
