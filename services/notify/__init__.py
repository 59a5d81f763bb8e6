"""Notifications: the words of each message and the channels that carry it."""
