/* A CPython extension whose _doctor_probe() runs an OpenMP parallel loop on GNU libgomp.
 * seispool-doctor's tests build it with `gcc -shared -fPIC -fopenmp`: using it in a parent and again
 * in a fork()ed child hangs the child (libgomp has no fork handler), the hazard the doctor must find. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static PyObject *doctor_probe(PyObject *self, PyObject *unused) {
    double sum = 0.0;
    long i;
#pragma omp parallel for reduction(+ : sum)
    for (i = 0; i < 2000000; i++) {
        sum += (double)i * 0.5;
    }
    return PyFloat_FromDouble(sum);
}

static PyMethodDef methods[] = {
    {"_doctor_probe", doctor_probe, METH_NOARGS, "Run an OpenMP parallel reduction."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "doctor_omp_hazard", NULL, -1, methods};

PyMODINIT_FUNC PyInit_doctor_omp_hazard(void) { return PyModule_Create(&module); }
