"""Scenario tests of a process bundle (``processes/<name>/tests/*.yaml``): a start, steps and
expectations, run with the real engine, calendars and SLA policies on a throwaway store and a
virtual clock (``session`` moves one run step by step, as a dry run in the designer will;
``runner`` runs files and adds up coverage; the host's ``flowdesk test`` prints the results)."""
