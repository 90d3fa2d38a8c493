// The log-densities of the families whose E-step is a product of the
// features with a short matrix of coefficients (spherical, diagonal, and
// diagonal after a shared rotation): out[i][c] = constants[c] − ½·max(0,
// φᵢ·C[:, c]), with C of F rows and a few dozen columns at most (callers
// keep C within the L2 cache). A tile of eight rows keeps one accumulator
// per row and eight components in registers, and the offset is applied as
// the accumulators leave them. The product itself is bound by its
// multiply-adds, as OpenBLAS's GEMM nearly was; what this saves is the
// separate offset pass over a forms scratch (about 3% of a VVI iteration
// at d = 32, K = 8) and OpenBLAS's threading of small products.
//
// Compiled three times (AVX-512, AVX2 with FMA, baseline), the widest the
// processor has chosen at run time. Sums are reassociated and products
// contracted, which changes their rounding, not their accuracy.

#include "CVectorMath.h"
#include "isa.h"
#include "lanes.h"

#define ALWAYS_INLINE static inline __attribute__((always_inline))

/* Components c0 ..< c0 + 8·CH of R rows from their accumulators (sums
   φ·C, vector q of row r in acc[r][q]): out[r][c] = constants[c] −
   ½·max(0, sum), the last vector's components beyond k left unwritten. */
ALWAYS_INLINE void store_forms(v8d acc[][4], const long R, const long CH, const double *restrict constants, long k,
                               long c0, double *restrict out) {
    _Pragma("unroll")
    for (long q = 0; q < CH; q++) {
        long first = c0 + 8 * q, count = k - first < 8 ? k - first : 8;
        if (count <= 0) break;
        _Pragma("unroll")
        for (long r = 0; r < R; r++) {
            double *target = out + r * k + first;
            v8d s = __builtin_elementwise_max(acc[r][q], (v8d){0});
            if (count == 8) {
                v8d result = LOAD8(constants + first) - 0.5 * s;
                memcpy(target, &result, sizeof result);
            } else {
                for (long l = 0; l < count; l++) target[l] = constants[first + l] - 0.5 * s[l];
            }
        }
    }
}

/* Components c0 ..< c0 + 8·CH (CH ≤ 2 vectors of eight) of the R ≤ 8 rows
   from phi. */
ALWAYS_INLINE void forms_tile(const double *restrict phi, long f, const double *restrict coefficients, long kp,
                              const double *restrict constants, long k, long c0, const long R, const long CH,
                              double *restrict out) {
    v8d acc[8][4];
    _Pragma("unroll")
    for (long r = 0; r < R; r++) {
        _Pragma("unroll")
        for (long q = 0; q < CH; q++) acc[r][q] = (v8d){0};
    }
    tile_updates(acc, R, 0, CH, phi, f, coefficients, kp, c0, 0, f);
    store_forms(acc, R, CH, constants, k, c0, out);
}

ALWAYS_INLINE void row_tile(const double *restrict phi, long f, const double *restrict coefficients, long kp,
                            const double *restrict constants, long k, const long R, double *restrict out) {
    long c0 = 0;
    for (; c0 + 16 <= kp; c0 += 16) forms_tile(phi, f, coefficients, kp, constants, k, c0, R, 2, out);
    if (c0 < kp) forms_tile(phi, f, coefficients, kp, constants, k, c0, R, 1, out);
}

ALWAYS_INLINE void linear_forms_body(const double *restrict phi, long rows, long f,
                                     const double *restrict coefficients, long kp,
                                     const double *restrict constants, long k, double *restrict out) {
    long i = 0;
    for (; i + 8 <= rows; i += 8) row_tile(phi + i * f, f, coefficients, kp, constants, k, 8, out + i * k);
    for (; i < rows; i++) row_tile(phi + i * f, f, coefficients, kp, constants, k, 1, out + i * k);
}

#define FORMS_VARIANTS(suffix, attributes)                                                                     \
    attributes static long linear_forms_##suffix(const double *phi, long rows, long f,                         \
                                                 const double *coefficients, long kp,                          \
                                                 const double *constants, long k, double *out) {               \
        linear_forms_body(phi, rows, f, coefficients, kp, constants, k, out);                                  \
        return 0;                                                                                              \
    }

FORMS_VARIANTS(avx512, GAUSS_ATTRIBUTES_avx512)
FORMS_VARIANTS(avx2, GAUSS_ATTRIBUTES_avx2)
FORMS_VARIANTS(baseline, GAUSS_ATTRIBUTES_baseline)

long gauss_linear_forms(int isa, const double *phi, long rows, long f, const double *coefficients, long kp,
                        const double *constants, long k, double *out) {
    if (kp % 8 != 0 || kp < k) return -2;
    GAUSS_DISPATCH(isa, linear_forms, phi, rows, f, coefficients, kp, constants, k, out)
}

// The diagonal layout's forms straight from the rows, never writing their
// features [z∘z, z, 1] (z = x − center): zᵢⱼ²·C[j] + zᵢⱼ·C[d + j] is taken
// as z·(z·C[j] + C[d + j]), two multiply-adds per coefficient vector as
// from written features, and the block's 2d + 1 features per row are no
// longer stored and read back through the L2 cache (at d = 32 writing them
// took as long as the product).
ALWAYS_INLINE void diagonal_tile(const double *restrict x, long d, const double *restrict center,
                                 const double *restrict coefficients, long kp, const double *restrict constants,
                                 long k, long c0, const long R, const long CH, double *restrict out) {
    v8d acc[8][4];  /* two used: the shape store_forms takes */
    _Pragma("unroll")
    for (long r = 0; r < R; r++) {
        _Pragma("unroll")
        for (long q = 0; q < CH; q++) acc[r][q] = LOAD8(coefficients + 2 * d * kp + c0 + 8 * q);
    }
    for (long j = 0; j < d; j++) {
        v8d squares[2], linear[2];
        _Pragma("unroll")
        for (long q = 0; q < CH; q++) {
            squares[q] = LOAD8(coefficients + j * kp + c0 + 8 * q);
            linear[q] = LOAD8(coefficients + (d + j) * kp + c0 + 8 * q);
        }
        _Pragma("unroll")
        for (long r = 0; r < R; r++) {
            v8d z = SPLAT(x[r * d + j] - center[j]);
            _Pragma("unroll")
            for (long q = 0; q < CH; q++) acc[r][q] += z * (z * squares[q] + linear[q]);
        }
    }
    store_forms(acc, R, CH, constants, k, c0, out);
}

ALWAYS_INLINE void diagonal_row_tile(const double *restrict x, long d, const double *restrict center,
                                     const double *restrict coefficients, long kp, const double *restrict constants,
                                     long k, const long R, double *restrict out) {
    long c0 = 0;
    for (; c0 + 16 <= kp; c0 += 16) diagonal_tile(x, d, center, coefficients, kp, constants, k, c0, R, 2, out);
    if (c0 < kp) diagonal_tile(x, d, center, coefficients, kp, constants, k, c0, R, 1, out);
}

ALWAYS_INLINE void diagonal_forms_body(const double *restrict x, long rows, long d, const double *restrict center,
                                       const double *restrict coefficients, long kp,
                                       const double *restrict constants, long k, double *restrict out) {
    long i = 0;
    for (; i + 8 <= rows; i += 8) diagonal_row_tile(x + i * d, d, center, coefficients, kp, constants, k, 8, out + i * k);
    for (; i < rows; i++) diagonal_row_tile(x + i * d, d, center, coefficients, kp, constants, k, 1, out + i * k);
}

// Rᵀ·[z∘z, z, 1] from the rows, as the statistics' product of the
// responsibilities with the diagonal layout's features would give it: eight
// coordinates of a row in one vector, times eight components' broadcast
// responsibilities, sixteen accumulators per pass over the rows.
ALWAYS_INLINE void diagonal_moments_body(const double *restrict x, long rows, long d, const double *restrict center,
                                         const double *restrict r, long k, double *restrict moments) {
    long f = 2 * d + 1;
    for (long c0 = 0; c0 < k; c0 += 8) {
        long width = k - c0 < 8 ? k - c0 : 8;
        for (long j0 = 0; j0 < d; j0 += 8) {
            long lanes = d - j0 < 8 ? d - j0 : 8;
            double shift[8] = {0};
            for (long l = 0; l < lanes; l++) shift[l] = center[j0 + l];
            v8d origin = LOAD8(shift), squares[8], linear[8];
            _Pragma("unroll")
            for (long c = 0; c < 8; c++) squares[c] = linear[c] = (v8d){0};
            for (long i = 0; i < rows; i++) {
                v8d z;
                if (lanes == 8) {
                    z = LOAD8(x + i * d + j0) - origin;
                } else {
                    double row[8] = {0};
                    for (long l = 0; l < lanes; l++) row[l] = x[i * d + j0 + l];
                    z = LOAD8(row) - origin;
                }
                v8d z2 = z * z;
                const double *restrict weights = r + i * k + c0;
                if (width == 8) {
                    _Pragma("unroll")
                    for (long c = 0; c < 8; c++) {
                        v8d w = SPLAT(weights[c]);
                        squares[c] += w * z2;
                        linear[c] += w * z;
                    }
                } else {
                    for (long c = 0; c < width; c++) {
                        v8d w = SPLAT(weights[c]);
                        squares[c] += w * z2;
                        linear[c] += w * z;
                    }
                }
            }
            for (long c = 0; c < width; c++) {
                for (long l = 0; l < lanes; l++) {
                    moments[(c0 + c) * f + j0 + l] = squares[c][l];
                    moments[(c0 + c) * f + d + j0 + l] = linear[c][l];
                }
            }
        }
        v8d counts = (v8d){0};
        for (long i = 0; i < rows; i++) {
            double row[8] = {0};
            for (long c = 0; c < width; c++) row[c] = r[i * k + c0 + c];
            counts += LOAD8(row);
        }
        for (long c = 0; c < width; c++) moments[(c0 + c) * f + 2 * d] = counts[c];
    }
}

#define DIAGONAL_VARIANTS(suffix, attributes)                                                                  \
    attributes static long diagonal_forms_##suffix(const double *x, long rows, long d, const double *center,   \
                                                   const double *coefficients, long kp,                        \
                                                   const double *constants, long k, double *out) {             \
        diagonal_forms_body(x, rows, d, center, coefficients, kp, constants, k, out);                          \
        return 0;                                                                                              \
    }                                                                                                          \
    attributes static long diagonal_moments_##suffix(const double *x, long rows, long d, const double *center, \
                                                     const double *r, long k, double *moments) {               \
        diagonal_moments_body(x, rows, d, center, r, k, moments);                                              \
        return 0;                                                                                              \
    }

DIAGONAL_VARIANTS(avx512, GAUSS_ATTRIBUTES_avx512)
DIAGONAL_VARIANTS(avx2, GAUSS_ATTRIBUTES_avx2)
DIAGONAL_VARIANTS(baseline, GAUSS_ATTRIBUTES_baseline)

long gauss_diagonal_forms(int isa, const double *x, long rows, long d, const double *center, const double *coefficients,
                          long kp, const double *constants, long k, double *out) {
    if (kp % 8 != 0 || kp < k) return -2;
    GAUSS_DISPATCH(isa, diagonal_forms, x, rows, d, center, coefficients, kp, constants, k, out)
}

long gauss_diagonal_moments(int isa, const double *x, long rows, long d, const double *center, const double *r, long k,
                            double *moments) {
    GAUSS_DISPATCH(isa, diagonal_moments, x, rows, d, center, r, k, moments)
}
