#ifndef GAUSS_CGEMM_REFERENCE_H
#define GAUSS_CGEMM_REFERENCE_H

/// Seconds per call of `cblas_dgemm` (row-major, no transposes, alpha 1,
/// beta 0) on n×n operands, over `calls` back-to-back calls timed from C.
double gauss_reference_dgemm_seconds(int n, int calls, const double *a, const double *b, double *c);

/// The same for `cblas_sgemm`.
double gauss_reference_sgemm_seconds(int n, int calls, const float *a, const float *b, float *c);

/// OpenBLAS's description of its build and the kernel it chose.
const char *gauss_openblas_config(void);

/// The threads OpenBLAS uses.
int gauss_openblas_threads(void);

#endif
