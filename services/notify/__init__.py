"""Notifications: engine events from the audit trail, fanned out to subscribers, delivered
through channels in the words of templates.

The pipeline: ``services.audit.record`` marks a notifiable action's row ``notify='pending'``
in the very INSERT that audits it (``events``); the fan-out (``fanout``) turns pending rows into
one outbox row per recipient and channel (``subscriptions`` says who wants what; ``quiet_hours``
holds rows outside a calendar's open time); the sender (``sender``) delivers due rows through
``channels`` in the words of ``templates`` and retries with backoff. ``pipeline.run`` does
both, from the ticker.
"""
