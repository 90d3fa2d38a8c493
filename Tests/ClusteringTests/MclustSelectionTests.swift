import Foundation
import LinearAlgebra
import Testing
@testable import Clustering

/// Model selection with mclust's defaults against `Mclust(data)`'s BIC table
/// (mclust 6.0.0): the same hierarchical starts, the same convergence rule,
/// the same choice and the same BIC in every cell but VVE's. mclust's VVE
/// M-step leaves λₖ out of the orientation's objective, so its iterations
/// are not EM's (MclustParityTests.mclustsVVEIsNotAFixedPointOfEM) and end
/// elsewhere than Gauss's maximum-likelihood M-step.
@Suite struct MclustSelectionTests {
    @Test(arguments: ["faithful", "iris"])
    func bicTableAndChoiceEqualMclusts(_ dataset: String) throws {
        let reference = (mclustReference["selection"] as! [[String: Any]]).first { $0["dataset"] as! String == dataset }!
        let data = try mclustData(dataset)
        let result = try ModelSelection.rank(data, componentCounts: Array(1...9), covarianceTypes: CovarianceType.mclustModels,
                                             estimator: .mclust())
        for row in reference["table"] as! [[String: Any]] {
            let k = row["n_components"] as! Int
            let models = row["models"] as! [String]
            let bics = row["bic"] as! [Any]
            for (model, value) in zip(models, bics) {
                let type = try #require(CovarianceType(name: model))
                if type == .vve { continue }
                let ours = result.ranked.first { $0.componentCount == k && $0.covarianceType == type }
                guard let expected = value as? Double else {
                    // mclust could not fit this cell (NA): neither should Gauss.
                    #expect(ours == nil, "\(model) K=\(k): mclust has no fit, Gauss has BIC \(-(ours?.bic ?? 0))")
                    continue
                }
                guard let ours else {
                    let failure = result.failures.first { $0.componentCount == k && $0.covarianceType == type }
                    Issue.record("\(model) K=\(k): mclust's BIC \(expected), Gauss failed: \(failure.map { "\($0.error)" } ?? "missing")")
                    continue
                }
                #expect(abs(-ours.bic - expected) <= 1e-6 * abs(expected), "\(model) K=\(k): BIC \(-ours.bic) against mclust's \(expected)")
            }
        }
        let best = try #require(result.ranked.first)
        #expect(best.covarianceType.mclustName == reference["model"] as! String)
        #expect(best.componentCount == reference["n_components"] as! Int)
        let bic = double(reference["bic"]!)
        #expect(abs(-best.bic - bic) <= 1e-6 * abs(bic))
    }
}

/// mclust's rule of convergence: stop at the first E-step whose total
/// log-likelihood changed by at most tol·(1 + |ℓ|), and keep the
/// parameters that E-step measured.
@Suite struct MclustConvergenceRuleTests {
    @Test func stopsWhereMclustStopsAndKeepsTheMeasuredParameters() throws {
        let data = try mclustData("faithful")
        let estimator = GaussianMixture.mclust(componentCount: 3, model: .full)
        let model = try estimator.fit(data)
        #expect(model.converged)
        let n = Double(data.rows)
        let history = model.lowerBoundHistory.map { $0 * n }
        func change(_ t: Int) -> Double { abs(history[t] - history[t - 1]) / (1 + abs(history[t])) }
        #expect(change(history.count - 1) <= 1e-5)
        for t in 1..<(history.count - 1) { #expect(change(t) > 1e-5, "iteration \(t + 1) had converged already") }
        // The bound is the log-likelihood of the parameters returned.
        #expect(abs(try model.score(data) - model.lowerBound) <= 1e-12 * abs(model.lowerBound))

        // scikit-learn's rule takes one more M-step, so its bound is of the previous parameters.
        var scikitLearn = estimator
        scikitLearn.convergenceRule = .scikitLearn
        scikitLearn.tolerance = 1e-5 * abs(model.lowerBound)
        let other = try scikitLearn.fit(data)
        #expect(try other.score(data) > other.lowerBound)
    }
}

/// Progress reports of k-means, of EM's k-means start and of a selection.
@Suite struct ProgressReportTests {
    final class Log<Entry: Sendable>: @unchecked Sendable {
        private let lock = NSLock()
        private var storage: [Entry] = []
        func append(_ entry: Entry) { lock.withLock { storage.append(entry) } }
        var entries: [Entry] { lock.withLock { storage } }
    }

    @Test func kMeansReportsEveryIterationOfEveryStart() throws {
        let data = try mclustData("faithful")
        let log = Log<KMeans.Progress>()
        var estimator = KMeans(clusterCount: 3, initializationCount: 2, seed: 4)
        estimator.progress = { log.append($0) }
        let model = try estimator.fit(data)
        let starts = Dictionary(grouping: log.entries, by: \.initialization)
        #expect(starts.keys.sorted() == [0, 1])
        for (_, reports) in starts { #expect(reports.map(\.iteration) == Array(1...reports.count)) }
        #expect(starts.values.contains { $0.count == model.iterationCount })
        #expect(log.entries.allSatisfy { $0.centerShift >= 0 && $0.elapsed >= 0 })
    }

    @Test func emForwardsItsKMeansStartsProgress() throws {
        let log = Log<KMeans.Progress>()
        var estimator = GaussianMixture(componentCount: 2)
        estimator.kMeansProgress = { log.append($0) }
        _ = try estimator.fit(try mclustData("faithful"))
        #expect(!log.entries.isEmpty && log.entries.first!.iteration == 1)
    }

    @Test func selectionReportsEachCellOnce() throws {
        let log = Log<ModelSelection.Progress>()
        let result = try ModelSelection.rank(try mclustData("faithful"), componentCounts: [1, 2, 3], covarianceTypes: [.full, .eii],
                                             progress: { log.append($0) })
        let reports = log.entries
        #expect(reports.count == 6 && Set(reports.map(\.finished)) == Set(1...6) && reports.allSatisfy { $0.total == 6 })
        for candidate in result.ranked {
            let report = reports.first { $0.componentCount == candidate.componentCount && $0.covarianceType == candidate.covarianceType }
            #expect(report?.bic == candidate.bic && report?.iterations == candidate.model.iterationCount)
        }
    }
}
