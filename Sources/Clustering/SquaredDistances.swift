import LinearAlgebra

/// Squared Euclidean distances from blocks of rows to a few centres, by
/// ‖x − c‖² = ‖x‖² − 2·x·c + ‖c‖²: one GEMM per block in the data's
/// precision, the rest in Double, clamped at zero against rounding.
struct SquaredDistances<Scalar: BLASScalar> {
    let centres: Matrix<Scalar>
    let centreNorms: [Double]
    private var cross: Matrix<Scalar>

    init(centres: Matrix<Double>) {
        self.centres = Matrix(rows: centres.rows, columns: centres.columns) { Scalar(centres[$0, $1]) }
        centreNorms = (0..<centres.rows).map { k in centres.row(k).reduce(0) { $0 + $1 * $1 } }
        cross = Matrix(rows: 0, columns: centres.rows)
    }

    /// Distances from each row of `block` to each centre (rows × K).
    mutating func compute(_ block: Matrix<Scalar>, into distances: inout Matrix<Double>) {
        let m = block.rows, k = centres.rows, d = block.columns
        if cross.rows != m { cross = Matrix(rows: m, columns: k) }
        BLAS.gemm(block, centres, into: &cross, transposeB: .transpose)
        let norms = centreNorms
        block.withUnsafeBufferPointer { x in
            cross.withUnsafeBufferPointer { xc in
                distances.withUnsafeMutableBufferPointer { out in
                    for i in 0..<m {
                        var rowNorm = 0.0
                        for j in 0..<d { rowNorm += Double(x[i * d + j]) * Double(x[i * d + j]) }
                        for c in 0..<k { out[i * k + c] = Swift.max(0, rowNorm - 2 * Double(xc[i * k + c]) + norms[c]) }
                    }
                }
            }
        }
    }
}

/// ‖x − c‖², exactly (no expansion), in Double.
func exactSquaredDistance<Scalar: BLASScalar>(_ block: Matrix<Scalar>, row i: Int, to centres: Matrix<Double>, centre k: Int) -> Double {
    var sum = 0.0
    for j in 0..<block.columns {
        let difference = Double(block[i, j]) - centres[k, j]
        sum += difference * difference
    }
    return sum
}
