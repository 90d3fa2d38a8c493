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
struct Agglomeration {
    let dimension: Int
    let alpha: Double
    let beta: Double

    /// Clusters, by slot; slots `0..<slotCount` are in use.
    var slotCount: Int
    /// A row of each slot's cluster, naming it in the merges.
    var representatives: [Int]
    var sizes: [Int]
    var means: [Double]
    /// Each cluster's triangle R, row-major with d entries per row and
    /// min(size − 1, d) rows, so that all of them take at most m·d values.
    var factors: [[Double]]
    var traces: [Double]
    var terms: [Double]
    /// The cost of merging slots i < j at `pairIndex(i, j)`.
    var costs: [Double]
    /// For slot j, the slot i < j of least cost (the highest on ties), and that cost.
    var partner: [Int]
    var partnerCost: [Double]
    /// Scratch for one union's triangle and one row being rotated in.
    var scratch: [Double]
    var incoming: [Double]

    init(_ data: Matrix<Double>, alpha: Double, beta: Double) {
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
        scratch = Array(repeating: 0, count: d * d)
        incoming = Array(repeating: 0, count: d)
    }

    /// Slots i < j in the packed order (0,1), (0,2), (1,2), (0,3), …
    @inline(__always) func pairIndex(_ i: Int, _ j: Int) -> Int {
        j * (j - 1) / 2 + i
    }

    /// Merges down to one cluster and returns the merges in order.
    mutating func run() -> [MergeTree.Merge] {
        let m = slotCount
        guard m > 1 else { return [] }
        for j in 1..<m {
            for i in 0..<j { costs[pairIndex(i, j)] = mergeCost(i, j) }
            rescanPartner(j)
        }
        var merges: [MergeTree.Merge] = []
        merges.reserveCapacity(m - 1)
        while slotCount > 1 {
            // The least cost, the highest slot on ties (its partner is the highest already).
            var j = 1
            for slot in 2..<Swift.max(slotCount, 2) where partnerCost[slot] <= partnerCost[j] { j = slot }
            let i = partner[j]
            merges.append(MergeTree.Merge(first: representatives[i], second: representatives[j]))
            merge(i, j)
        }
        return merges
    }

    /// Slot j's cheapest partner among the slots before it.
    mutating func rescanPartner(_ j: Int) {
        var best = -1, bestCost = Double.infinity
        let base = j * (j - 1) / 2
        for i in 0..<j where best < 0 || costs[base + i] <= bestCost { (best, bestCost) = (i, costs[base + i]) }
        partner[j] = best
        partnerCost[j] = bestCost
    }

    /// Joins slot j into slot i (i < j), moves the last slot into j, and
    /// updates the costs.
    mutating func merge(_ i: Int, _ j: Int) {
        let d = dimension
        let union = evaluate(i, j, keepFactor: true)
        let (ni, nj) = (Double(sizes[i]), Double(sizes[j]))
        for k in 0..<d { means[i * d + k] = (ni * means[i * d + k] + nj * means[j * d + k]) / (ni + nj) }
        sizes[i] += sizes[j]
        factors[i] = Array(scratch[0..<(union.rows * d)])
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

        for k in 0..<slotCount where k != i {
            costs[k < i ? pairIndex(k, i) : pairIndex(i, k)] = mergeCost(Swift.min(k, i), Swift.max(k, i))
        }
        // Slots whose cheapest partner may have changed: i and j, whose
        // columns are new; those that pointed at i, j or the moved slot;
        // and those whose entry in row i or j is new.
        for slot in 1..<Swift.max(slotCount, 1) {
            if slot == i || slot == j || partner[slot] == i || partner[slot] == j || partner[slot] == last {
                rescanPartner(slot)
                continue
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
    mutating func mergeCost(_ i: Int, _ j: Int) -> Double {
        evaluate(i, j, keepFactor: false).term - terms[i] - terms[j]
    }

    /// The union of clusters i and j: its trace and its term of the
    /// criterion; with `keepFactor` (or when the determinant is needed) its
    /// triangle is left in the first `rows` rows of `scratch`.
    mutating func evaluate(_ i: Int, _ j: Int, keepFactor: Bool) -> (trace: Double, term: Double, rows: Int) {
        let d = dimension
        let (ni, nj) = (sizes[i], sizes[j])
        let n = ni + nj
        let weight = (Double(ni) * Double(nj) / Double(n)).squareRoot()
        var squaredDistance = 0.0
        for k in 0..<d {
            let difference = means[i * d + k] - means[j * d + k]
            squaredDistance += difference * difference
        }
        let trace = traces[i] + traces[j] + weight * weight * squaredDistance
        let traceTerm = beta * (trace + alpha) / Double(n)
        guard n > d || keepFactor else { return (trace, Double(n) * Double.log(traceTerm), 0) }

        // The union's triangle: the one with more rows, with the other's rows
        // and the scaled difference of the means rotated in.
        let (base, other) = factors[i].count >= factors[j].count ? (i, j) : (j, i)
        var rows = factors[base].count / d
        for e in factors[base].indices { scratch[e] = factors[base][e] }
        for r in 0..<(factors[other].count / d) {
            for k in 0..<d { incoming[k] = factors[other][r * d + k] }
            rotateIn(&rows)
        }
        for k in 0..<d { incoming[k] = weight * (means[i * d + k] - means[j * d + k]) }
        rotateIn(&rows)
        guard n > d else { return (trace, Double(n) * Double.log(traceTerm), rows) }

        // log det(W/n) from the diagonal; a zero pivot means det = 0.
        var logDeterminant = -Double(d) * Double.log(Double(n))
        for k in 0..<d {
            let pivot = Swift.abs(scratch[k * d + k])
            guard pivot > 0 else { return (trace, Double(n) * Double.log(traceTerm), rows) }
            logDeterminant += 2 * Double.log(pivot)
        }
        let logTraceTerm = Double.log(traceTerm)
        let (high, low) = logDeterminant > logTraceTerm ? (logDeterminant, logTraceTerm) : (logTraceTerm, logDeterminant)
        return (trace, Double(n) * (high + Double.log(onePlus: Double.exp(low - high))), rows)
    }

    /// Rotates `incoming` into the triangle in `scratch` of `rows` rows: it
    /// becomes row `rows` when there is room, and is absorbed otherwise.
    mutating func rotateIn(_ rows: inout Int) {
        let d = dimension
        for r in 0..<Swift.min(rows, d) {
            let a = scratch[r * d + r], b = incoming[r]
            guard b != 0 else { continue }
            let radius = Double.hypot(a, b)
            let (c, s) = (a / radius, b / radius)
            scratch[r * d + r] = radius
            incoming[r] = 0
            for k in (r + 1)..<Swift.max(d, r + 1) {
                let (x, y) = (scratch[r * d + k], incoming[k])
                scratch[r * d + k] = c * x + s * y
                incoming[k] = c * y - s * x
            }
        }
        if rows < d {
            for k in rows..<d { scratch[rows * d + k] = incoming[k] }
            rows += 1
        }
    }
}
