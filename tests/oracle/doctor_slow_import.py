"""Test module for seispool-doctor: importing it blocks far longer than any doctor timeout."""
import time

time.sleep(600)
