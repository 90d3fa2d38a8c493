// Eigendecompositions of small symmetric matrices by cyclic Jacobi
// rotations, eight matrices at a time, one per vector lane.
//
// A rotation is a chain of dependent divisions and square roots, and the
// rotations of one matrix follow each other, so one matrix at a time
// leaves most of the core idle; mclust's EEV and VEV decompose K matrices
// every M-step. In lanes the K matrices' rotations run side by side (on
// iris, K = 5, one EM iteration of EEV went from 15.7 to 9.2 µs when its
// decompositions moved here from one-at-a-time Swift). Each lane follows
// the one-matrix algorithm exactly: a lane whose rotations have converged
// sees only zeros off its diagonal, and a rotation of a zero entry is the
// identity (t = 0, c = 1, s = 0), so the sweeps the other lanes still need
// leave it unchanged, and each matrix gets the same bits whichever
// matrices share its group.

#include "CVectorMath.h"
#include "isa.h"
#include "lanes.h"

#include <math.h>

#define MAX_DIMENSION 8
#define MAX_SWEEPS 100

/* Lane by lane, a where mask is all ones, b where it is zero. */
#define PICK(mask, a, b) ((v8d)(((v8l)(a) & (mask)) | ((v8l)(b) & ~(mask))))

/* Whether any lane of a mask is set. A macro, not a function: a function
   taking a vector of eight would change ABI with the instruction set. */
#define ANY_LANE(mask)                                                                                        \
    ({                                                                                                        \
        v8l m_ = (mask);                                                                                      \
        (m_[0] | m_[1] | m_[2] | m_[3] | m_[4] | m_[5] | m_[6] | m_[7]) != 0;                                 \
    })

/* Matrices first … first + lanes − 1 of a (lanes ≤ 8); d a constant when
   inlined from a case of the switch below, so the loops unroll. */
static inline __attribute__((always_inline))
void eigen_group(const double *a, long first, long lanes, const long d, double *values, double *vectors, int *ok) {
    v8d m[MAX_DIMENSION * MAX_DIMENSION], v[MAX_DIMENSION * MAX_DIMENSION];
    double scales[8];
    v8l done = (v8l){0};
    for (long l = 0; l < 8; l++) {
        /* Work on A/2ᵉ with the largest entry in [1, 2): exact, and the
           differences of diagonal entries cannot overflow. Lanes past the
           last matrix, and matrices holding NaN or an infinity, are zero
           matrices, done from the start. */
        const double *matrix = a + (first + l) * d * d;
        double largest = 0;
        int finite = l < lanes;
        for (long i = 0; finite && i < d * d; i++) {
            finite = isfinite(matrix[i]);
            largest = fabs(matrix[i]) > largest ? fabs(matrix[i]) : largest;
        }
        if (l < lanes) ok[first + l] = finite;
        scales[l] = finite && largest > 0 ? ldexp(1.0, ilogb(largest)) : 1;
        done[l] = !finite || largest == 0 || d < 2 ? -1 : 0;
        for (long i = 0; i < d * d; i++) m[i][l] = finite ? matrix[i] / scales[l] : 0;
    }
    for (long i = 0; i < d; i++) {
        for (long j = 0; j < d; j++) v[i * d + j] = SPLAT(i == j ? 1.0 : 0.0);
    }
    for (int sweep = 0; sweep < MAX_SWEEPS && ANY_LANE(~done); sweep++) {
        v8d off = SPLAT(0.0);
        for (long p = 0; p + 1 < d; p++) {
            for (long q = p + 1; q < d; q++) {
                v8d apq = m[p * d + q], app = m[p * d + p], aqq = m[q * d + q];
                /* An entry below the rounding of both diagonal entries is zero. */
                v8l small = __builtin_elementwise_abs(apq)
                            <= 0x1p-60 * (__builtin_elementwise_abs(app) + __builtin_elementwise_abs(aqq));
                off = PICK(small, off, __builtin_elementwise_max(off, __builtin_elementwise_abs(apq)));
                /* The rotation that zeroes (p, q): t = tan θ, the smaller root;
                   t = 0, the identity, where the entry is already zero. */
                v8d theta = (aqq - app) / (2 * apq);
                v8d sign = PICK(theta >= 0, SPLAT(1.0), SPLAT(-1.0));
                v8d t = sign / (__builtin_elementwise_abs(theta) + __builtin_elementwise_sqrt(theta * theta + 1));
                t = PICK(small, SPLAT(0.0), t);
                v8d c = 1 / __builtin_elementwise_sqrt(t * t + 1), s = t * c;
                for (long k = 0; k < d; k++) {
                    if (k == p || k == q) continue;
                    v8d akp = m[k * d + p], akq = m[k * d + q];
                    v8d new_p = c * akp - s * akq, new_q = s * akp + c * akq;
                    m[k * d + p] = new_p;
                    m[p * d + k] = new_p;
                    m[k * d + q] = new_q;
                    m[q * d + k] = new_q;
                }
                m[p * d + p] = app - t * apq;
                m[q * d + q] = aqq + t * apq;
                m[p * d + q] = SPLAT(0.0);
                m[q * d + p] = SPLAT(0.0);
                for (long k = 0; k < d; k++) {
                    v8d vkp = v[k * d + p], vkq = v[k * d + q];
                    v[k * d + p] = c * vkp - s * vkq;
                    v[k * d + q] = s * vkp + c * vkq;
                }
            }
        }
        done |= off == 0;
    }
    for (long l = 0; l < lanes; l++) {
        double *w = values + (first + l) * d, *vectors_l = vectors + (first + l) * d * d;
        if (!done[l]) ok[first + l] = 0;
        /* Ascending, by selection: d is small. */
        long order[MAX_DIMENSION];
        for (long i = 0; i < d; i++) {
            w[i] = m[i * d + i][l] * scales[l];
            order[i] = i;
        }
        for (long i = 0; i < d; i++) {
            long smallest = i;
            for (long j = i + 1; j < d; j++) smallest = w[j] < w[smallest] ? j : smallest;
            double value = w[i];
            w[i] = w[smallest];
            w[smallest] = value;
            long column = order[i];
            order[i] = order[smallest];
            order[smallest] = column;
        }
        for (long i = 0; i < d; i++) {
            for (long j = 0; j < d; j++) vectors_l[i * d + j] = v[i * d + order[j]][l];
        }
    }
}

static inline __attribute__((always_inline))
void symmetric_eigen_body(const double *a, long count, long d, double *values, double *vectors, int *ok) {
    for (long first = 0; first < count; first += 8) {
        long lanes = count - first < 8 ? count - first : 8;
        switch (d) {
        case 2: eigen_group(a, first, lanes, 2, values, vectors, ok); break;
        case 3: eigen_group(a, first, lanes, 3, values, vectors, ok); break;
        case 4: eigen_group(a, first, lanes, 4, values, vectors, ok); break;
        default: eigen_group(a, first, lanes, d, values, vectors, ok);
        }
    }
}

GAUSS_ATTRIBUTES_avx512 static long symmetric_eigen_avx512(const double *a, long count, long d, double *values,
                                                           double *vectors, int *ok) {
    symmetric_eigen_body(a, count, d, values, vectors, ok);
    return 0;
}
GAUSS_ATTRIBUTES_avx2 static long symmetric_eigen_avx2(const double *a, long count, long d, double *values,
                                                       double *vectors, int *ok) {
    symmetric_eigen_body(a, count, d, values, vectors, ok);
    return 0;
}
static long symmetric_eigen_baseline(const double *a, long count, long d, double *values, double *vectors, int *ok) {
    symmetric_eigen_body(a, count, d, values, vectors, ok);
    return 0;
}

long gauss_symmetric_eigen(int isa, const double *a, long count, long d, double *values, double *vectors, int *ok) {
    if (d < 1 || d > MAX_DIMENSION || count < 0) return -1;
    GAUSS_DISPATCH(isa, symmetric_eigen, a, count, d, values, vectors, ok)
}
