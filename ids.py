"""App-wide component ids (page-local ids live at the top of each page module)."""

URL = "app-url"
SHELL = "app-shell"
NAVBAR = "app-navbar"
POLL = "app-poll"  # server poll of the snapshot, every poll_seconds
TICK = "app-tick"  # clientside clock, every second
