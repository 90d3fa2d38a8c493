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
