import LinearAlgebra

/// Squared Euclidean distances from blocks of rows to a few centers, by
/// ‖x − c‖² = ‖x‖² − 2·x·c + ‖c‖²: one GEMM per block in the data's
/// precision, the rest in Double, clamped at zero against rounding.
struct SquaredDistances<Scalar: BLASScalar> {
    let centers: Matrix<Scalar>
    let centerNorms: [Double]
    private var cross: Matrix<Scalar>

    init(centers: Matrix<Double>) {
        self.centers = Matrix(rows: centers.rows, columns: centers.columns) { Scalar(centers[$0, $1]) }
        centerNorms = (0..<centers.rows).map { k in centers.row(k).reduce(0) { $0 + $1 * $1 } }
        cross = Matrix(rows: 0, columns: centers.rows)
    }

    /// Distances from each row of `block` to each center (rows × K).
    ///
    /// - Parameter rowNorms: ‖xᵢ‖² of the block's rows, when the caller keeps
    ///   them between calls; computed here otherwise.
    mutating func compute(_ block: Matrix<Scalar>, rowNorms: UnsafeBufferPointer<Double>? = nil, into distances: inout Matrix<Double>) {
        let m = block.rows, k = centers.rows
        if cross.rows != m { cross = Matrix(rows: m, columns: k) }
        BLAS.gemm(block, centers, into: &cross, transposeB: .transpose)
        let norms = centerNorms
        let computed = rowNorms == nil ? squaredRowNorms(block) : []
        computed.withUnsafeBufferPointer { computed in
            let rowNorm = rowNorms ?? computed
            cross.withUnsafeBufferPointer { xc in
                distances.withUnsafeMutableBufferPointer { out in
                    for i in 0..<m {
                        for c in 0..<k { out[i * k + c] = Swift.max(0, rowNorm[i] - 2 * Double(xc[i * k + c]) + norms[c]) }
                    }
                }
            }
        }
    }
}

/// ‖xᵢ‖² of every row, accumulated in Double.
func squaredRowNorms<Scalar: BLASScalar>(_ block: Matrix<Scalar>) -> [Double] {
    let d = block.columns
    return block.withUnsafeBufferPointer { x in
        (0..<block.rows).map { i in
            var sum = 0.0
            for j in 0..<d { sum += Double(x[i * d + j]) * Double(x[i * d + j]) }
            return sum
        }
    }
}

/// ‖x − c‖², exactly (no expansion), in Double.
func exactSquaredDistance<Scalar: BLASScalar>(_ block: Matrix<Scalar>, row i: Int, to centers: Matrix<Double>, center k: Int) -> Double {
    var sum = 0.0
    for j in 0..<block.columns {
        let difference = Double(block[i, j]) - centers[k, j]
        sum += difference * difference
    }
    return sum
}
