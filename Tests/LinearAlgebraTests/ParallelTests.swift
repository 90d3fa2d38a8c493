import Foundation
@testable import LinearAlgebra
import Testing

@Suite struct ParallelTests {
    @Test(arguments: [("0-1", 2), ("0", 1), ("0-3,8", 5), (" 2,4-5,7 \n", 4), ("0-63", 64)])
    func cpuListsAreCounted(list: String, count: Int) {
        #expect(cpuCount(ofList: list) == count)
    }

    @Test(arguments: ["", "a", "3-1", "1-", "-2", "0,,1"])
    func malformedCPUListsCountAsUnknown(list: String) {
        #expect(cpuCount(ofList: list) == nil)
    }

    @Test func theDefaultWorkerCountIsWithinTheCores() {
        #expect(defaultWorkerCount >= 1)
        if ProcessInfo.processInfo.environment["GAUSS_NUM_THREADS"] == nil {
            #expect(defaultWorkerCount <= ProcessInfo.processInfo.activeProcessorCount)
        }
    }

    @Test(arguments: [1, 2, 3, 7])
    func concurrentRunsCoverEveryItemOnceInOrder(workers: Int) {
        let runs = concurrentRuns(count: 10, workers: workers) { $0 }
        #expect(runs.count == min(workers, 10))
        #expect(runs.flatMap { Array($0) } == Array(0..<10))
    }
}
