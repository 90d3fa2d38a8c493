import Foundation
import Testing
@testable import LinearAlgebra

/// One logarithm of a product against the sum of the logarithms.
@Suite struct LogOfProductTests {
    static func logOfProduct(_ values: [Double]) -> Double {
        var product = LogOfProduct()
        for x in values { product.multiply(by: x) }
        return product.logarithm
    }

    @Test func equalsTheSumOfLogarithmsAcrossTheRange() {
        // Normal and subnormal values, 1 and powers of two, past several folds of 16.
        let pattern: [Double] = [1, 2, 0.5, 1.9e300, 3e-300, .greatestFiniteMagnitude, .leastNormalMagnitude,
                                 .leastNonzeroMagnitude, 1e-310, 1.999999, 7.25, 0.5000001, 1e150]
        for count in [0, 1, 5, 16, 17, 40, 100] {
            let values = (0..<count).map { pattern[$0 % pattern.count] }
            // The sum of the logarithms rounds at the scale of its largest terms.
            let expected = values.reduce(0.0) { $0 + Foundation.log($1) }
            let scale = values.reduce(1.0) { $0 + abs(Foundation.log($1)) }
            let result = Self.logOfProduct(values)
            #expect(abs(result - expected) <= 1e-15 * scale, "\(count) values: \(result) against \(expected)")
        }
    }

    @Test func valuesThatAreNotPositiveAndFiniteGiveTheirOwnLogarithm() {
        #expect(Self.logOfProduct([2, 0, 3]) == -.infinity)
        #expect(Self.logOfProduct([2, -1, 3]).isNaN)
        #expect(Self.logOfProduct([2, .nan]).isNaN)
        #expect(Self.logOfProduct([2, .infinity]) == .infinity)
        #expect(Self.logOfProduct([0, .infinity]).isNaN)
    }
}
