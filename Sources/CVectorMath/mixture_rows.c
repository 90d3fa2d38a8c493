// The per-row loops of a Gaussian mixture's E-step and statistics that are
// not products: writing a block's features, finishing its log-densities from
// the products' results, and scaling rows for a component's scatter.
//
// Swift compiles these loops for the baseline instruction set only; here
// each is compiled three times (AVX-512, AVX2 with FMA, baseline) and the
// widest the processor has is chosen at run time, as for the exponentials.
// Sums over a row are reassociated (vector lanes, then across them), which
// changes their rounding but not their accuracy.
//
// Each kernel exists for double rows (suffix f64) and float rows (f32);
// results that leave the row's precision (log-densities) are double.

#include "CVectorMath.h"
#include "isa.h"
#include "lanes.h"

typedef v8d lanes_f64;
typedef v8f lanes_f32;

#define ALWAYS_INLINE static inline __attribute__((always_inline))

#define MIXTURE_BODIES(T, S)                                                                                    \
    ALWAYS_INLINE void write_features_body_##S(int kind, const T *restrict x, long rows, long d,               \
                                                const T *restrict center, T *restrict features) {              \
        long f = kind == GAUSS_FEATURES_COORDINATES ? d + 1 : (kind == GAUSS_FEATURES_SPHERICAL ? d + 2 : 2 * d + 1); \
        for (long i = 0; i < rows; i++) {                                                                     \
            const T *restrict row = x + i * d;                                                                 \
            T *restrict out = features + i * f;                                                                \
            if (kind == GAUSS_FEATURES_DIAGONAL) {                                                             \
                for (long j = 0; j < d; j++) {                                                                 \
                    T v = row[j] - center[j];                                                                  \
                    out[j] = v * v;                                                                            \
                    out[d + j] = v;                                                                            \
                }                                                                                              \
                out[2 * d] = 1;                                                                                \
                continue;                                                                                      \
            }                                                                                                  \
            for (long j = 0; j < d; j++) out[j] = row[j] - center[j];                                         \
            if (kind == GAUSS_FEATURES_SPHERICAL) {                                                            \
                _Pragma("clang fp reassociate(on)")                                                            \
                T norm = 0;                                                                                    \
                for (long j = 0; j < d; j++) norm += out[j] * out[j];                                          \
                out[d] = norm;                                                                                 \
                out[d + 1] = 1;                                                                                \
            } else {                                                                                           \
                out[d] = 1;                                                                                    \
            }                                                                                                  \
        }                                                                                                      \
    }                                                                                                          \
                                                                                                               \
    ALWAYS_INLINE void offset_forms_body_##S(const T *restrict forms, long rows, long k,                       \
                                              const double *restrict constants, double *restrict out) {        \
        for (long i = 0; i < rows; i++) {                                                                     \
            for (long c = 0; c < k; c++) {                                                                     \
                double s = (double)forms[i * k + c];                                                           \
                out[i * k + c] = constants[c] - 0.5 * (s > 0 ? s : 0);                                         \
            }                                                                                                  \
        }                                                                                                      \
    }                                                                                                          \
                                                                                                               \
    /* Adds to *lanes the lanes of ‖y − b‖² over `count` values: eight at a  \
       time, the remainder (when count is not a multiple of eight) into lane \
       0. (Through a pointer: a vector argument or result would change ABI \
       with the instruction set.) */                                       \
    ALWAYS_INLINE void add_distance_lanes_##S(lanes_##S *restrict lanes, const T *restrict y, const T *restrict b, \
                                              long count) {                                                    \
        long j = 0;                                                                                            \
        for (; j + 8 <= count; j += 8) {                                                                       \
            lanes_##S v = LOAD_LANES(lanes_##S, y + j) - LOAD_LANES(lanes_##S, b + j);                          \
            *lanes += v * v;                                                                                   \
        }                                                                                                      \
        if (j < count) {                                                                                       \
            _Pragma("clang fp reassociate(on)")                                                                \
            T rest = 0;                                                                                        \
            for (; j < count; j++) {                                                                           \
                T v = y[j] - b[j];                                                                             \
                rest += v * v;                                                                                 \
            }                                                                                                  \
            (*lanes)[0] += rest;                                                                               \
        }                                                                                                      \
    }                                                                                                          \
                                                                                                               \
    /* Eight components of a row at a time: each component's distance in     \
       lanes, then the eight reduced together (LANE_SUMS), so no component   \
       pays for a reduction of its own. */                                   \
    ALWAYS_INLINE void split_projection_densities_body_##S(                                                    \
        const T *restrict leading, long leading_stride, const T *restrict trailing, long trailing_stride,      \
        long rows, long first, long members, long h, long d, const T *restrict projected_means,                \
        const double *restrict constants, long k, double *restrict out) {                                      \
        for (long i = 0; i < rows; i++) {                                                                     \
            const T *row_leading = leading + i * leading_stride, *row_trailing = trailing + i * trailing_stride; \
            for (long start = 0; start < members; start += 8) {                                                \
                long count = members - start < 8 ? members - start : 8;                                        \
                lanes_##S lanes[8];                                                                            \
                for (long s = 0; s < 8; s++) {                                                                 \
                    lanes[s] = (lanes_##S){0};                                                                 \
                    if (s >= count) continue;                                                                  \
                    long slot = start + s;                                                                     \
                    const T *b = projected_means + (first + slot) * d;                                         \
                    add_distance_lanes_##S(&lanes[s], row_leading + slot * h, b, h);                           \
                    add_distance_lanes_##S(&lanes[s], row_trailing + slot * (d - h), b + h, d - h);            \
                }                                                                                              \
                v8d sums = __builtin_convertvector(LANE_SUMS(lanes), v8d);                                     \
                double *target = out + i * k + first + start;                                                  \
                const double *constant = constants + first + start;                                            \
                if (count == 8) {                                                                              \
                    v8d result = LOAD8(constant) - 0.5 * sums;                                                 \
                    memcpy(target, &result, sizeof result);                                                   \
                } else {                                                                                       \
                    for (long s = 0; s < count; s++) target[s] = constant[s] - 0.5 * sums[s];                  \
                }                                                                                              \
            }                                                                                                  \
        }                                                                                                      \
    }                                                                                                          \
                                                                                                               \
    ALWAYS_INLINE long scaled_rows_body_##S(const T *restrict features, long rows, long f, long d,             \
                                             const T *restrict scales, long scale_stride,                      \
                                             const T *restrict shift, T *restrict out) {                       \
        long used = 0;                                                                                         \
        for (long i = 0; i < rows; i++) {                                                                     \
            T s = scales ? scales[i * scale_stride] : 1;                                                       \
            if (s == 0) continue;                                                                              \
            const T *restrict row = features + i * f;                                                          \
            T *restrict target = out + used * d;                                                               \
            for (long j = 0; j < d; j++) target[j] = s * (row[j] - shift[j]);                                  \
            used += 1;                                                                                         \
        }                                                                                                      \
        return used;                                                                                           \
    }                                                                                                          \
                                                                                                               \
    ALWAYS_INLINE void square_roots_body_##S(const T *restrict x, long count, T *restrict out) {               \
        long i = 0;                                                                                            \
        for (; i + 8 <= count; i += 8) {                                                                       \
            lanes_##S v = __builtin_elementwise_sqrt(LOAD_LANES(lanes_##S, x + i));                             \
            memcpy(out + i, &v, sizeof v);                                                                     \
        }                                                                                                      \
        for (; i < count; i++) out[i] = __builtin_elementwise_sqrt(x[i]);                                      \
    }

MIXTURE_BODIES(double, f64)
MIXTURE_BODIES(float, f32)

/* Each kernel compiled for one instruction set. All return long (0 for
   those that return nothing) so that one dispatcher serves them all. */
#define MIXTURE_VARIANTS(T, S, suffix, attributes)                                                               \
    attributes static long write_features_##S##_##suffix(int kind, const T *x, long rows, long d, const T *center, \
                                                         T *features) {                                           \
        write_features_body_##S(kind, x, rows, d, center, features);                                            \
        return 0;                                                                                              \
    }                                                                                                          \
    attributes static long offset_forms_##S##_##suffix(const T *forms, long rows, long k, const double *constants, \
                                                       double *out) {                                             \
        offset_forms_body_##S(forms, rows, k, constants, out);                                                   \
        return 0;                                                                                              \
    }                                                                                                          \
    attributes static long split_projection_densities_##S##_##suffix(                                          \
        const T *leading, long leading_stride, const T *trailing, long trailing_stride, long rows, long first,   \
        long members, long h, long d, const T *projected_means, const double *constants, long k, double *out) {  \
        split_projection_densities_body_##S(leading, leading_stride, trailing, trailing_stride, rows, first,     \
                                            members, h, d, projected_means, constants, k, out);                   \
        return 0;                                                                                              \
    }                                                                                                          \
    attributes static long scaled_rows_##S##_##suffix(const T *features, long rows, long f, long d, const T *scales, \
                                                      long scale_stride, const T *shift, T *out) {                \
        /* Short rows compiled each at their own width: a loop over a row of  \
           runtime length 2 to 8 spends more in its set-up and remainder than \
           in the row. */                                                       \
        switch (d) {                                                                                           \
        case 2: return scaled_rows_body_##S(features, rows, f, 2, scales, scale_stride, shift, out);           \
        case 3: return scaled_rows_body_##S(features, rows, f, 3, scales, scale_stride, shift, out);           \
        case 4: return scaled_rows_body_##S(features, rows, f, 4, scales, scale_stride, shift, out);           \
        case 5: return scaled_rows_body_##S(features, rows, f, 5, scales, scale_stride, shift, out);           \
        case 6: return scaled_rows_body_##S(features, rows, f, 6, scales, scale_stride, shift, out);           \
        case 8: return scaled_rows_body_##S(features, rows, f, 8, scales, scale_stride, shift, out);           \
        default: return scaled_rows_body_##S(features, rows, f, d, scales, scale_stride, shift, out);          \
        }                                                                                                      \
    }                                                                                                          \
    attributes static long square_roots_##S##_##suffix(const T *x, long count, T *out) {                       \
        square_roots_body_##S(x, count, out);                                                                  \
        return 0;                                                                                              \
    }

MIXTURE_VARIANTS(double, f64, avx512, GAUSS_ATTRIBUTES_avx512)
MIXTURE_VARIANTS(double, f64, avx2, GAUSS_ATTRIBUTES_avx2)
MIXTURE_VARIANTS(double, f64, baseline, GAUSS_ATTRIBUTES_baseline)
MIXTURE_VARIANTS(float, f32, avx512, GAUSS_ATTRIBUTES_avx512)
MIXTURE_VARIANTS(float, f32, avx2, GAUSS_ATTRIBUTES_avx2)
MIXTURE_VARIANTS(float, f32, baseline, GAUSS_ATTRIBUTES_baseline)

#define MIXTURE_ENTRY_POINTS(T, S)                                                                                \
    long gauss_write_features_##S(int isa, int kind, const T *x, long rows, long d, const T *center,             \
                                  T *features) {                                                               \
        GAUSS_DISPATCH(isa, write_features_##S, kind, x, rows, d, center, features)                                     \
    }                                                                                                          \
    long gauss_offset_forms_##S(int isa, const T *forms, long rows, long k, const double *constants,             \
                                double *out) {                                                                 \
        GAUSS_DISPATCH(isa, offset_forms_##S, forms, rows, k, constants, out)                                           \
    }                                                                                                          \
    long gauss_split_projection_densities_##S(int isa, const T *leading, long leading_stride, const T *trailing,  \
                                              long trailing_stride, long rows, long first, long members, long h, \
                                              long d, const T *projected_means, const double *constants, long k, \
                                              double *out) {                                                      \
        GAUSS_DISPATCH(isa, split_projection_densities_##S, leading, leading_stride, trailing, trailing_stride, rows,    \
                 first, members, h, d, projected_means, constants, k, out)                                       \
    }                                                                                                          \
    long gauss_scaled_rows_##S(int isa, const T *features, long rows, long f, long d, const T *scales,           \
                               long scale_stride, const T *shift, T *out) {                                      \
        GAUSS_DISPATCH(isa, scaled_rows_##S, features, rows, f, d, scales, scale_stride, shift, out)                    \
    }                                                                                                          \
    long gauss_square_roots_##S(int isa, const T *x, long count, T *out) {                                     \
        GAUSS_DISPATCH(isa, square_roots_##S, x, count, out)                                                   \
    }

MIXTURE_ENTRY_POINTS(double, f64)
MIXTURE_ENTRY_POINTS(float, f32)
