"""Token holders known from Redis, and revocations seen on the very next request."""
