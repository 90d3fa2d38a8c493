// One sweep of the plane rotations that find the orientation mclust's EVE
// and VVE models share between components (see sharedOrientation in the
// Clustering module for the method). The K matrices Mₖ = Dᵀ·Sₖ·D are stored
// interleaved, entry (l, i) of every component side by side, so that every
// step of a rotation is a run over the K components: one vector operation
// for K = 8 on AVX-512. Compiled per instruction set like the other
// kernels; the sums over components are reassociated.

#include "CVectorMath.h"
#include "isa.h"

#include <math.h>

static inline __attribute__((always_inline))
double orientation_sweep_body(double *restrict m, double *restrict axes, const double *restrict precisions, long d,
                              long k) {
    double largest_sine = 0;
    for (long i = 0; i + 1 < d; i++) {
        for (long j = i + 1; j < d; j++) {
            double *restrict mii = m + (i * d + i) * k, *restrict mjj = m + (j * d + j) * k;
            double *restrict mij = m + (i * d + j) * k, *restrict mji = m + (j * d + i) * k;
            const double *wi = precisions + i * k, *wj = precisions + j * k;
            double p = 0, q = 0;
            {
#pragma clang fp reassociate(on)
                /* K is small (a vector or two): no interleaving, or K = 8 would miss the vector loop. */
#pragma clang loop interleave_count(1)
                for (long c = 0; c < k; c++) {
                    double weight = wi[c] - wj[c];
                    p += weight * (mii[c] - mjj[c]) / 2;
                    q += weight * mij[c];
                }
            }
            double r = sqrt(p * p + q * q);
            if (!(r > 0) || !isfinite(r)) continue;
            /* The minimum of p·cos 2θ + q·sin 2θ: cos 2θ = −p/r, sin 2θ = −q/r,
               θ in (−π/2, π/2]. Its cosine and sine by the half-angle
               formulas, not atan2, cos and sin, which took nearly half of a
               sweep's time at d = 4: the larger of the two from 1 ± cos 2θ
               (a sum of two numbers of one sign, so no cancellation), the
               other from sin 2θ = 2·sin θ·cos θ. */
            double cosine, sine;
            if (p <= 0) {
                cosine = sqrt((r - p) / (2 * r));
                sine = -q / (2 * r * cosine);
            } else {
                sine = copysign(sqrt((r + p) / (2 * r)), -q);
                cosine = -q / (2 * r * sine);
            }
            if (sine == 0) continue;
            if (fabs(sine) > largest_sine) largest_sine = fabs(sine);
            for (long row = 0; row < d; row++) {
                double a = axes[row * d + i], b = axes[row * d + j];
                axes[row * d + i] = cosine * a + sine * b;
                axes[row * d + j] = -sine * a + cosine * b;
            }
            /* Mₖ ← GᵀMₖG for the rotation G of columns i and j: rows and
               columns i, j outside their 2×2 block, then the block. */
            for (long l = 0; l < d; l++) {
                if (l == i || l == j) continue;
                double *restrict li = m + (l * d + i) * k, *restrict lj = m + (l * d + j) * k;
                double *restrict il = m + (i * d + l) * k, *restrict jl = m + (j * d + l) * k;
                /* The four runs are distinct entries of m (l, i and j differ). */
#pragma clang loop vectorize(assume_safety)
                for (long c = 0; c < k; c++) {
                    double a = li[c], b = lj[c];
                    double x = cosine * a + sine * b, y = -sine * a + cosine * b;
                    li[c] = x;
                    il[c] = x;
                    lj[c] = y;
                    jl[c] = y;
                }
            }
            double cc = cosine * cosine, ss = sine * sine, cs = cosine * sine;
#pragma clang loop vectorize(assume_safety)
            for (long c = 0; c < k; c++) {
                double a = mii[c], b = mjj[c], h = mij[c];
                mii[c] = cc * a + 2 * cs * h + ss * b;
                mjj[c] = ss * a - 2 * cs * h + cc * b;
                double off_diagonal = cs * (b - a) + (cc - ss) * h;
                mij[c] = off_diagonal;
                mji[c] = off_diagonal;
            }
        }
    }
    return largest_sine;
}

GAUSS_ATTRIBUTES_avx512 static double orientation_sweep_avx512(double *m, double *axes, const double *precisions, long d,
                                                               long k) {
    return orientation_sweep_body(m, axes, precisions, d, k);
}
GAUSS_ATTRIBUTES_avx2 static double orientation_sweep_avx2(double *m, double *axes, const double *precisions, long d,
                                                           long k) {
    return orientation_sweep_body(m, axes, precisions, d, k);
}
static double orientation_sweep_baseline(double *m, double *axes, const double *precisions, long d, long k) {
    return orientation_sweep_body(m, axes, precisions, d, k);
}

double gauss_orientation_sweep(int isa, double *m, double *axes, const double *precisions, long d, long k) {
    GAUSS_DISPATCH(isa, orientation_sweep, m, axes, precisions, d, k)
}

/* The whole fixed-point loop around the sweeps, here rather than in Swift,
   where the steps between two sweeps (the precisions, the diagonals, EVE's
   volumes, the change) cost more than a sweep at d = 4. Written in the
   order the Swift loop before it took, without contraction, so that the
   results did not move: max(a, b) is b >= a ? b : a, as Swift's, and so
   passes a NaN change over as Swift's did. */
#pragma clang fp contract(off)

static inline double swift_max(double a, double b) { return b >= a ? b : a; }

/* w (K × d, component c's from c·d) ← diag(Mₖ) for every component, then
   with equal volumes λ·wₖ/gₖ, gₖ the geometric mean of wₖ (NaN when one is
   not positive) and λ = Σₖ nₖ·gₖ / total. */
static void shared_diagonals(const double *m, const double *counts, long d, long k, int equal_volumes, double total,
                             double *w, double *g) {
    for (long c = 0; c < k; c++) {
        for (long i = 0; i < d; i++) w[c * d + i] = m[(i * d + i) * k + c];
    }
    if (!equal_volumes) return;
    for (long c = 0; c < k; c++) {
        int positive = 1;
        double sum = 0;
        for (long i = 0; i < d; i++) positive &= w[c * d + i] > 0;
        for (long i = 0; i < d; i++) sum += log(w[c * d + i]);
        g[c] = positive ? exp(sum / (double)d) : __builtin_nan("");
    }
    double weighted = 0;
    for (long c = 0; c < k; c++) weighted += counts[c] * g[c];
    double lambda = weighted / total;
    for (long c = 0; c < k; c++) {
        for (long i = 0; i < d; i++) w[c * d + i] = lambda * w[c * d + i] / g[c];
    }
}

static double largest_relative_change(const double *old, const double *new, long count) {
    double largest = 0;
    for (long i = 0; i < count; i++) {
        double scale = swift_max(fabs(new[i]), 0x1p-1022);
        largest = swift_max(largest, fabs(old[i] - new[i]) / scale);
    }
    return largest;
}

#define SHARED_ORIENTATION(suffix, attributes)                                                                \
    attributes static long shared_orientation_##suffix(double *m, double *axes, const double *counts, long d,   \
                                                      long k, int equal_volumes, double total, double tolerance, \
                                                      long limit, double *current, double *scratch) {            \
        double *next = scratch, *precisions = scratch + k * d, *g = scratch + 2 * k * d;                         \
        shared_diagonals(m, counts, d, k, equal_volumes, total, current, g);                                     \
        if (d <= 1) return 0;                                                                                    \
        for (long step = 1; step <= limit; step++) {                                                             \
            for (long i = 0; i < d; i++) {                                                                       \
                for (long c = 0; c < k; c++) precisions[i * k + c] = counts[c] / current[c * d + i];             \
            }                                                                                                    \
            double largest_sine = orientation_sweep_body(m, axes, precisions, d, k);                             \
            shared_diagonals(m, counts, d, k, equal_volumes, total, next, g);                                    \
            double change = swift_max(largest_sine, largest_relative_change(current, next, k * d));              \
            for (long e = 0; e < k * d; e++) current[e] = next[e];                                               \
            if (!(change > tolerance)) return step;                                                              \
        }                                                                                                        \
        return limit;                                                                                            \
    }

SHARED_ORIENTATION(avx512, GAUSS_ATTRIBUTES_avx512)
SHARED_ORIENTATION(avx2, GAUSS_ATTRIBUTES_avx2)
SHARED_ORIENTATION(baseline, GAUSS_ATTRIBUTES_baseline)

long gauss_shared_orientation(int isa, double *m, double *axes, const double *counts, long d, long k, int equal_volumes,
                              double total, double tolerance, long limit, double *current, double *scratch) {
    GAUSS_DISPATCH(isa, shared_orientation, m, axes, counts, d, k, equal_volumes, total, tolerance, limit, current, scratch)
}
