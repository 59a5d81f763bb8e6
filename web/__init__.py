"""The browser UI: server-rendered pages on top of the REST API (web → api → engine).

``web.app.create_app`` is the API's application plus the ``web`` blueprint; the API never
imports this package (``flowdesk serve`` loads ``web.app:create_app`` by name).
"""
