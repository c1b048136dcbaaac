"""Test module for seispool-doctor: its _doctor_probe() segfaults in every process but the first importer.

The first importer records its pid in the environment, which pool workers inherit under every start method.
"""
import os
import signal

os.environ.setdefault("DOCTOR_CRASH_PARENT", str(os.getpid()))


def _doctor_probe():
    if os.environ["DOCTOR_CRASH_PARENT"] != str(os.getpid()):
        os.kill(os.getpid(), signal.SIGSEGV)
