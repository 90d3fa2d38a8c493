import Foundation
import LinearAlgebra
import Testing
@testable import Clustering

/// The mclust reference file (scripts/make-mclust-fixtures), parsed once.
nonisolated(unsafe) let mclustReference: [String: Any] = {
    let data = try! Data(contentsOf: fixtureDirectory.appendingPathComponent("mclust-reference.json"))
    return try! JSONSerialization.jsonObject(with: data) as! [String: Any]
}()

/// A data set of the mclust fixtures: Old Faithful, iris's four
/// measurements, or the synthetic d = 8 set stored in the file.
func mclustData(_ name: String) throws -> Matrix<Double> {
    name == "synthetic" ? matrix(mclustReference["synthetic"]!) : try referenceData(name)
}

/// Each of mclust's fourteen models run by EM from mclust's own starting
/// partition, to the fixed point, against mclust 6.0.0's `me()` from the
/// same partition.
@Suite struct MclustParityTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let index: Int
        let label: String
        var testDescription: String { label }
    }

    static let cases: [Case] = (mclustReference["fits"] as! [[String: Any]]).enumerated().map { index, fit in
        Case(index: index, label: "\(fit["dataset"]!) K=\(fit["n_components"]!) \(fit["model"]!)")
    }

    static func start(_ dataset: String, _ k: Int) -> [Int] {
        let start = (mclustReference["starts"] as! [[String: Any]]).first {
            $0["dataset"] as! String == dataset && $0["n_components"] as! Int == k
        }!
        return (start["labels"] as! [Any]).map { Int(double($0)) }
    }

    @Test(arguments: cases)
    func fitEqualsMclust(_ testCase: Case) throws {
        let reference = (mclustReference["fits"] as! [[String: Any]])[testCase.index]
        let dataset = reference["dataset"] as! String, k = reference["n_components"] as! Int
        let type = try #require(CovarianceType(name: reference["model"] as! String))
        #expect(type.mclustName == reference["model"] as! String)
        let data = try mclustData(dataset)
        let loglik = double(reference["loglik"]!)
        // mclust stopped at a relative change of 1e-15; Gauss's tolerance is
        // an absolute change of the mean, here 1e-15 of it.
        var estimator = GaussianMixture(componentCount: k, covarianceType: type, tolerance: 1e-15 * abs(loglik) / Double(data.rows),
                                        regularization: 0, maxIterations: 20_000)
        estimator.initialResponsibilities = try GaussianMixture.responsibilities(labels: Self.start(dataset, k), componentCount: k)
        let model = try estimator.fit(data)
        #expect(model.converged)

        let n = Double(data.rows), d = data.columns
        if type == .vve {
            // mclust's VVE M-step leaves λₖ out of the orientation's
            // objective (see mclustsVVEIsNotAFixedPointOfEM): Gauss's
            // maximum-likelihood M-step reaches at least its likelihood.
            #expect(model.lowerBound * n >= loglik - 1e-6 * abs(loglik), "VVE log-likelihood \(model.lowerBound * n) against mclust's \(loglik)")
            return
        }
        // mclust reports the log-likelihood of its last parameters; Gauss the
        // bound of the E-step before its last M-step: at the fixed point they agree.
        #expect(abs(model.lowerBound * n - loglik) <= 1e-6 * abs(loglik), "log-likelihood \(model.lowerBound * n) against \(loglik)")
        let bic = double(reference["bic"]!), ours = -(try model.bic(data))
        #expect(abs(ours - bic) <= 1e-6 * abs(bic), "BIC (mclust's sign) \(ours) against \(bic)")
        #expect(relativeDifference(model.weights, vector(reference["pro"]!)) < 1e-6)
        #expect(relativeDifference(model.means.elements, matrix(reference["mean"]!).elements) < 1e-6)
        let sigma = (reference["sigma"] as! [Any]).map(matrix)
        for c in 0..<k {
            let ours = model.covariances.matrix(component: c, dimension: d)
            #expect(relativeDifference(ours.elements, sigma[c].elements) < 1e-6, "component \(c) covariance")
        }
        // mclust's scale and shape (shapes as sets: where the orientation
        // is shared, the order of its columns is a convention).
        let parts = model.covariances.volumeShapeOrientation(components: k, dimension: d)
        if let scale = reference["scale"] {
            // One scale for an equal volume (a list of one in the file).
            let stored = (scale as? [Any]).map(vector) ?? [double(scale)]
            #expect(relativeDifference(parts.scales, stored.count == 1 ? [Double](repeating: stored[0], count: k) : stored) < 1e-6, "scale")
        }
        if let shape = reference["shape"] {
            let rows = (shape as! [Any]).first is NSNumber ? [[Double]](repeating: vector(shape), count: k) : (shape as! [Any]).map(vector)
            try #require(rows.count == k)
            for c in 0..<k { #expect(relativeDifference(parts.shapes.row(c).sorted(), rows[c].sorted()) < 1e-6, "shape \(c)") }
        }
    }

    /// mclust 6.0's VVE M-step chooses the shared orientation D by
    /// minimising Σₖ tr(Dᵀ·Wₖ·D·Aₖ⁻¹), leaving out each component's 1/λₖ
    /// of the likelihood's Σₖ tr(Dᵀ·Wₖ·D·Aₖ⁻¹)/λₖ, so its fits are not
    /// fixed points of EM: one maximum-likelihood EM step from mclust's own
    /// estimate raises the log-likelihood. (With the 1/λₖ left out, Gauss
    /// reproduced mclust's VVE log-likelihoods to 1e-10.)
    @Test func mclustsVVEIsNotAFixedPointOfEM() throws {
        let fits = (mclustReference["fits"] as! [[String: Any]]).filter { $0["model"] as! String == "VVE" }
        var raised = 0
        for reference in fits {
            let data = try mclustData(reference["dataset"] as! String)
            let k = reference["n_components"] as! Int, n = Double(data.rows)
            let sigma = (reference["sigma"] as! [Any]).map(matrix)
            let start = try GaussianMixtureModel(weights: vector(reference["pro"]!), means: matrix(reference["mean"]!),
                                                 covariances: CovarianceParameters(.vve, blocks: sigma))
            let estimator = GaussianMixture(componentCount: k, covarianceType: .vve, tolerance: 0, regularization: 0,
                                            maxIterations: 2, initialWeights: start.weights, initialMeans: start.means,
                                            initialPrecisions: try start.covariances.inverted())
            let history = try estimator.fit(data).lowerBoundHistory.map { $0 * n }
            let loglik = double(reference["loglik"]!)
            #expect(abs(history[0] - loglik) <= 1e-9 * abs(loglik), "mclust's estimate evaluates to its log-likelihood")
            #expect(history[1] >= history[0] - 1e-9 * abs(loglik))
            if history[1] > history[0] + 1e-6 * abs(loglik) { raised += 1 }
        }
        #expect(raised == fits.count, "one EM step raised \(raised) of \(fits.count) mclust VVE fits")
    }

    /// mclust's parameter counts (nVarParams), on which its BIC rests.
    @Test func parameterCountsAreMclusts() {
        let expected: [String: (Int, Int) -> Int] = [
            "EII": { _, _ in 1 }, "VII": { g, _ in g }, "EEI": { _, d in d }, "VEI": { g, d in g + d - 1 },
            "EVI": { g, d in 1 + g * (d - 1) }, "VVI": { g, d in g * d }, "EEE": { _, d in d * (d + 1) / 2 },
            "EVE": { g, d in 1 + g * (d - 1) + d * (d - 1) / 2 }, "VEE": { g, d in g + (d - 1) + d * (d - 1) / 2 },
            "VVE": { g, d in g + g * (d - 1) + d * (d - 1) / 2 }, "EEV": { g, d in 1 + (d - 1) + g * d * (d - 1) / 2 },
            "VEV": { g, d in g + (d - 1) + g * d * (d - 1) / 2 }, "EVV": { g, d in 1 - g + g * d * (d + 1) / 2 },
            "VVV": { g, d in g * d * (d + 1) / 2 },
        ]
        #expect(CovarianceType.mclustModels.count == 14 && Set(CovarianceType.mclustModels).count == 14)
        for type in CovarianceType.mclustModels {
            for (g, d) in [(1, 1), (3, 2), (4, 8), (9, 5)] {
                #expect(type.covarianceParameterCount(components: g, dimension: d) == expected[type.mclustName]!(g, d), "\(type.mclustName) G=\(g) d=\(d)")
            }
        }
    }

    @Test func namesReadEitherWay() throws {
        #expect(CovarianceType(name: "VVV") == .full && CovarianceType(name: "eee") == .tied && CovarianceType(name: "full") == .full)
        #expect(CovarianceType(name: "VEV") == .vev && CovarianceType(name: "XYZ") == nil)
        let decoded = try JSONDecoder().decode([CovarianceType].self, from: Data(#"["VVI", "spherical", "EVE"]"#.utf8))
        #expect(decoded == [.diag, .spherical, .eve])
    }
}

/// A fit of `type` to the synthetic d = 8 set from mclust's K = 4 start.
func fitSynthetic(_ type: CovarianceType, iterations: Int) throws -> (model: GaussianMixtureModel, k: Int, d: Int) {
    let data = try mclustData("synthetic"), k = 4
    var estimator = GaussianMixture(componentCount: k, covarianceType: type, maxIterations: iterations)
    estimator.initialResponsibilities = try GaussianMixture.responsibilities(
        labels: MclustParityTests.start("synthetic", k), componentCount: k)
    return (try estimator.fit(data), k, data.columns)
}

/// Every model's fitted covariances have the structure its three letters
/// name: E volumes |Σₖ|^(1/d) equal, E shapes (eigenvalues over their
/// geometric mean) equal, I orientation diagonal (and with an I shape,
/// spherical), E orientation shared (the Σₖ commute).
@Suite struct MclustStructureTests {
    @Test(arguments: CovarianceType.mclustModels)
    func covariancesHaveTheModelsStructure(type: CovarianceType) throws {
        let (model, k, d) = try fitSynthetic(type, iterations: 15)
        let sigma = (0..<k).map { model.covariances.matrix(component: $0, dimension: d) }
        let letters = Array(type.mclustName)
        let eigenvalues = try sigma.map { try SymmetricEigendecomposition($0).values }
        let volumes = eigenvalues.map { values in exp(values.reduce(0.0) { $0 + log($1) } / Double(d)) }
        let shapes = eigenvalues.indices.map { c in eigenvalues[c].map { $0 / volumes[c] } }
        for c in 1..<k {
            if letters[0] == "E" { #expect(abs(volumes[c] - volumes[0]) <= 1e-9 * volumes[0], "\(type.mclustName): volumes") }
            if letters[1] == "E" { #expect(relativeDifference(shapes[c], shapes[0]) <= 1e-8, "\(type.mclustName): shapes") }
            if letters[2] == "E" {
                let ab = sigma[0].matmul(sigma[c]), ba = sigma[c].matmul(sigma[0])
                let scale = ab.elements.map(abs).max()!
                #expect(zip(ab.elements, ba.elements).allSatisfy { abs($0 - $1) <= 1e-8 * scale }, "\(type.mclustName): a shared orientation")
            }
        }
        for c in 0..<k where letters[2] == "I" {
            #expect((0..<d).allSatisfy { i in (0..<d).allSatisfy { j in i == j || sigma[c][i, j] == 0 } }, "\(type.mclustName): diagonal")
            if letters[1] == "I" { #expect((0..<d).allSatisfy { sigma[c][$0, $0] == sigma[c][0, 0] }, "\(type.mclustName): spherical") }
        }
    }
}

/// mclust's ICL: BIC plus the entropy of the hard classification.
@Suite struct ICLTests {
    @Test func iclIsBICLessTwiceTheClassificationLogLikelihood() throws {
        let data = try referenceData("faithful")
        let result = try ModelSelection.rank(data, componentCounts: [2, 3], covarianceTypes: [.vev, .eii])
        #expect(result.ranked.count == 4)
        for candidate in result.ranked {
            let probabilities = try candidate.model.predictProbabilities(data)
            let entropy = (0..<data.rows).reduce(0.0) { $0 + log(probabilities.row($1).max()!) }
            #expect(abs(candidate.icl - (candidate.bic - 2 * entropy)) <= 1e-9 * abs(candidate.icl))
            #expect(abs(candidate.bic - (try candidate.model.bic(data))) <= 1e-9 * abs(candidate.bic))
            #expect(abs(candidate.logLikelihood - (try candidate.model.score(data)) * Double(data.rows)) <= 1e-9 * abs(candidate.logLikelihood))
            #expect(candidate.icl >= candidate.bic, "the classification entropy only adds")
        }
    }
}

/// Covariances as mclust's volume, shape and orientation.
@Suite struct VolumeShapeOrientationTests {
    @Test(arguments: CovarianceType.mclustModels)
    func thePartsRebuildTheCovariances(type: CovarianceType) throws {
        let (model, k, d) = try fitSynthetic(type, iterations: 10)
        let parts = model.covariances.volumeShapeOrientation(components: k, dimension: d)
        for c in 0..<k {
            let o = parts.orientations[c]
            let rebuilt = o.matmul(Matrix(rows: d, columns: d) { i, j in i == j ? parts.scales[c] * parts.shapes[c, i] : 0 })
                .matmul(o, transposeOther: .transpose)
            let sigma = model.covariances.matrix(component: c, dimension: d)
            #expect(relativeDifference(rebuilt.elements, sigma.elements) < 1e-10, "\(type.mclustName) component \(c)")
            #expect(abs(parts.shapes.row(c).reduce(0.0) { $0 + log($1) }) < 1e-10, "the shape has product 1")
            let gram = o.matmul(o, transposeSelf: .transpose)
            #expect(relativeDifference(gram.elements, Matrix<Double>.identity(d).elements) < 1e-12, "orthogonal")
        }
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(model)) as! [String: Any]
        let letters = Array(type.mclustName)
        #expect(json["mclust_model"] as? String == type.mclustName)
        if type.isScikitLearnType {
            #expect(json["scale"] == nil && json["orientation"] == nil)
        } else {
            #expect(letters[0] == "E" ? json["scale"] is Double : (json["scale"] as? [Double])?.count == k)
            #expect(letters[1] == "I" ? json["shape"] == nil : json["shape"] != nil)
            #expect(letters[2] == "I" ? json["orientation"] == nil : json["orientation"] != nil)
            #expect(try JSONDecoder().decode(GaussianMixtureModel.self, from: JSONEncoder().encode(model)) == model)
        }
    }
}
