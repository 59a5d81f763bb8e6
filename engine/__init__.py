"""Flowdesk's engine: pure Python on SpiffWorkflow, no web framework, no database, no wall clock.

The host (``api/``) injects a clock and stores what the engine returns; everything here can be
tested in memory.
"""
