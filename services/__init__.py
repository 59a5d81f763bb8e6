"""Business operations: each public function opens one unit of work (``Flowdesk.uow``).

No Flask here: callers pass a plain ``principal.Principal`` and get typed ``errors`` back, so the
API, the CLI, the ticker and tests call the same functions. ``engine_step`` is the one way a
stored instance moves; ``sla`` holds the SLA clocks; ``hooks`` and ``rules`` plug in what
particular processes need.
"""
