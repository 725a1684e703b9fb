"""Tests of the `attune` sub-commands, run as real subprocesses."""
