"""The database: tables, engine set-up, prebuilt statements, the fast statement path and the one
unit of work (``store.uow``). Imports nothing of the layers above it."""
