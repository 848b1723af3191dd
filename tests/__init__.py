"""The suite, mirroring the rooms: domain, repository, cache, api, operations, observability."""
