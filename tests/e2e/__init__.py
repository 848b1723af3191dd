"""Journeys in a real headless Chromium."""
