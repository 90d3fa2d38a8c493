// The assignment step of k-means with Elkan's bounds (C. Elkan, "Using the
// triangle inequality to accelerate k-means", ICML 2003).
//
// Each row keeps an upper bound u ≥ ‖x − c(label)‖ and a lower bound
// l(j) ≤ ‖x − c(j)‖ for every center. When the centers move by δ(j), the
// bounds stay valid as u + δ(label) and l(j) − δ(j); a center j cannot be
// nearer than the row's own when u ≤ l(j) or u ≤ ½‖c(label) − c(j)‖, and
// no center can when u ≤ ½ min over j ≠ label of ‖c(label) − c(j)‖. Only
// the distances those tests cannot rule out are computed, each directly
// as √Σ(x − c)², which is also what makes the new bounds tight.
//
// The bounds are stored relative to each center's drift D(j), the sum of
// its moves so far: u − D(label) and l(j) + D(j). Moving the centers then
// only adds to D, and a row that the first test settles reads 16 bytes
// (its label and upper bound) instead of its K lower bounds and the row.
// With incremental sums a row is read only when its distances are needed
// or it changes cluster, so once the centers settle most of the data are
// not touched at all.
//
// The rows are Double or Float (converted as they are read); bounds,
// centers and sums are Double.

#include "CVectorMath.h"
#include "isa.h"

#define ALWAYS_INLINE static inline __attribute__((always_inline))

#include <string.h>

typedef double v4d __attribute__((vector_size(32)));
typedef float v4f __attribute__((vector_size(16)));

/* Four doubles from p, unaligned; four floats widened. (Macros: a
   function returning a 256-bit vector would change ABI without AVX.) */
#define LOAD4_f64(p) ({ v4d v_; memcpy(&v_, (p), sizeof v_); v_; })
#define LOAD4_f32(p) ({ v4f v_; memcpy(&v_, (p), sizeof v_); __builtin_convertvector(v_, v4d); })
#define SUM4(v) (((v)[0] + (v)[1]) + ((v)[2] + (v)[3]))

/* Per row type T (double or float), with suffix S: distances from a row
   to four centers at once, adding a row to a sum, the first pass, one
   row of a later pass, and a later pass. */
#define ROW_FUNCTIONS(T, S)                                                                               \
    /* ‖x − cᵢ‖ for four centers (repeat one to compute fewer): four       \
       independent chains twice over, so that neither the adder's latency  \
       nor the final sum and square root hold a row up. */                                               \
    ALWAYS_INLINE void distances4_##S(const T *x, const double *c0, const double *c1, const double *c2,  \
                                      const double *c3, long d, double out[4]) {                          \
        v4d a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0}, b0 = {0}, b1 = {0}, b2 = {0}, b3 = {0};                \
        long j = 0;                                                                                       \
        for (; j + 8 <= d; j += 8) {                                                                      \
            v4d xa = LOAD4_##S(x + j), xb = LOAD4_##S(x + j + 4), t;                                      \
            t = xa - LOAD4_f64(c0 + j); a0 += t * t;                                                      \
            t = xb - LOAD4_f64(c0 + j + 4); b0 += t * t;                                                  \
            t = xa - LOAD4_f64(c1 + j); a1 += t * t;                                                      \
            t = xb - LOAD4_f64(c1 + j + 4); b1 += t * t;                                                  \
            t = xa - LOAD4_f64(c2 + j); a2 += t * t;                                                      \
            t = xb - LOAD4_f64(c2 + j + 4); b2 += t * t;                                                  \
            t = xa - LOAD4_f64(c3 + j); a3 += t * t;                                                      \
            t = xb - LOAD4_f64(c3 + j + 4); b3 += t * t;                                                  \
        }                                                                                                 \
        double s0 = SUM4(a0 + b0), s1 = SUM4(a1 + b1), s2 = SUM4(a2 + b2), s3 = SUM4(a3 + b3);            \
        for (; j < d; j++) {                                                                              \
            double v = (double)x[j], t;                                                                   \
            t = v - c0[j]; s0 += t * t;                                                                   \
            t = v - c1[j]; s1 += t * t;                                                                   \
            t = v - c2[j]; s2 += t * t;                                                                   \
            t = v - c3[j]; s3 += t * t;                                                                   \
        }                                                                                                 \
        out[0] = __builtin_sqrt(s0);                                                                      \
        out[1] = __builtin_sqrt(s1);                                                                      \
        out[2] = __builtin_sqrt(s2);                                                                      \
        out[3] = __builtin_sqrt(s3);                                                                      \
    }                                                                                                     \
                                                                                                          \
    ALWAYS_INLINE void add_row_##S(const T *row, long d, double w, double *target) {                      \
        for (long j = 0; j < d; j++) target[j] += w * (double)row[j];                                     \
    }                                                                                                     \
                                                                                                          \
    /* The first pass: every distance, the bounds for a drift of 0. */                                    \
    ALWAYS_INLINE long start_##S(const T *x, long rows, long d, const double *centers, long k, long *labels, \
                                 double *upper, double *lower, const double *weights, double *sums,       \
                                 double *cluster_weights) {                                               \
        for (long i = 0; i < rows; i++) {                                                                 \
            const T *row = x + i * d;                                                                     \
            double *lower_i = lower + i * k, four[4];                                                     \
            for (long c = 0; c < k; c += 4) {                                                             \
                const double *c0 = centers + c * d;                                                       \
                const double *c1 = c + 1 < k ? c0 + d : c0, *c2 = c + 2 < k ? c0 + 2 * d : c0;            \
                const double *c3 = c + 3 < k ? c0 + 3 * d : c0;                                           \
                distances4_##S(row, c0, c1, c2, c3, d, four);                                             \
                for (long m = 0; m < 4 && c + m < k; m++) lower_i[c + m] = four[m];                       \
            }                                                                                             \
            long best = 0;                                                                                \
            for (long c = 1; c < k; c++)                                                                  \
                if (lower_i[c] < lower_i[best]) best = c;                                                 \
            labels[i] = best;                                                                             \
            upper[i] = lower_i[best];                                                                     \
            if (sums) {                                                                                   \
                double w = weights ? weights[i] : 1;                                                      \
                cluster_weights[best] += w;                                                               \
                add_row_##S(row, d, w, sums + best * d);                                                  \
            }                                                                                             \
        }                                                                                                 \
        return rows * k;                                                                                  \
    }                                                                                                     \
                                                                                                          \
    /* One row of a later pass: relabels it, tightens the bounds of the    \
       distances it computes, and returns how many. The candidates the     \
       bounds do not rule out are computed four at a time; the first of    \
       them comes with the row's own center, which tightens u. */          \
    ALWAYS_INLINE long step_row_##S(const step_context *s, const T *row, long i) {                        \
        long k = s->k, d = s->d, label = s->labels[i];                                                    \
        const double *drift = s->drift, *centers = s->centers;                                            \
        double u = s->upper[i] + drift[label];                                                            \
        if (u <= s->half_nearest[label]) return 0;                                                        \
        double *lower_i = s->lower + i * k, four[4];                                                      \
        const double *half = s->half_center_distances + label * k;                                        \
        long pending[4], waiting = 0, computed = 0, own = label;                                          \
        int tight = 0;                                                                                    \
        for (long c = 0; c <= k; c++) {                                                                   \
            if (c < k) {                                                                                  \
                if (c == own) continue;                                                                   \
                double bound = lower_i[c] - drift[c];                                                     \
                if (half[c] > bound) bound = half[c];                                                     \
                if (u <= bound) continue;                                                                 \
                if (!tight) {                                                                             \
                    /* The own center, and this candidate with it. */                                    \
                    const double *mine = centers + own * d, *theirs = centers + c * d;                    \
                    distances4_##S(row, mine, theirs, mine, theirs, d, four);                             \
                    computed += 2;                                                                        \
                    tight = 1;                                                                            \
                    u = four[0];                                                                          \
                    lower_i[own] = u + drift[own];                                                        \
                    lower_i[c] = four[1] + drift[c];                                                      \
                    if (four[1] < u || (four[1] == u && c < label)) {                                     \
                        label = c;                                                                        \
                        u = four[1];                                                                      \
                        half = s->half_center_distances + label * k;                                      \
                    }                                                                                     \
                    continue;                                                                             \
                }                                                                                         \
                pending[waiting++] = c;                                                                   \
                if (waiting < 4) continue;                                                                \
            }                                                                                             \
            if (waiting == 0) continue;                                                                   \
            const double *p[4];                                                                           \
            for (long m = 0; m < 4; m++) p[m] = centers + pending[m < waiting ? m : 0] * d;               \
            distances4_##S(row, p[0], p[1], p[2], p[3], d, four);                                         \
            computed += waiting;                                                                          \
            for (long m = 0; m < waiting; m++) {                                                          \
                long candidate = pending[m];                                                              \
                lower_i[candidate] = four[m] + drift[candidate];                                          \
                if (four[m] < u || (four[m] == u && candidate < label)) {                                 \
                    label = candidate;                                                                    \
                    u = four[m];                                                                          \
                    half = s->half_center_distances + label * k;                                          \
                }                                                                                         \
            }                                                                                             \
            waiting = 0;                                                                                  \
        }                                                                                                 \
        s->labels[i] = label;                                                                             \
        s->upper[i] = u - drift[label];                                                                   \
        return computed;                                                                                  \
    }                                                                                                     \
                                                                                                          \
    /* A row's sum after its assignment: all of it, or only its move. */                                 \
    ALWAYS_INLINE void step_sums_##S(const step_context *s, const T *row, long i, long previous) {         \
        long label = s->labels[i];                                                                        \
        double w = s->weights ? s->weights[i] : 1;                                                        \
        if (s->incremental) {                                                                             \
            if (label == previous) return;                                                                \
            s->cluster_weights[previous] -= w;                                                            \
            add_row_##S(row, s->d, -w, s->sums + previous * s->d);                                        \
        }                                                                                                 \
        s->cluster_weights[label] += w;                                                                   \
        add_row_##S(row, s->d, w, s->sums + label * s->d);                                                \
    }                                                                                                     \
                                                                                                          \
    ALWAYS_INLINE void prefetch_row_##S(const T *row, long d) {                                           \
        for (long j = 0; j < d; j += 64 / (long)sizeof(T)) __builtin_prefetch(row + j);                  \
    }                                                                                                     \
                                                                                                          \
    /* A later pass. Without sums to refresh, only the rows whose bounds   \
       leave a distance to compute are read: they are found from the       \
       bounds first, and the next two are prefetched while one is done,    \
       since they are scattered too thinly for the hardware to guess. */   \
    ALWAYS_INLINE long step_##S(const step_context *s, const T *x, long rows, long *changed) {             \
        long computed = 0, moved = 0, d = s->d;                                                           \
        if (s->sums && !s->incremental) {                                                                 \
            for (long i = 0; i < rows; i++) {                                                             \
                long previous = s->labels[i];                                                             \
                computed += step_row_##S(s, x + i * d, i);                                                \
                moved += s->labels[i] != previous;                                                        \
                step_sums_##S(s, x + i * d, i, previous);                                                 \
            }                                                                                             \
        } else {                                                                                          \
            long current = next_row_with_work(s, 0, rows);                                                \
            long next = next_row_with_work(s, current + 1, rows);                                         \
            if (current < rows) prefetch_row_##S(x + current * d, d);                                     \
            if (next < rows) prefetch_row_##S(x + next * d, d);                                           \
            while (current < rows) {                                                                      \
                long after = next_row_with_work(s, next + 1, rows);                                       \
                if (after < rows) prefetch_row_##S(x + after * d, d);                                     \
                long previous = s->labels[current];                                                       \
                computed += step_row_##S(s, x + current * d, current);                                    \
                if (s->labels[current] != previous) {                                                     \
                    moved++;                                                                              \
                    if (s->sums) step_sums_##S(s, x + current * d, current, previous);                    \
                }                                                                                         \
                current = next;                                                                           \
                next = after;                                                                             \
            }                                                                                             \
        }                                                                                                 \
        *changed = moved;                                                                                 \
        return computed;                                                                                  \
    }

/* What a later pass reads and writes, besides the rows. */
typedef struct {
    long d, k;
    const double *centers, *drift, *half_center_distances, *half_nearest, *weights;
    long *labels;
    double *upper, *lower, *sums, *cluster_weights;
    int incremental;
} step_context;

/* Whether row i's bounds leave a distance to compute: the test that opens
   step_row, without its work. */
ALWAYS_INLINE int row_has_work(const step_context *s, long i) {
    long k = s->k, label = s->labels[i];
    double u = s->upper[i] + s->drift[label];
    if (u <= s->half_nearest[label]) return 0;
    const double *lower_i = s->lower + i * k, *half = s->half_center_distances + label * k;
    /* Without an early exit, so that it vectorises: most rows that get
       here have no work, and the loop is short. */
    int any = 0;
    for (long c = 0; c < k; c++) {
        double bound = lower_i[c] - s->drift[c];
        bound = half[c] > bound ? half[c] : bound;
        any |= (c != label) & (u > bound);
    }
    return any;
}

/* The first row from `from` on that has work, or `rows`. */
ALWAYS_INLINE long next_row_with_work(const step_context *s, long from, long rows) {
    long i = from;
    while (i < rows) {
        /* The bounds of rows a little ahead, which the tests below read. */
        const double *ahead = s->lower + (i + 8) * s->k;
        for (long c = 0; c < s->k; c += 8) __builtin_prefetch(ahead + c);
        if (row_has_work(s, i)) break;
        i++;
    }
    return i;
}

ROW_FUNCTIONS(double, f64)
ROW_FUNCTIONS(float, f32)

#define START_PARAMETERS(T)                                                                               \
    const T *x, long rows, long d, const double *centers, long k, long *labels, double *upper, double *lower, \
        const double *weights, double *sums, double *cluster_weights
#define STEP_PARAMETERS(T)                                                                                \
    const T *x, long rows, long d, const double *centers, long k, const double *drift,                    \
        const double *half_center_distances, const double *half_nearest, long *labels, double *upper,     \
        double *lower, const double *weights, double *sums, double *cluster_weights, int incremental,     \
        long *changed
#define START_ARGUMENTS x, rows, d, centers, k, labels, upper, lower, weights, sums, cluster_weights
#define STEP_CONTEXT                                                                                      \
    step_context context = {d, k, centers, drift, half_center_distances, half_nearest, weights, labels, upper, \
                            lower, sums, cluster_weights, incremental}
#define STEP_ARGUMENTS                                                                                    \
    x, rows, d, centers, k, drift, half_center_distances, half_nearest, labels, upper, lower, weights, sums, \
        cluster_weights, incremental, changed

#define VARIANTS(isa)                                                                                     \
    GAUSS_ATTRIBUTES_##isa static long elkan_start_f64_##isa(START_PARAMETERS(double)) {                 \
        return start_f64(START_ARGUMENTS);                                                                \
    }                                                                                                     \
    GAUSS_ATTRIBUTES_##isa static long elkan_start_f32_##isa(START_PARAMETERS(float)) {                  \
        return start_f32(START_ARGUMENTS);                                                                \
    }                                                                                                     \
    GAUSS_ATTRIBUTES_##isa static long elkan_step_f64_##isa(STEP_PARAMETERS(double)) {                   \
        STEP_CONTEXT;                                                                                     \
        return step_f64(&context, x, rows, changed);                                                      \
    }                                                                                                     \
    GAUSS_ATTRIBUTES_##isa static long elkan_step_f32_##isa(STEP_PARAMETERS(float)) {                    \
        STEP_CONTEXT;                                                                                     \
        return step_f32(&context, x, rows, changed);                                                      \
    }

VARIANTS(avx512)
VARIANTS(avx2)
VARIANTS(baseline)

long gauss_elkan_start_f64(START_PARAMETERS(double)) {
    switch (gauss_detected_isa()) {
    case isa_avx512: return elkan_start_f64_avx512(START_ARGUMENTS);
    case isa_avx2: return elkan_start_f64_avx2(START_ARGUMENTS);
    default: return elkan_start_f64_baseline(START_ARGUMENTS);
    }
}

long gauss_elkan_start_f32(START_PARAMETERS(float)) {
    switch (gauss_detected_isa()) {
    case isa_avx512: return elkan_start_f32_avx512(START_ARGUMENTS);
    case isa_avx2: return elkan_start_f32_avx2(START_ARGUMENTS);
    default: return elkan_start_f32_baseline(START_ARGUMENTS);
    }
}

long gauss_elkan_step_f64(STEP_PARAMETERS(double)) {
    switch (gauss_detected_isa()) {
    case isa_avx512: return elkan_step_f64_avx512(STEP_ARGUMENTS);
    case isa_avx2: return elkan_step_f64_avx2(STEP_ARGUMENTS);
    default: return elkan_step_f64_baseline(STEP_ARGUMENTS);
    }
}

long gauss_elkan_step_f32(STEP_PARAMETERS(float)) {
    switch (gauss_detected_isa()) {
    case isa_avx512: return elkan_step_f32_avx512(STEP_ARGUMENTS);
    case isa_avx2: return elkan_step_f32_avx2(STEP_ARGUMENTS);
    default: return elkan_step_f32_baseline(STEP_ARGUMENTS);
    }
}
