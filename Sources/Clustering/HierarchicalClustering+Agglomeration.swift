import CVectorMath
import RealModule
import LinearAlgebra

/// The greedy agglomeration behind ``HierarchicalClustering``: every step
/// merges the pair of clusters whose merge costs least.
///
/// Each cluster keeps its size, mean, the trace of its scatter W and an
/// upper-triangular R with RᵀR = W (at most d rows), so that a merge's cost
/// needs no pass over the rows: the union's R is the triangle of the two
/// R's stacked over √(nᵢnⱼ/(nᵢ+nⱼ))·(mᵢ − mⱼ), reduced by Givens rotations,
/// and det(W) is the product of its squared diagonal. While the union has
/// at most d rows its determinant is 0 and only the trace is needed.
///
/// Ties are common, not rare: duplicated rows make pairs of exactly equal
/// cost, and which of them merges first decides which cluster grows. So the
/// clusters live in numbered slots kept as mclust's `hcvvv` keeps them (the
/// union takes the lower slot of the two, the last slot moves into the
/// higher one), and among equal costs the pair latest in the order
/// (0,1), (0,2), (1,2), (0,3), … wins, as in mclust's scan.
///
/// The costs of every pair of slots are kept in a packed triangle, and each
/// slot remembers its cheapest partner among the slots before it, so a step
/// costs the new cluster's costs plus a rescan of the few slots whose
/// cheapest partner changed: O(m²) work in all rather than a scan of the
/// whole triangle per merge.
///
/// The costs of a new cluster against all the others (and, at the start,
/// of every pair) are computed by the idle worker pool's threads as well
/// when there are enough of them: each thread writes its own costs with
/// scratch of its own (``CostWorkspace``), and every cost is computed the
/// same way whichever thread takes it, so the tree does not depend on the
/// number of threads. The rest of a step (the cheapest partners, the
/// merge) runs on the calling thread.
///
/// No two accesses to a property overlap (the threads only read the
/// clusters and write disjoint costs through pointers taken before), so its
/// properties skip the run-time exclusivity checks, which cost a quarter of
/// the time of its inner loops.
final class Agglomeration {
    let dimension: Int
    let alpha: Double
    let beta: Double

    /// Clusters, by slot; slots `0..<slotCount` are in use.
    @exclusivity(unchecked) var slotCount: Int
    /// A row of each slot's cluster, naming it in the merges.
    @exclusivity(unchecked) var representatives: [Int]
    @exclusivity(unchecked) var sizes: [Int]
    @exclusivity(unchecked) var means: [Double]
    /// Each cluster's triangle R, row-major with d entries per row and
    /// min(size − 1, d) rows, so that all of them take at most m·d values.
    @exclusivity(unchecked) var factors: [[Double]]
    @exclusivity(unchecked) var traces: [Double]
    @exclusivity(unchecked) var terms: [Double]
    /// The cost of merging slots i < j at `pairIndex(i, j)`.
    @exclusivity(unchecked) var costs: [Double]
    /// For slot j, the slot i < j of least cost (the highest on ties), and that cost.
    @exclusivity(unchecked) var partner: [Int]
    @exclusivity(unchecked) var partnerCost: [Double]
    /// Scratch for computing costs, one per thread that may compute them;
    /// the calling thread's is the first.
    let workspaces: UnsafeMutableBufferPointer<CostWorkspace>

    /// What computing a cost writes: one union's triangle and the rows
    /// being rotated into it, and the single rows rotated against one
    /// triangle at once (d rows of columns).
    struct CostWorkspace {
        var triangle: [Double]
        var incoming: [Double]
        var columns: [Double] = []

        init(dimension d: Int) {
            triangle = Array(repeating: 0, count: d * d)
            incoming = Array(repeating: 0, count: (d + 1) * d)
        }
    }

    /// The threads that compute costs: this one and the idle pool's.
    let workerCount: Int
    /// The fewest costs a step hands to the pool's threads: below it, a
    /// step's costs take less time than handing them over. (Two cores, Zen
    /// 4: 16 and 48 gave the same times on iris, Old Faithful and 2000 × 8,
    /// 160 was 3–10% slower on each.)
    static let parallelCostCount = 48

    init(_ data: Matrix<Double>, alpha: Double, beta: Double, workers: Int = defaultWorkerCount) {
        let m = data.rows, d = data.columns
        self.dimension = d
        self.alpha = alpha
        self.beta = beta
        slotCount = m
        representatives = Array(0..<m)
        sizes = Array(repeating: 1, count: m)
        means = Array(repeating: 0, count: m * d)
        for i in 0..<m { for j in 0..<d { means[i * d + j] = data[i, j] } }
        factors = Array(repeating: [], count: m)
        traces = Array(repeating: 0, count: m)
        // A single row: n·log(β·(0 + α)/n) with n = 1.
        terms = Array(repeating: Double.log(beta * alpha), count: m)
        costs = Array(repeating: .infinity, count: m * (m - 1) / 2)
        partner = Array(repeating: -1, count: m)
        partnerCost = Array(repeating: .infinity, count: m)
        workerCount = Swift.max(1, workers)
        workspaces = .allocate(capacity: workerCount)
        workspaces.initialize(repeating: CostWorkspace(dimension: d))
    }

    deinit {
        _ = workspaces.deinitialize()
        workspaces.deallocate()
    }

    /// Calls `body(part, workspace)` for each of `parts` parts of a step's
    /// costs, on the pool's threads as well when `count` costs are worth
    /// it and the pool is free; otherwise all of them here.
    private func forEachPart(of count: Int, _ body: (_ part: Int, _ parts: Int, _ workspace: inout CostWorkspace) -> Void) {
        let workspaces = workspaces
        if workerCount > 1 && count >= Self.parallelCostCount
            && runOnIdlePool(count: workerCount, workers: workerCount, { part in body(part, workerCount, &workspaces[part]) }) {
            return
        }
        body(0, 1, &workspaces[0])
    }

    /// Slots i < j in the packed order (0,1), (0,2), (1,2), (0,3), …
    @inline(__always) func pairIndex(_ i: Int, _ j: Int) -> Int {
        j * (j - 1) / 2 + i
    }

    /// Merges down to one cluster and returns the merges in order.
    func run() -> [MergeTree.Merge] {
        let m = slotCount
        guard m > 1 else { return [] }
        // Every pair's cost, the triangle's rows j cut into parts of about
        // equal numbers of pairs.
        let pairs = m * (m - 1) / 2
        costs.withUnsafeMutableBufferPointer { costs in
            forEachPart(of: pairs) { part, parts, workspace in
                let first = Self.firstRow(ofPart: part, parts: parts, rows: m), end = Self.firstRow(ofPart: part + 1, parts: parts, rows: m)
                for j in first..<end {
                    for i in 0..<j { costs[pairIndex(i, j)] = mergeCost(i, j, workspace: &workspace) }
                }
            }
        }
        for j in 1..<m { rescanPartner(j) }
        var merges: [MergeTree.Merge] = []
        merges.reserveCapacity(m - 1)
        while slotCount > 1 {
            // The least cost, the highest slot on ties (its partner is the highest already).
            var j = 1
            partnerCost.withUnsafeBufferPointer { partnerCost in
                for slot in 2..<Swift.max(slotCount, 2) where partnerCost[slot] <= partnerCost[j] { j = slot }
            }
            let i = partner[j]
            merges.append(MergeTree.Merge(first: representatives[i], second: representatives[j]))
            merge(i, j)
        }
        return merges
    }

    /// The first row j (from 1) of part `part` of `parts` of the pairs'
    /// triangle of `rows` slots, row j holding j pairs: parts of about
    /// equal numbers of pairs; `parts` ends at `rows`.
    static func firstRow(ofPart part: Int, parts: Int, rows m: Int) -> Int {
        guard part > 0 else { return 1 }
        guard part < parts else { return m }
        // Rows 1..<j hold j(j − 1)/2 pairs: the smallest j with at least part/parts of them.
        let target = Double(m) * Double(m - 1) / 2 * Double(part) / Double(parts)
        let j = Int(((1 + (1 + 8 * target).squareRoot()) / 2).rounded(.up))
        return Swift.min(Swift.max(j, 1), m)
    }

    /// Slot j's cheapest partner among the slots before it.
    func rescanPartner(_ j: Int) {
        var best = -1, bestCost = Double.infinity
        let base = j * (j - 1) / 2
        costs.withUnsafeBufferPointer { costs in
            for i in 0..<j where best < 0 || costs[base + i] <= bestCost { (best, bestCost) = (i, costs[base + i]) }
        }
        partner[j] = best
        partnerCost[j] = bestCost
    }

    /// Joins slot j into slot i (i < j), moves the last slot into j, and
    /// updates the costs.
    func merge(_ i: Int, _ j: Int) {
        let d = dimension
        let union = evaluate(i, j, keepFactor: true, workspace: &workspaces[0])
        let (ni, nj) = (Double(sizes[i]), Double(sizes[j]))
        for k in 0..<d { means[i * d + k] = (ni * means[i * d + k] + nj * means[j * d + k]) / (ni + nj) }
        sizes[i] += sizes[j]
        factors[i] = Array(workspaces[0].triangle[0..<(union.rows * d)])
        traces[i] = union.trace
        terms[i] = union.term

        let last = slotCount - 1
        if j != last {
            representatives[j] = representatives[last]
            sizes[j] = sizes[last]
            for k in 0..<d { means[j * d + k] = means[last * d + k] }
            factors[j] = factors[last]
            traces[j] = traces[last]
            terms[j] = terms[last]
            for k in 0..<last where k != j {
                costs[k < j ? pairIndex(k, j) : pairIndex(j, k)] = costs[pairIndex(k, last)]
            }
        }
        factors[last] = []
        slotCount = last

        // Single rows joining i, where the union needs a determinant, are
        // costed together; the rest one by one. Each part of the step takes
        // its share of both.
        var singles: [Int] = [], others: [Int] = []
        for k in 0..<slotCount where k != i {
            if sizes[k] == 1 && sizes[i] + 1 > d { singles.append(k) } else { others.append(k) }
        }
        costs.withUnsafeMutableBufferPointer { costs in
            forEachPart(of: slotCount - 1) { part, parts, workspace in
                for k in others[(part * others.count / parts)..<((part + 1) * others.count / parts)] {
                    costs[k < i ? pairIndex(k, i) : pairIndex(i, k)] = mergeCost(Swift.min(k, i), Swift.max(k, i), workspace: &workspace)
                }
                let share = Array(singles[(part * singles.count / parts)..<((part + 1) * singles.count / parts)])
                guard !share.isEmpty else { return }
                for (k, cost) in zip(share, singleRowCosts(base: i, rows: share, workspace: &workspace)) {
                    costs[k < i ? pairIndex(k, i) : pairIndex(i, k)] = cost
                }
            }
        }
        // Slots whose cheapest partner may have changed: i and j, whose
        // columns are new, and those whose entry in row i or j is new. A
        // partner whose cost rose is rescanned; one whose cost fell or stayed
        // is still the cheapest (ties go to the higher slot, so any other
        // at its old cost is lower).
        for slot in 1..<Swift.max(slotCount, 1) {
            if slot == i || slot == j {
                rescanPartner(slot)
                continue
            }
            if partner[slot] == i || partner[slot] == j {
                let cost = costs[pairIndex(partner[slot], slot)]
                if cost > partnerCost[slot] {
                    rescanPartner(slot)
                    continue
                }
                partnerCost[slot] = cost
            }
            for row in [i, j] where row < slot {
                let cost = costs[pairIndex(row, slot)]
                if cost < partnerCost[slot] || (cost == partnerCost[slot] && row > partner[slot]) {
                    (partner[slot], partnerCost[slot]) = (row, cost)
                }
            }
        }
    }

    /// The change in the criterion when clusters i and j merge.
    func mergeCost(_ i: Int, _ j: Int, workspace: inout CostWorkspace) -> Double {
        if sizes[i] + sizes[j] > dimension {
            if sizes[j] == 1 { return singleRowCosts(base: i, rows: [j], workspace: &workspace)[0] }
            if sizes[i] == 1 { return singleRowCosts(base: j, rows: [i], workspace: &workspace)[0] }
        }
        return evaluate(i, j, keepFactor: false, workspace: &workspace).term - terms[i] - terms[j]
    }

    /// The criterion's term of a union of n rows with trace `trace` and
    /// log det(W) `logDeterminant` (nil while the determinant is 0).
    func term(rows n: Int, trace: Double, logDeterminant: Double?) -> Double {
        let logTraceTerm = Double.log(beta * (trace + alpha) / Double(n))
        guard n > dimension, let logDeterminant else { return Double(n) * logTraceTerm }
        let logScaled = logDeterminant - Double(dimension) * Double.log(Double(n))
        let (high, low) = logScaled > logTraceTerm ? (logScaled, logTraceTerm) : (logTraceTerm, logScaled)
        return Double(n) * (high + Double.log(onePlus: Double.exp(low - high)))
    }

    /// The costs of merging cluster `base` with each of the single-row
    /// clusters `rows`. Each union's triangle is the base's with one row,
    /// √(n/(n+1))·(m − x), rotated in; only its pivots are needed, and a
    /// single row's rotations read the base's triangle without changing it,
    /// so every row is rotated against the one triangle at once, the rows
    /// side by side. Each row gets the same operations, so repeated rows
    /// cost exactly the same.
    func singleRowCosts(base b: Int, rows singles: [Int], workspace: inout CostWorkspace) -> [Double] {
        let d = dimension, width = singles.count
        let baseRows = factors[b].count / d
        if workspace.columns.count < d * width { workspace.columns = Array(repeating: 0, count: d * width) }
        let baseSize = Double(sizes[b]), n = sizes[b] + 1
        let weight = (baseSize / (baseSize + 1)).squareRoot()
        var result = [Double](repeating: 0, count: width)
        workspace.columns.withUnsafeMutableBufferPointer { v in
            means.withUnsafeBufferPointer { means in
                for (c, k) in singles.enumerated() {
                    for t in 0..<d { v[t * width + c] = weight * (means[b * d + t] - means[k * d + t]) }
                }
            }
            // The traces, from the rows before they are rotated.
            for c in 0..<width {
                var squared = 0.0
                for t in 0..<d { squared += v[t * width + c] * v[t * width + c] }
                result[c] = traces[b] + squared
            }
            var logDeterminants = [Double](repeating: 0, count: width)
            var singular = [Bool](repeating: false, count: width)
            let baseFactor = factors[b]
            let lastScales: [Double]
            if (0..<baseRows).allSatisfy({ baseFactor[$0 * d + $0] != 0 }) {
                lastScales = Self.rotateWithoutSquareRoots(v, width: width, into: baseFactor, rows: baseRows, dimension: d,
                                                           logDeterminants: &logDeterminants)
            } else {
                Self.rotateWithSquareRoots(v, width: width, into: baseFactor, rows: baseRows, dimension: d,
                                           logDeterminants: &logDeterminants, singular: &singular)
                lastScales = Array(repeating: 1, count: width)
            }
            // With fewer than d rows in the base, what is left of the row is
            // the union's last row, whose pivot is its first entry left.
            for c in 0..<width {
                var logDeterminant: Double? = singular[c] ? nil : logDeterminants[c]
                if baseRows < d {
                    let squaredPivot = lastScales[c] * v[baseRows * width + c] * v[baseRows * width + c]
                    // With fewer than d − 1 base rows the union has fewer than d rows: n ≤ d, no determinant.
                    logDeterminant = baseRows < d - 1 || squaredPivot == 0 ? nil : logDeterminant.map { $0 + Double.log(squaredPivot) }
                }
                result[c] = term(rows: n, trace: result[c], logDeterminant: logDeterminant) - terms[b] - terms[singles[c]]
            }
        }
        return result
    }

    /// Rotates each column of `v` (d rows of `width` columns) into the
    /// triangle `r` of `rows` nonzero pivots, Gentleman's way, without
    /// square roots: each row is kept as √δ·ṽ, so that the rotation against
    /// pivot p is ṽₑ −= (ṽₜ/p)·rₜₑ and δ ← δ/(1 + δ·(ṽₜ/p)²), the new pivot
    /// being ρₜ² = p²·(1 + δ·(ṽₜ/p)²). The product of those factors is 1/δ
    /// at the end, so log det adds Σ log pₜ² − log δ. Returns each
    /// column's final δ (what remains of a row is √δ·ṽ).
    static func rotateWithoutSquareRoots(_ v: UnsafeMutableBufferPointer<Double>, width: Int, into r: [Double], rows: Int,
                                         dimension d: Int, logDeterminants: inout [Double],
                                         using set: VectorMath.InstructionSet? = nil) -> [Double] {
        precondition(v.count >= d * width && r.count >= Swift.min(rows, d) * d && logDeterminants.count >= width)
        var scales = [Double](repeating: 1, count: width), ratios = [Double](repeating: 0, count: width)
        var logPivots = 0.0
        for t in 0..<Swift.min(rows, d) { logPivots += 2 * Double.log(Swift.abs(r[t * d + t])) }
        guard width > 0 else { return scales }
        let result = r.withUnsafeBufferPointer { r in
            gauss_givens_rotate_columns(set?.rawValue ?? -1, v.baseAddress!, width, r.baseAddress!, rows, d,
                                        &scales, &ratios)
        }
        precondition(result == 0, "rotateWithoutSquareRoots: the processor lacks \(String(describing: set))")
        for c in 0..<width { logDeterminants[c] = logPivots - Double.log(scales[c]) }
        return scales
    }

    /// Rotates each column of `v` into the triangle `r` by Givens rotations
    /// with square roots: the way for a triangle with a zero pivot, which a
    /// row may fill (ρ = |vₜ|) or leave empty (`singular`: det = 0).
    /// det(W) = Π ρₜ², taken as log Π pivot² plus the log of the product of
    /// the factors 1 + (vₜ/pivot)² ≥ 1 every 16 rows, before it can overflow.
    static func rotateWithSquareRoots(_ v: UnsafeMutableBufferPointer<Double>, width: Int, into r: [Double], rows: Int,
                                      dimension d: Int, logDeterminants: inout [Double], singular: inout [Bool]) {
        var growth = [Double](repeating: 1, count: width)
        var cosines = [Double](repeating: 0, count: width), sines = [Double](repeating: 0, count: width)
        var logPivots = 0.0
        for t in 0..<Swift.min(rows, d) {
            let pivot = r[t * d + t]
            let row = v.baseAddress! + t * width
            if pivot == 0 {
                // The row fills the pivot: ρ = |vₜ|, cosine 0, sine ±1.
                for c in 0..<width {
                    let incoming = row[c]
                    if incoming == 0 { singular[c] = true; (cosines[c], sines[c]) = (1, 0); continue }
                    logDeterminants[c] += 2 * Double.log(Swift.abs(incoming))
                    (cosines[c], sines[c]) = (0, incoming < 0 ? -1 : 1)
                }
            } else {
                logPivots += 2 * Double.log(Swift.abs(pivot))
                let inverse = 1 / pivot
                for c in 0..<width {
                    let ratio = row[c] * inverse
                    let squared = 1 + ratio * ratio
                    growth[c] *= squared
                    // ρ = |pivot|·√(1 + ratio²), with the sign of the pivot kept in the cosine.
                    let scale = 1 / squared.squareRoot()
                    (cosines[c], sines[c]) = (scale, ratio * scale)
                }
            }
            if t % 16 == 15 {
                for c in 0..<width { logDeterminants[c] += Double.log(growth[c]); growth[c] = 1 }
            }
            for e in (t + 1)..<Swift.max(d, t + 1) {
                let x = r[t * d + e]
                let target = v.baseAddress! + e * width
                for c in 0..<width { target[c] = cosines[c] * target[c] - sines[c] * x }
            }
        }
        for c in 0..<width { logDeterminants[c] += logPivots + Double.log(growth[c]) }
    }

    /// The union of clusters i and j: its trace and its term of the
    /// criterion; with `keepFactor` (or when the determinant is needed) its
    /// triangle is left in the first `rows` rows of the workspace's.
    func evaluate(_ i: Int, _ j: Int, keepFactor: Bool, workspace: inout CostWorkspace) -> (trace: Double, term: Double, rows: Int) {
        let d = dimension
        let (ni, nj) = (sizes[i], sizes[j])
        let n = ni + nj
        let weight = (Double(ni) * Double(nj) / Double(n)).squareRoot()
        var squaredDistance = 0.0
        means.withUnsafeBufferPointer { means in
            for k in 0..<d {
                let difference = means[i * d + k] - means[j * d + k]
                squaredDistance += difference * difference
            }
        }
        let trace = traces[i] + traces[j] + weight * weight * squaredDistance
        guard n > d || keepFactor else { return (trace, term(rows: n, trace: trace, logDeterminant: nil), 0) }

        // The union's triangle: the one with more rows, with the other's rows
        // and the scaled difference of the means rotated in.
        let (base, other) = factors[i].count >= factors[j].count ? (i, j) : (j, i)
        var rows = factors[base].count / d
        let baseFactor = factors[base], otherFactor = factors[other]
        let otherRows = otherFactor.count / d
        workspace.triangle.withUnsafeMutableBufferPointer { triangle in
            workspace.incoming.withUnsafeMutableBufferPointer { incoming in
                for e in baseFactor.indices { triangle[e] = baseFactor[e] }
                for e in otherFactor.indices { incoming[e] = otherFactor[e] }
                means.withUnsafeBufferPointer { means in
                    for k in 0..<d { incoming[otherRows * d + k] = weight * (means[i * d + k] - means[j * d + k]) }
                }
                Self.rotateIn(incoming, count: otherRows + 1, into: triangle, rows: &rows, dimension: d)
            }
        }
        // log det(W) from the diagonal; a zero pivot means det = 0.
        var logDeterminant: Double? = n > d ? 0 : nil
        for k in 0..<d where logDeterminant != nil {
            let pivot = Swift.abs(workspace.triangle[k * d + k])
            logDeterminant = pivot > 0 ? logDeterminant! + 2 * Double.log(pivot) : nil
        }
        return (trace, term(rows: n, trace: trace, logDeterminant: logDeterminant), rows)
    }

    /// Rotates the first `count` rows of `incoming` (d values each), in
    /// order, into `triangle`, which has `rows` rows: each becomes row `rows`
    /// when there is room, and is absorbed otherwise. A vectorised C kernel
    /// that gives every instruction set the bits of one row at a time.
    static func rotateIn(_ incoming: UnsafeMutableBufferPointer<Double>, count: Int,
                         into triangle: UnsafeMutableBufferPointer<Double>, rows: inout Int, dimension d: Int,
                         using set: VectorMath.InstructionSet? = nil) {
        precondition(incoming.count >= count * d && triangle.count >= d * d && rows <= d)
        let result = gauss_givens_rotate_rows_in(set?.rawValue ?? -1, incoming.baseAddress!, count, triangle.baseAddress!,
                                                 rows, d)
        precondition(result >= 0, "rotateIn: the processor lacks \(String(describing: set))")
        rows = result
    }
}
