"""Operator paths: commands, seeding, backups and restores, copies between backends."""
