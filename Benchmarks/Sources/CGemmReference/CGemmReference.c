#include "CGemmReference.h"
#include <cblas.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

double gauss_reference_dgemm_seconds(int n, int calls, const double *a, const double *b, double *c) {
    double start = now();
    for (int i = 0; i < calls; i++) {
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0, a, n, b, n, 0.0, c, n);
    }
    return (now() - start) / calls;
}

double gauss_reference_sgemm_seconds(int n, int calls, const float *a, const float *b, float *c) {
    double start = now();
    for (int i = 0; i < calls; i++) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a, n, b, n, 0.0f, c, n);
    }
    return (now() - start) / calls;
}

const char *gauss_openblas_config(void) { return openblas_get_config(); }

int gauss_openblas_threads(void) { return openblas_get_num_threads(); }
