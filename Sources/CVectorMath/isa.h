#ifndef GAUSS_CVECTORMATH_ISA_H
#define GAUSS_CVECTORMATH_ISA_H

/* The vector instruction sets the kernels are compiled for, widest last. */
enum isa { isa_unknown, isa_baseline, isa_avx2, isa_avx512 };

/* The widest set this processor (and its OS) supports; detected once. */
enum isa gauss_detected_isa(void);

#define GAUSS_ATTRIBUTES_avx512 __attribute__((target("avx512f,avx512dq,avx512vl,avx2,fma")))
#define GAUSS_ATTRIBUTES_avx2 __attribute__((target("avx2,fma")))
#define GAUSS_ATTRIBUTES_baseline

#endif
