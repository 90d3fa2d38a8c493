import LinearAlgebra

// The JSON shapes both mixture models share: matrices as lists of rows and
// covariance-shaped parameters nested as scikit-learn nests each type's
// array, with the checks that decoding them needs.

extension KeyedEncodingContainer {
    /// A matrix as a list of its rows.
    mutating func encodeRows(_ m: Matrix<Double>, forKey key: Key) throws {
        try encode((0..<m.rows).map { m.row($0) }, forKey: key)
    }

    /// Nested as scikit-learn's array of the family's shape: a list of
    /// matrices, one matrix, or a list of values.
    mutating func encode(_ p: CovarianceParameters, forKey key: Key) throws {
        switch p.covarianceType.family.arrayShape(components: 1, dimension: 1).count {
        case 3: try encode(p.blocks.map { m in (0..<m.rows).map { m.row($0) } }, forKey: key)
        case 2: try encodeRows(p.blocks[0], forKey: key)
        default: try encode(p.blocks[0].elements, forKey: key)
        }
    }
}

extension KeyedDecodingContainer {
    /// A list of rows of equal, non-zero length.
    func decodeRows(forKey key: Key) throws -> Matrix<Double> {
        let rows = try decode([[Double]].self, forKey: key)
        guard let width = rows.first?.count, width > 0, rows.allSatisfy({ $0.count == width }) else {
            throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: "ragged or empty matrix")
        }
        return Matrix(rows)
    }

    /// Covariance-shaped parameters of `type` for K components of dimension
    /// d, nested as ``KeyedEncodingContainer/encode(_:forKey:)`` writes them.
    func decode(_ type: CovarianceType, forKey key: Key, components k: Int, dimension d: Int) throws -> CovarianceParameters {
        let expected = type.family.arrayShape(components: k, dimension: d)
        let blocks: [Matrix<Double>]
        switch expected.count {
        case 3:
            let nested = try decode([[[Double]]].self, forKey: key)
            blocks = nested.compactMap { rows in
                guard let width = rows.first?.count, rows.allSatisfy({ $0.count == width }) else { return nil }
                return Matrix(rows)
            }
            guard blocks.count == nested.count else {
                throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: "ragged matrix")
            }
        case 2:
            blocks = [try decodeRows(forKey: key)]
        default:
            let values = try decode([Double].self, forKey: key)
            blocks = [Matrix(rows: values.count, columns: 1, elements: values)]
        }
        let value = CovarianceParameters(type, blocks: blocks)
        guard value.shape == expected else {
            throw DecodingError.dataCorruptedError(forKey: key, in: self,
                debugDescription: "\(key.stringValue) has shape \(value.shape), expected \(expected) for \(type) covariance")
        }
        return value
    }

    /// Precision factors stored beside `covariances`, checked to be usable
    /// and to describe the same covariances (predict reads one and sample
    /// the other); or, when none are stored, the factors of `covariances`.
    func decodePrecisionFactors(of covariances: CovarianceParameters, forKey key: Key, components k: Int,
                                dimension d: Int, computed: CovarianceParameters) throws -> CovarianceParameters {
        guard contains(key) else { return computed }
        let factors = try decode(covariances.covarianceType, forKey: key, components: k, dimension: d)
        guard factors.isUsablePrecisionFactor else {
            throw DecodingError.dataCorruptedError(forKey: key, in: self,
                debugDescription: "\(key.stringValue) must be finite and upper triangular with a positive diagonal")
        }
        let difference = factors.relativeDifference(to: computed)
        guard difference <= 1e-6 else {
            throw DecodingError.dataCorruptedError(forKey: key, in: self,
                debugDescription: "\(key.stringValue) does not match covariances (relative difference "
                    + "\(String(format: "%.2g", difference))); give consistent values, or leave \(key.stringValue) out")
        }
        return factors
    }
}

extension CovarianceParameters {
    /// ‖self − other‖ / ‖other‖ over all the numbers of two parameter sets of one shape.
    func relativeDifference(to other: CovarianceParameters) -> Double {
        let (x, y) = (flattened, other.flattened)
        guard x.count == y.count else { return .infinity }
        let difference = zip(x, y).reduce(0.0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
        let norm = y.reduce(0.0) { $0 + $1 * $1 }
        return (difference / Swift.max(norm, .leastNormalMagnitude)).squareRoot()
    }

    /// Finite and, for matrices, upper triangular with a positive diagonal;
    /// for values, positive.
    var isUsablePrecisionFactor: Bool {
        switch storage {
        case .matrices:
            return blocks.allSatisfy { m in
                m.elements.allSatisfy(\.isFinite) && m.diagonal.allSatisfy { $0 > 0 }
                    && (0..<m.rows).allSatisfy { i in (0..<Swift.min(i, m.columns)).allSatisfy { m[i, $0] == 0 } }
            }
        case .componentValues:
            return blocks.allSatisfy { $0.elements.allSatisfy { $0 > 0 && $0.isFinite } }
        }
    }
}
