import COpenBLAS

// Translations from the module's enums to the CBLAS and LAPACK encodings.

extension Transpose {
    @usableFromInline var cblas: CBLAS_TRANSPOSE { self == .none ? CblasNoTrans : CblasTrans }
}

extension Triangle {
    @usableFromInline var cblas: CBLAS_UPLO { self == .lower ? CblasLower : CblasUpper }
    @usableFromInline var lapack: CChar { CChar(UInt8(ascii: self == .lower ? "L" : "U")) }
}

extension Side {
    @usableFromInline var cblas: CBLAS_SIDE { self == .left ? CblasLeft : CblasRight }
}

@usableFromInline func cblasDiagonal(_ unit: Bool) -> CBLAS_DIAG { unit ? CblasUnit : CblasNonUnit }
@usableFromInline func lapackDiagonal(_ unit: Bool) -> CChar { CChar(UInt8(ascii: unit ? "U" : "N")) }

/// Converts a dimension to BLAS's integer type; dimensions beyond `Int32`
/// are a programmer error with this 32-bit-index OpenBLAS build.
@usableFromInline func blasInt(_ n: Int) -> Int32 {
    precondition(n <= Int(Int32.max), "dimension \(n) exceeds the 32-bit BLAS index range")
    return Int32(n)
}
