/// How the parts of a fit combine: this part's index among `count` parts,
/// an elementwise sum of equal-length buffers over all parts (an
/// allreduce), and a copy of part 0's buffer to every part (a broadcast),
/// which every part calls in the same order. ``single`` is one part alone,
/// for which both do nothing.
package struct PartReduction {
    package let index: Int
    package let count: Int
    package let sum: (inout [Double]) -> Void
    package let broadcast: (inout [Double]) -> Void

    package init(index: Int, count: Int, sum: @escaping (inout [Double]) -> Void,
                 broadcast: @escaping (inout [Double]) -> Void) {
        self.index = index
        self.count = count
        self.sum = sum
        self.broadcast = broadcast
    }

    /// The whole data set in one part.
    package static var single: PartReduction { PartReduction(index: 0, count: 1, sum: { _ in }, broadcast: { _ in }) }
}
