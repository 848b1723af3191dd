"""Management commands of the items app: thin wrappers over ``items.operations``."""
