"""The browser UI: server-rendered pages on top of the REST API (host -> web -> api -> services).

``web.app.create_app`` is the API's application plus the pages' blueprints; ``host.server``
serves it. Nothing below this package imports it.
"""
