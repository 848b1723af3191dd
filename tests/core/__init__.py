"""The ground floor: shared HTTP, the embedded servers, the database backend, observability."""
