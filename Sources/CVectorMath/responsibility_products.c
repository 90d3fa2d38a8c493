// Rᵀ·Φ for the statistics of a block: R the block's responsibilities (m × K,
// K ≤ 16) and Φ its features (m × F, F ≤ 16, or 12 for K > 8), both
// row-major, into the K × F moments. The components are the vector lanes,
// so each row is one or two loads of its K responsibilities and F
// multiply-adds per load by its broadcast features, the rows taken in turn
// by up to four sets of sums: for the few features of low-dimensional data,
// where a GEMM's kernel fills few of its lanes (OpenBLAS's small-matrix
// kernel took 7% of an Old Faithful model selection). Every instruction set
// adds in the same order; the lanes past K compute nothing that is kept.

#include "CVectorMath.h"
#include "isa.h"
#include "lanes.h"

#define ALWAYS_INLINE static inline __attribute__((always_inline))

/* Rows whose load of `lanes` responsibilities stays inside r: all but the
   last ⌈(lanes − K)/K⌉ = ⌊(lanes − 1)/K⌋, which is 0 for K ≥ lanes. */
ALWAYS_INLINE long rows_loadable_whole(long rows, long k, long lanes) {
    long tail = (lanes - 1) / k;
    return rows > tail ? rows - tail : 0;
}

/* The K ≤ 8·V components of each row in V vectors, times each of its F
   features, into S sets of F·V accumulators that take the rows in turn
   (row i into set i mod S) and are added in order at the end: one set's
   sums each wait on the last multiply-add, four cycles per row, while S
   sets overlap S rows. S·V·F ≤ 24 accumulators stay in registers. */
ALWAYS_INLINE void products_body(const double *restrict r, long rows, long k, const double *restrict phi, const long F,
                                 const long V, double *restrict out) {
    const long S = 24 / (F * V) >= 4 ? 4 : (24 / (F * V) >= 2 ? 2 : 1);
    v8d sums[4][16][2];
    _Pragma("unroll")
    for (long s = 0; s < S; s++) {
        _Pragma("unroll")
        for (long j = 0; j < F; j++) {
            _Pragma("unroll")
            for (long v = 0; v < V; v++) sums[s][j][v] = (v8d){0};
        }
    }
    long whole = rows_loadable_whole(rows, k, 8 * V);
    long i = 0;
    for (; i + S <= whole; i += S) {
        _Pragma("unroll")
        for (long s = 0; s < S; s++) {
            v8d w[2];
            _Pragma("unroll")
            for (long v = 0; v < V; v++) w[v] = LOAD8(r + (i + s) * k + 8 * v);
            _Pragma("unroll")
            for (long j = 0; j < F; j++) {
                v8d feature = SPLAT(phi[(i + s) * F + j]);
                _Pragma("unroll")
                for (long v = 0; v < V; v++) sums[s][j][v] += w[v] * feature;
            }
        }
    }
    for (; i < rows; i++) {
        double row[16] = {0};
        for (long c = 0; c < k; c++) row[c] = r[i * k + c];
        _Pragma("unroll")
        for (long j = 0; j < F; j++) {
            v8d feature = SPLAT(phi[i * F + j]);
            _Pragma("unroll")
            for (long v = 0; v < V; v++) sums[0][j][v] += LOAD8(row + 8 * v) * feature;
        }
    }
    _Pragma("unroll")
    for (long s = 1; s < S; s++) {
        _Pragma("unroll")
        for (long j = 0; j < F; j++) {
            _Pragma("unroll")
            for (long v = 0; v < V; v++) sums[0][j][v] += sums[s][j][v];
        }
    }
    for (long c = 0; c < k; c++) {
        _Pragma("unroll")
        for (long j = 0; j < F; j++) out[c * F + j] = sums[0][j][c / 8][c % 8];
    }
}

ALWAYS_INLINE long responsibility_products_body(const double *r, long rows, long k, const double *phi, long f, double *out) {
    if (k <= 8) {
        switch (f) {
#define WIDTH(F) case F: products_body(r, rows, k, phi, F, 1, out); return 0;
        WIDTH(1) WIDTH(2) WIDTH(3) WIDTH(4) WIDTH(5) WIDTH(6) WIDTH(7) WIDTH(8)
        WIDTH(9) WIDTH(10) WIDTH(11) WIDTH(12) WIDTH(13) WIDTH(14) WIDTH(15) WIDTH(16)
#undef WIDTH
        default: return -2;
        }
    }
    switch (f) {
#define WIDTH(F) case F: products_body(r, rows, k, phi, F, 2, out); return 0;
    WIDTH(1) WIDTH(2) WIDTH(3) WIDTH(4) WIDTH(5) WIDTH(6) WIDTH(7) WIDTH(8) WIDTH(9) WIDTH(10) WIDTH(11) WIDTH(12)
#undef WIDTH
    default: return -2;
    }
}

#define VARIANT(suffix)                                                                                        \
    GAUSS_ATTRIBUTES_##suffix static long responsibility_products_##suffix(const double *r, long rows, long k,   \
                                                                          const double *phi, long f, double *out) { \
        return responsibility_products_body(r, rows, k, phi, f, out);                                          \
    }

VARIANT(avx512)
VARIANT(avx2)
VARIANT(baseline)

long gauss_responsibility_products(int isa, const double *r, long rows, long k, const double *phi, long f, double *out) {
    if (k < 1 || k > 16 || f < 1 || f > (k <= 8 ? 16 : 12)) return -2;
    GAUSS_DISPATCH(isa, responsibility_products, r, rows, k, phi, f, out)
}
