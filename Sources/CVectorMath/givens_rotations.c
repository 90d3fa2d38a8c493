// The plane rotations of mclust's hierarchical clustering (the Agglomeration
// in the Clustering module): a row rotated into an upper-triangular factor,
// and many rows rotated against one factor without square roots. Every
// element gets exactly the operations the scalar loops give it, in the same
// order: no contraction into fused multiply-adds and no reassociation, so
// that the merge costs, and the ties among them that decide the tree, are
// the same on every instruction set. Only independent elements go side by
// side in vector lanes.

#include "CVectorMath.h"
#include "isa.h"

#include <math.h>

#pragma clang fp contract(off)

#define ALWAYS_INLINE static inline __attribute__((always_inline))

/* Rotates `row` against triangle row p, zeroing the row's entry p. */
ALWAYS_INLINE void rotate_pivot(double *restrict row, double *restrict triangle, long p, long d) {
    double a = triangle[p * d + p], b = row[p];
    if (b == 0) return;
    double radius = sqrt(a * a + b * b);
    double c = a / radius, s = b / radius;
    triangle[p * d + p] = radius;
    row[p] = 0;
    double *restrict t = triangle + p * d;
    /* Entry p + 1 of the row is the next rotation's b: computed first, so
       that rotation need not wait for the rest of this one. (A vector loop
       with masked tails instead of scalar ones was slower at d = 8: the
       next load waited for a masked store, which is not forwarded.) */
    if (p + 1 < d) {
        double x = t[p + 1], y = row[p + 1];
        t[p + 1] = c * x + s * y;
        row[p + 1] = c * y - s * x;
    }
    for (long k = p + 2; k < d; k++) {
        double x = t[k], y = row[k];
        t[k] = c * x + s * y;
        row[k] = c * y - s * x;
    }
}

/* Rotates `count` rows, one after another, into the triangle: row q meets
   pivots 0, 1, … of the triangle as the rows before it left them, and while
   the triangle has fewer than d rows it is appended after them. A row's
   pivot rotations form a chain of square roots and divisions, each waiting
   for the last, so the rows go in a wavefront: at step s row q meets pivot
   s − q, and the rotations of one step touch different rows of both
   matrices and run side by side. Each element sees the same operations in
   the same order as when the rows go one at a time. */
ALWAYS_INLINE long rotate_rows_in_body(double *restrict incoming, long count, double *restrict triangle, long rows, long d) {
    long steps = 0;
    for (long q = 0; q < count; q++) {
        long pivots = rows + q < d ? rows + q : d;
        if (q + pivots + 1 > steps) steps = q + pivots + 1;
    }
    for (long s = 0; s < steps; s++) {
        long first = s - d < 0 ? 0 : s - d;
        long last = s < count - 1 ? s : count - 1;
        for (long q = first; q <= last; q++) {
            long p = s - q, pivots = rows + q < d ? rows + q : d;
            double *restrict row = incoming + q * d;
            if (p < pivots) {
                rotate_pivot(row, triangle, p, d);
            } else if (p == pivots && pivots < d) {
                for (long k = pivots; k < d; k++) triangle[pivots * d + k] = row[k];
            }
        }
    }
    long total = rows + count;
    return total < d ? total : d;
}

ALWAYS_INLINE void rotate_columns_body(double *restrict v, long width, const double *restrict r, long rows, long d,
                                       double *restrict scales, double *restrict ratios) {
    long pivots = rows < d ? rows : d;
    for (long t = 0; t < pivots; t++) {
        double inverse = 1 / r[t * d + t];
        const double *restrict row = v + t * width;
        for (long c = 0; c < width; c++) {
            double ratio = row[c] * inverse;
            ratios[c] = ratio;
            scales[c] /= 1 + scales[c] * ratio * ratio;
        }
        for (long e = t + 1; e < d; e++) {
            double x = r[t * d + e];
            double *restrict target = v + e * width;
            for (long c = 0; c < width; c++) target[c] -= ratios[c] * x;
        }
    }
}

#define VARIANTS(isa)                                                                                                 \
    GAUSS_ATTRIBUTES_##isa static long rotate_rows_in_##isa(double *incoming, long count, double *triangle, long rows,  \
                                                            long d) {                                                 \
        return rotate_rows_in_body(incoming, count, triangle, rows, d);                                               \
    }                                                                                                                 \
    GAUSS_ATTRIBUTES_##isa static long rotate_columns_##isa(double *v, long width, const double *r, long rows,        \
                                                            long d, double *scales, double *ratios) {                 \
        rotate_columns_body(v, width, r, rows, d, scales, ratios);                                                    \
        return 0;                                                                                                     \
    }

VARIANTS(avx512)
VARIANTS(avx2)
VARIANTS(baseline)

long gauss_givens_rotate_rows_in(int isa, double *incoming, long count, double *triangle, long rows, long d) {
    GAUSS_DISPATCH(isa, rotate_rows_in, incoming, count, triangle, rows, d)
}

int gauss_givens_rotate_columns(int isa, double *v, long width, const double *r, long rows, long d, double *scales,
                                double *ratios) {
    GAUSS_DISPATCH(isa, rotate_columns, v, width, r, rows, d, scales, ratios)
}
