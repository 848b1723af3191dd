"""The embedded PostgreSQL and Redis: shared, supervised, sized, stopped with their last user."""
