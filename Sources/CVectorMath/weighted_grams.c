// The full-covariance second moments of short rows (d ≤ 8) for every
// component in one pass over the block: moments[(c·d + a)·d + b] +=
// Σᵢ rᵢc·(xᵢa − s_ca)·(xᵢb − s_cb) for b ≤ a. At such d the per-component
// way (scale the rows by √rᵢc, then a Gram product each) is mostly call
// and packing overhead; here eight components share each vector, a row's
// coordinates are broadcast once per eight components, and the d(d + 1)/2
// accumulators stay in registers.
//
// Compiled three times (AVX-512, AVX2 with FMA, baseline), the widest the
// processor has chosen at run time. Products are contracted, which changes
// their rounding, not their accuracy.

#include "CVectorMath.h"
#include "isa.h"
#include "lanes.h"

#define ALWAYS_INLINE static inline __attribute__((always_inline))

/* Components c0 ..< min(c0 + 8, k), rows of D coordinates. */
ALWAYS_INLINE void grams_chunk(const double *restrict x, long rows, long f, const double *restrict r, long k, long c0,
                               const double *restrict shifts, const long D, double *restrict moments) {
    const long count = k - c0 < 8 ? k - c0 : 8;
    v8d shift[8];
    _Pragma("unroll")
    for (long a = 0; a < D; a++) {
        shift[a] = (v8d){0};
        for (long l = 0; l < count; l++) shift[a][l] = shifts[(c0 + l) * D + a];
    }
    v8d acc[36];
    _Pragma("unroll")
    for (long t = 0; t < D * (D + 1) / 2; t++) acc[t] = (v8d){0};
    /* Rows whose eight responsibilities from c0 lie inside r; with fewer
       than eight components left, the lanes past them read the next row's
       (and are never stored). The last rows are copied out instead. */
    long reach = rows * k - c0 - 8;
    long direct = reach < 0 ? 0 : reach / k + 1;
    if (direct > rows) direct = rows;
    for (long i = 0; i < rows; i++) {
        v8d w;
        if (i < direct) {
            w = LOAD8(r + i * k + c0);
        } else {
            double lanes[8] = {0};
            for (long l = 0; l < count; l++) lanes[l] = r[i * k + c0 + l];
            w = LOAD8(lanes);
        }
        const double *row = x + i * f;
        v8d v[8];
        _Pragma("unroll")
        for (long a = 0; a < D; a++) v[a] = SPLAT(row[a]) - shift[a];
        long t = 0;
        _Pragma("unroll")
        for (long a = 0; a < D; a++) {
            v8d weighted = w * v[a];
            _Pragma("unroll")
            for (long b = 0; b <= a; b++) acc[t++] += weighted * v[b];
        }
    }
    for (long l = 0; l < count; l++) {
        double *target = moments + (c0 + l) * D * D;
        long t = 0;
        _Pragma("unroll")
        for (long a = 0; a < D; a++) {
            _Pragma("unroll")
            for (long b = 0; b <= a; b++) target[a * D + b] += acc[t++][l];
        }
    }
}

ALWAYS_INLINE void grams_body(const double *restrict x, long rows, long f, const double *restrict r, long k,
                              const double *restrict shifts, const long D, double *restrict moments) {
    for (long c0 = 0; c0 < k; c0 += 8) grams_chunk(x, rows, f, r, k, c0, shifts, D, moments);
}

#define GRAMS_VARIANTS(suffix, attributes)                                                                      \
    attributes static long weighted_grams_##suffix(const double *x, long rows, long f, long d, const double *r,  \
                                                    long k, const double *shifts, double *moments) {            \
        switch (d) {                                                                                            \
        case 1: grams_body(x, rows, f, r, k, shifts, 1, moments); break;                                        \
        case 2: grams_body(x, rows, f, r, k, shifts, 2, moments); break;                                        \
        case 3: grams_body(x, rows, f, r, k, shifts, 3, moments); break;                                        \
        case 4: grams_body(x, rows, f, r, k, shifts, 4, moments); break;                                        \
        case 5: grams_body(x, rows, f, r, k, shifts, 5, moments); break;                                        \
        case 6: grams_body(x, rows, f, r, k, shifts, 6, moments); break;                                        \
        case 7: grams_body(x, rows, f, r, k, shifts, 7, moments); break;                                        \
        case 8: grams_body(x, rows, f, r, k, shifts, 8, moments); break;                                        \
        default: return -2;                                                                                     \
        }                                                                                                       \
        return 0;                                                                                               \
    }

GRAMS_VARIANTS(avx512, GAUSS_ATTRIBUTES_avx512)
GRAMS_VARIANTS(avx2, GAUSS_ATTRIBUTES_avx2)
GRAMS_VARIANTS(baseline, GAUSS_ATTRIBUTES_baseline)

long gauss_weighted_grams(int isa, const double *x, long rows, long f, long d, const double *r, long k,
                          const double *shifts, double *moments) {
    if (d < 1 || d > 8 || f < d) return -2;
    GAUSS_DISPATCH(isa, weighted_grams, x, rows, f, d, r, k, shifts, moments)
}
