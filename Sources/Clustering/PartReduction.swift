/// How the parts of a distributed fit combine: this part's index among
/// `count` parts, and an elementwise sum of equal-length buffers over all
/// parts (an allreduce) that every part calls in the same order.
package struct PartReduction {
    package let index: Int
    package let count: Int
    package let sum: (inout [Double]) -> Void

    package init(index: Int, count: Int, sum: @escaping (inout [Double]) -> Void) {
        self.index = index
        self.count = count
        self.sum = sum
    }
}
