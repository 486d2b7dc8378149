"""Residents' corrections as operators settle them: the listing's value beside the suggested one."""
