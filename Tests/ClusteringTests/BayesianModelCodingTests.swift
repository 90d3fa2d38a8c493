import Foundation
import LinearAlgebra
import Testing
@testable import Clustering

@Suite struct BayesianModelCodingTests {
    static let blobs = try! referenceData("blobs")

    static func fitted(_ type: CovarianceType, _ prior: BayesianGaussianMixture.WeightPrior) throws -> BayesianGaussianMixtureModel {
        try BayesianGaussianMixture(componentCount: 4, covarianceType: type, weightPrior: prior, maxIterations: 20, seed: 5)
            .fit(blobs)
    }

    static func json(_ model: BayesianGaussianMixtureModel) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: JSONEncoder().encode(model)) as! [String: Any]
    }

    static func decodingFailure(_ object: [String: Any]) -> String {
        do {
            _ = try JSONDecoder().decode(BayesianGaussianMixtureModel.self, from: JSONSerialization.data(withJSONObject: object))
            return "decoded"
        } catch { return "\(error)" }
    }

    @Test(arguments: BayesianMixtureTests.settings)
    func jsonRoundTripKeepsEveryNumber(type: CovarianceType, prior: BayesianGaussianMixture.WeightPrior) throws {
        let model = try Self.fitted(type, prior)
        let data = try JSONEncoder().encode(model)
        let decoded = try JSONDecoder().decode(BayesianGaussianMixtureModel.self, from: data)
        #expect(decoded == model)
        #expect(try decoded.predictProbabilities(Self.blobs) == model.predictProbabilities(Self.blobs))
        #expect(try decoded.logLikelihoods(Self.blobs) == model.logLikelihoods(Self.blobs))
    }

    /// The attributes nest as scikit-learn's do, so that a Python reader
    /// can hand them to `BayesianGaussianMixture` as they are.
    @Test func attributesHaveScikitLearnsShapes() throws {
        let d = Self.blobs.columns
        let full = try Self.json(Self.fitted(.full, .dirichletProcess))
        #expect(full["model"] as? String == "bayesian")
        #expect(full["weight_concentration_prior_type"] as? String == "dirichlet_process")
        let alphaBeta = full["weight_concentration"] as! [[Double]]
        #expect(alphaBeta.count == 2 && alphaBeta.allSatisfy { $0.count == 4 })
        #expect((full["degrees_of_freedom"] as! [Double]).count == 4)
        #expect((full["covariance_prior"] as! [[Double]]).count == d)
        #expect((full["covariances"] as! [[[Double]]]).count == 4)
        #expect((full["mean_precision"] as! [Double]).count == 4)
        #expect((full["weights"] as! [Double]).count == 4)

        let tied = try Self.json(Self.fitted(.tied, .dirichletDistribution))
        #expect(tied["degrees_of_freedom"] is Double, "one number for a shared covariance")
        #expect((tied["weight_concentration"] as! [Double]).count == 4)
        #expect((tied["covariances"] as! [[Double]]).count == d)

        #expect((try Self.json(Self.fitted(.diag, .dirichletProcess))["covariance_prior"] as! [Double]).count == d)
        #expect(try Self.json(Self.fitted(.spherical, .dirichletProcess))["covariance_prior"] is Double)
    }

    @Test func inconsistentOrInvalidFilesAreRefusedByKey() throws {
        let good = try Self.json(Self.fitted(.full, .dirichletProcess))
        #expect(Self.decodingFailure(good) == "decoded")
        func changed(_ key: String, _ value: Any) -> String {
            var object = good
            object[key] = value
            return Self.decodingFailure(object)
        }
        #expect(changed("model", "gaussian_mixture").contains("not \"bayesian\""))
        #expect(changed("weight_concentration_prior_type", "uniform").contains("dirichlet_process or dirichlet_distribution"))
        #expect(changed("mean_precision_prior", -1).contains("mean precision prior"))
        #expect(changed("degrees_of_freedom_prior", 0.5).contains("degrees of freedom prior"))
        #expect(changed("mean_prior", [0.0]).contains("mean prior"))
        let d = Self.blobs.columns
        // Symmetric, with a negative eigenvalue.
        let indefinite = (0..<d).map { i in (0..<d).map { j in i == j ? (i == 0 ? -1.0 : 1.0) : 0 } }
        #expect(changed("covariance_prior", indefinite).contains("not positive definite"))
        #expect(changed("covariance_prior", [[1.0]]).contains("covariance prior has shape [1, 1]"))
        #expect(changed("degrees_of_freedom", [3.5, 9, 9, 9]).contains("degrees_of_freedom must be finite and above \(Double(d - 1))"))
        #expect(changed("mean_precision", [1.0, 1.0]).contains("mean_precision has 2 values, expected 4"))
        #expect(changed("weight_concentration", [[1.0, 1, 1, 1]]).contains("the pair [alpha, beta]"))
        #expect(changed("weights", [0.25, 0.25, 0.25, 0.25]).contains("not the posterior mean"))
        var covariances = good["covariances"] as! [[[Double]]]
        covariances[2] = indefinite
        #expect(changed("covariances", covariances).contains("component 2 is not positive definite"))
        var object = good
        object["weights"] = nil
        object["precisions_cholesky"] = nil
        #expect(Self.decodingFailure(object) == "decoded", "the derived attributes may be left out")
    }

    @Test func aGaussianMixtureFileIsNotReadAsBayesianNorTheReverse() throws {
        let em = try GaussianMixture(componentCount: 2).fit(Self.blobs)
        let text = String(decoding: try JSONEncoder().encode(em), as: UTF8.self)
        #expect(text.contains("\"model\":\"gaussian_mixture\""))
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(BayesianGaussianMixtureModel.self, from: Data(text.utf8)) }
        let bayesian = try JSONEncoder().encode(Self.fitted(.diag, .dirichletProcess))
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(GaussianMixtureModel.self, from: bayesian) }
    }

    /// scikit-learn's `sample` draws from the mixture of the point
    /// estimates; both models answer through ``MixtureModel``.
    @Test func samplesComeFromThePointEstimate() throws {
        let model = try Self.fitted(.full, .dirichletProcess)
        let point = model.pointEstimate
        #expect(point.weights == model.weights && point.means == model.means && point.covariances == model.covariances)
        let direct = try GaussianMixtureModel(weights: model.weights, means: model.means, covariances: model.covariances)
        let (a, labelsA) = model.sample(count: 500, seed: 9)
        let (b, labelsB) = direct.sample(count: 500, seed: 9)
        #expect(labelsA == labelsB)
        #expect(relativeDifference(a.elements, b.elements) < 1e-12)
        let models: [any MixtureModel] = [model, point]
        #expect(try models.map { try $0.predict(Self.blobs).count } == [Self.blobs.rows, Self.blobs.rows])
    }
}
