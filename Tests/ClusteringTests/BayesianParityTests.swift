import Foundation
import LinearAlgebra
import Testing
@testable import Clustering

/// The scikit-learn reference fits of variational mixtures, parsed once.
nonisolated(unsafe) let bayesianReference: [String: Any] = {
    let data = try! Data(contentsOf: fixtureDirectory.appendingPathComponent("sklearn-bayesian-reference.json"))
    return try! JSONSerialization.jsonObject(with: data) as! [String: Any]
}()

/// From the same starting responsibilities, Gauss's variational mixture and
/// scikit-learn 1.9's `BayesianGaussianMixture` reach the same posterior.
/// The reference numbers were made by scripts/make-sklearn-fixtures.
@Suite struct BayesianParityTests {
    static let cases: [SklearnParityTests.Case] = (bayesianReference["cases"] as! [[String: Any]]).enumerated().map {
        let c = $0.element
        return SklearnParityTests.Case(
            index: $0.offset,
            name: "\(c["dataset"]!) \(c["covariance_type"]!) \(c["weight_prior"]!) \(c["start"]!) tol \(c["tol"]!)")
    }

    @Test(arguments: cases)
    func bayesianMixtureMatchesScikitLearn(_ testCase: SklearnParityTests.Case) throws {
        let reference = (bayesianReference["cases"] as! [[String: Any]])[testCase.index]
        let data = try referenceData(reference["dataset"] as! String)
        let type = CovarianceType(rawValue: reference["covariance_type"] as! String)!
        let k = reference["n_components"] as! Int
        var estimator = BayesianGaussianMixture(
            componentCount: k, covarianceType: type,
            weightPrior: BayesianGaussianMixture.WeightPrior(rawValue: reference["weight_prior"] as! String)!,
            tolerance: double(reference["tol"]!), maxIterations: reference["max_iter"] as! Int)
        if let labels = reference["labels"] as? [Int] {
            estimator.initialResponsibilities = try GaussianMixture.responsibilities(labels: labels, componentCount: k)
        } else {
            estimator.initialResponsibilities = matrix(reference["responsibilities"]!)
        }
        let model = try estimator.fit(data)

        #expect(model.iterationCount == reference["n_iter"] as! Int)
        #expect(model.converged == reference["converged"] as! Bool)
        // The issue asks for 1e-6; the worst seen is 5e-9 (digits diag,
        // whose near-constant pixels give variances of 1e-6).
        let tolerance = 1e-7
        #expect(relativeDifference(model.priors.mean, vector(reference["mean_prior"]!)) < 1e-12)
        #expect(relativeDifference(model.priors.covariance.elements, matrix(reference["covariance_prior"]!).elements) < 1e-12)
        let concentration = (reference["weight_concentration"] as! [Any]).map(vector)
        switch model.weightConcentration {
        case .dirichletProcess(let alpha, let beta):
            #expect(relativeDifference(alpha + beta, concentration[0] + concentration[1]) < tolerance)
        case .dirichletDistribution(let gamma):
            #expect(relativeDifference(gamma, concentration[0]) < tolerance)
        }
        #expect(relativeDifference(model.weights, vector(reference["weights"]!)) < tolerance)
        #expect(relativeDifference(model.meanPrecisions, vector(reference["mean_precision"]!)) < tolerance)
        #expect(relativeDifference(model.means.elements, matrix(reference["means"]!).elements) < tolerance)
        #expect(relativeDifference(model.degreesOfFreedom, vector(reference["degrees_of_freedom"]!)) < tolerance)
        if let covariances = reference["covariances"], !(covariances is NSNull) {
            #expect(relativeDifference(flattened(model.covariances), flattened(covarianceParameters(covariances, type))) < tolerance)
            #expect(relativeDifference(flattened(model.precisionsCholesky),
                                       flattened(covarianceParameters(reference["precisions_cholesky"]!, type))) < tolerance)
        }
        // The bound is a sum over rows: compared relative to its size.
        let bounds = vector(reference["lower_bounds"]!)
        #expect(model.lowerBoundHistory.count == bounds.count)
        if model.lowerBoundHistory.count == bounds.count {
            for (mine, theirs) in zip(model.lowerBoundHistory, bounds) {
                #expect(abs(mine - theirs) <= tolerance * abs(theirs), "lower bound \(mine) against \(theirs)")
            }
        }
        #expect(abs(try model.score(data) - double(reference["score"]!)) <= tolerance * abs(double(reference["score"]!)))
        #expect(Array(try model.predict(data).prefix(20)) == (reference["predict_head"] as! [Int]))
    }

    /// The issue's example: a Dirichlet process with K = 10 on Old Faithful
    /// keeps as many components above weight 0.01 as scikit-learn's.
    @Test func aDirichletProcessSwitchesOffTheComponentsOldFaithfulDoesNotNeed() throws {
        let reference = bayesianReference["dirichlet_process_faithful"] as! [String: Any]
        let data = try referenceData("faithful")
        var estimator = BayesianGaussianMixture(componentCount: 10, maxIterations: 1000)
        estimator.initialResponsibilities = try GaussianMixture.responsibilities(labels: reference["labels"] as! [Int], componentCount: 10)
        let model = try estimator.fit(data)
        #expect(model.activeComponents(threshold: 0.01).count == reference["active"] as! Int)
        #expect(model.activeComponents(threshold: 0.01).count == 2)
        #expect(model.iterationCount == reference["n_iter"] as! Int)
        #expect(relativeDifference(model.weights, vector(reference["weights"]!)) < 1e-6)
    }
}
