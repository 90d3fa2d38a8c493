import CVectorMath
import LinearAlgebra

/// The k-means assignment kernels: Swift's side of the C in CVectorMath
/// (`gauss_nearest_centers`, `gauss_elkan_*`), with the layouts they take.
enum CenterKernels {
    /// The widths the nearest-center kernel is compiled for.
    static let nearestCenterWidths = [16, 32, 64]

    /// `centers` (k × d) laid out for ``nearestCenters(of:dimension:centersT:width:centerNorms:rowNorms:labels:distances:weights:sums:clusterWeights:)``:
    /// transposed to d × width and padded with zero centers to the smallest
    /// width of ``nearestCenterWidths`` that holds k; nil when k is larger
    /// than all.
    static func packedCenters(_ centers: Matrix<Double>) -> (values: [Double], width: Int)? {
        let k = centers.rows, d = centers.columns
        guard let width = nearestCenterWidths.first(where: { k <= $0 }) else { return nil }
        var values = [Double](repeating: 0, count: d * width)
        for c in 0..<k {
            for j in 0..<d { values[j * width + c] = centers[c, j] }
        }
        return (values, width)
    }

    /// For each row of the row-major `rows × d` block `x`: the index of the
    /// nearest of `k` centers and the squared distance to it,
    /// `rowNorms[i] + centerNorms[c] − 2·x·c` clamped at 0. `centersT` is
    /// the centers as ``packedCenters(_:)`` lays them out, `width` wide: the
    /// accumulators of a row then stay in registers and the block is read
    /// once, unpacked, which beats a GEMM when k is this small. The first of
    /// equally near centers wins.
    ///
    /// With `sums` (k × d) and `clusterWeights` (k), each row times its
    /// weight (from `weights`, or 1) is also added to its center's sum, and
    /// the weight to its center's total, while the row is still in cache.
    static func nearestCenters(
        of x: UnsafeBufferPointer<Double>, dimension d: Int, centersT: UnsafeBufferPointer<Double>, width: Int,
        centerNorms: UnsafeBufferPointer<Double>, rowNorms: UnsafeBufferPointer<Double>,
        labels: UnsafeMutableBufferPointer<Int>, distances: UnsafeMutableBufferPointer<Double>,
        weights: UnsafeBufferPointer<Double>? = nil, sums: UnsafeMutableBufferPointer<Double>? = nil,
        clusterWeights: UnsafeMutableBufferPointer<Double>? = nil
    ) {
        let rows = rowNorms.count, k = centerNorms.count
        precondition(nearestCenterWidths.contains(width) && k >= 1 && k <= width && centersT.count == d * width
                     && x.count == rows * d && labels.count >= rows && distances.count >= rows)
        precondition((sums == nil) == (clusterWeights == nil) && (sums?.count ?? k * d) == k * d
                     && (clusterWeights?.count ?? k) == k && (weights?.count ?? rows) >= rows)
        guard rows > 0 else { return }
        gauss_nearest_centers(x.baseAddress!, rows, d, centersT.baseAddress!, width, centerNorms.baseAddress!, k,
                              rowNorms.baseAddress!, labels.baseAddress!, distances.baseAddress!,
                              weights?.baseAddress, sums?.baseAddress, clusterWeights?.baseAddress)
    }

    /// How far apart k centers are, as a bounded k-means assignment needs it.
    struct CenterSeparation: Sendable {
        /// ½‖cᵢ − cⱼ‖ (k × k, row-major).
        let halfDistances: [Double]
        /// Per center, the smallest of its row of ``halfDistances`` off the
        /// diagonal (∞ for a single center): a row nearer its center than
        /// this has no nearer one.
        let halfNearest: [Double]

        init(_ centers: Matrix<Double>) {
            let k = centers.rows
            var half = [Double](repeating: 0, count: k * k)
            var nearest = [Double](repeating: .infinity, count: k)
            for a in 0..<k {
                for b in (a + 1)..<k {
                    let h = 0.5 * exactSquaredDistance(centers, row: a, to: centers, center: b).squareRoot()
                    half[a * k + b] = h
                    half[b * k + a] = h
                    nearest[a] = Swift.min(nearest[a], h)
                    nearest[b] = Swift.min(nearest[b], h)
                }
            }
            halfDistances = half
            halfNearest = nearest
        }
    }

    /// ‖new cⱼ − old cⱼ‖ for each row j of two k × d matrices.
    static func centerShifts(from old: Matrix<Double>, to new: Matrix<Double>) -> [Double] {
        precondition(old.rows == new.rows && old.columns == new.columns)
        return (0..<new.rows).map { exactSquaredDistance(old, row: $0, to: new, center: $0).squareRoot() }
    }

    /// The first k-means assignment with Elkan's bounds, for the row-major
    /// `rows × d` block `x` and `centers` (k × d): every distance, each
    /// row's nearest center (the first of equally near ones) into `labels`,
    /// its distance into `upper` and all k into `lower` (rows × k). With
    /// `sums` (k × d) and `clusterWeights` (k), adds each row times its
    /// weight (from `weights`, or 1) to its cluster's sum and the weight to
    /// its total.
    ///
    /// - Returns: the number of distances computed, rows · k.
    @discardableResult
    static func elkanStart<Scalar: BLASScalar>(
        _ x: UnsafeBufferPointer<Scalar>, dimension d: Int, centers: UnsafeBufferPointer<Double>,
        labels: UnsafeMutableBufferPointer<Int>, upper: UnsafeMutableBufferPointer<Double>,
        lower: UnsafeMutableBufferPointer<Double>, weights: UnsafeBufferPointer<Double>? = nil,
        sums: UnsafeMutableBufferPointer<Double>? = nil, clusterWeights: UnsafeMutableBufferPointer<Double>? = nil
    ) -> Int {
        let (rows, k) = checkElkanArguments(x, d, centers, labels, upper, lower, weights, sums, clusterWeights)
        guard rows > 0 else { return 0 }
        let (c, l, u, lo) = (centers.baseAddress!, labels.baseAddress!, upper.baseAddress!, lower.baseAddress!)
        let (w, s, cw) = (weights?.baseAddress, sums?.baseAddress, clusterWeights?.baseAddress)
        let raw = UnsafeRawPointer(x.baseAddress!)
        return Scalar.self == Double.self
            ? gauss_elkan_start_f64(raw.assumingMemoryBound(to: Double.self), rows, d, c, k, l, u, lo, w, s, cw)
            : gauss_elkan_start_f32(raw.assumingMemoryBound(to: Float.self), rows, d, c, k, l, u, lo, w, s, cw)
    }

    /// A later k-means assignment with Elkan's bounds, as
    /// ``elkanStart(_:dimension:centers:labels:upper:lower:weights:sums:clusterWeights:)``
    /// left them, after the centers moved. The bounds are relative to each
    /// center's `drift`, the sum of its moves since the start: the true
    /// bounds are `upper[i] + drift[label]` and `lower[i·k + c] − drift[c]`.
    /// Computes only the distances the bounds (and the centers'
    /// `separation`) cannot rule out, relabels each row with its nearest
    /// center (up to rounding), and tightens the bounds it computed.
    ///
    /// With `sums`: when `incrementalSums` is false, adds every row to its
    /// new cluster's sum; when true, moves only the rows that changed
    /// cluster from the old cluster's sum (and total weight) to the new
    /// one's, so that rows settled by their bounds are not read at all.
    ///
    /// - Returns: the distances computed and the rows that changed cluster.
    @discardableResult
    static func elkanStep<Scalar: BLASScalar>(
        _ x: UnsafeBufferPointer<Scalar>, dimension d: Int, centers: UnsafeBufferPointer<Double>,
        separation: CenterSeparation, drift: UnsafeBufferPointer<Double>,
        labels: UnsafeMutableBufferPointer<Int>, upper: UnsafeMutableBufferPointer<Double>,
        lower: UnsafeMutableBufferPointer<Double>, weights: UnsafeBufferPointer<Double>? = nil,
        sums: UnsafeMutableBufferPointer<Double>? = nil, clusterWeights: UnsafeMutableBufferPointer<Double>? = nil,
        incrementalSums: Bool = false
    ) -> (computed: Int, changed: Int) {
        let (rows, k) = checkElkanArguments(x, d, centers, labels, upper, lower, weights, sums, clusterWeights)
        precondition(drift.count == k && separation.halfDistances.count == k * k && separation.halfNearest.count == k)
        guard rows > 0 else { return (0, 0) }
        let (c, l, u, lo) = (centers.baseAddress!, labels.baseAddress!, upper.baseAddress!, lower.baseAddress!)
        let (w, s, cw) = (weights?.baseAddress, sums?.baseAddress, clusterWeights?.baseAddress)
        let raw = UnsafeRawPointer(x.baseAddress!), incremental: Int32 = incrementalSums ? 1 : 0
        var changed = 0
        let computed = separation.halfDistances.withUnsafeBufferPointer { half in
            separation.halfNearest.withUnsafeBufferPointer { nearest in
                Scalar.self == Double.self
                    ? gauss_elkan_step_f64(raw.assumingMemoryBound(to: Double.self), rows, d, c, k, drift.baseAddress!,
                                           half.baseAddress!, nearest.baseAddress!, l, u, lo, w, s, cw, incremental, &changed)
                    : gauss_elkan_step_f32(raw.assumingMemoryBound(to: Float.self), rows, d, c, k, drift.baseAddress!,
                                           half.baseAddress!, nearest.baseAddress!, l, u, lo, w, s, cw, incremental, &changed)
            }
        }
        return (computed, changed)
    }

    /// Checks the shapes the two Elkan kernels share; returns rows and k.
    private static func checkElkanArguments<Scalar: BLASScalar>(
        _ x: UnsafeBufferPointer<Scalar>, _ d: Int, _ centers: UnsafeBufferPointer<Double>,
        _ labels: UnsafeMutableBufferPointer<Int>, _ upper: UnsafeMutableBufferPointer<Double>,
        _ lower: UnsafeMutableBufferPointer<Double>, _ weights: UnsafeBufferPointer<Double>?,
        _ sums: UnsafeMutableBufferPointer<Double>?, _ clusterWeights: UnsafeMutableBufferPointer<Double>?
    ) -> (rows: Int, k: Int) {
        precondition(Scalar.self == Double.self || Scalar.self == Float.self, "Elkan's kernels take Double or Float rows")
        let rows = upper.count, k = d > 0 ? centers.count / d : 0
        precondition(d > 0 && k >= 1 && centers.count == k * d && x.count == rows * d && labels.count == rows
                     && lower.count == rows * k && (weights?.count ?? rows) >= rows)
        precondition((sums == nil) == (clusterWeights == nil) && (sums?.count ?? k * d) == k * d
                     && (clusterWeights?.count ?? k) == k)
        return (rows, k)
    }
}
