import Foundation
import LinearAlgebra

/// When a Lloyd pass keeps Elkan's bounds.
enum BoundsPolicy {
    case never, always, whileTheyPay
}

/// The state of Lloyd's algorithm over one data source: labels, and the
/// weighted sums of the rows per cluster; with Elkan's bounds, those too.
struct LloydPass<Source: RowBlockSource> {
    let source: Source
    let sampleWeights: [Double]?
    let clusterCount: Int
    private(set) var labels: [Int]
    /// ‖xᵢ − c(label)‖² from the last assignment; see ``distancesAreCurrent``.
    private var distances: [Double]
    /// Whether ``distances`` belong to the last assignment: the bounded
    /// assignment keeps only bounds, and the farthest rows' distances are
    /// computed when an empty cluster needs them.
    private var distancesAreCurrent = false
    /// ‖xᵢ‖² of every row, computed in the first dense assignment and
    /// kept: the data do not change between iterations.
    private var rowNorms: [Double] = []
    private var sums: Matrix<Double>
    private var clusterWeights: [Double]
    /// The centers of the last assignment.
    private var assignedCenters: Matrix<Double>? = nil

    private var boundsPolicy: BoundsPolicy
    /// Elkan's bounds: an upper bound on each row's distance to its center,
    /// and a lower bound on its distance to every center (n × K), valid for
    /// ``assignedCenters``; empty when the pass computes every distance.
    /// Both are relative to ``drift``, each center's total move since the
    /// bounds were set (see ``CenterKernels/elkanStep``).
    private var upperBounds: [Double] = []
    private var lowerBounds: [Double] = []
    private var drift: [Double] = []
    /// With bounds, the sums are kept from one assignment to the next and
    /// only the rows that change cluster move between them; they are summed
    /// afresh once as many rows as half the data have moved, so that
    /// rounding cannot build up.
    private var movesSinceFreshSums = 0
    /// This part's sums and cluster weights by the last assignment's
    /// labels, kept for incremental sums (``sums`` and ``clusterWeights``
    /// may become those of all parts, or lose rows to empty clusters).
    private var partSums: [Double] = []
    private var partWeights: [Double] = []

    init(source: Source, sampleWeights: [Double]?, clusterCount: Int, bounds: BoundsPolicy) {
        self.source = source
        self.sampleWeights = sampleWeights
        self.clusterCount = clusterCount
        labels = [Int](repeating: -1, count: source.rowCount)
        distances = [Double](repeating: 0, count: source.rowCount)
        sums = Matrix(rows: clusterCount, columns: source.columnCount)
        clusterWeights = [Double](repeating: 0, count: clusterCount)
        boundsPolicy = bounds
    }

    /// Labels each row with its nearest center and sums the rows per label,
    /// on all cores: each worker takes a contiguous run of blocks, and the
    /// sums merge in run order.
    mutating func assign(to centers: Matrix<Double>) {
        let k = clusterCount, d = source.columnCount, n = source.rowCount
        let blockRows = BlockSizes.rows
        let source = self.source, weights = sampleWeights
        let bounded = boundsPolicy != .never
        let startsBounds = bounded && upperBounds.isEmpty
        var separation: CenterKernels.CenterSeparation? = nil
        if startsBounds {
            upperBounds = [Double](repeating: 0, count: n)
            lowerBounds = [Double](repeating: 0, count: n * k)
            drift = [Double](repeating: 0, count: k)
        } else if bounded, let previous = assignedCenters {
            for (c, shift) in CenterKernels.centerShifts(from: previous, to: centers).enumerated() { drift[c] += shift }
            separation = CenterKernels.CenterSeparation(centers)
        }
        let incremental = separation != nil && 2 * movesSinceFreshSums < n
        let drift = self.drift
        let distance = SquaredDistances<Source.Scalar>(centers: centers)
        // Double data and few centers: the register-blocked kernel, which
        // reads each block once instead of packing it for a GEMM.
        let packed = !bounded && Source.Scalar.self == Double.self ? CenterKernels.packedCenters(centers) : nil
        let needsRowNorms = !bounded && rowNorms.isEmpty
        if needsRowNorms { rowNorms = [Double](repeating: 0, count: n) }
        var upperBounds = self.upperBounds, lowerBounds = self.lowerBounds
        self.upperBounds = []
        self.lowerBounds = []
        let partials = labels.withUnsafeMutableBufferPointer { labels in
            distances.withUnsafeMutableBufferPointer { distances in
                rowNorms.withUnsafeMutableBufferPointer { rowNorms in
                    upperBounds.withUnsafeMutableBufferPointer { upper in
                        lowerBounds.withUnsafeMutableBufferPointer { lower in
                            concurrentRuns(count: (n + blockRows - 1) / blockRows, workers: defaultWorkerCount) { blocks -> ([Double], [Double], Int, Int) in
                                var distance = distance
                                var sums = [Double](repeating: 0, count: k * d), clusterWeights = [Double](repeating: 0, count: k)
                                var computed = 0, moved = 0
                                var block = Matrix<Double>(rows: 0, columns: k)
                                for b in blocks {
                                    let range = (b * blockRows)..<Swift.min((b + 1) * blockRows, n)
                                    let rows = source.rows(range)
                                    if bounded {
                                        let counts = Self.boundedAssignment(
                                            rows, centers: centers, separation: separation, drift: drift,
                                            labels: UnsafeMutableBufferPointer(rebasing: labels[range]),
                                            upper: UnsafeMutableBufferPointer(rebasing: upper[range]),
                                            lower: UnsafeMutableBufferPointer(rebasing: lower[(range.lowerBound * k)..<(range.upperBound * k)]),
                                            weights: weights, range: range, incremental: incremental,
                                            sums: &sums, clusterWeights: &clusterWeights)
                                        computed += counts.computed
                                        moved += counts.changed
                                        continue
                                    }
                                    let norms = UnsafeMutableBufferPointer(rebasing: rowNorms[range])
                                    if needsRowNorms { _ = norms.update(from: squaredRowNorms(rows)) }
                                    computed += range.count * k
                                    Self.denseAssignment(
                                        rows, distance: &distance, packed: packed, rowNorms: UnsafeBufferPointer(norms),
                                        labels: UnsafeMutableBufferPointer(rebasing: labels[range]),
                                        distances: UnsafeMutableBufferPointer(rebasing: distances[range]),
                                        weights: weights, range: range, block: &block, sums: &sums, clusterWeights: &clusterWeights)
                                }
                                return (sums, clusterWeights, computed, moved)
                            }
                        }
                    }
                }
            }
        }
        // Each worker's sums are of its own rows, or with incremental sums
        // the changes to them; either way they add up in run order.
        var totalSums = incremental ? partSums : [Double](repeating: 0, count: k * d)
        var totalWeights = incremental ? partWeights : [Double](repeating: 0, count: k)
        var computed = 0, moved = 0
        for (partialSums, partialWeights, partialComputed, partialMoved) in partials {
            for i in totalSums.indices { totalSums[i] += partialSums[i] }
            for c in 0..<k { totalWeights[c] += partialWeights[c] }
            computed += partialComputed
            moved += partialMoved
        }
        sums = Matrix(rows: k, columns: d, elements: totalSums)
        clusterWeights = totalWeights
        assignedCenters = centers
        distancesAreCurrent = !bounded
        guard bounded else { return }
        partSums = totalSums
        partWeights = totalWeights
        movesSinceFreshSums = incremental ? movesSinceFreshSums + moved : 0
        // Bounds that rule out fewer than half of the distances cost more
        // than they save: compute every distance from here on.
        if boundsPolicy == .whileTheyPay && separation != nil && 2 * computed > n * k {
            boundsPolicy = .never
        } else {
            self.upperBounds = upperBounds
            self.lowerBounds = lowerBounds
        }
    }

    /// One block's assignment computing every distance: the register-blocked
    /// kernel with `packed` centers (Double data, few centers), which reads
    /// the block once and adds each row to its cluster's sum, or otherwise
    /// the distances by GEMM into `block` and the sums after.
    private static func denseAssignment(
        _ rows: Matrix<Source.Scalar>, distance: inout SquaredDistances<Source.Scalar>,
        packed: (values: [Double], width: Int)?, rowNorms: UnsafeBufferPointer<Double>,
        labels: UnsafeMutableBufferPointer<Int>, distances: UnsafeMutableBufferPointer<Double>,
        weights: [Double]?, range: Range<Int>, block: inout Matrix<Double>,
        sums: inout [Double], clusterWeights: inout [Double]
    ) {
        let k = distance.centerNorms.count, d = rows.columns
        if let packed {
            rows.withUnsafeBufferPointer { x in
                x.withMemoryRebound(to: Double.self) { x in
                    packed.values.withUnsafeBufferPointer { centersT in
                        distance.centerNorms.withUnsafeBufferPointer { centerNorms in
                            sums.withUnsafeMutableBufferPointer { sums in
                                clusterWeights.withUnsafeMutableBufferPointer { clusterWeights in
                                    withRowWeights(weights, range) { rowWeights in
                                        CenterKernels.nearestCenters(
                                            of: x, dimension: d, centersT: centersT, width: packed.width,
                                            centerNorms: centerNorms, rowNorms: rowNorms, labels: labels, distances: distances,
                                            weights: rowWeights, sums: sums, clusterWeights: clusterWeights)
                                    }
                                }
                            }
                        }
                    }
                }
            }
            return
        }
        if block.rows != rows.rows { block = Matrix(rows: rows.rows, columns: k) }
        distance.compute(rows, rowNorms: rowNorms, into: &block)
        block.withUnsafeBufferPointer { dist in
            for i in 0..<rows.rows {
                var nearest = 0
                for c in 1..<k where dist[i * k + c] < dist[i * k + nearest] { nearest = c }
                labels[i] = nearest
                distances[i] = dist[i * k + nearest]
            }
        }
        rows.withUnsafeBufferPointer { x in
            sums.withUnsafeMutableBufferPointer { sums in
                for i in 0..<rows.rows {
                    let w = weights?[range.lowerBound + i] ?? 1
                    clusterWeights[labels[i]] += w
                    let target = sums.baseAddress! + labels[i] * d, source = x.baseAddress! + i * d
                    for j in 0..<d { target[j] += w * Double(source[j]) }
                }
            }
        }
    }

    /// One block's bounded assignment: the first
    /// (``CenterKernels/elkanStart(_:dimension:centers:labels:upper:lower:weights:sums:clusterWeights:)``)
    /// without `separation`, a later one
    /// (``CenterKernels/elkanStep(_:dimension:centers:separation:drift:labels:upper:lower:weights:sums:clusterWeights:incrementalSums:)``) with it.
    private static func boundedAssignment(
        _ rows: Matrix<Source.Scalar>, centers: Matrix<Double>, separation: CenterKernels.CenterSeparation?, drift: [Double],
        labels: UnsafeMutableBufferPointer<Int>, upper: UnsafeMutableBufferPointer<Double>,
        lower: UnsafeMutableBufferPointer<Double>, weights: [Double]?, range: Range<Int>, incremental: Bool,
        sums: inout [Double], clusterWeights: inout [Double]
    ) -> (computed: Int, changed: Int) {
        rows.withUnsafeBufferPointer { x in
            centers.withUnsafeBufferPointer { centers in
                drift.withUnsafeBufferPointer { drift in
                    sums.withUnsafeMutableBufferPointer { sums in
                        clusterWeights.withUnsafeMutableBufferPointer { clusterWeights in
                            withRowWeights(weights, range) { rowWeights in
                                guard let separation else {
                                    let computed = CenterKernels.elkanStart(
                                        x, dimension: rows.columns, centers: centers, labels: labels, upper: upper, lower: lower,
                                        weights: rowWeights, sums: sums, clusterWeights: clusterWeights)
                                    return (computed, 0)
                                }
                                return CenterKernels.elkanStep(
                                    x, dimension: rows.columns, centers: centers, separation: separation, drift: drift,
                                    labels: labels, upper: upper, lower: lower, weights: rowWeights, sums: sums,
                                    clusterWeights: clusterWeights, incrementalSums: incremental)
                            }
                        }
                    }
                }
            }
        }
    }

    /// The new centers: the weighted mean of each cluster. An empty cluster
    /// takes the row farthest from its center (scikit-learn's relocation);
    /// if every row sits on its center, it keeps its old position.
    mutating func updatedCenters(previous: Matrix<Double>, reduction: PartReduction) -> Matrix<Double> {
        let empty = (0..<clusterCount).filter { clusterWeights[$0] == 0 }
        if !empty.isEmpty {
            let candidates = reduction.count == 1 ? farthestRows(empty.count) : farthestRowsOfAllParts(empty.count, reduction)
            if let farthest = candidates.first?.distance, farthest > 0 {
                for (c, candidate) in zip(empty, candidates) {
                    for j in 0..<source.columnCount {
                        sums[candidate.label, j] -= candidate.weight * candidate.row[j]
                        sums[c, j] = candidate.weight * candidate.row[j]
                    }
                    clusterWeights[c] = candidate.weight
                    clusterWeights[candidate.label] -= candidate.weight
                }
            }
        }
        return Matrix(rows: clusterCount, columns: source.columnCount) { c, j in
            clusterWeights[c] > 0 ? sums[c, j] / clusterWeights[c] : previous[c, j]
        }
    }

    /// A row offered to an empty cluster.
    struct Candidate {
        var distance: Double
        var weight: Double
        var label: Int
        var row: [Double]
    }

    /// The `count` rows farthest from their centers, farthest first (the
    /// first row of equally far ones first), in one pass that keeps the
    /// `count` farthest so far. With bounds, a row's squared distance is
    /// computed only if its upper bound could put it among them.
    private func farthestRows(_ count: Int) -> [Candidate] {
        guard count > 0, let centers = assignedCenters else { return [] }
        var farthest: [(distance: Double, row: Int)] = []   // farthest first
        for i in 0..<source.rowCount {
            let distance: Double
            if distancesAreCurrent {
                distance = distances[i]
            } else {
                // (1 + 1e-9): room for the rounding in the bound's sums. (The
                // bounds are gone when this assignment gave them up.)
                if !upperBounds.isEmpty && farthest.count == count {
                    let bound = (upperBounds[i] + drift[labels[i]]) * (1 + 1e-9)
                    if bound * bound < farthest[count - 1].distance { continue }
                }
                distance = exactSquaredDistance(source.rows(i..<(i + 1)), row: 0, to: centers, center: labels[i])
            }
            guard farthest.count < count || distance > farthest[count - 1].distance else { continue }
            let position = farthest.firstIndex { distance > $0.distance } ?? farthest.count
            farthest.insert((distance, i), at: position)
            if farthest.count > count { farthest.removeLast() }
        }
        return farthest.map { entry in
            let x = source.rows(entry.row..<(entry.row + 1))
            return Candidate(distance: entry.distance, weight: sampleWeights?[entry.row] ?? 1, label: labels[entry.row],
                             row: (0..<source.columnCount).map { Double(x[0, $0]) })
        }
    }

    /// The `count` rows farthest from their centers among all parts,
    /// farthest first (ties in part order): each part offers its own
    /// `count` farthest in its slot of one buffer, summed over the parts.
    private func farthestRowsOfAllParts(_ count: Int, _ reduction: PartReduction) -> [Candidate] {
        // Per slot: 1 if filled (a part may have fewer rows than `count`), distance, weight, label, row.
        let d = source.columnCount, width = 4 + d
        var buffer = [Double](repeating: 0, count: reduction.count * count * width)
        for (k, candidate) in farthestRows(count).enumerated() {
            let offset = (reduction.index * count + k) * width
            buffer[offset] = 1
            buffer[offset + 1] = candidate.distance
            buffer[offset + 2] = candidate.weight
            buffer[offset + 3] = Double(candidate.label)
            for j in 0..<d { buffer[offset + 4 + j] = candidate.row[j] }
        }
        reduction.sum(&buffer)
        let offered = (0..<(reduction.count * count)).compactMap { slot -> Candidate? in
            let offset = slot * width
            guard buffer[offset] == 1 else { return nil }
            return Candidate(distance: buffer[offset + 1], weight: buffer[offset + 2], label: Int(buffer[offset + 3]),
                             row: Array(buffer[(offset + 4)..<(offset + width)]))
        }
        return Array(offered.enumerated().sorted { a, b in
            a.element.distance != b.element.distance ? a.element.distance > b.element.distance : a.offset < b.offset
        }.map(\.element).prefix(count))
    }

    /// Sums this part's cluster sums and weights with every other part's,
    /// and returns whether any part's labels changed.
    mutating func combine(with reduction: PartReduction, labelsChanged: Bool) -> Bool {
        guard reduction.count > 1 else { return labelsChanged }
        let k = clusterCount
        var buffer = sums.elements + clusterWeights + [labelsChanged ? 1 : 0]
        reduction.sum(&buffer)
        sums = Matrix(rows: k, columns: source.columnCount, elements: Array(buffer[0..<sums.count]))
        clusterWeights = Array(buffer[sums.count..<(sums.count + k)])
        return buffer[sums.count + k] > 0
    }

    /// Σᵢ wᵢ·‖xᵢ − c(label)‖², computed from the differences themselves.
    func inertia(centers: Matrix<Double>) -> Double {
        var total = 0.0
        source.forEachBlock(rows: BlockSizes.rows) { range, rows in
            for i in 0..<rows.rows {
                let row = range.lowerBound + i
                total += (sampleWeights?[row] ?? 1) * exactSquaredDistance(rows, row: i, to: centers, center: labels[row])
            }
        }
        return total
    }
}
