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

// The diagonal and spherical layouts' forms straight from the rows, never
// writing their features: z = x − center is written, a chunk of
// coordinates of a tile of rows at a time, to a buffer in L1 that the
// multiply-adds broadcast from. Formed in registers for each multiply-add,
// z took a subtraction and a broadcast apiece, and the diagonal forms ran
// 20% slower at d = 32 and 64 (faster at d ≤ 8, where the E-step writes
// the features instead: EStep.rowFeaturesMinimumDimension).

/* Coordinates of z per chunk: eight rows of them stay in L1 (8 KiB). */
#define CENTERED_CHUNK 128

/* z = x − center for coordinates j0 ..< j0 + width of the R ≤ 8 rows of x,
   row r at z + r·CENTERED_CHUNK unless z is null (width is then any); with
   norms, also ‖z‖² over those coordinates into norms[r] (0 from R on).
   (Vectors go by pointer: by value, the baseline variant's calls would
   change the ABI.) */
ALWAYS_INLINE void centered_chunk(const double *restrict x, long d, const double *restrict center, long j0, long width,
                                  const long R, double *restrict z, double *restrict norms) {
    v8d sums[8];
    _Pragma("unroll")
    for (long r = 0; r < 8; r++) sums[r] = (v8d){0};
    /* Coordinates outer, rows inner: the rows' sums are independent chains. */
    long j = 0;
    for (; j + 8 <= width; j += 8) {
        v8d origin = LOAD8(center + j0 + j);
        _Pragma("unroll")
        for (long r = 0; r < R; r++) {
            v8d v = LOAD8(x + r * d + j0 + j) - origin;
            if (z) memcpy(z + r * CENTERED_CHUNK + j, &v, sizeof v);
            sums[r] += v * v;
        }
    }
    if (j < width) {
        for (long r = 0; r < R; r++) {
            double tail[8] = {0};
            for (long l = j; l < width; l++) tail[l - j] = x[r * d + j0 + l] - center[j0 + l];
            if (z) memcpy(z + r * CENTERED_CHUNK + j, tail, (size_t)(width - j) * sizeof(double));
            v8d v = LOAD8(tail);
            sums[r] += v * v;
        }
    }
    if (norms) {
        v8d total = LANE_SUMS(sums);
        memcpy(norms, &total, sizeof total);
    }
}

// The diagonal layout's forms: zᵢⱼ²·C[j] + zᵢⱼ·C[d + j] is taken as
// z·(z·C[j] + C[d + j]), two multiply-adds per coefficient vector as from
// written features; with `filled`, z holds all d coordinates already.
ALWAYS_INLINE void diagonal_tile(const double *restrict x, long d, const double *restrict center, double *restrict z,
                                 int filled, const double *restrict coefficients, long kp,
                                 const double *restrict constants, long k, long c0, const long R, const long CH,
                                 double *restrict out) {
    v8d acc[8][4];  /* two used: the shape store_forms takes */
    _Pragma("unroll")
    for (long r = 0; r < R; r++) {
        _Pragma("unroll")
        for (long q = 0; q < CH; q++) acc[r][q] = LOAD8(coefficients + 2 * d * kp + c0 + 8 * q);
    }
    for (long j0 = 0; j0 < d; j0 += CENTERED_CHUNK) {
        long width = d - j0 < CENTERED_CHUNK ? d - j0 : CENTERED_CHUNK;
        if (!filled) centered_chunk(x, d, center, j0, width, R, z, 0);
        for (long j = 0; j < width; j++) {
            v8d squares[2], linear[2];
            _Pragma("unroll")
            for (long q = 0; q < CH; q++) {
                squares[q] = LOAD8(coefficients + (j0 + j) * kp + c0 + 8 * q);
                linear[q] = LOAD8(coefficients + (d + j0 + j) * kp + c0 + 8 * q);
            }
            _Pragma("unroll")
            for (long r = 0; r < R; r++) {
                v8d v = SPLAT(z[r * CENTERED_CHUNK + j]);
                _Pragma("unroll")
                for (long q = 0; q < CH; q++) acc[r][q] += v * (v * squares[q] + linear[q]);
            }
        }
    }
    store_forms(acc, R, CH, constants, k, c0, out);
}

ALWAYS_INLINE void diagonal_row_tile(const double *restrict x, long d, const double *restrict center,
                                     const double *restrict coefficients, long kp, const double *restrict constants,
                                     long k, const long R, double *restrict out) {
    double z[8 * CENTERED_CHUNK];
    int filled = d <= CENTERED_CHUNK;
    if (filled) centered_chunk(x, d, center, 0, d, R, z, 0);
    long c0 = 0;
    for (; c0 + 16 <= kp; c0 += 16) diagonal_tile(x, d, center, z, filled, coefficients, kp, constants, k, c0, R, 2, out);
    if (c0 < kp) diagonal_tile(x, d, center, z, filled, coefficients, kp, constants, k, c0, R, 1, out);
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

// The spherical layout's forms and moments straight from the rows, never
// writing their features [z, ‖z‖², 1]: ‖z‖² is taken once per row, eight
// coordinates at a time (centered_chunk).

/* Components c0 ..< c0 + 8·CH of the spherical layout's forms for the
   R ≤ 8 rows, whose ‖z‖² are norms[r]: one multiply-add per coordinate and
   coefficient vector; with `filled`, z holds all d coordinates already. */
ALWAYS_INLINE void spherical_tile(const double *restrict x, long d, const double *restrict center, double *restrict z,
                                  int filled, const double *restrict norms, const double *restrict coefficients,
                                  long kp, const double *restrict constants, long k, long c0, const long R,
                                  const long CH, double *restrict out) {
    v8d acc[8][4];  /* two used: the shape store_forms takes */
    v8d squares[2];
    _Pragma("unroll")
    for (long q = 0; q < CH; q++) squares[q] = LOAD8(coefficients + d * kp + c0 + 8 * q);
    _Pragma("unroll")
    for (long r = 0; r < R; r++) {
        _Pragma("unroll")
        for (long q = 0; q < CH; q++) acc[r][q] = LOAD8(coefficients + (d + 1) * kp + c0 + 8 * q) + norms[r] * squares[q];
    }
    for (long j0 = 0; j0 < d; j0 += CENTERED_CHUNK) {
        long width = d - j0 < CENTERED_CHUNK ? d - j0 : CENTERED_CHUNK;
        if (!filled) centered_chunk(x, d, center, j0, width, R, z, 0);
        tile_updates(acc, R, 0, CH, z, CENTERED_CHUNK, coefficients + j0 * kp, kp, c0, 0, width);
    }
    store_forms(acc, R, CH, constants, k, c0, out);
}

ALWAYS_INLINE void spherical_row_tile(const double *restrict x, long d, const double *restrict center,
                                      const double *restrict coefficients, long kp, const double *restrict constants,
                                      long k, const long R, double *restrict out) {
    double z[8 * CENTERED_CHUNK], norms[8];
    int filled = d <= CENTERED_CHUNK;
    if (filled) {
        centered_chunk(x, d, center, 0, d, R, z, norms);
    } else {
        centered_chunk(x, d, center, 0, d, R, 0, norms);
    }
    long c0 = 0;
    for (; c0 + 16 <= kp; c0 += 16) spherical_tile(x, d, center, z, filled, norms, coefficients, kp, constants, k, c0, R, 2, out);
    if (c0 < kp) spherical_tile(x, d, center, z, filled, norms, coefficients, kp, constants, k, c0, R, 1, out);
}

ALWAYS_INLINE void spherical_forms_body(const double *restrict x, long rows, long d, const double *restrict center,
                                        const double *restrict coefficients, long kp,
                                        const double *restrict constants, long k, double *restrict out) {
    long i = 0;
    for (; i + 8 <= rows; i += 8) spherical_row_tile(x + i * d, d, center, coefficients, kp, constants, k, 8, out + i * k);
    for (; i < rows; i++) spherical_row_tile(x + i * d, d, center, coefficients, kp, constants, k, 1, out + i * k);
}

/* Eight lanes of row i's responsibilities from component c0 (zeros past k). */
#define RESPONSIBILITY_LANES(r, i, k, c0) ({                                  \
    v8d lanes_;                                                               \
    if ((k) - (c0) >= 8) {                                                    \
        lanes_ = LOAD8((r) + (i) * (k) + (c0));                               \
    } else {                                                                  \
        double row_[8] = {0};                                                 \
        for (long c_ = (c0); c_ < (k); c_++) row_[c_ - (c0)] = (r)[(i) * (k) + c_]; \
        lanes_ = LOAD8(row_);                                                 \
    }                                                                         \
    lanes_;                                                                   \
})

/* Σᵢ rᵢ·zᵢⱼ for the `width` ≤ 8 components from c0 and the `lanes` ≤ 8·V
   coordinates from j0, into the moments' first d columns (f per row). */
ALWAYS_INLINE void spherical_linear_pass(const double *restrict x, long rows, long d, const double *restrict center,
                                         const double *restrict r, long k, long c0, long width, long j0, long lanes,
                                         const long V, long f, double *restrict moments) {
    double shift[16] = {0};
    for (long l = 0; l < lanes; l++) shift[l] = center[j0 + l];
    v8d origin[2] = {LOAD8(shift), LOAD8(shift + 8)}, linear[8][2];
    _Pragma("unroll")
    for (long c = 0; c < 8; c++) linear[c][0] = linear[c][1] = (v8d){0};
    for (long i = 0; i < rows; i++) {
        v8d z[2];
        if (lanes == 8 * V) {
            _Pragma("unroll")
            for (long v = 0; v < V; v++) z[v] = LOAD8(x + i * d + j0 + 8 * v) - origin[v];
        } else {
            double row[16] = {0};
            for (long l = 0; l < lanes; l++) row[l] = x[i * d + j0 + l];
            _Pragma("unroll")
            for (long v = 0; v < V; v++) z[v] = LOAD8(row + 8 * v) - origin[v];
        }
        const double *restrict weights = r + i * k + c0;
        if (width == 8) {
            _Pragma("unroll")
            for (long c = 0; c < 8; c++) {
                v8d w = SPLAT(weights[c]);
                _Pragma("unroll")
                for (long v = 0; v < V; v++) linear[c][v] += w * z[v];
            }
        } else {
            for (long c = 0; c < width; c++) {
                v8d w = SPLAT(weights[c]);
                _Pragma("unroll")
                for (long v = 0; v < V; v++) linear[c][v] += w * z[v];
            }
        }
    }
    /* Stored whole first: lanes picked at run time would keep the
       accumulators in memory through the loop above. */
    double sums[8][16];
    _Pragma("unroll")
    for (long c = 0; c < 8; c++) {
        _Pragma("unroll")
        for (long v = 0; v < V; v++) memcpy(&sums[c][8 * v], &linear[c][v], sizeof(v8d));
    }
    for (long c = 0; c < width; c++) {
        for (long l = 0; l < lanes; l++) moments[(c0 + c) * f + j0 + l] = sums[c][l];
    }
}

// Rᵀ·[z, ‖z‖², 1] from the rows: Σ r·z with up to two vectors of
// coordinates times eight components' broadcast responsibilities (sixteen
// accumulators per pass over the rows), then Σ r·‖z‖² and Σ r with eight
// components' responsibilities in one vector.
ALWAYS_INLINE void spherical_moments_body(const double *restrict x, long rows, long d, const double *restrict center,
                                          const double *restrict r, long k, double *restrict moments) {
    long f = d + 2;
    for (long c0 = 0; c0 < k; c0 += 8) {
        long width = k - c0 < 8 ? k - c0 : 8;
        for (long j0 = 0; j0 < d; j0 += 16) {
            long lanes = d - j0 < 16 ? d - j0 : 16;
            if (lanes > 8) {
                spherical_linear_pass(x, rows, d, center, r, k, c0, width, j0, lanes, 2, f, moments);
            } else {
                spherical_linear_pass(x, rows, d, center, r, k, c0, width, j0, lanes, 1, f, moments);
            }
        }
        v8d squares[2] = {(v8d){0}, (v8d){0}}, counts[2] = {(v8d){0}, (v8d){0}};
        long i = 0;
        for (; i + 8 <= rows; i += 8) {
            double norms[8];
            centered_chunk(x + i * d, d, center, 0, d, 8, 0, norms);
            _Pragma("unroll")
            for (long l = 0; l < 8; l++) {
                v8d w = RESPONSIBILITY_LANES(r, i + l, k, c0);
                squares[l % 2] += norms[l] * w;
                counts[l % 2] += w;
            }
        }
        for (; i < rows; i++) {
            v8d w = RESPONSIBILITY_LANES(r, i, k, c0);
            double norm[8];
            centered_chunk(x + i * d, d, center, 0, d, 1, 0, norm);
            squares[0] += norm[0] * w;
            counts[0] += w;
        }
        v8d square = squares[0] + squares[1], count = counts[0] + counts[1];
        for (long c = 0; c < width; c++) {
            moments[(c0 + c) * f + d] = square[c];
            moments[(c0 + c) * f + d + 1] = count[c];
        }
    }
}

/* Each layout's forms and moments from the rows, in each instruction set. */
#define ROW_KERNEL_VARIANTS(layout, suffix, attributes)                                                        \
    attributes static long layout##_forms_##suffix(const double *x, long rows, long d, const double *center,   \
                                                   const double *coefficients, long kp,                        \
                                                   const double *constants, long k, double *out) {             \
        layout##_forms_body(x, rows, d, center, coefficients, kp, constants, k, out);                          \
        return 0;                                                                                              \
    }                                                                                                          \
    attributes static long layout##_moments_##suffix(const double *x, long rows, long d, const double *center, \
                                                     const double *r, long k, double *moments) {               \
        layout##_moments_body(x, rows, d, center, r, k, moments);                                              \
        return 0;                                                                                              \
    }

ROW_KERNEL_VARIANTS(diagonal, avx512, GAUSS_ATTRIBUTES_avx512)
ROW_KERNEL_VARIANTS(diagonal, avx2, GAUSS_ATTRIBUTES_avx2)
ROW_KERNEL_VARIANTS(diagonal, baseline, GAUSS_ATTRIBUTES_baseline)
ROW_KERNEL_VARIANTS(spherical, avx512, GAUSS_ATTRIBUTES_avx512)
ROW_KERNEL_VARIANTS(spherical, avx2, GAUSS_ATTRIBUTES_avx2)
ROW_KERNEL_VARIANTS(spherical, baseline, GAUSS_ATTRIBUTES_baseline)

long gauss_spherical_forms(int isa, const double *x, long rows, long d, const double *center,
                           const double *coefficients, long kp, const double *constants, long k, double *out) {
    if (kp % 8 != 0 || kp < k) return -2;
    GAUSS_DISPATCH(isa, spherical_forms, x, rows, d, center, coefficients, kp, constants, k, out)
}

long gauss_spherical_moments(int isa, const double *x, long rows, long d, const double *center, const double *r,
                             long k, double *moments) {
    GAUSS_DISPATCH(isa, spherical_moments, x, rows, d, center, r, k, moments)
}

long gauss_diagonal_forms(int isa, const double *x, long rows, long d, const double *center, const double *coefficients,
                          long kp, const double *constants, long k, double *out) {
    if (kp % 8 != 0 || kp < k) return -2;
    GAUSS_DISPATCH(isa, diagonal_forms, x, rows, d, center, coefficients, kp, constants, k, out)
}

long gauss_diagonal_moments(int isa, const double *x, long rows, long d, const double *center, const double *r, long k,
                            double *moments) {
    GAUSS_DISPATCH(isa, diagonal_moments, x, rows, d, center, r, k, moments)
}
