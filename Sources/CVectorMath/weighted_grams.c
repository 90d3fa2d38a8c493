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

#include <stdlib.h>

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

/* Wider rows (d > 8), one component at a time. Runs of rows with a
   nonzero responsibility are copied, shifted and scaled, y = √r·(x − s_c),
   into a tile of WIDE_TILE doubles, zero-padded to whole vectors, so that
   it stays in the L1 cache; r·z·zᵀ = y·yᵀ (r ≥ 0: responsibilities times
   non-negative sample weights). Then for each chunk of eight coordinates
   a, the Gram's rows a take up to B vectors of eight coordinates b of y at
   a time, b's chunk at or before a's, 8·B accumulators in registers: each
   broadcast y_a serves B multiply-adds, so the loads stay under the
   multiply-adds. Only the lower block triangle is computed: for d = 32, 80
   vector multiply-adds per row against the 128 of a full Gram, with no
   packing, which OpenBLAS's GEMM of the rows scaled by √r cannot avoid.
   The run's Gram is kept in a padded d × d scratch and its lower triangle
   added to the moments once per component. (Writing z and r·z to two
   tiles instead cost a fifth more at d = 32 and 64: 26.5 against 21.0 and
   85 against 68 ns per row and component, the stores of the copies
   dominating.) */
enum { WIDE_TILE = 2048 };

ALWAYS_INLINE void wide_gram_tile(const double *restrict y, long run, long dp, long ac, long bc, const long B,
                                  double *restrict gram) {
    v8d acc[8][3];
    _Pragma("unroll")
    for (long t = 0; t < 8; t++) {
        _Pragma("unroll")
        for (long q = 0; q < B; q++) acc[t][q] = LOAD8(gram + (8 * ac + t) * dp + 8 * (bc + q));
    }
    for (long i = 0; i < run; i++) {
        v8d v[3];
        _Pragma("unroll")
        for (long q = 0; q < B; q++) v[q] = LOAD8(y + i * dp + 8 * (bc + q));
        const double *restrict ya = y + i * dp + 8 * ac;
        _Pragma("unroll")
        for (long t = 0; t < 8; t++) {
            v8d broadcast = SPLAT(ya[t]);
            _Pragma("unroll")
            for (long q = 0; q < B; q++) acc[t][q] += broadcast * v[q];
        }
    }
    _Pragma("unroll")
    for (long t = 0; t < 8; t++) {
        _Pragma("unroll")
        for (long q = 0; q < B; q++) memcpy(gram + (8 * ac + t) * dp + 8 * (bc + q), &acc[t][q], sizeof acc[t][q]);
    }
}

ALWAYS_INLINE long wide_grams_body(const double *restrict x, long rows, long f, long d, const double *restrict r,
                                   long k, const double *restrict shifts, double *restrict moments, const long B) {
    const long dp = (d + 7) & ~7L, chunks = dp / 8, capacity = WIDE_TILE / dp;
    double *buffer = aligned_alloc(64, (size_t)(WIDE_TILE + dp * dp) * sizeof(double));
    if (!buffer) return -3;
    double *restrict y = buffer, *restrict gram = buffer + WIDE_TILE;
    for (long c = 0; c < k; c++) {
        const double *restrict s = shifts + c * d;
        memset(gram, 0, (size_t)(dp * dp) * sizeof(double));
        /* The shift of the last part-vector of coordinates, zero-padded, and
           the mask of its lanes inside the row. */
        double shift_lanes[8] = {0};
        v8l tail = (v8l){0};
        for (long l = 0; l < d % 8; l++) {
            shift_lanes[l] = s[d - d % 8 + l];
            tail[l] = -1;
        }
        v8d padded_shift = LOAD8(shift_lanes);
        long used = 0;
        for (long i = 0; i < rows;) {
            long run = 0;
            for (; i < rows && run < capacity; i++) {
                double w = r[i * k + c];
                if (w == 0) continue;
                const double *restrict row = x + i * f;
                double *restrict yr = y + run * dp;
                v8d weight = SPLAT(__builtin_sqrt(w));
                long j = 0;
                for (; j + 8 <= d; j += 8) {
                    v8d v = weight * (LOAD8(row + j) - LOAD8(s + j));
                    memcpy(yr + j, &v, sizeof v);
                }
                if (j < d) {
                    /* The last part-vector, zero-padded: read as a whole
                       vector and masked where the row is not the matrix's
                       last (the read stays inside it), else lane by lane. */
                    v8d v;
                    if (i + 1 < rows) {
                        v = LOAD8(row + j) - padded_shift;
                        v = (v8d)((v8l)v & tail);
                    } else {
                        double lanes[8] = {0};
                        for (long l = 0; l < d - j; l++) lanes[l] = row[j + l] - s[j + l];
                        v = LOAD8(lanes);
                    }
                    v *= weight;
                    memcpy(yr + j, &v, sizeof v);
                }
                run += 1;
            }
            if (run == 0) break;
            used += run;
            for (long ac = 0; ac < chunks; ac++) {
                long bc = 0;
                for (; bc + B <= ac + 1; bc += B) wide_gram_tile(y, run, dp, ac, bc, B, gram);
                if (B > 2 && bc + 2 <= ac + 1) { wide_gram_tile(y, run, dp, ac, bc, 2, gram); bc += 2; }
                if (bc <= ac) wide_gram_tile(y, run, dp, ac, bc, 1, gram);
            }
        }
        if (used == 0) continue;
        for (long a = 0; a < d; a++) {
            double *restrict target = moments + (c * d + a) * d;
            for (long b = 0; b <= a; b++) target[b] += gram[a * dp + b];
        }
    }
    free(buffer);
    return 0;
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

/* Three vectors of b (24 accumulators) where there are 32 vector
   registers; one (eight two-register or four-register vectors) where
   there are 16. */
#define WIDE_GRAMS_VARIANTS(suffix, attributes, chunks)                                                       \
    attributes static long wide_grams_##suffix(const double *x, long rows, long f, long d, const double *r,  \
                                               long k, const double *shifts, double *moments) {              \
        return wide_grams_body(x, rows, f, d, r, k, shifts, moments, chunks);                                \
    }

WIDE_GRAMS_VARIANTS(avx512, GAUSS_ATTRIBUTES_avx512, 3)
WIDE_GRAMS_VARIANTS(avx2, GAUSS_ATTRIBUTES_avx2, 1)
WIDE_GRAMS_VARIANTS(baseline, GAUSS_ATTRIBUTES_baseline, 1)

long gauss_weighted_grams(int isa, const double *x, long rows, long f, long d, const double *r, long k,
                          const double *shifts, double *moments) {
    if (d < 1 || d > 8 || f < d) return -2;
    GAUSS_DISPATCH(isa, weighted_grams, x, rows, f, d, r, k, shifts, moments)
}

long gauss_wide_weighted_grams(int isa, const double *x, long rows, long f, long d, const double *r, long k,
                               const double *shifts, double *moments) {
    if (d < 1 || d > WIDE_TILE || f < d) return -2;
    GAUSS_DISPATCH(isa, wide_grams, x, rows, f, d, r, k, shifts, moments)
}
