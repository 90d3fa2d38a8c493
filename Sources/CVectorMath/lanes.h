#ifndef GAUSS_CVECTORMATH_LANES_H
#define GAUSS_CVECTORMATH_LANES_H

/* Eight-lane vectors of doubles and floats, in the compiler's generic vector
   types: each instruction-set variant of a kernel maps them onto its own
   registers (one AVX-512 register, two AVX2 ones, four SSE2 ones). */

#include <string.h>

typedef double v8d __attribute__((vector_size(64)));
typedef float v8f __attribute__((vector_size(32)));
typedef long v8l __attribute__((vector_size(64)));

/* x in all eight lanes. (Not 0 + x, whose addition keeps the compiler from
   broadcasting straight from memory, since 0 + (−0) is not −0.) */
#define SPLAT(x) ({ double x_ = (x); (v8d){x_, x_, x_, x_, x_, x_, x_, x_}; })

/* An unaligned load of eight lanes of `type` from p. */
#define LOAD_LANES(type, p) ({ type v_; memcpy(&v_, (p), sizeof v_); v_; })
#define LOAD8(p) LOAD_LANES(v8d, p)

/* Lane l of HALVES(QUADS(PAIRS(a0, a1), PAIRS(a2, a3)), QUADS(PAIRS(a4, a5),
   PAIRS(a6, a7))) is the sum of the lanes of a_l: three rounds of pairwise
   shuffles and adds for eight vectors, not three per vector. */
#define PAIRS(a, b) (__builtin_shufflevector(a, b, 0, 8, 2, 10, 4, 12, 6, 14) + __builtin_shufflevector(a, b, 1, 9, 3, 11, 5, 13, 7, 15))
#define QUADS(a, b) (__builtin_shufflevector(a, b, 0, 1, 8, 9, 4, 5, 12, 13) + __builtin_shufflevector(a, b, 2, 3, 10, 11, 6, 7, 14, 15))
#define HALVES(a, b) (__builtin_shufflevector(a, b, 0, 1, 2, 3, 8, 9, 10, 11) + __builtin_shufflevector(a, b, 4, 5, 6, 7, 12, 13, 14, 15))
#define LANE_SUMS(a) HALVES(QUADS(PAIRS(a[0], a[1]), PAIRS(a[2], a[3])), QUADS(PAIRS(a[4], a[5]), PAIRS(a[6], a[7])))

/* The rank-one updates of a register tile: acc[r][q] += x[r·stride + l]·
   w[l][q] for the R rows of x, the vectors of eight q0 ≤ q < CH of row l
   of the row-major matrix w (ld values per row, from column `column`), and
   from ≤ l < to. Inlined with R, q0 and CH constant, the tile lives in
   registers and each x value is one broadcast multiply-add per vector. */
static inline __attribute__((always_inline)) void
tile_updates(v8d acc[][4], const long R, const long q0, const long CH, const double *restrict x, long stride,
             const double *restrict w, long ld, long column, long from, long to) {
    for (long l = from; l < to; l++) {
        const double *restrict row = w + l * ld + column;
        v8d lanes[4];
        _Pragma("unroll")
        for (long q = q0; q < CH; q++) lanes[q] = LOAD8(row + 8 * q);
        _Pragma("unroll")
        for (long r = 0; r < R; r++) {
            v8d v = SPLAT(x[r * stride + l]);
            _Pragma("unroll")
            for (long q = q0; q < CH; q++) acc[r][q] += v * lanes[q];
        }
    }
}

#endif
