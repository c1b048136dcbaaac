"""Stands for a package that brings Intel OpenMP with it (as MKL builds do): loads the libiomp5 that the
intel-openmp wheel installs into the venv's lib/, before anything asks the doctor to look."""
import ctypes
import os
import sys

_LIB = ctypes.CDLL(os.path.join(sys.prefix, "lib", "libiomp5.so"), mode=os.RTLD_GLOBAL)
