// Tape bookkeeping per recorded operation: a chain of tiny (1×1) operations
// recorded, then differentiated, on a reused tape. The arithmetic on 1×1
// values is negligible, so the time per node is the tape's own cost.
//
//   swift run -c release --package-path Benchmarks tape-overhead
import Foundation
import Gauss

// Run OpenBLAS kernels that match the processor (this may restart the program once).
BLASKernel.selectForProcessor()

func seconds(_ body: () -> Void) -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
}

let length = 10_000
let tape = Tape()
var forward = Double.infinity, backward = Double.infinity
var nodes = 0
for _ in 0..<7 {
    tape.reset()
    var output: Variable? = nil
    let x = tape.variable(0.5)
    forward = min(forward, seconds {
        var y = x
        for _ in 0..<length { y = (y * y).sin() }
        output = y
    })
    let recorded = tape.count
    backward = min(backward, seconds { _ = tape.gradient(of: output!, with: [x]) })
    nodes = recorded
}
print("chain of \(length) × (multiply, sin) = \(nodes) nodes, best of 7")
print(String(format: "forward: %.3f ms, %.3f µs per recorded node", forward * 1e3, forward / Double(nodes) * 1e6))
print(String(format: "backward: %.3f ms, %.3f µs per node of the forward chain (each backward step records its own nodes)",
             backward * 1e3, backward / Double(nodes) * 1e6))
