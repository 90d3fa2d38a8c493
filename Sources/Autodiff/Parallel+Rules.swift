import LinearAlgebra

/// Elements a rule must touch before its loop is split over the cores: below
/// this, waking the threads costs more than the loop.
let parallelRuleThreshold = 1 << 17

/// Calls `body` on contiguous runs of `0..<rows`, concurrently when the rule
/// touches at least ``parallelRuleThreshold`` `elements`. Each run must
/// write only its own rows of the result.
@inline(__always)
func forEachRowRun(rows: Int, elements: Int, _ body: (Range<Int>) -> Void) {
    let workers = elements >= parallelRuleThreshold ? defaultWorkerCount : 1
    _ = concurrentRuns(count: rows, workers: workers, body)
}
