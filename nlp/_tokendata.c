/* Token data of a spaCy Doc as Python sequences, and the tokens with a flag bit: the two loops every
 * extraction component runs per doc (see nlp/components/_doc.py, which falls back on the same loops
 * in Python when this module was not built). In Python they cost ~100 ns a token, about a tenth of
 * the pipeline on market listings; here they cost the objects they return.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* read_tokens(memo, columns) -> (orth, idx, (flags, lower, length), present)
 *
 * columns: Doc.to_array([ORTH, IDX]), a C-contiguous (n, 2) array of unsigned 64-bit integers.
 * memo: ORTH hash -> (flag bits, LOWER hash, length), the pipeline's Lexicon.tokens.
 * orth and idx are lists of ints; flags, lower and length tuples of the memo's ints; present is the
 * OR of the flags. When a token string is not in the memo, the third item is None and present 0:
 * the caller describes the new strings and reads again.
 */
static PyObject *read_tokens(PyObject *self, PyObject *args) {
    PyObject *memo, *columns;
    if (!PyArg_ParseTuple(args, "O!O:read_tokens", &PyDict_Type, &memo, &columns)) return NULL;
    Py_buffer view;
    if (PyObject_GetBuffer(columns, &view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) return NULL;
    PyObject *orth = NULL, *idx = NULL, *flags = NULL, *lower = NULL, *length = NULL, *result = NULL;
    if (view.ndim != 2 || view.itemsize != 8 || view.shape[1] != 2 || view.format == NULL ||
        (strcmp(view.format, "Q") != 0 && strcmp(view.format, "L") != 0 && strcmp(view.format, "<Q") != 0)) {
        PyErr_SetString(PyExc_ValueError, "read_tokens: expected a C-contiguous (n, 2) array of uint64");
        goto done;
    }
    Py_ssize_t n = view.shape[0];
    const unsigned long long *data = (const unsigned long long *)view.buf;
    if (!(orth = PyList_New(n)) || !(idx = PyList_New(n))) goto done;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *o = PyLong_FromUnsignedLongLong(data[2 * i]);
        if (!o) goto done;
        PyList_SET_ITEM(orth, i, o);
        PyObject *x = PyLong_FromUnsignedLongLong(data[2 * i + 1]);
        if (!x) goto done;
        PyList_SET_ITEM(idx, i, x);
    }
    if (!(flags = PyTuple_New(n)) || !(lower = PyTuple_New(n)) || !(length = PyTuple_New(n))) goto done;
    long long present = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *entry = PyDict_GetItemWithError(memo, PyList_GET_ITEM(orth, i));
        if (entry == NULL) {
            if (PyErr_Occurred()) goto done;
            result = Py_BuildValue("(OOOi)", orth, idx, Py_None, 0);
            goto done;
        }
        if (!PyTuple_CheckExact(entry) || PyTuple_GET_SIZE(entry) != 3) {
            PyErr_SetString(PyExc_TypeError, "read_tokens: memo values must be (flags, lower, length) tuples");
            goto done;
        }
        PyObject *f = PyTuple_GET_ITEM(entry, 0), *lo = PyTuple_GET_ITEM(entry, 1), *le = PyTuple_GET_ITEM(entry, 2);
        if (!PyLong_Check(f)) {  /* no __index__: no Python code runs while entry is borrowed */
            PyErr_SetString(PyExc_TypeError, "read_tokens: flag bits must be ints");
            goto done;
        }
        long long bits = PyLong_AsLongLong(f);
        if (bits == -1 && PyErr_Occurred()) goto done;
        present |= bits;
        Py_INCREF(f);
        PyTuple_SET_ITEM(flags, i, f);
        Py_INCREF(lo);
        PyTuple_SET_ITEM(lower, i, lo);
        Py_INCREF(le);
        PyTuple_SET_ITEM(length, i, le);
    }
    result = Py_BuildValue("(OO(OOO)L)", orth, idx, flags, lower, length, present);
done:
    Py_XDECREF(orth);
    Py_XDECREF(idx);
    Py_XDECREF(flags);
    Py_XDECREF(lower);
    Py_XDECREF(length);
    PyBuffer_Release(&view);
    return result;
}

/* positions(flags, bit) -> [i for i, fl in enumerate(flags) if fl & bit] */
static PyObject *positions(PyObject *self, PyObject *args) {
    PyObject *seq;
    long long bit;
    if (!PyArg_ParseTuple(args, "OL:positions", &seq, &bit)) return NULL;
    PyObject *fast = PySequence_Fast(seq, "positions: flags must be a sequence");
    if (!fast) return NULL;
    PyObject *out = PyList_New(0);
    Py_ssize_t n = PySequence_Fast_GET_SIZE(fast);
    PyObject **items = PySequence_Fast_ITEMS(fast);
    for (Py_ssize_t i = 0; out && i < n; i++) {
        if (!PyLong_Check(items[i])) {  /* no __index__: no Python code runs while items is borrowed */
            PyErr_SetString(PyExc_TypeError, "positions: flags must be ints");
            Py_CLEAR(out);
            break;
        }
        long long fl = PyLong_AsLongLong(items[i]);
        if (fl == -1 && PyErr_Occurred()) {
            Py_CLEAR(out);
            break;
        }
        if (fl & bit) {
            PyObject *k = PyLong_FromSsize_t(i);
            if (!k || PyList_Append(out, k) < 0) Py_CLEAR(out);
            Py_XDECREF(k);
        }
    }
    Py_DECREF(fast);
    return out;
}

static PyMethodDef methods[] = {
    {"read_tokens", read_tokens, METH_VARARGS, "(orth, idx, (flags, lower, length), present) of a doc's token columns."},
    {"positions", positions, METH_VARARGS, "Indices of the flags that have the bit."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_tokendata", "Token data loops of nlp.components._doc.",
                                    -1, methods};

PyMODINIT_FUNC PyInit__tokendata(void) { return PyModule_Create(&module); }
