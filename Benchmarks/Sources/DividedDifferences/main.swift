// The classical study of divided differences: the error of forward and
// central differences of f(x) = x³ at x = 1 as the step h shrinks from 1e-1
// to 1e-16, against the exact derivative 3 that a dual number gives.
//
// Forward differences have truncation error ~ h·f″/2 = 3h and rounding error
// ~ ε/h, smallest near h = √ε ≈ 1.5e-8; central differences have truncation
// ~ h²·f‴/6 = h² and rounding ~ ε/h, smallest near h = ∛ε ≈ 6e-6.
//
//   swift run -c release --package-path Benchmarks divided-differences
import Foundation
import Gauss

// Run OpenBLAS kernels that match the processor (this may restart the program once).
BLASKernel.selectForProcessor()

func f<T: Real>(_ x: T) -> T { x * x * x }

let x = 1.0
let exact = derivative(at: x) { f($0) }
print("f(x) = x³ at x = 1; dual-number derivative: \(exact) (error \(abs(exact - 3)))")
print("")
print("        h     forward error     central error")
var best = (forward: (h: 0.0, error: Double.infinity), central: (h: 0.0, error: Double.infinity))
for k in 1...16 {
    let h = pow(10, -Double(k))
    let forward = (f(x + h) - f(x)) / h
    let central = (f(x + h) - f(x - h)) / (2 * h)
    let (ef, ec) = (abs(forward - 3), abs(central - 3))
    if ef < best.forward.error { best.forward = (h, ef) }
    if ec < best.central.error { best.central = (h, ec) }
    print(String(format: "%9.0e  %16.3e  %16.3e", h, ef, ec))
}
print("")
print(String(format: "smallest forward error %.1e at h = %.0e (√ε = %.1e)", best.forward.error, best.forward.h, Double.ulpOfOne.squareRoot()))
print(String(format: "smallest central error %.1e at h = %.0e (∛ε = %.1e)", best.central.error, best.central.h, cbrt(Double.ulpOfOne)))
