"""Flowdesk's host: the Flask app, REST API, storage, scheduler and the ``flowdesk`` command."""
