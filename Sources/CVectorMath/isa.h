#ifndef GAUSS_CVECTORMATH_ISA_H
#define GAUSS_CVECTORMATH_ISA_H

/* The vector instruction sets the kernels are compiled for, widest last. */
enum isa { isa_unknown, isa_baseline, isa_avx2, isa_avx512 };

/* The widest set this processor (and its OS) supports; detected once. */
enum isa gauss_detected_isa(void);

#define GAUSS_ATTRIBUTES_avx512 __attribute__((target("avx512f,avx512dq,avx512vl,avx2,fma")))
#define GAUSS_ATTRIBUTES_avx2 __attribute__((target("avx2,fma")))
#define GAUSS_ATTRIBUTES_baseline

/* Returns what `base`'s variant for instruction set `isa` returns (0
   baseline, 1 AVX2, 2 AVX-512; −1: the widest this processor has), or −1
   when the processor lacks the set asked for. The variants are named
   base_avx512, base_avx2 and base_baseline. */
#define GAUSS_DISPATCH(isa, base, ...)                                                                       \
    switch ((isa) < 0 ? (int)gauss_detected_isa() - isa_baseline : (isa)) {                                 \
    case 2: return gauss_detected_isa() >= isa_avx512 ? base##_avx512(__VA_ARGS__) : -1;                     \
    case 1: return gauss_detected_isa() >= isa_avx2 ? base##_avx2(__VA_ARGS__) : -1;                         \
    case 0: return base##_baseline(__VA_ARGS__);                                                             \
    default: return -1;                                                                                      \
    }

#endif
