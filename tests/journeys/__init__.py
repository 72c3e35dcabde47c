"""Journeys over real HTTP: the app served by gunicorn, set up by its own CLI, used as people use it."""
