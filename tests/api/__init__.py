"""The items API as its consumers use it."""
