import COpenBLAS
import RealModule

extension Float: BLASScalar {
    public static var dtypeName: String { "float32" }

    @inlinable public static func blasAxpy(_ n: Int, _ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>) {
        cblas_saxpy(blasInt(n), alpha, x, 1, y, 1)
    }

    @inlinable public static func blasScal(_ n: Int, _ alpha: Float, _ x: UnsafeMutablePointer<Float>) {
        cblas_sscal(blasInt(n), alpha, x, 1)
    }

    @inlinable public static func blasDot(_ n: Int, _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>) -> Float {
        cblas_sdot(blasInt(n), x, 1, y, 1)
    }

    @inlinable public static func blasNrm2(_ n: Int, _ x: UnsafePointer<Float>) -> Float {
        cblas_snrm2(blasInt(n), x, 1)
    }

    @inlinable public static func blasGemv(
        _ trans: Transpose, _ m: Int, _ n: Int, _ alpha: Float,
        _ a: UnsafePointer<Float>, _ lda: Int, _ x: UnsafePointer<Float>,
        _ beta: Float, _ y: UnsafeMutablePointer<Float>
    ) {
        cblas_sgemv(CblasRowMajor, trans.cblas, blasInt(m), blasInt(n), alpha, a, blasInt(lda), x, 1, beta, y, 1)
    }

    @inlinable public static func blasGemm(
        _ transA: Transpose, _ transB: Transpose, _ m: Int, _ n: Int, _ k: Int,
        _ alpha: Float, _ a: UnsafePointer<Float>, _ lda: Int,
        _ b: UnsafePointer<Float>, _ ldb: Int,
        _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int
    ) {
        cblas_sgemm(CblasRowMajor, transA.cblas, transB.cblas, blasInt(m), blasInt(n), blasInt(k),
                    alpha, a, blasInt(lda), b, blasInt(ldb), beta, c, blasInt(ldc))
    }

    @inlinable public static func blasSyrk(
        _ triangle: Triangle, _ trans: Transpose, _ n: Int, _ k: Int,
        _ alpha: Float, _ a: UnsafePointer<Float>, _ lda: Int,
        _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int
    ) {
        cblas_ssyrk(CblasRowMajor, triangle.cblas, trans.cblas, blasInt(n), blasInt(k),
                    alpha, a, blasInt(lda), beta, c, blasInt(ldc))
    }

    @inlinable public static func blasTrmm(
        _ side: Side, _ triangle: Triangle, _ trans: Transpose, _ unitDiagonal: Bool,
        _ m: Int, _ n: Int, _ alpha: Float, _ a: UnsafePointer<Float>, _ lda: Int,
        _ b: UnsafeMutablePointer<Float>, _ ldb: Int
    ) {
        cblas_strmm(CblasRowMajor, side.cblas, triangle.cblas, trans.cblas, cblasDiagonal(unitDiagonal),
                    blasInt(m), blasInt(n), alpha, a, blasInt(lda), b, blasInt(ldb))
    }

    @inlinable public static func blasTrsm(
        _ side: Side, _ triangle: Triangle, _ trans: Transpose, _ unitDiagonal: Bool,
        _ m: Int, _ n: Int, _ alpha: Float, _ a: UnsafePointer<Float>, _ lda: Int,
        _ b: UnsafeMutablePointer<Float>, _ ldb: Int
    ) {
        cblas_strsm(CblasRowMajor, side.cblas, triangle.cblas, trans.cblas, cblasDiagonal(unitDiagonal),
                    blasInt(m), blasInt(n), alpha, a, blasInt(lda), b, blasInt(ldb))
    }

    public static func lapackPotrf(_ triangle: Triangle, _ n: Int, _ a: UnsafeMutablePointer<Float>, _ lda: Int) -> Int {
        Int(LAPACKE_spotrf_work(LAPACK_COL_MAJOR, triangle.lapack, blasInt(n), a, blasInt(lda)))
    }

    public static func lapackPotri(_ triangle: Triangle, _ n: Int, _ a: UnsafeMutablePointer<Float>, _ lda: Int) -> Int {
        Int(LAPACKE_spotri_work(LAPACK_COL_MAJOR, triangle.lapack, blasInt(n), a, blasInt(lda)))
    }

    public static func lapackTrtri(_ triangle: Triangle, _ unitDiagonal: Bool, _ n: Int, _ a: UnsafeMutablePointer<Float>, _ lda: Int) -> Int {
        Int(LAPACKE_strtri_work(LAPACK_COL_MAJOR, triangle.lapack, lapackDiagonal(unitDiagonal), blasInt(n), a, blasInt(lda)))
    }

    public static func lapackSyevd(
        _ computeVectors: Bool, _ triangle: Triangle, _ n: Int,
        _ a: UnsafeMutablePointer<Float>, _ lda: Int, _ w: UnsafeMutablePointer<Float>
    ) -> Int {
        let jobz = CChar(UInt8(ascii: computeVectors ? "V" : "N"))
        var workSize: Float = 0, iworkSize: Int32 = 0
        var info = LAPACKE_ssyevd_work(LAPACK_COL_MAJOR, jobz, triangle.lapack, blasInt(n), a, blasInt(lda), w,
                                       &workSize, -1, &iworkSize, -1)
        guard info == 0 else { return Int(info) }
        let work = UnsafeMutablePointer<Float>.allocate(capacity: max(1, Int(workSize)))
        let iwork = UnsafeMutablePointer<Int32>.allocate(capacity: max(1, Int(iworkSize)))
        defer { work.deallocate(); iwork.deallocate() }
        info = LAPACKE_ssyevd_work(LAPACK_COL_MAJOR, jobz, triangle.lapack, blasInt(n), a, blasInt(lda), w,
                                   work, blasInt(max(1, Int(workSize))), iwork, max(1, iworkSize))
        return Int(info)
    }
}
