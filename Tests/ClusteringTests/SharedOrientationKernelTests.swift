import Foundation
import LinearAlgebra
import Testing
@testable import Clustering

/// VEE, EVE and VVE evaluate their log-densities by one rotation shared by
/// every component; on parameters of that structure it must give the full
/// kernel's values, and parameters without it must get the full kernel.
@Suite struct SharedOrientationKernelTests {
    static let (d, k) = (6, 4)

    /// Parameters whose covariances are D·diag(vₖ)·Dᵀ (a shared D when
    /// `shared`, a D per component otherwise).
    static func parameters(_ type: CovarianceType, shared: Bool, dimension d: Int = d) throws -> MixtureParameters {
        var rng = Xoshiro256StarStar(seed: shared ? 3 : 4)
        func orientation() throws -> Matrix<Double> {
            let a = Matrix<Double>(rows: d, columns: d) { _, _ in rng.nextUniform(Double.self) - 0.5 }
            return try SymmetricEigendecomposition(a.matmul(a, transposeSelf: .transpose)).vectors
        }
        let common = try orientation()
        var covariances: [Matrix<Double>] = []
        for c in 0..<k {
            let diagonal: [Double] = (0..<d).map { j in 0.2 + Double((c * 5 + j * 3) % 7) / 4 }
            covariances.append(rotated(shared ? common : try orientation(), diagonal: diagonal))
        }
        let precisions = try CovarianceParameters(type, blocks: covariances).precisionsCholeskyFromCovariances()
        let means = Matrix<Double>(rows: k, columns: d) { c, j in Double(c) - Double(j) / 3 }
        return MixtureParameters(weights: [0.1, 0.2, 0.3, 0.4], means: means, precisionsCholesky: precisions)
    }

    static func logDensities<Kernel: LogDensityKernel<Double>>(_ kernel: Kernel, _ parameters: MixtureParameters) -> Matrix<Double> {
        var kernel = kernel
        var rng = Xoshiro256StarStar(seed: 8)
        let x = Matrix<Double>(rows: 50, columns: d) { _, _ in 6 * rng.nextUniform(Double.self) - 3 }
        let center = parameters.center
        var features = Matrix<Double>(rows: x.rows, columns: d + 1)
        MixtureRowKernels.writeFeatures(.coordinates, of: x, center: center, into: &features)
        var out = Matrix<Double>(rows: x.rows, columns: k)
        kernel.weightedLogDensities(features: features, into: &out)
        return out
    }

    static func centeredMeans(_ parameters: MixtureParameters) -> Matrix<Double> {
        let center = parameters.center
        return Matrix(rows: k, columns: d) { c, j in parameters.means[c, j] - center[j] }
    }

    @Test(arguments: [CovarianceType.vee, .eve, .vve])
    func aSharedOrientationGivesTheFullKernelsLogDensities(type: CovarianceType) throws {
        let parameters = try Self.parameters(type, shared: true)
        let means = Self.centeredMeans(parameters)
        let shared = try #require(SharedOrientationKernel<Double>(parameters, centeredMeans: means))
        let full = FullCovariance.Kernel<Double>(factors: parameters.precisionsCholesky.blocks, logWeight: parameters.logWeight(of:),
                                                 centeredMeans: means)
        let (a, b) = (Self.logDensities(shared, parameters), Self.logDensities(full, parameters))
        for (x, y) in zip(a.elements, b.elements) { #expect(abs(x - y) <= 1e-11 * Swift.max(abs(y), 1), "\(x) vs \(y)") }
    }

    @Test func componentsWithTheirOwnOrientationsGetTheFullKernel() throws {
        let parameters = try Self.parameters(.vve, shared: false)
        #expect(SharedOrientationKernel<Double>(parameters, centeredMeans: Self.centeredMeans(parameters)) == nil)
        let kernel = VVECovariance.logDensityKernel(parameters, centeredMeans: Self.centeredMeans(parameters), as: Double.self)
        #expect(kernel is FullCovariance.Kernel<Double>)
    }

    @Test(arguments: [CovarianceType.vee, .eve, .vve])
    func theFamiliesTakeTheSharedKernelOnlyForRowsWideEnough(type: CovarianceType) throws {
        let narrowest = SharedOrientationKernel<Double>.narrowestRows
        for d in [narrowest - 1, narrowest] {
            let parameters = try Self.parameters(type, shared: true, dimension: d)
            let center = parameters.center
            let means = Matrix<Double>(rows: Self.k, columns: d) { c, j in parameters.means[c, j] - center[j] }
            #expect(SharedOrientationKernel<Double>(parameters, centeredMeans: means) != nil, "d = \(d) has the structure")
            let kernel = type.family.logDensityKernel(parameters, centeredMeans: means, as: Double.self)
            if d < narrowest {
                #expect(kernel is FullCovariance.Kernel<Double>, "d = \(d)")
            } else {
                #expect(kernel is SharedOrientationKernel<Double>, "d = \(d)")
            }
        }
    }
}
