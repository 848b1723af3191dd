"""Watching it run: Server-Timing, logs, metrics, health and readiness."""
