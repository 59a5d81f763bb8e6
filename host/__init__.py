"""What runs Flowdesk: the ``flowdesk`` CLI, the server launcher (the API and the pages in one
app), the ticker and the migration runner. Nothing imports this package."""
