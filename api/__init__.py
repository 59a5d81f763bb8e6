"""HTTP only: the REST API's Flask app, its blueprints and schemas, request authentication and
the one mapping from errors to problem details. The business operations are ``services``."""
