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

    static let defaultStartCases: [Case] = (sklearnReference["default_start"] as! [[String: Any]]).enumerated().map {
        Case(index: $0.offset, name: "\($0.element["dataset"]!) \($0.element["covariance_type"]!) \($0.element["variant"]!)")
    }

    /// scikit-learn's default start (init_params="kmeans") is the M-step of
    /// its k-means labels; given those labels as starting responsibilities,
    /// Gauss reaches its fit: in float64, in float32 (where scikit-learn
    /// computes in float32 throughout and Gauss accumulates in Double), and
    /// with integer sample weights against scikit-learn's fit of the data
    /// with each row repeated that many times.
    @Test(arguments: defaultStartCases)
    func defaultStartMatchesScikitLearn(_ testCase: Case) throws {
        let reference = (sklearnReference["default_start"] as! [[String: Any]])[testCase.index]
        let data = try referenceData(reference["dataset"] as! String)
        let type = CovarianceType(rawValue: reference["covariance_type"] as! String)!
        let k = reference["n_components"] as! Int
        var estimator = GaussianMixture(componentCount: k, covarianceType: type, regularization: double(reference["reg_covar"]!))
        estimator.initialResponsibilities = try GaussianMixture.responsibilities(labels: reference["labels"] as! [Int], componentCount: k)
        let model: GaussianMixtureModel
        let tolerance: Double
        switch reference["variant"] as! String {
        case "float32":
            model = try estimator.fit(Matrix<Float>(rows: data.rows, columns: data.columns) { Float(data[$0, $1]) })
            // scikit-learn's float32 sums over n rows are off by up to about
            // n·ε (272·6e-8 = 2e-5 for faithful; 2.5e-5 seen).
            tolerance = 1e-4
            // Gauss, summing in Double, is nearer the float64 fit than
            // scikit-learn's float32 fit is.
            let all = sklearnReference["default_start"] as! [[String: Any]]
            let exact = try #require(all.first {
                $0["dataset"] as? String == reference["dataset"] as? String && $0["covariance_type"] as? String == type.rawValue
                    && $0["variant"] as? String == "float64"
            })
            let exactCovariances = flattened(covarianceParameters(exact["covariances"]!, type))
            let gaussError = relativeDifference(flattened(model.covariances), exactCovariances)
            let sklearnError = relativeDifference(flattened(covarianceParameters(reference["covariances"]!, type)), exactCovariances)
            // Seen: 1e-8 to 2e-6 against 2e-7 to 2.5e-5 on Intel's
            // SkylakeX and Prescott kernels; on AMD Zen 4's (OpenBLAS picks
            // Cooperlake) 5.2e-6 against 3.5e-6 for tied blobs: both at
            // float32's level, where the E-step's SGEMM rounding decides.
            #expect(gaussError <= Swift.max(sklearnError, 1e-5),
                    "Gauss float32 \(gaussError) from the float64 fit, scikit-learn \(sklearnError)")
        case "weights":
            let weights = (reference["sample_weights"] as! [Any]).map(double)
            model = try estimator.fit(data, sampleWeights: weights)
            tolerance = 1e-11
        default:
            model = try estimator.fit(data)
            tolerance = 1e-11
        }
        #expect(model.iterationCount == reference["n_iter"] as! Int)
        #expect(model.converged == reference["converged"] as! Bool)
        #expect(relativeDifference(model.weights, vector(reference["weights"]!)) < tolerance)
        #expect(relativeDifference(model.means.elements, matrix(reference["means"]!).elements) < tolerance)
        #expect(relativeDifference(flattened(model.covariances),
                                   flattened(covarianceParameters(reference["covariances"]!, type))) < tolerance)
        #expect(relativeDifference([model.lowerBound], [double(reference["lower_bound"]!)]) < tolerance)
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
