"""SLA clocks of running work, and their configuration.

The clock math is pure and lives in the engine (``engine.sla``: one ``evaluate`` gives a
clock's state, due time and next event; ``engine.sla_policy`` parses policies;
``engine.calendars`` is business time). Here is what touches the database:

* ``book``: the parsed policies and calendars, cached per application (``Flowdesk.sla``);
* ``clocks``: arming, stopping, pausing and storing clocks as tasks and instances move;
* ``escalations``: firing a clock's due warning, breach or escalation level;
* ``config``: the admins' calendars and policies (``apply_to`` new or running clocks);
  ``policy_input``: policies whole (PUT) or in part (PATCH), durations as people say them;
* ``retime``: re-timing running clocks after a change, planned apart from written, so that
  ``what_if`` can tell an admin what a change would do without writing anything.
"""
