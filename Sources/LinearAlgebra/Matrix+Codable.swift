/// A matrix encodes as its rows, an array of arrays of numbers, as numpy's
/// `tolist()` gives them and JSON writes them naturally: `[[1, 2], [3, 4]]`.
/// A 0×c matrix has no rows to carry c, so it encodes as `[]` and decodes
/// as 0×0.
extension Matrix: Codable where Scalar: Codable {
    public init(from decoder: any Decoder) throws {
        let rows = try [[Scalar]](from: decoder)
        let columns = rows.first?.count ?? 0
        if let ragged = rows.firstIndex(where: { $0.count != columns }) {
            throw DecodingError.dataCorrupted(DecodingError.Context(
                codingPath: decoder.codingPath,
                debugDescription: "row \(ragged) has \(rows[ragged].count) values, but row 0 has \(columns)"))
        }
        self.init(rows: rows.count, columns: columns, elements: rows.flatMap { $0 })
    }

    public func encode(to encoder: any Encoder) throws {
        try (0..<rows).map { row($0) }.encode(to: encoder)
    }
}
