import Foundation
import LinearAlgebra
import Testing
@testable import Clustering

/// scikit-learn's `fit_predict`: the fit, and the labels of an E-step under
/// the fitted parameters.
@Suite struct FitPredictTests {
    static let blobs = try! referenceData("blobs")

    @Test(arguments: CovarianceType.scikitLearnTypes)
    func labelsAreThoseOfTheFittedModel(type: CovarianceType) throws {
        let estimator = GaussianMixture(componentCount: 4, covarianceType: type, maxIterations: 3, seed: 2)
        let (model, labels) = try estimator.fitPredict(Self.blobs)
        #expect(model == (try estimator.fit(Self.blobs)))
        #expect(labels == (try model.predict(Self.blobs)))
        #expect(Set(labels).count == 4)

        let variational = BayesianGaussianMixture(componentCount: 4, covarianceType: type, maxIterations: 3, seed: 2)
        let (posterior, variationalLabels) = try variational.fitPredict(Self.blobs)
        #expect(posterior == (try variational.fit(Self.blobs)))
        #expect(variationalLabels == (try posterior.predict(Self.blobs)))
    }

    /// Stopped after a few iterations, the last E-step's labels (those of
    /// the parameters before the last M-step) can differ from the final
    /// model's; fitPredict gives the final model's, as scikit-learn does.
    @Test func theLabelsComeAfterTheLastMStep() throws {
        let data = Matrix<Double>(rows: 200, columns: 2) { i, j in Double(i % 2) * 3 + sin(Double(i * (j + 1))) }
        let estimator = GaussianMixture(componentCount: 2, tolerance: 0, maxIterations: 1, initialization: .random, seed: 5)
        let (model, labels) = try estimator.fitPredict(data, sampleWeights: (0..<200).map { Double($0 % 3 + 1) })
        #expect(labels == (try model.predict(data)))
    }
}

/// mclust's classification and uncertainty.
@Suite struct ClassifyTests {
    @Test func uncertaintyIsOneMinusTheLargestProbability() throws {
        let data = try referenceData("faithful")
        let model = try GaussianMixture(componentCount: 3, covarianceType: .vev, seed: 1).fit(data)
        let (labels, uncertainties) = try model.classify(data)
        let probabilities = try model.predictProbabilities(data)
        #expect(labels == (try model.predict(data)))
        for i in 0..<data.rows {
            #expect(uncertainties[i] == 1 - probabilities.row(i).max()!)
            #expect(uncertainties[i] >= 0 && uncertainties[i] <= 1 - 1.0 / 3 + 1e-15)
        }
        #expect(uncertainties.contains { $0 > 0.1 }, "Old Faithful has rows between components")
    }
}
