"""Test module for seispool-doctor: its _doctor_probe() blocks in the parent, before anything forks."""
import time


def _doctor_probe():
    time.sleep(600)
