import Foundation
import LinearAlgebra
import Testing
@testable import Clustering

/// Given the same initial parameters, Gauss and scikit-learn 1.9 reach the
/// same fit. The reference numbers were made by scripts/make-sklearn-fixtures.
@Suite struct SklearnParityTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let index: Int
        let name: String
        var testDescription: String { name }
    }

    static let mixtureCases: [Case] = (sklearnReference["gaussian_mixture"] as! [[String: Any]]).enumerated().map {
        Case(index: $0.offset, name: "\($0.element["dataset"]!) \($0.element["covariance_type"]!)")
    }

    @Test(arguments: mixtureCases)
    func gaussianMixtureMatchesScikitLearn(_ testCase: Case) throws {
        let reference = (sklearnReference["gaussian_mixture"] as! [[String: Any]])[testCase.index]
        let data = try referenceData(reference["dataset"] as! String)
        let type = CovarianceType(rawValue: reference["covariance_type"] as! String)!
        let estimator = GaussianMixture(
            componentCount: reference["n_components"] as! Int, covarianceType: type,
            tolerance: double(reference["tol"]!), regularization: double(reference["reg_covar"]!),
            maxIterations: reference["max_iter"] as! Int,
            initialWeights: vector(reference["weights_init"]!), initialMeans: matrix(reference["means_init"]!),
            initialPrecisions: covarianceParameters(reference["precisions_init"]!, type))
        let model = try estimator.fit(data)

        #expect(model.iterationCount == reference["n_iter"] as! Int)
        #expect(model.converged == reference["converged"] as! Bool)
        // The worst case, digits full (d = 64, ill-conditioned), differs by
        // about 1e-12 under every OpenBLAS kernel; most by 1e-13 or less.
        let tolerance = 1e-11
        #expect(relativeDifference(model.weights, vector(reference["weights"]!)) < tolerance)
        #expect(relativeDifference(model.means.elements, matrix(reference["means"]!).elements) < tolerance)
        #expect(relativeDifference(flattened(model.covariances),
                                   flattened(covarianceParameters(reference["covariances"]!, type))) < tolerance)
        #expect(relativeDifference(flattened(model.precisionsCholesky),
                                   flattened(covarianceParameters(reference["precisions_cholesky"]!, type))) < tolerance)
        #expect(relativeDifference([model.lowerBound], [double(reference["lower_bound"]!)]) < tolerance)
        #expect(relativeDifference(model.lowerBoundHistory, vector(reference["lower_bounds"]!)) < tolerance)
        #expect(relativeDifference([try model.score(data)], [double(reference["score"]!)]) < tolerance)
        #expect(relativeDifference([try model.bic(data)], [double(reference["bic"]!)]) < tolerance)
        #expect(relativeDifference([try model.aic(data)], [double(reference["aic"]!)]) < tolerance)
        let labels = try model.predict(data)
        #expect(Array(labels.prefix(20)) == (reference["predict_head"] as! [Int]))
    }

    static let kmeansCases: [Case] = (sklearnReference["kmeans"] as! [[String: Any]]).enumerated().map {
        Case(index: $0.offset, name: "\($0.element["dataset"]!)")
    }

    @Test(arguments: kmeansCases)
    func kMeansMatchesScikitLearn(_ testCase: Case) throws {
        let reference = (sklearnReference["kmeans"] as! [[String: Any]])[testCase.index]
        let data = try referenceData(reference["dataset"] as! String)
        let k = reference["n_clusters"] as! Int
        let model = try KMeans(clusterCount: k, initialization: .centers(matrix(reference["init"]!))).fit(data)
        // Seen: 2e-15 at worst.
        #expect(relativeDifference([model.inertia], [double(reference["inertia"]!)]) < 1e-13)
        #expect(model.iterationCount == reference["n_iter"] as! Int)
        #expect(model.labels == (reference["labels"] as! [Int]))
        #expect(relativeDifference(model.centers.elements, matrix(reference["centers"]!).elements) < 1e-13)
    }
}
