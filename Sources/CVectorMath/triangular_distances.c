// The full-covariance E-step's log-densities in one pass: for each row x and
// component c, ‖xᵀUc − bc‖² with Uc the component's upper-triangular
// precision factor, never storing the projections xᵀUc. A GEMM followed by
// a pass over its result writes and rereads m·K·d values per block, from
// the L2 cache; here the projections live in registers and only their
// squared distances leave them. Uc's triangle is skipped eight columns at a
// time: row l of Uc touches only the column chunks from l's onwards.
//
// Rows of d ≤ 4 go another way (see small_distances): components in the
// lanes rather than coordinates padded to eight.
//
// Registers hold a tile of R ≤ 4 rows by CH ≤ 4 chunks of eight columns
// (up to sixteen accumulators); wider factors go 32 columns at a time, each
// tile's squared distances added up across them. Compiled three times
// (AVX-512, AVX2 with FMA, baseline), the widest the processor has chosen
// at run time. Sums are reassociated and products contracted, which
// changes their rounding, not their accuracy.

#include "CVectorMath.h"
#include "isa.h"
#include "lanes.h"

#define ALWAYS_INLINE static inline __attribute__((always_inline))

/* Adds to dist[r] the lanes of (xᵣᵀU − b)² over the 8·CH columns from t0,
   for the R rows x + r·f: the rows l < t0 of U touch every chunk, the rows
   of chunk q's own eight columns only chunks q onwards. */
ALWAYS_INLINE void tile_distances(const double *restrict x, long f, long d, const double *restrict u,
                                  long dp, const double *restrict b, long t0, const long R, const long CH,
                                  v8d *restrict dist) {
    v8d acc[4][4];
    _Pragma("unroll")
    for (long r = 0; r < R; r++)
        _Pragma("unroll")
        for (long q = 0; q < CH; q++) acc[r][q] = (v8d){0};
    tile_updates(acc, R, 0, CH, x, f, u, dp, t0, 0, t0);
    _Pragma("unroll")
    for (long p = 0; p < CH; p++) {
        long end = t0 + 8 * p + 8 < d ? t0 + 8 * p + 8 : d;
        tile_updates(acc, R, p, CH, x, f, u, dp, t0, t0 + 8 * p, end);
    }
    _Pragma("unroll")
    for (long q = 0; q < CH; q++) {
        v8d mean = LOAD8(b + t0 + 8 * q);
        _Pragma("unroll")
        for (long r = 0; r < R; r++) {
            v8d e = acc[r][q] - mean;
            dist[r] += e * e;
        }
    }
}

/* out[(i + r)·k + c] for the R rows from x: the column tiles of 32, the
   last one narrower, then the rows' lanes summed. */
ALWAYS_INLINE void row_tile(const double *restrict x, long f, long d, const double *restrict u, long dp,
                            const double *restrict b, double constant, const long R, long k, double *restrict out) {
    v8d dist[4] = {{0}, {0}, {0}, {0}};
    long t0 = 0;
    for (; t0 + 32 <= dp; t0 += 32) tile_distances(x, f, d, u, dp, b, t0, R, 4, dist);
    switch ((dp - t0) / 8) {
    case 3: tile_distances(x, f, d, u, dp, b, t0, R, 3, dist); break;
    case 2: tile_distances(x, f, d, u, dp, b, t0, R, 2, dist); break;
    case 1: tile_distances(x, f, d, u, dp, b, t0, R, 1, dist); break;
    default: break;
    }
    /* Lanes 0–3 of the halves' sum: the four rows' distances. */
    v8d quads = QUADS(PAIRS(dist[0], dist[1]), PAIRS(dist[2], dist[3]));
    _Pragma("unroll")
    for (long r = 0; r < R; r++) out[r * k] = constant - 0.5 * (quads[r] + quads[r + 4]);
}

ALWAYS_INLINE void triangular_distances_body(const double *restrict x, long rows, long f, long d,
                                             const double *restrict factors, long dp,
                                             const double *restrict means, const double *restrict constants,
                                             long k, double *restrict out) {
    for (long c = 0; c < k; c++) {
        const double *u = factors + c * d * dp, *b = means + c * dp;
        long i = 0;
        for (; i + 4 <= rows; i += 4) row_tile(x + i * f, f, d, u, dp, b, constants[c], 4, k, out + i * k + c);
        switch (rows - i) {
        case 3: row_tile(x + i * f, f, d, u, dp, b, constants[c], 3, k, out + i * k + c); break;
        case 2: row_tile(x + i * f, f, d, u, dp, b, constants[c], 2, k, out + i * k + c); break;
        case 1: row_tile(x + i * f, f, d, u, dp, b, constants[c], 1, k, out + i * k + c); break;
        default: break;
        }
    }
}

/* Rows of D ≤ SMALL_D coordinates: padded to a vector of eight, most of a
   tile's lanes would be zeros, and each component's distance would end in
   a sum across lanes. Here eight components share each vector instead: for
   a row, yⱼ = Σ_{t ≤ j} x_t·U[t][j] − b[j] is D(D + 1)/2 broadcast
   multiply-adds per eight components and the distance Σⱼ yⱼ² D more, with
   no reduction across lanes. The factors of eight components at a time are
   first laid out lane by lane: U[t][j] of component c0 + l at lane l. */
#define SMALL_D 4

ALWAYS_INLINE void small_distances(const double *restrict x, long rows, long f, const double *restrict factors, long dp,
                                   const double *restrict means, const double *restrict constants, long k,
                                   const long D, double *restrict out) {
    for (long c0 = 0; c0 < k; c0 += 8) {
        const long count = k - c0 < 8 ? k - c0 : 8;
        v8d u[SMALL_D][SMALL_D], b[SMALL_D], constant = (v8d){0};
        _Pragma("unroll")
        for (long j = 0; j < D; j++) {
            b[j] = (v8d){0};
            _Pragma("unroll")
            for (long t = 0; t <= j; t++) u[t][j] = (v8d){0};
        }
        for (long l = 0; l < count; l++) {
            const long c = c0 + l;
            constant[l] = constants[c];
            _Pragma("unroll")
            for (long j = 0; j < D; j++) {
                b[j][l] = means[c * dp + j];
                _Pragma("unroll")
                for (long t = 0; t <= j; t++) u[t][j][l] = factors[(c * D + t) * dp + j];
            }
        }
        for (long i = 0; i < rows; i++) {
            const double *row = x + i * f;
            v8d distance = (v8d){0};
            _Pragma("unroll")
            for (long j = 0; j < D; j++) {
                v8d y = -b[j];
                _Pragma("unroll")
                for (long t = 0; t <= j; t++) y += SPLAT(row[t]) * u[t][j];
                distance += y * y;
            }
            v8d result = constant - 0.5 * distance;
            double *target = out + i * k + c0;
            if (count == 8) {
                memcpy(target, &result, sizeof result);
            } else {
                for (long l = 0; l < count; l++) target[l] = result[l];
            }
        }
    }
}

#define TRIANGULAR_VARIANTS(suffix, attributes)                                                                \
    attributes static long triangular_distances_##suffix(                                                      \
        const double *x, long rows, long f, long d, const double *factors, long dp, const double *means,      \
        const double *constants, long k, double *out) {                                                        \
        switch (d) {                                                                                           \
        case 1: small_distances(x, rows, f, factors, dp, means, constants, k, 1, out); break;                  \
        case 2: small_distances(x, rows, f, factors, dp, means, constants, k, 2, out); break;                  \
        case 3: small_distances(x, rows, f, factors, dp, means, constants, k, 3, out); break;                  \
        case 4: small_distances(x, rows, f, factors, dp, means, constants, k, 4, out); break;                  \
        default: triangular_distances_body(x, rows, f, d, factors, dp, means, constants, k, out);              \
        }                                                                                                      \
        return 0;                                                                                              \
    }

TRIANGULAR_VARIANTS(avx512, GAUSS_ATTRIBUTES_avx512)
TRIANGULAR_VARIANTS(avx2, GAUSS_ATTRIBUTES_avx2)
TRIANGULAR_VARIANTS(baseline, GAUSS_ATTRIBUTES_baseline)

long gauss_triangular_log_densities(int isa, const double *x, long rows, long f, long d, const double *factors,
                                    long dp, const double *means, const double *constants, long k, double *out) {
    if (dp % 8 != 0 || dp < d) return -2;
    GAUSS_DISPATCH(isa, triangular_distances, x, rows, f, d, factors, dp, means, constants, k, out)
}
