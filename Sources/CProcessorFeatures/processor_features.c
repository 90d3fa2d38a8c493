#include "CProcessorFeatures.h"

#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

// XCR0 through XGETBV, written as bytes so that no target attribute is needed.
static unsigned long long extended_control_register_0(void) {
    unsigned int eax, edx;
    __asm__ volatile(".byte 0x0f, 0x01, 0xd0" : "=a"(eax), "=d"(edx) : "c"(0));
    return ((unsigned long long)edx << 32) | eax;
}

void gauss_read_processor_features(gauss_processor_features *features) {
    memset(features, 0, sizeof *features);
    unsigned int eax, ebx, ecx, edx;
    unsigned int highest = __get_cpuid_max(0, 0);
    if (highest < 1) return;

    __cpuid(0, eax, ebx, ecx, edx);
    memcpy(features->vendor + 0, &ebx, 4);
    memcpy(features->vendor + 4, &edx, 4);
    memcpy(features->vendor + 8, &ecx, 4);

    __cpuid(1, eax, ebx, ecx, edx);
    int family = (eax >> 8) & 0xf, model = (eax >> 4) & 0xf;
    if (family == 0xf) family += (eax >> 20) & 0xff;
    if (family == 0x6 || family >= 0xf) model += ((eax >> 16) & 0xf) << 4;
    features->family = family;
    features->model = model;

    features->sse3 = ecx & (1u << 0);
    features->ssse3 = ecx & (1u << 9);
    features->sse4_1 = ecx & (1u << 19);
    features->sse4_2 = ecx & (1u << 20);

    // AVX needs the OS to save XMM and YMM state (XCR0 bits 1 and 2);
    // AVX-512 also the opmask and ZMM state (bits 5, 6 and 7).
    bool osxsave = ecx & (1u << 27);
    unsigned long long xcr0 = osxsave ? extended_control_register_0() : 0;
    bool saves_ymm = (xcr0 & 0x6) == 0x6;
    bool saves_zmm = (xcr0 & 0xe6) == 0xe6;

    features->avx = saves_ymm && (ecx & (1u << 28));
    features->fma = saves_ymm && (ecx & (1u << 12));

    if (highest < 7) return;
    __cpuid_count(7, 0, eax, ebx, ecx, edx);
    features->avx2 = saves_ymm && (ebx & (1u << 5));
    features->avx512f = saves_zmm && (ebx & (1u << 16));
    features->avx512dq = saves_zmm && (ebx & (1u << 17));
    features->avx512cd = saves_zmm && (ebx & (1u << 28));
    features->avx512bw = saves_zmm && (ebx & (1u << 30));
    features->avx512vl = saves_zmm && (ebx & (1u << 31));
}

#else

void gauss_read_processor_features(gauss_processor_features *features) {
    memset(features, 0, sizeof *features);
}

#endif
