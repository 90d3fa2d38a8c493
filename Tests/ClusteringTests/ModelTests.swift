import Foundation
import LinearAlgebra
import Testing
@testable import Clustering

@Suite struct ModelTests {
    static let fitted: [CovarianceType: GaussianMixtureModel] = Dictionary(uniqueKeysWithValues: CovarianceType.scikitLearnTypes.map {
        ($0, try! fixedStart(blobs, 4, $0).fit(blobs))
    })

    @Test(arguments: CovarianceType.scikitLearnTypes)
    func probabilitiesPredictionsAndScoresAgree(type: CovarianceType) throws {
        let model = Self.fitted[type]!
        let probabilities = try model.predictProbabilities(blobs)
        #expect(probabilities.rowSums().allSatisfy { abs($0 - 1) < 1e-12 })
        let labels = try model.predict(blobs)
        for i in 0..<blobs.rows {
            let row = probabilities.row(i)
            #expect(labels[i] == row.firstIndex(of: row.max()!)!)
        }
        let logLikelihoods = try model.logLikelihoods(blobs)
        #expect(abs(try model.score(blobs) - logLikelihoods.reduce(0, +) / Double(blobs.rows)) < 1e-12)
        // score is the lower bound of an E-step under the final parameters: one step past the fit's own.
        #expect(try model.score(blobs) >= model.lowerBound - 1e-9)
        let n = Double(blobs.rows), p = Double(model.parameterCount)
        #expect(abs(try model.bic(blobs) - (-2 * n * (try model.score(blobs)) + p * log(n))) < 1e-9)
        #expect(abs(try model.aic(blobs) - (-2 * n * (try model.score(blobs)) + 2 * p)) < 1e-9)
    }

    /// Lower Cholesky factors, by the textbook.
    static func choleskyFactors(_ covariances: [Matrix<Double>]) -> [[[Double]]] {
        covariances.map { sigma in
            let d = sigma.rows
            var l = [[Double]](repeating: [Double](repeating: 0, count: d), count: d)
            for i in 0..<d {
                for j in 0...i {
                    var v = sigma[i, j]
                    for m in 0..<j { v -= l[i][m] * l[j][m] }
                    l[i][j] = i == j ? v.squareRoot() : v / l[j][j]
                }
            }
            return l
        }
    }

    /// log Σₖ πₖ N(x | μₖ, Σₖ) by the textbook: with Σₖ = LₖLₖᵀ, a
    /// triangular solve per component and a shifted log-sum-exp.
    static func referenceLogLikelihood(_ x: [Double], weights: [Double], means: Matrix<Double>, factors: [[[Double]]]) -> Double {
        let d = x.count
        let terms = (0..<weights.count).map { c -> Double in
            let l = factors[c]
            var z = [Double](repeating: 0, count: d), logDet = 0.0, q = 0.0
            for i in 0..<d {
                var v = x[i] - means[c, i]
                for m in 0..<i { v -= l[i][m] * z[m] }
                z[i] = v / l[i][i]
                q += z[i] * z[i]
                logDet += log(l[i][i])
            }
            return log(weights[c]) - 0.5 * Double(d) * log(2 * .pi) - logDet - 0.5 * q
        }
        let top = terms.max()!
        return top + log(terms.reduce(0) { $0 + exp($1 - top) })
    }

    /// Double rows up to d = 256 take the triangular kernel (column tiles
    /// of 32, the last partial); Float rows, and Double beyond d = 256,
    /// split each factor into two GEMMs from d = 8 on and group components
    /// (1024 / d per group, the last one partial).
    @Test(arguments: [(2, 3), (7, 2), (8, 3), (9, 4), (13, 5), (130, 11), (260, 2)])
    func fullLogLikelihoodsMatchTheTextbook(d: Int, k: Int) throws {
        var rng = Xoshiro256StarStar(seed: UInt64(d * 100 + k))
        let means = Matrix<Double>(rows: k, columns: d) { _, _ in 3 * rng.nextNormal() }
        let covariances = (0..<k).map { _ -> Matrix<Double> in
            let a = Matrix<Double>(rows: d, columns: d) { _, _ in rng.nextNormal() / Double(d).squareRoot() }
            return a.matmul(a.transposed()) + Matrix(diagonal: [Double](repeating: 0.5, count: d))
        }
        let weights = (0..<k).map { Double($0 + 1) / Double(k * (k + 1) / 2) }
        let model = try GaussianMixtureModel(weights: weights, means: means, covariances: .full(covariances))
        let data = Matrix<Double>(rows: 50, columns: d) { i, j in means[i % k, j] + 2 * rng.nextNormal() }
        let logLikelihoods = try model.logLikelihoods(data)
        let factors = Self.choleskyFactors(covariances)
        for i in 0..<data.rows {
            let expected = Self.referenceLogLikelihood(data.row(i), weights: weights, means: means, factors: factors)
            #expect(abs(logLikelihoods[i] - expected) <= 1e-9 * max(1, abs(expected)), "row \(i)")
        }
        let float = try model.logLikelihoods(Matrix<Float>(rows: data.rows, columns: d) { Float(data[$0, $1]) })
        #expect(zip(float, logLikelihoods).allSatisfy { abs($0 - $1) <= 1e-3 * max(1, abs($1)) })
    }

    @Test func parameterCountsFollowScikitLearn() {
        // K = 4, d = 5: 3 weights + 20 means + covariances.
        #expect(Self.fitted[.full]!.parameterCount == 3 + 20 + 4 * 15)
        #expect(Self.fitted[.tied]!.parameterCount == 3 + 20 + 15)
        #expect(Self.fitted[.diag]!.parameterCount == 3 + 20 + 20)
        #expect(Self.fitted[.spherical]!.parameterCount == 3 + 20 + 4)
    }

    @Test func logDensityOfAKnownGaussian() throws {
        // One standard normal in 2-D: log p(0) = −log 2π.
        let model = try GaussianMixtureModel(weights: [1], means: Matrix(rows: 1, columns: 2), covariances: .full([.identity(2)]))
        let values = try model.logLikelihoods(Matrix<Double>([[0, 0], [1, 2]]))
        #expect(abs(values[0] + log(2 * Double.pi)) < 1e-14)
        #expect(abs(values[1] - (-log(2 * Double.pi) - 2.5)) < 1e-14)
        // The same density written as each covariance type.
        for covariances in [CovarianceParameters.tied(.identity(2)), .diag(Matrix([[1, 1]])), .spherical([1])] {
            let other = try GaussianMixtureModel(weights: [1], means: Matrix(rows: 1, columns: 2), covariances: covariances)
            #expect(relativeDifference(try other.logLikelihoods(Matrix<Double>([[0, 0], [1, 2]])), values) < 1e-14)
        }
    }

    @Test(arguments: CovarianceType.scikitLearnTypes)
    func samplesFollowTheModel(type: CovarianceType) {
        let model = Self.fitted[type]!
        let (samples, components) = model.sample(count: 40_000, seed: 5)
        #expect(samples.rows == 40_000 && samples.columns == 5 && components.count == 40_000)
        #expect(components == components.sorted(), "grouped by component, as scikit-learn returns them")
        #expect(model.sample(count: 100, seed: 9).samples == model.sample(count: 100, seed: 9).samples)
        for k in 0..<4 {
            let rows = components.indices.filter { components[$0] == k }
            #expect(abs(Double(rows.count) / 40_000 - model.weights[k]) < 0.01)
            let mean = (0..<5).map { j in rows.reduce(0) { $0 + samples[$1, j] } / Double(rows.count) }
            let covariance = model.covariances.matrix(component: k, dimension: 5)
            for j in 0..<5 {
                let standardError = (covariance[j, j] / Double(rows.count)).squareRoot()
                #expect(abs(mean[j] - model.means[k, j]) < 5 * standardError)
            }
            // The draws' covariance: each element within five standard
            // errors, √((σᵢᵢσⱼⱼ + σᵢⱼ²)/n) for a Gaussian.
            for a in 0..<5 {
                for b in 0...a {
                    let sample = rows.reduce(0) { $0 + (samples[$1, a] - mean[a]) * (samples[$1, b] - mean[b]) } / Double(rows.count - 1)
                    let standardError = ((covariance[a, a] * covariance[b, b] + covariance[a, b] * covariance[a, b]) / Double(rows.count)).squareRoot()
                    #expect(abs(sample - covariance[a, b]) < 5 * standardError, "component \(k), element (\(a), \(b))")
                }
            }
        }
    }

    @Test func samplingANearlySingularComponentUsesThePrecisionFactor() {
        // A covariance whose stored form rounding has left indefinite, and
        // the precision factor U of the intended Σ = [[1, 0.9], [0.9, 1]]:
        // the draws follow Σ = (U·Uᵀ)⁻¹, with its correlation, not a
        // diagonal stand-in.
        let sigma = Matrix<Double>([[1, 0.9], [0.9, 1]])
        let u = Matrix<Double>(rows: 2, columns: 2) { i, j in
            // Upper U with U·Uᵀ = Σ⁻¹ (scikit-learn's layout), from Σ's inverse.
            let p = [[1 / 0.19, -0.9 / 0.19], [-0.9 / 0.19, 1 / 0.19]]
            let u11 = p[1][1].squareRoot(), u01 = p[0][1] / u11, u00 = (p[0][0] - u01 * u01).squareRoot()
            return [[u00, u01], [0, u11]][i][j]
        }
        let broken = Matrix<Double>([[1, 1.0000001], [1.0000001, 1]])
        #expect((try? Cholesky(broken)) == nil, "the stored covariance is not positive definite")
        let model = GaussianMixtureModel(
            parameters: MixtureParameters(weights: [1], means: Matrix(rows: 1, columns: 2), precisionsCholesky: .full([u])),
            covariances: .full([broken]), converged: true, iterationCount: 1, lowerBound: 0, lowerBoundHistory: [0])
        let factor = model.samplingFactor(component: 0)
        #expect(relativeDifference(factor.matmul(factor.transposed()).elements, sigma.elements) < 1e-12)
        let samples = model.sample(count: 20_000, seed: 3).samples
        let correlation = (0..<20_000).reduce(0) { $0 + samples[$1, 0] * samples[$1, 1] } / 20_000
        #expect(abs(correlation - 0.9) < 0.03)
    }

    @Test(arguments: CovarianceType.scikitLearnTypes)
    func samplingInBlocksGivesTheSameRows(type: CovarianceType) {
        let model = Self.fitted[type]!
        let whole = model.sample(count: 1001, seed: 9)
        var rows: [[Double]] = [], components: [Int] = [], largest = 0
        model.sample(count: 1001, seed: 9, blockRows: 7) { block, component in
            largest = max(largest, block.rows)
            for i in 0..<block.rows { rows.append(block.row(i)) }
            components += [Int](repeating: component, count: block.rows)
        }
        #expect(largest <= 7)
        // The same draws; BLAS may round a 7-row product differently from a 1001-row one.
        let blocked = Matrix(rows)
        #expect(blocked.rows == whole.samples.rows
                && zip(blocked.elements, whole.samples.elements).allSatisfy { abs($0 - $1) <= 1e-12 * max(1, abs($1)) })
        #expect(components == whole.components)
    }

    @Test(arguments: CovarianceType.scikitLearnTypes)
    func jsonRoundTripPredictsIdentically(type: CovarianceType) throws {
        let model = Self.fitted[type]!
        let json = try JSONEncoder().encode(model)
        let text = String(decoding: json, as: UTF8.self)
        for key in ["\"covariance_type\":\"\(type.rawValue)\"", "\"weights\"", "\"means\"", "\"covariances\"",
                    "\"precisions_cholesky\"", "\"converged\"", "\"n_iter\"", "\"lower_bound\""] {
            #expect(text.contains(key), "\(key) in the JSON")
        }
        let decoded = try JSONDecoder().decode(GaussianMixtureModel.self, from: json)
        #expect(decoded == model, "every number survives the round trip")
        #expect(try decoded.predictProbabilities(blobs) == model.predictProbabilities(blobs))
    }

    @Test func jsonOfAnUnfittedStartHasANullLowerBound() throws {
        let model = try GaussianMixtureModel(weights: [1], means: Matrix(rows: 1, columns: 2), covariances: .spherical([2]))
        let text = String(decoding: try JSONEncoder().encode(model), as: UTF8.self)
        #expect(text.contains("\"lower_bound\":null"))
        #expect(try JSONDecoder().decode(GaussianMixtureModel.self, from: Data(text.utf8)).lowerBound == -.infinity)
    }

    @Test func precisionFactorsMustAgreeWithTheCovariances() throws {
        // Σ = [[4, 0], [0, 1]]: the precision's upper Cholesky factor is diag(1/2, 1).
        let base = #"{"covariance_type":"full","weights":[1],"means":[[0,0]],"covariances":[[[4,0],[0,1]]],"#
        let consistent = base + #""precisions_cholesky":[[[0.5,0],[0,1]]]}"#
        #expect((try? JSONDecoder().decode(GaussianMixtureModel.self, from: Data(consistent.utf8))) != nil)
        func failure(_ json: String) -> String {
            do {
                _ = try JSONDecoder().decode(GaussianMixtureModel.self, from: Data(json.utf8))
                return "decoded"
            } catch { return "\(error)" }
        }
        let mismatched = base + #""precisions_cholesky":[[[1,0],[0,1]]]}"#
        #expect(failure(mismatched).contains("precisions_cholesky does not match covariances"), "\(failure(mismatched))")
        let lower = base + #""precisions_cholesky":[[[0.5,0],[0.3,1]]]}"#
        #expect(failure(lower).contains("upper triangular"), "\(failure(lower))")
        let diag = #"{"covariance_type":"diag","weights":[1],"means":[[0,0]],"covariances":[[4,1]],"precisions_cholesky":[[0.5,2]]}"#
        #expect(failure(diag).contains("does not match"), "\(failure(diag))")
    }

    @Test func anMclustNameThatContradictsTheCovarianceTypeIsRefused() throws {
        let body = #""weights":[0.5,0.5],"means":[[0,0],[1,1]],"covariances":[[1,1],[2,2]]"#
        for agreeing in [#""covariance_type":"diag","mclust_model":"VVI""#, #""covariance_type":"VVI","mclust_model":"vvi""#,
                         #""covariance_type":"diag""#] {
            let model = try JSONDecoder().decode(GaussianMixtureModel.self, from: Data("{\(agreeing),\(body)}".utf8))
            #expect(model.covarianceType == .diag)
        }
        for (contradicting, name) in [(#""covariance_type":"diag","mclust_model":"VVV""#, "VVV"),
                                      (#""covariance_type":"VVI","mclust_model":"diag""#, "diag")] {
            do {
                _ = try JSONDecoder().decode(GaussianMixtureModel.self, from: Data("{\(contradicting),\(body)}".utf8))
                Issue.record("decoded \(contradicting)")
            } catch DecodingError.dataCorrupted(let context) {
                #expect(context.debugDescription == "mclust_model is \"\(name)\", but covariance_type \"diag\" is mclust's VVI")
            } catch {
                Issue.record("\(error)")
            }
        }
    }

    @Test func malformedJsonIsRejected() {
        let good = #"{"covariance_type":"diag","weights":[0.5,0.5],"means":[[0,0],[1,1]],"covariances":[[1,1],[2,2]]}"#
        #expect((try? JSONDecoder().decode(GaussianMixtureModel.self, from: Data(good.utf8))) != nil)
        for bad in [
            #"{"covariance_type":"diag","weights":[0.5,0.5],"means":[[0,0],[1,1]],"covariances":[[1,1]]}"#,
            #"{"covariance_type":"diag","weights":[0.5,0.5],"means":[[0,0],[1]],"covariances":[[1,1],[2,2]]}"#,
            #"{"covariance_type":"diag","weights":[0.5,0.5],"means":[[0,0],[1,1]],"covariances":[[1,-1],[2,2]]}"#,
            #"{"covariance_type":"diag","weights":[0.9,0.5],"means":[[0,0],[1,1]],"covariances":[[1,1],[2,2]]}"#,
            #"{"covariance_type":"cubic","weights":[1],"means":[[0]],"covariances":[1]}"#,
            #"{"covariance_type":"full","weights":[1],"means":[[0,0]],"covariances":[[[1,2],[2,1]]]}"#,
            // Found by fuzzing: the second full covariance is 1×2, and only the first was checked.
            #"{"covariance_type":"full","weights":[0.5,0.5],"means":[[0,0],[1,1]],"covariances":[[[1,0],[0,1]],[[0.07,33.7]]]}"#,
        ] {
            #expect(throws: DecodingError.self) { try JSONDecoder().decode(GaussianMixtureModel.self, from: Data(bad.utf8)) }
        }
    }
}

@Suite struct KMeansTests {
    @Test func sampleWeightTwoEqualsRepeatingTheRow() throws {
        let n = blobs.rows
        let repeated = Matrix<Double>(rows: n + 50, columns: 5) { i, j in blobs[i < n ? i : i - n, j] }
        let centers = Matrix<Double>(rows: 4, columns: 5) { c, j in blobs[c * 100, j] }
        let estimator = KMeans(clusterCount: 4, initialization: .centers(centers))
        let byRepetition = try estimator.fit(repeated)
        let byWeight = try estimator.fit(blobs, sampleWeights: (0..<n).map { $0 < 50 ? 2 : 1 })
        #expect(relativeDifference([byRepetition.inertia], [byWeight.inertia]) < 1e-12)
        #expect(relativeDifference(byRepetition.centers.elements, byWeight.centers.elements) < 1e-12)
        #expect(Array(byRepetition.labels.prefix(n)) == byWeight.labels)
    }

    @Test func findsTheBlobsAndPredictsItsOwnLabels() throws {
        let model = try KMeans(clusterCount: 4, initializationCount: 3, seed: 2).fit(blobs)
        #expect(try model.predict(blobs) == model.labels)
        #expect(Set(model.labels).count == 4)
        let float = try KMeans(clusterCount: 4, initializationCount: 3, seed: 2).fit(Matrix<Float>(rows: 500, columns: 5) { Float(blobs[$0, $1]) })
        #expect(relativeDifference([float.inertia], [model.inertia]) < 1e-4)
        #expect(try KMeans(clusterCount: 4, seed: 8).fit(blobs) == KMeans(clusterCount: 4, seed: 8).fit(blobs))
    }

    /// Four clusters whose centers lie within the noise: every bound is loose.
    static let overlapping: Matrix<Double> = {
        var rng = Xoshiro256StarStar(seed: 21)
        return Matrix(rows: 600, columns: 6) { i, j in 0.3 * Double(i % 4 == j % 4 ? 1 : 0) + rng.nextNormal() }
    }()

    static func estimator(_ algorithm: KMeans.Algorithm, _ data: Matrix<Double>, k: Int) -> KMeans {
        // Evenly spaced rows as centers, tolerance 0: runs until no label changes.
        let centers = Matrix<Double>(rows: k, columns: data.columns) { c, j in data[c * (data.rows - 1) / (k - 1), j] }
        var estimator = KMeans(clusterCount: k, initialization: .centers(centers), tolerance: 0)
        estimator.algorithm = algorithm
        return estimator
    }

    @Test(arguments: [false, true])
    func elkanAndLloydRunTheSameIterations(overlapping: Bool) throws {
        let data = overlapping ? Self.overlapping : blobs
        let weights = (0..<data.rows).map { Double($0 % 3) + 0.5 }
        for k in [2, 4, 7] {
            let lloyd = try Self.estimator(.lloyd, data, k: k).fit(data, sampleWeights: weights)
            for algorithm in [KMeans.Algorithm.elkan, .automatic] {
                let other = try Self.estimator(algorithm, data, k: k).fit(data, sampleWeights: weights)
                #expect(other.labels == lloyd.labels, "\(algorithm), k = \(k)")
                #expect(other.iterationCount == lloyd.iterationCount, "\(algorithm), k = \(k)")
                #expect(relativeDifference(other.centers.elements, lloyd.centers.elements) < 1e-12, "\(algorithm), k = \(k)")
                #expect(relativeDifference([other.inertia], [lloyd.inertia]) < 1e-12, "\(algorithm), k = \(k)")
            }
        }
        let float = Matrix<Float>(rows: data.rows, columns: data.columns) { Float(data[$0, $1]) }
        let floatLloyd = try Self.estimator(.lloyd, data, k: 4).fit(float)
        #expect(try Self.estimator(.elkan, data, k: 4).fit(float).labels == floatLloyd.labels)
    }

    @Test(arguments: [false, true])
    func elkanMovesRowsToAnEmptyClusterAsLloydDoes(overlapping: Bool) throws {
        // Two starting centers on one row: one cluster is empty after the
        // first assignment. On overlapping clusters `.automatic` also gives
        // up its bounds in the iteration that relocates.
        let data = overlapping ? Self.overlapping : blobs
        var centers = Matrix<Double>(rows: 4, columns: data.columns) { c, j in data[c * 100, j] }
        for j in 0..<data.columns { centers[1, j] = centers[0, j] }
        var estimator = KMeans(clusterCount: 4, initialization: .centers(centers), tolerance: 0)
        estimator.algorithm = .lloyd
        let lloyd = try estimator.fit(data)
        for algorithm in [KMeans.Algorithm.elkan, .automatic] {
            estimator.algorithm = algorithm
            let other = try estimator.fit(data)
            #expect(other.labels == lloyd.labels && other.iterationCount == lloyd.iterationCount, "\(algorithm)")
            #expect(relativeDifference(other.centers.elements, lloyd.centers.elements) < 1e-12, "\(algorithm)")
            #expect(Set(other.labels).count == 4)
        }
    }

    @Test func elkansBoundsCountInTheMemoryLimit() throws {
        var estimator = Self.estimator(.lloyd, blobs, k: 4)
        let lloydBytes = estimator.memoryEstimate(rows: 1000, columns: 5)
        estimator.algorithm = .automatic
        #expect(estimator.memoryEstimate(rows: 1000, columns: 5) == lloydBytes)
        estimator.algorithm = .elkan
        let elkanBytes = estimator.memoryEstimate(rows: 1000, columns: 5)
        #expect(elkanBytes == lloydBytes + 8 * 5 * 1000)
        // A limit that holds Lloyd's state but not the bounds: Elkan fails, automatic falls back.
        estimator.memoryLimit = estimator.memoryEstimate(rows: blobs.rows, columns: 5) - 1
        #expect(throws: ClusteringError.self) { try estimator.fit(blobs) }
        estimator.algorithm = .automatic
        let fallback = try estimator.fit(blobs)
        estimator.algorithm = .lloyd
        #expect(try fallback.labels == estimator.fit(blobs).labels)
    }

    @Test func moreClustersThanDistinctPointsStaysFinite() throws {
        let data = Matrix<Double>(rows: 6, columns: 2) { i, _ in Double(i % 2) }
        let model = try KMeans(clusterCount: 4).fit(data)
        #expect(model.inertia == 0 && model.centers.elements.allSatisfy(\.isFinite))
    }
}

@Suite struct ModelSelectionTests {
    @Test func bicPicksFourComponentsForFourBlobs() throws {
        let selection = try ModelSelection.rank(blobs, componentCounts: [1, 2, 3, 4, 5, 6], covarianceTypes: [.spherical, .diag],
                                                estimator: GaussianMixture(seed: 4))
        #expect(selection.ranked.count == 12 && selection.failures.isEmpty)
        #expect(selection.ranked.map(\.bic) == selection.ranked.map(\.bic).sorted())
        #expect(selection.ranked[0].componentCount == 4)
        let best = selection.ranked[0]
        #expect(best.bic == (try best.model.bic(blobs)))
        // Every candidate's criteria, from one pass, are those of the model's own scores.
        for candidate in selection.ranked {
            let logLikelihood = try candidate.model.logLikelihoods(blobs).reduce(0, +)
            let uncertainties = try candidate.model.classify(blobs).uncertainties
            #expect(candidate.logLikelihood == logLikelihood)
            #expect(candidate.icl == candidate.bic - 2 * uncertainties.reduce(0.0) { $0 + log(1 - $1) })
        }
    }

    @Test func cellsThatCannotBeFittedAreReported() throws {
        let selection = try ModelSelection.rank(blobs[rows: 0..<3], componentCounts: [1, 4], covarianceTypes: [.diag])
        #expect(selection.ranked.map(\.componentCount) == [1])
        #expect(selection.failures.count == 1 && selection.failures[0].error == .tooFewSamples(samples: 3, components: 4))
    }
}
