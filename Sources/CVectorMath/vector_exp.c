// exp over arrays of doubles, and the nearest-center kernel of k-means,
// vectorised by the compiler.
//
// Method: exp(v) = 2^n · exp(r) with n = round(v / ln 2) and
// r = v − n·ln 2, |r| ≤ ln 2 / 2, taken in two parts (Cody and Waite) so
// that n·ln2_hi is exact. exp(r) is its Taylor polynomial to degree 13
// (truncation below 5e-18 relative on that interval). n comes from the
// shifter trick (adding 1.5·2^52 rounds to an integer held in the low
// mantissa bits), and 2^n is applied as two powers of two, 2^(n−h)·2^h
// with h = round(n/2), each a normal number even when 2^n is not: the last
// multiplication then rounds once into the subnormal range, or overflows
// to infinity, as exp should. Inputs are clamped to [−746, 710], outside
// which the result is 0 or ∞ anyway; NaN passes through the clamp and the
// polynomial. The loop has no branches and no conversions.

#include "CVectorMath.h"
#include "isa.h"

#include <immintrin.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lanes.h"

static inline __attribute__((always_inline)) double exp_lane(double v) {
    const double shifter = 0x1.8p52;
    const double log2e = 0x1.71547652b82fep0;
    const double ln2_hi = 0x1.62e42fee00000p-1;  /* 33 significant bits: n·ln2_hi is exact */
    const double ln2_lo = 0x1.a39ef35793c76p-33;
    double c = v < -746.0 ? -746.0 : (v > 710.0 ? 710.0 : v);
    double t = c * log2e + shifter;
    double n = t - shifter;
    double th = n * 0.5 + shifter;
    double r = (c - n * ln2_hi) - n * ln2_lo;
    double p = 1.0 / 6227020800.0;                 /* 1/13! */
    p = p * r + 1.0 / 479001600.0;
    p = p * r + 1.0 / 39916800.0;
    p = p * r + 1.0 / 3628800.0;
    p = p * r + 1.0 / 362880.0;
    p = p * r + 1.0 / 40320.0;
    p = p * r + 1.0 / 5040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    uint64_t bits_t, bits_h, bits_s;
    memcpy(&bits_t, &t, sizeof bits_t);
    memcpy(&bits_h, &th, sizeof bits_h);
    memcpy(&bits_s, &shifter, sizeof bits_s);
    uint64_t high_bits = (bits_t - bits_h + 1023) << 52;  /* 2^(n−h) */
    uint64_t low_bits = (bits_h - bits_s + 1023) << 52;   /* 2^h */
    double high, low;
    memcpy(&high, &high_bits, sizeof high);
    memcpy(&low, &low_bits, sizeof low);
    return (p * high) * low;
}

/* log v for a finite v ≥ 1 (the sums of a log-sum-exp, whose largest term
   is exp(0) = 1), branch-free so that loops of it vectorise: v = 2^e·m with
   m in [√½, √2), log m = 2·atanh(s) with s = (m − 1)/(m + 1), |s| ≤ 0.1716,
   as 2s + 2s³·p(s²), p the atanh series to s²⁴ (truncation below 1e-19
   relative). Within 1 ulp of the exact value except just above 1, where
   the result is tiny and within 2 ulp (measured against glibc's log on
   2·10⁷ values; either way far below an ulp of the log-sum-exp it is
   added to). */
static inline __attribute__((always_inline)) double log_lane(double v) {
    const double ln2_hi = 0x1.62e42fee00000p-1;  /* 33 significant bits: e·ln2_hi is exact */
    const double ln2_lo = 0x1.a39ef35793c76p-33;
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    uint64_t mantissa_bits = (bits & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL;  /* m in [1, 2) */
    double m;
    memcpy(&m, &mantissa_bits, sizeof m);
    double e = (double)((int64_t)(bits >> 52) - 1023);
    int above = m > 0x1.6a09e667f3bcdp0;  /* √2 */
    m = above ? m * 0.5 : m;
    e = above ? e + 1 : e;
    double s = (m - 1) / (m + 1), s2 = s * s;
    double p = 1.0 / 25;
    p = p * s2 + 1.0 / 23;
    p = p * s2 + 1.0 / 21;
    p = p * s2 + 1.0 / 19;
    p = p * s2 + 1.0 / 17;
    p = p * s2 + 1.0 / 15;
    p = p * s2 + 1.0 / 13;
    p = p * s2 + 1.0 / 11;
    p = p * s2 + 1.0 / 9;
    p = p * s2 + 1.0 / 7;
    p = p * s2 + 1.0 / 5;
    p = p * s2 + 1.0 / 3;
    double log_m = 2 * s + 2 * s * s2 * p;
    return e * ln2_hi + (log_m + e * ln2_lo);
}

/* result[i] += log sums[i] for count values, each a finite v ≥ 1. */
static inline __attribute__((always_inline)) void add_logs(double *restrict result, const double *restrict sums, long count) {
    for (long i = 0; i < count; i++) result[i] += log_lane(sums[i]);
}

/* Rows per batch whose logs are taken in one vector loop. */
#define LOG_BATCH 256

static inline __attribute__((always_inline)) double sum_of(const double *x, long count) {
#pragma clang fp reassociate(on)
    double sum = 0;
    for (long i = 0; i < count; i++) sum += x[i];
    return sum;
}

static inline __attribute__((always_inline))
double exp_shifted_body(const double *x, double shift, double *out, long count) {
    if (out == x) {
        for (long i = 0; i < count; i++) out[i] = exp_lane(out[i] - shift);
    } else {
        const double *restrict source = x;
        double *restrict target = out;
        for (long i = 0; i < count; i++) target[i] = exp_lane(source[i] - shift);
    }
    return sum_of(out, count);
}

/* Rows shorter than this are processed many at a time: shifted into a
   buffer row by row, then exponentiated in one long vector loop, since a
   vector loop per short row would spend its time in set-up and remainders. */
#define SHORT_ROW 16
#define CHUNK 2048  /* elements of the stack buffer for short rows */

static inline __attribute__((always_inline))
void shift_rows(const double *x, long rows, long columns, const double *shifts, double *out) {
    for (long i = 0; i < rows; i++) {
        for (long j = 0; j < columns; j++) out[i * columns + j] = x[i * columns + j] - shifts[i];
    }
}

static inline __attribute__((always_inline)) void exp_in_place(double *x, long count) {
    for (long i = 0; i < count; i++) x[i] = exp_lane(x[i]);
}

/* exp_in_place per instruction set, handed to the row kernels below, which
   exponentiate short rows a buffer at a time. AVX-512's is written in
   explicit vectors whose scaling by 2ⁿ is one vscalefpd in place of the two
   powers of two and their integer arithmetic: it rounds once as they do,
   and every other step is exp_lane's, fused as the compiler fuses it, so
   the bits are exp_lane's (tested on every input class against it). 0.79
   → 0.67 ns per element on Zen 4 (C harness, one core, rows of 750 and
   1632 values). */
typedef void exp_in_place_function(double *x, long count);

GAUSS_ATTRIBUTES_avx2 static void exp_in_place_avx2(double *x, long count) { exp_in_place(x, count); }
static void exp_in_place_baseline(double *x, long count) { exp_in_place(x, count); }

GAUSS_ATTRIBUTES_avx512 static void exp_in_place_avx512(double *x, long count) {
    const __m512d shifter = _mm512_set1_pd(0x1.8p52), log2e = _mm512_set1_pd(0x1.71547652b82fep0);
    const __m512d ln2_hi = _mm512_set1_pd(0x1.62e42fee00000p-1), ln2_lo = _mm512_set1_pd(0x1.a39ef35793c76p-33);
    const __m512d lowest = _mm512_set1_pd(-746.0), highest = _mm512_set1_pd(710.0);
    for (long i = 0; i < count; i += 8) {
        __mmask8 mask = count - i >= 8 ? 0xff : (__mmask8)((1u << (count - i)) - 1);
        __m512d v = _mm512_maskz_loadu_pd(mask, x + i);
        /* The clamp with the value second, which vmaxpd and vminpd return when it is NaN. */
        __m512d c = _mm512_min_pd(highest, _mm512_max_pd(lowest, v));
        __m512d n = _mm512_sub_pd(_mm512_fmadd_pd(c, log2e, shifter), shifter);
        __m512d r = _mm512_fnmadd_pd(n, ln2_lo, _mm512_fnmadd_pd(n, ln2_hi, c));
        __m512d p = _mm512_set1_pd(1.0 / 6227020800.0);
        p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(1.0 / 479001600.0));
        p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(1.0 / 39916800.0));
        p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(1.0 / 3628800.0));
        p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(1.0 / 362880.0));
        p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(1.0 / 40320.0));
        p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(1.0 / 5040.0));
        p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(1.0 / 720.0));
        p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(1.0 / 120.0));
        p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(1.0 / 24.0));
        p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(1.0 / 6.0));
        p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(0.5));
        p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(1.0));
        p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(1.0));
        _mm512_mask_storeu_pd(x + i, mask, _mm512_scalef_pd(p, n));
    }
}

static inline __attribute__((always_inline)) int is_finite(double x) { return x - x == 0; }

static inline __attribute__((always_inline))
void rows_exp_shifted_body(const double *x, long rows, long columns, const double *shifts, double *out, double *sums,
                           exp_in_place_function *exp_all) {
    if (columns >= SHORT_ROW) {
        for (long i = 0; i < rows; i++) {
            double sum = exp_shifted_body(x + i * columns, shifts[i], out + i * columns, columns);
            if (sums) sums[i] = sum;
        }
        return;
    }
    shift_rows(x, rows, columns, shifts, out);
    exp_all(out, rows * columns);
    if (sums) {
        for (long i = 0; i < rows; i++) {
            double sum = 0;
            for (long j = 0; j < columns; j++) sum += out[i * columns + j];
            sums[i] = sum;
        }
    }
}

/* The largest element, or NaN if there is one; −∞ for none. */
static inline __attribute__((always_inline)) double maximum_of(const double *x, long count) {
    double largest = -__builtin_inf();
    int nan = 0;
    for (long i = 0; i < count; i++) {
        largest = x[i] > largest ? x[i] : largest;
        nan |= x[i] != x[i];
    }
    return nan ? __builtin_nan("") : largest;
}

static inline __attribute__((always_inline)) double sum_of_exp_shifted(const double *x, double shift, long count) {
#pragma clang fp reassociate(on)
    double sum = 0;
    for (long i = 0; i < count; i++) sum += exp_lane(x[i] - shift);
    return sum;
}

static inline __attribute__((always_inline))
void rows_log_sum_exp_body(const double *x, long rows, long columns, double *result, exp_in_place_function *exp_all) {
    /* Each row's maximum goes to result and its sum of shifted exponentials
       to sums (1 for a row whose maximum, ±∞ or NaN, is its own answer);
       the logs are then added a batch at a time. */
    double sums[LOG_BATCH];
    if (columns >= SHORT_ROW) {
        for (long first = 0; first < rows; first += LOG_BATCH) {
            long count = rows - first < LOG_BATCH ? rows - first : LOG_BATCH;
            for (long i = 0; i < count; i++) {
                const double *row = x + (first + i) * columns;
                double shift = maximum_of(row, columns);
                result[first + i] = shift;
                sums[i] = is_finite(shift) ? sum_of_exp_shifted(row, shift, columns) : 1;
            }
            add_logs(result + first, sums, count);
        }
        return;
    }
    double buffer[CHUNK];
    long per_chunk = CHUNK / columns < LOG_BATCH ? CHUNK / columns : LOG_BATCH;
    for (long first = 0; first < rows; first += per_chunk) {
        long count = rows - first < per_chunk ? rows - first : per_chunk;
        const double *block = x + first * columns;
        for (long i = 0; i < count; i++) result[first + i] = maximum_of(block + i * columns, columns);
        shift_rows(block, count, columns, result + first, buffer);
        exp_all(buffer, count * columns);
        for (long i = 0; i < count; i++) {
            double sum = 0;
            for (long j = 0; j < columns; j++) sum += buffer[i * columns + j];
            sums[i] = is_finite(result[first + i]) ? sum : 1;
        }
        add_logs(result + first, sums, count);
    }
}

/* The largest lane of v in every lane (maxnum: NaN lanes are passed over),
   and the sum of v's lanes, pairwise. Macros, not functions: a function
   taking a vector of eight would change ABI with the instruction set. */
#define LANES_MAXIMUM(v)                                                                                      \
    ({                                                                                                        \
        v8d m_ = __builtin_elementwise_max((v), __builtin_shufflevector((v), (v), 4, 5, 6, 7, 0, 1, 2, 3));    \
        m_ = __builtin_elementwise_max(m_, __builtin_shufflevector(m_, m_, 2, 3, 0, 1, 6, 7, 4, 5));           \
        __builtin_elementwise_max(m_, __builtin_shufflevector(m_, m_, 1, 0, 3, 2, 5, 4, 7, 6));                \
    })
#define LANES_SUM(v)                                                                                          \
    ({                                                                                                        \
        v8d s_ = (v) + __builtin_shufflevector((v), (v), 4, 5, 6, 7, 0, 1, 2, 3);                              \
        s_ = s_ + __builtin_shufflevector(s_, s_, 2, 3, 0, 1, 6, 7, 4, 5);                                     \
        s_[0] + s_[1];                                                                                        \
    })

/* Rows of exactly eight, each one vector of lanes, as short_rows_softmax
   does them but with a row's maximum, shift, sum and scale a few vector
   operations rather than loops over its elements (the compiler's own
   vectorisation of those loops cost 10 ns per row each on Zen 4; 23.8
   -> 15.6 ns per row in all). The sum is reassociated. */
static inline __attribute__((always_inline))
void rows_of_eight_softmax(const double *x, long rows, double *out, double *log_sum_exp, double *sums,
                           exp_in_place_function *exp_all) {
    for (long i = 0; i < rows; i++) {
        v8d v = LOAD8(x + 8 * i);
        v8l nan = (v8l)(v != v);
        int any_nan = (nan[0] | nan[1] | nan[2] | nan[3] | nan[4] | nan[5] | nan[6] | nan[7]) != 0;
        double shift = any_nan ? __builtin_nan("") : LANES_MAXIMUM(v)[0];
        log_sum_exp[i] = shift;
        v8d shifted = v - shift;
        memcpy(out + 8 * i, &shifted, sizeof shifted);
    }
    exp_all(out, rows * 8);
    for (long first = 0; first < rows; first += LOG_BATCH) {
        long count = rows - first < LOG_BATCH ? rows - first : LOG_BATCH;
        for (long i = 0; i < count; i++) {
            double *target = out + 8 * (first + i);
            v8d t = LOAD8(target);
            if (!is_finite(log_sum_exp[first + i])) {
                t = (v8d){0};
                sums[i] = 1;
            } else {
                double sum = LANES_SUM(t);
                t *= 1 / sum;
                sums[i] = sum;
            }
            memcpy(target, &t, sizeof t);
        }
        add_logs(log_sum_exp + first, sums, count);
    }
}

/* Rows shorter than SHORT_ROW: maxima, shifts, one exponential loop over
   them all, then each row's sum, scale and (batched) log. */
static inline __attribute__((always_inline))
void short_rows_softmax(const double *x, long rows, long columns, double *out, double *log_sum_exp, double *sums,
                        exp_in_place_function *exp_all) {
    for (long i = 0; i < rows; i++) log_sum_exp[i] = maximum_of(x + i * columns, columns);
    shift_rows(x, rows, columns, log_sum_exp, out);
    exp_all(out, rows * columns);
    for (long first = 0; first < rows; first += LOG_BATCH) {
        long count = rows - first < LOG_BATCH ? rows - first : LOG_BATCH;
        for (long i = 0; i < count; i++) {
            double *target = out + (first + i) * columns;
            if (!is_finite(log_sum_exp[first + i])) {
                for (long j = 0; j < columns; j++) target[j] = 0;
                sums[i] = 1;
                continue;
            }
            double sum = 0;
            for (long j = 0; j < columns; j++) sum += target[j];
            double scale = 1 / sum;
            for (long j = 0; j < columns; j++) target[j] *= scale;
            sums[i] = sum;
        }
        add_logs(log_sum_exp + first, sums, count);
    }
}

/* Lane by lane, a where mask is all ones, b where it is zero. */
#define SELECT(mask, a, b) ((v8d)(((v8l)(a) & (mask)) | ((v8l)(b) & ~(mask))))

/* Rows shorter than SHORT_ROW again, eight rows at a time with one row per
   lane: the block is read into K vectors (column c of the eight rows in
   vector c), and each step of short_rows_softmax, the maximum, shift,
   exponentials, sum, scale and log, is then one vector operation per
   component for all eight rows, in the same order per row, so every result
   has the bits short_rows_softmax gives it. No step crosses lanes; the
   transposes in and out are what it costs instead. The last rows (fewer
   than eight) go through short_rows_softmax. */
static inline __attribute__((always_inline))
void short_rows_softmax_by_lanes(const double *x, long rows, const long K, double *out, double *log_sum_exp,
                                 exp_in_place_function *exp_all) {
    long i = 0;
    for (; i + 8 <= rows; i += 8) {
        const double *block = x + i * K;
        double *target = out + i * K;
        v8d v[SHORT_ROW];
        _Pragma("unroll")
        for (long c = 0; c < K; c++) {
            _Pragma("unroll")
            for (long l = 0; l < 8; l++) v[c][l] = block[l * K + c];
        }
        v8d largest = SPLAT(-__builtin_inf());
        v8l nan = (v8l){0};
        _Pragma("unroll")
        for (long c = 0; c < K; c++) {
            largest = SELECT((v8l)(v[c] > largest), v[c], largest);
            nan |= (v8l)(v[c] != v[c]);
        }
        v8d shift = SELECT(nan, SPLAT(__builtin_nan("")), largest);
        v8d sum = (v8d){0};
        _Pragma("unroll")
        for (long c = 0; c < K; c++) {
            v8d shifted = v[c] - shift;
            _Pragma("unroll")
            for (long l = 0; l < 8; l++) v[c][l] = exp_lane(shifted[l]);
            sum += v[c];
        }
        v8l finite = (v8l)(shift - shift == 0);
        v8d scale = 1 / sum;
        _Pragma("unroll")
        for (long c = 0; c < K; c++) {
            v8d r = SELECT(finite, v[c] * scale, (v8d){0});
            _Pragma("unroll")
            for (long l = 0; l < 8; l++) target[l * K + c] = r[l];
        }
        v8d sums = SELECT(finite, sum, SPLAT(1.0));
        _Pragma("unroll")
        for (long l = 0; l < 8; l++) log_sum_exp[i + l] = shift[l] + log_lane(sums[l]);
    }
    if (i < rows) {
        double sums[8];
        short_rows_softmax(x + i * K, rows - i, K, out + i * K, log_sum_exp + i, sums, exp_all);
    }
}

static inline __attribute__((always_inline))
void rows_softmax_body(const double *x, long rows, long columns, double *out, double *log_sum_exp,
                       exp_in_place_function *exp_all) {
    /* As rows_log_sum_exp_body: maxima into log_sum_exp, sums batched for their logs. */
    double sums[LOG_BATCH];
    if (columns >= SHORT_ROW) {
        for (long first = 0; first < rows; first += LOG_BATCH) {
            long count = rows - first < LOG_BATCH ? rows - first : LOG_BATCH;
            for (long i = 0; i < count; i++) {
                const double *row = x + (first + i) * columns;
                double *target = out + (first + i) * columns;
                double shift = maximum_of(row, columns);
                log_sum_exp[first + i] = shift;
                if (!is_finite(shift)) {
                    for (long j = 0; j < columns; j++) target[j] = 0;
                    sums[i] = 1;
                    continue;
                }
                double sum = exp_shifted_body(row, shift, target, columns);
                double scale = 1 / sum;
                for (long j = 0; j < columns; j++) target[j] *= scale;
                sums[i] = sum;
            }
            add_logs(log_sum_exp + first, sums, count);
        }
        return;
    }
    /* Widths up to 8 compiled each on its own, so that the loops over a row
       are unrolled rather than run as loops of a few iterations: 256-row
       blocks, AVX-512, Zen 4, ns per row before / after: K = 2 12.3 / 5.7,
       K = 3 16.8 / 7.8, K = 5 22.0 / 12.7, K = 8 29.0 / 23.8. From 9 to 15
       the specialised loops were slower (K = 12 33.0 / 38.0); there a row
       per lane is quicker (272-row blocks: K = 9 26.7 / 16.8, K = 12
       33.1 / 21.2), which at K ≤ 8 was no quicker than these (K = 5 8.7 /
       10.0, K = 8 13.9 / 15.3): reading rows into lanes and writing them
       back costs about what the lanes save. */
    switch (columns) {
#define SHORT_CASE(width) case width: short_rows_softmax(x, rows, width, out, log_sum_exp, sums, exp_all); break;
    SHORT_CASE(1) SHORT_CASE(2) SHORT_CASE(3) SHORT_CASE(4) SHORT_CASE(5) SHORT_CASE(6) SHORT_CASE(7)
    case 8: rows_of_eight_softmax(x, rows, out, log_sum_exp, sums, exp_all); break;
#undef SHORT_CASE
#define LANES_CASE(width) case width: short_rows_softmax_by_lanes(x, rows, width, out, log_sum_exp, exp_all); break;
    LANES_CASE(9) LANES_CASE(10) LANES_CASE(11) LANES_CASE(12) LANES_CASE(13) LANES_CASE(14) LANES_CASE(15)
#undef LANES_CASE
    default: short_rows_softmax(x, rows, columns, out, log_sum_exp, sums, exp_all);
    }
}

/* Nearest of k ≤ width centers for each row, by ‖c‖² − 2·x·c, with the
   centers transposed and padded to `width` columns (d × width) so that the
   accumulators of one row stay in vector registers across the whole row:
   no packing of the data, one pass over each row. With `sums`, the row is
   then added to its center's sum while it is still in L1. (Tried and
   slower on an AMD EPYC with AVX2, at n = 100 000, d = 128, K = 32, where
   this takes 25 ms per Lloyd iteration: tiles of 16 centers shared by two
   rows, 32 ms; the columns of centers_t in chunks of 16 KiB with partial
   sums for groups of 8 rows, 31 ms.) */
#define NEAREST_BODY(width)                                                                              \
    for (long i = 0; i < rows; i++) {                                                                    \
        const double *row = x + i * d;                                                                   \
        double acc[width];                                                                               \
        for (long c = 0; c < width; c++) acc[c] = 0;                                                     \
        for (long j = 0; j < d; j++) {                                                                   \
            double value = row[j];                                                                       \
            const double *column = centers_t + j * width;                                                \
            for (long c = 0; c < width; c++) acc[c] += value * column[c];                                \
        }                                                                                                \
        long best = 0;                                                                                   \
        double best_score = center_norms[0] - 2 * acc[0];                                                \
        for (long c = 1; c < k; c++) {                                                                   \
            double score = center_norms[c] - 2 * acc[c];                                                 \
            if (score < best_score) { best = c; best_score = score; }                                    \
        }                                                                                                \
        labels[i] = best;                                                                                \
        double distance = row_norms[i] + best_score;                                                     \
        distances[i] = distance > 0 ? distance : 0;                                                      \
        if (sums) {                                                                                      \
            double w = weights ? weights[i] : 1;                                                         \
            double *target = sums + best * d;                                                            \
            cluster_weights[best] += w;                                                                  \
            for (long j = 0; j < d; j++) target[j] += w * row[j];                                        \
        }                                                                                                \
    }

static inline __attribute__((always_inline))
void nearest_centers_body(const double *x, long rows, long d, const double *centers_t, long width,
                          const double *center_norms, long k, const double *row_norms, long *labels, double *distances,
                          const double *weights, double *sums, double *cluster_weights) {
    if (width == 16) { NEAREST_BODY(16) }
    else if (width == 32) { NEAREST_BODY(32) }
    else { NEAREST_BODY(64) }
}

#define VARIANTS(suffix, attributes)                                                                          \
    attributes static double exp_shifted_##suffix(const double *x, double shift, double *out, long count) {      \
        return exp_shifted_body(x, shift, out, count);                                                       \
    }                                                                                                         \
    attributes static void rows_exp_shifted_##suffix(const double *x, long rows, long columns,                 \
                                                     const double *shifts, double *out, double *sums) {        \
        rows_exp_shifted_body(x, rows, columns, shifts, out, sums, exp_in_place_##suffix);                    \
    }                                                                                                         \
    attributes static void rows_log_sum_exp_##suffix(const double *x, long rows, long columns, double *result) { \
        rows_log_sum_exp_body(x, rows, columns, result, exp_in_place_##suffix);                               \
    }                                                                                                         \
    attributes static void nearest_centers_##suffix(const double *x, long rows, long d, const double *centers_t,  \
                                                    long width, const double *center_norms, long k,            \
                                                    const double *row_norms, long *labels, double *distances,   \
                                                    const double *weights, double *sums, double *cluster_weights) { \
        nearest_centers_body(x, rows, d, centers_t, width, center_norms, k, row_norms, labels, distances,     \
                             weights, sums, cluster_weights);                                                  \
    }                                                                                                         \
    attributes static void rows_softmax_##suffix(const double *x, long rows, long columns, double *out,        \
                                                 double *log_sum_exp) {                                        \
        rows_softmax_body(x, rows, columns, out, log_sum_exp, exp_in_place_##suffix);                         \
    }                                                                                                         \
    attributes static void logs_##suffix(const double *x, double *out, long count) {                           \
        for (long i = 0; i < count; i++) out[i] = 0;                                                          \
        add_logs(out, x, count);                                                                              \
    }

VARIANTS(avx512, GAUSS_ATTRIBUTES_avx512)
VARIANTS(avx2, GAUSS_ATTRIBUTES_avx2)
VARIANTS(baseline, GAUSS_ATTRIBUTES_baseline)

/* GAUSS_VECTOR_ISA=avx2 or baseline narrows the kernels to that set, to
   compare instruction sets on one processor; a set wider than the
   processor's, or any other value, changes nothing. */
static enum isa narrowed_by_environment(enum isa found) {
    const char *name = getenv("GAUSS_VECTOR_ISA");
    if (name == NULL) return found;
    enum isa asked = strcmp(name, "avx512") == 0 ? isa_avx512
                   : strcmp(name, "avx2") == 0 ? isa_avx2
                   : strcmp(name, "baseline") == 0 ? isa_baseline
                   : found;
    return asked < found ? asked : found;
}

enum isa gauss_detected_isa(void) {
    static _Atomic enum isa cached = isa_unknown;
    enum isa found = cached;
    if (found != isa_unknown) return found;
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl"))
        found = isa_avx512;
    else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        found = isa_avx2;
    else
        found = isa_baseline;
#else
    found = isa_baseline;
#endif
    found = narrowed_by_environment(found);
    cached = found;
    return found;
}

double gauss_exp_shifted(const double *x, double shift, double *out, long count) {
    switch (gauss_detected_isa()) {
    case isa_avx512: return exp_shifted_avx512(x, shift, out, count);
    case isa_avx2: return exp_shifted_avx2(x, shift, out, count);
    default: return exp_shifted_baseline(x, shift, out, count);
    }
}

double gauss_exp_shifted_using(int isa, const double *x, double shift, double *out, long count) {
    if (isa < 0) return -1;
    GAUSS_DISPATCH(isa, exp_shifted, x, shift, out, count)
}

int gauss_exponentials_in_place_using(int isa, double *x, long count) {
    enum isa available = gauss_detected_isa();
    switch (isa) {
    case 0: exp_in_place_baseline(x, count); return 0;
    case 1: if (available < isa_avx2) return -1; exp_in_place_avx2(x, count); return 0;
    case 2: if (available < isa_avx512) return -1; exp_in_place_avx512(x, count); return 0;
    default: return -1;
    }
}

int gauss_logs_using(int isa, const double *x, double *out, long count) {
    enum isa available = gauss_detected_isa();
    switch (isa) {
    case 0: logs_baseline(x, out, count); return 0;
    case 1: if (available < isa_avx2) return -1; logs_avx2(x, out, count); return 0;
    case 2: if (available < isa_avx512) return -1; logs_avx512(x, out, count); return 0;
    default: return -1;
    }
}

void gauss_rows_exp_shifted(const double *x, long rows, long columns, const double *shifts, double *out, double *sums) {
    switch (gauss_detected_isa()) {
    case isa_avx512: rows_exp_shifted_avx512(x, rows, columns, shifts, out, sums); break;
    case isa_avx2: rows_exp_shifted_avx2(x, rows, columns, shifts, out, sums); break;
    default: rows_exp_shifted_baseline(x, rows, columns, shifts, out, sums);
    }
}

void gauss_rows_log_sum_exp(const double *x, long rows, long columns, double *result) {
    switch (gauss_detected_isa()) {
    case isa_avx512: rows_log_sum_exp_avx512(x, rows, columns, result); break;
    case isa_avx2: rows_log_sum_exp_avx2(x, rows, columns, result); break;
    default: rows_log_sum_exp_baseline(x, rows, columns, result);
    }
}

void gauss_rows_softmax(const double *x, long rows, long columns, double *out, double *log_sum_exp) {
    switch (gauss_detected_isa()) {
    case isa_avx512: rows_softmax_avx512(x, rows, columns, out, log_sum_exp); break;
    case isa_avx2: rows_softmax_avx2(x, rows, columns, out, log_sum_exp); break;
    default: rows_softmax_baseline(x, rows, columns, out, log_sum_exp);
    }
}

void gauss_nearest_centers(const double *x, long rows, long d, const double *centers_t, long width,
                           const double *center_norms, long k, const double *row_norms, long *labels, double *distances,
                           const double *weights, double *sums, double *cluster_weights) {
    switch (gauss_detected_isa()) {
    case isa_avx512:
        nearest_centers_avx512(x, rows, d, centers_t, width, center_norms, k, row_norms, labels, distances, weights, sums,
                               cluster_weights);
        break;
    case isa_avx2:
        nearest_centers_avx2(x, rows, d, centers_t, width, center_norms, k, row_norms, labels, distances, weights, sums,
                             cluster_weights);
        break;
    default:
        nearest_centers_baseline(x, rows, d, centers_t, width, center_norms, k, row_norms, labels, distances, weights, sums,
                                 cluster_weights);
    }
}

const char *gauss_vector_isa(void) {
    switch (gauss_detected_isa()) {
    case isa_avx512: return "avx512";
    case isa_avx2: return "avx2";
    default: return "baseline";
    }
}
