// The loops of the tape's block rules (Variable+Blocks, Variable+ProductNorms)
// over consecutive blocks of `width` doubles: a sum or sum of squares per
// block, and each block scaled by a factor of its own. Rows of K blocks
// are consecutive blocks, so every kernel takes a flat count of blocks.
//
// Compiled three times (AVX-512, AVX2 with FMA, baseline), the widest the
// processor has chosen at run time. Blocks are short (the GMM's d is 2 to
// 64), too short for a vectorised loop per block, whose horizontal sum and
// scalar remainder would cost more than the block. So sums go eight blocks
// at a time: each block's values eight at a time into a vector of lanes,
// its last partial eight by one full load masked to the block (which reads
// the start of the next block, never past the end of the buffer), then the
// eight vectors reduced together, transposed, into the eight sums. Sums are
// reassociated (eight lanes, then across them).

#include "CVectorMath.h"
#include "isa.h"
#include "lanes.h"

#define ALWAYS_INLINE static inline __attribute__((always_inline))

/* The sum of block `block`'s lanes: its values from 0 ..< full eight at a
   time, then, when full < width, eight more with the lanes past the block
   cleared by `tail`. */
#define BLOCK_LANES(block, full, width, tail, squaring)                                                        \
    ({                                                                                                         \
        v8d lanes_ = {0};                                                                                      \
        for (long j_ = 0; j_ < (full); j_ += 8) {                                                              \
            v8d v_ = LOAD8((block) + j_);                                                                      \
            lanes_ += (squaring) ? v_ * v_ : v_;                                                               \
        }                                                                                                      \
        if ((full) < (width)) {                                                                                \
            v8d v_ = (v8d)((v8l)LOAD8((block) + (full)) & (tail));                                             \
            lanes_ += (squaring) ? v_ * v_ : v_;                                                               \
        }                                                                                                      \
        lanes_;                                                                                                \
    })

ALWAYS_INLINE void block_sums_body(const double *restrict y, long blocks, long width, int squaring,
                                   double *restrict out) {
    static const long table[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
    long full = width & ~7L, total = blocks * width;
    v8l tail;
    memcpy(&tail, table + 8 - (width - full), sizeof tail);
    /* How far past a group's start its last block's loads reach. */
    long reach = full < width ? 7 * width + full + 8 : 8 * width;
    long b = 0;
    for (; b + 8 <= blocks && b * width + reach <= total; b += 8) {
        const double *group = y + b * width;
        v8d a0 = BLOCK_LANES(group, full, width, tail, squaring);
        v8d a1 = BLOCK_LANES(group + width, full, width, tail, squaring);
        v8d a2 = BLOCK_LANES(group + 2 * width, full, width, tail, squaring);
        v8d a3 = BLOCK_LANES(group + 3 * width, full, width, tail, squaring);
        v8d a4 = BLOCK_LANES(group + 4 * width, full, width, tail, squaring);
        v8d a5 = BLOCK_LANES(group + 5 * width, full, width, tail, squaring);
        v8d a6 = BLOCK_LANES(group + 6 * width, full, width, tail, squaring);
        v8d a7 = BLOCK_LANES(group + 7 * width, full, width, tail, squaring);
        v8d sums = HALVES(QUADS(PAIRS(a0, a1), PAIRS(a2, a3)), QUADS(PAIRS(a4, a5), PAIRS(a6, a7)));
        memcpy(out + b, &sums, sizeof sums);
    }
    /* The last blocks one by one, their remainders scalar. */
    for (; b < blocks; b++) {
        const double *block = y + b * width;
        v8d lanes = {0};
        for (long j = 0; j < full; j += 8) {
            v8d v = LOAD8(block + j);
            lanes += squaring ? v * v : v;
        }
        double sum = ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
        for (long j = full; j < width; j++) sum += squaring ? block[j] * block[j] : block[j];
        out[b] = sum;
    }
}

ALWAYS_INLINE void scale_blocks_body(const double *restrict y, long blocks, long width,
                                     const double *restrict factors, double scale, double *restrict out) {
    for (long b = 0; b < blocks; b++) {
        double factor = scale * factors[b];
        const double *restrict block = y + b * width;
        double *restrict target = out + b * width;
        _Pragma("clang loop vectorize(enable) interleave_count(1)")
        for (long j = 0; j < width; j++) target[j] = factor * block[j];
    }
}

#define BLOCK_VARIANTS(suffix, attributes)                                                                     \
    attributes static long block_sums_##suffix(const double *y, long blocks, long width, int squaring,         \
                                               double *out) {                                                  \
        if (squaring) block_sums_body(y, blocks, width, 1, out); else block_sums_body(y, blocks, width, 0, out);                                                     \
        return 0;                                                                                              \
    }                                                                                                          \
    attributes static long scale_blocks_##suffix(const double *y, long blocks, long width,                     \
                                                 const double *factors, double scale, double *out) {           \
        scale_blocks_body(y, blocks, width, factors, scale, out);                                              \
        return 0;                                                                                              \
    }

BLOCK_VARIANTS(avx512, GAUSS_ATTRIBUTES_avx512)
BLOCK_VARIANTS(avx2, GAUSS_ATTRIBUTES_avx2)
BLOCK_VARIANTS(baseline, GAUSS_ATTRIBUTES_baseline)

long gauss_block_sums(int isa, const double *y, long blocks, long width, int squaring, double *out) {
    GAUSS_DISPATCH(isa, block_sums, y, blocks, width, squaring, out)
}

long gauss_scale_blocks(int isa, const double *y, long blocks, long width, const double *factors, double scale,
                        double *out) {
    GAUSS_DISPATCH(isa, scale_blocks, y, blocks, width, factors, scale, out)
}
