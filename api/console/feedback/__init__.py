"""The feedback team's pages: the queue, a case, the dashboard."""
