import COpenBLAS
import RealModule

extension Double: BLASScalar {
    public static var dtypeName: String { "float64" }

    @inlinable public static func blasAxpy(_ n: Int, _ alpha: Double, _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>) {
        cblas_daxpy(blasInt(n), alpha, x, 1, y, 1)
    }

    @inlinable public static func blasScal(_ n: Int, _ alpha: Double, _ x: UnsafeMutablePointer<Double>) {
        cblas_dscal(blasInt(n), alpha, x, 1)
    }

    @inlinable public static func blasDot(_ n: Int, _ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>) -> Double {
        cblas_ddot(blasInt(n), x, 1, y, 1)
    }

    @inlinable public static func blasNrm2(_ n: Int, _ x: UnsafePointer<Double>) -> Double {
        cblas_dnrm2(blasInt(n), x, 1)
    }

    @inlinable public static func blasGemv(
        _ trans: Transpose, _ m: Int, _ n: Int, _ alpha: Double,
        _ a: UnsafePointer<Double>, _ lda: Int, _ x: UnsafePointer<Double>,
        _ beta: Double, _ y: UnsafeMutablePointer<Double>
    ) {
        cblas_dgemv(CblasRowMajor, trans.cblas, blasInt(m), blasInt(n), alpha, a, blasInt(lda), x, 1, beta, y, 1)
    }

    @inlinable public static func blasGemm(
        _ transA: Transpose, _ transB: Transpose, _ m: Int, _ n: Int, _ k: Int,
        _ alpha: Double, _ a: UnsafePointer<Double>, _ lda: Int,
        _ b: UnsafePointer<Double>, _ ldb: Int,
        _ beta: Double, _ c: UnsafeMutablePointer<Double>, _ ldc: Int
    ) {
        cblas_dgemm(CblasRowMajor, transA.cblas, transB.cblas, blasInt(m), blasInt(n), blasInt(k),
                    alpha, a, blasInt(lda), b, blasInt(ldb), beta, c, blasInt(ldc))
    }

    @inlinable public static func blasSyrk(
        _ triangle: Triangle, _ trans: Transpose, _ n: Int, _ k: Int,
        _ alpha: Double, _ a: UnsafePointer<Double>, _ lda: Int,
        _ beta: Double, _ c: UnsafeMutablePointer<Double>, _ ldc: Int
    ) {
        cblas_dsyrk(CblasRowMajor, triangle.cblas, trans.cblas, blasInt(n), blasInt(k),
                    alpha, a, blasInt(lda), beta, c, blasInt(ldc))
    }

    @inlinable public static func blasTrmm(
        _ side: Side, _ triangle: Triangle, _ trans: Transpose, _ unitDiagonal: Bool,
        _ m: Int, _ n: Int, _ alpha: Double, _ a: UnsafePointer<Double>, _ lda: Int,
        _ b: UnsafeMutablePointer<Double>, _ ldb: Int
    ) {
        cblas_dtrmm(CblasRowMajor, side.cblas, triangle.cblas, trans.cblas, cblasDiagonal(unitDiagonal),
                    blasInt(m), blasInt(n), alpha, a, blasInt(lda), b, blasInt(ldb))
    }

    @inlinable public static func blasTrsm(
        _ side: Side, _ triangle: Triangle, _ trans: Transpose, _ unitDiagonal: Bool,
        _ m: Int, _ n: Int, _ alpha: Double, _ a: UnsafePointer<Double>, _ lda: Int,
        _ b: UnsafeMutablePointer<Double>, _ ldb: Int
    ) {
        cblas_dtrsm(CblasRowMajor, side.cblas, triangle.cblas, trans.cblas, cblasDiagonal(unitDiagonal),
                    blasInt(m), blasInt(n), alpha, a, blasInt(lda), b, blasInt(ldb))
    }

    public static func lapackPotrf(_ triangle: Triangle, _ n: Int, _ a: UnsafeMutablePointer<Double>, _ lda: Int) -> Int {
        Int(LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, triangle.lapack, blasInt(n), a, blasInt(lda)))
    }

    public static func lapackPotri(_ triangle: Triangle, _ n: Int, _ a: UnsafeMutablePointer<Double>, _ lda: Int) -> Int {
        Int(LAPACKE_dpotri_work(LAPACK_COL_MAJOR, triangle.lapack, blasInt(n), a, blasInt(lda)))
    }

    public static func lapackTrtri(_ triangle: Triangle, _ unitDiagonal: Bool, _ n: Int, _ a: UnsafeMutablePointer<Double>, _ lda: Int) -> Int {
        Int(LAPACKE_dtrtri_work(LAPACK_COL_MAJOR, triangle.lapack, lapackDiagonal(unitDiagonal), blasInt(n), a, blasInt(lda)))
    }

    public static func lapackSyevd(
        _ computeVectors: Bool, _ triangle: Triangle, _ n: Int,
        _ a: UnsafeMutablePointer<Double>, _ lda: Int, _ w: UnsafeMutablePointer<Double>
    ) -> Int {
        let jobz = CChar(UInt8(ascii: computeVectors ? "V" : "N"))
        var workSize = 0.0, iworkSize: Int32 = 0
        var info = LAPACKE_dsyevd_work(LAPACK_COL_MAJOR, jobz, triangle.lapack, blasInt(n), a, blasInt(lda), w,
                                       &workSize, -1, &iworkSize, -1)
        guard info == 0 else { return Int(info) }
        let work = UnsafeMutablePointer<Double>.allocate(capacity: max(1, Int(workSize)))
        let iwork = UnsafeMutablePointer<Int32>.allocate(capacity: max(1, Int(iworkSize)))
        defer { work.deallocate(); iwork.deallocate() }
        info = LAPACKE_dsyevd_work(LAPACK_COL_MAJOR, jobz, triangle.lapack, blasInt(n), a, blasInt(lda), w,
                                   work, blasInt(max(1, Int(workSize))), iwork, max(1, iworkSize))
        return Int(info)
    }
}
