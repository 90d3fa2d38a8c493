#ifndef GAUSS_CPROCESSORFEATURES_H
#define GAUSS_CPROCESSORFEATURES_H

#include <stdbool.h>

/// What the processor reports through CPUID, with each instruction set
/// counted only when the operating system also saves its registers (XCR0),
/// as OpenBLAS and compilers' run-time checks count them.
typedef struct {
    /// "GenuineIntel", "AuthenticAMD", …; empty where CPUID is missing.
    char vendor[13];
    /// Family and model as Intel and AMD print them (extended fields added).
    int family;
    int model;
    bool sse3, ssse3, sse4_1, sse4_2;
    bool avx, avx2, fma;
    bool avx512f, avx512cd, avx512bw, avx512dq, avx512vl;
} gauss_processor_features;

/// Reads the features of the processor this runs on. On a processor that
/// is not x86-64 every field is zero.
void gauss_read_processor_features(gauss_processor_features *features);

#endif
