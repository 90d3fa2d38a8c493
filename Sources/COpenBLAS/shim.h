#ifndef GAUSS_COPENBLAS_SHIM_H
#define GAUSS_COPENBLAS_SHIM_H

#include <cblas.h>

// Swift cannot import C `_Complex`; LAPACKE lets the includer choose the
// complex types, so give it plain structs with the same layout.
typedef struct { float real, imag; } gauss_lapack_complex_float;
typedef struct { double real, imag; } gauss_lapack_complex_double;
#define lapack_complex_float gauss_lapack_complex_float
#define lapack_complex_double gauss_lapack_complex_double

#include <lapacke.h>

#endif
