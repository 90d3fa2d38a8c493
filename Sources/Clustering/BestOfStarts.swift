/// A fit that can be weighed against fits of the same data from other
/// starts: scikit-learn's rule for which start an estimator keeps.
package protocol StartComparable {
    /// Whether this fit replaces `best`, the one kept from earlier starts.
    func replaces(_ best: Self) -> Bool
}

extension GaussianMixtureModel: StartComparable {
    /// The first start whose lower bound beats the best so far; while the
    /// best is −∞ (no finite bound yet) every later start replaces it, so
    /// the last start is kept when none has a finite bound.
    package func replaces(_ best: GaussianMixtureModel) -> Bool {
        lowerBound > best.lowerBound || best.lowerBound == -.infinity
    }
}

extension KMeansModel: StartComparable {
    /// The first start with the lowest inertia.
    package func replaces(_ best: KMeansModel) -> Bool {
        inertia < best.inertia
    }
}

/// Fits `count` starts in order (0-based) and keeps the best by
/// ``StartComparable/replaces(_:)``: the one loop over starts of every
/// estimator, in one process or many.
package func bestOfStarts<Model: StartComparable, E: Error>(
    _ count: Int, _ fit: (_ start: Int) throws(E) -> Model
) throws(E) -> Model {
    precondition(count >= 1, "at least one start")
    var best = try fit(0)
    for start in 1..<Swift.max(count, 1) {
        let model = try fit(start)
        if model.replaces(best) { best = model }
    }
    return best
}
