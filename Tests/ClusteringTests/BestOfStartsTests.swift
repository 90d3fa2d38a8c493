import Foundation
import LinearAlgebra
import Synchronization
import Testing
@testable import Clustering

/// scikit-learn's rule for which start an estimator keeps, and the
/// estimators keeping it.
@Suite struct BestOfStartsTests {
    @Test func mixturesKeepTheFirstHighestBoundAndTheLastWhenNoneIsFinite() throws {
        // A model from explicit parameters has a lower bound of −∞.
        let unfitted = try GaussianMixtureModel(weights: [1], means: Matrix(rows: 1, columns: 2), covariances: .spherical([1]))
        let fitted = try GaussianMixture(componentCount: 2, seed: 1).fit(blobs)
        // Every start −∞: the last one.
        var seen: [Int] = []
        _ = bestOfStarts(3) { (start: Int) -> GaussianMixtureModel in seen.append(start); return unfitted }
        #expect(seen == [0, 1, 2])
        #expect(unfitted.replaces(unfitted), "a −∞ best is replaced by anything")
        #expect(fitted.replaces(unfitted))
        #expect(!unfitted.replaces(fitted), "−∞ never replaces a finite bound")
        #expect(!fitted.replaces(fitted), "ties keep the first")
    }

    @Test func kMeansKeepsTheFirstLowestInertia() throws {
        let centers = Matrix<Double>(rows: 2, columns: 5) { c, j in blobs[c * 300, j] }
        let model = try KMeans(clusterCount: 2, initialization: .centers(centers)).fit(blobs)
        #expect(!model.replaces(model))
        let worse = KMeansModel(centers: centers, labels: model.labels, inertia: model.inertia * 2, iterationCount: 1)
        #expect(model.replaces(worse) && !worse.replaces(model))
        let picked = bestOfStarts(3) { start in [worse, model, model][start] }
        #expect(picked == model)
    }

    @Test func aMixtureFitKeepsItsBestStart() throws {
        // Four random starts, each reported by the progress handler.
        let finals = Mutex<[Int: Double]>([:])
        let estimator = GaussianMixture(componentCount: 5, covarianceType: .diag, initializationCount: 4,
                                        initialization: .random, seed: 12, progress: { p in
            finals.withLock { $0[p.initialization] = p.lowerBound }
        })
        let model = try estimator.fit(blobs)
        let bounds = finals.withLock { $0 }
        #expect(bounds.count == 4)
        let first = (0..<4).first { bounds[$0] == bounds.values.max() }!
        #expect(model.lowerBound == bounds[first]!)
        // Starts that differ: otherwise this would not test the choice.
        #expect(Set(bounds.values).count > 1, "\(bounds)")
    }
}
