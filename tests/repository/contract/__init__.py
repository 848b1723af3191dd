"""The contract every ``ItemRepository`` keeps, run unchanged against each backend."""
