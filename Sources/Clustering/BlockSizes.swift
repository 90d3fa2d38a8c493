/// The sizes the passes over the data share, named once.
package enum BlockSizes {
    /// Rows per block where a pass chooses its own blocks (validation,
    /// k-means, prediction, seeding): tall enough for BLAS to run at speed,
    /// small enough that a block of a wide data set stays in cache.
    package static let rows = 4096
    /// The scratch one worker may hold for a block (the E-step's
    /// projections, the distance blocks), in bytes: 4 MiB.
    package static let scratchBytesPerWorker = 4 << 20
    /// The E-step's share of that: 512 KiB, so that a block's scratch
    /// stays in a core's L2 cache (1–2 MiB on current x86 server cores)
    /// between the passes over it (features, products, softmax, the
    /// statistics' products). At n = 20 000, d = 32, K = 8 on an AMD EPYC
    /// (Zen 4, 1 MiB of L2), the 4 MiB blocks this replaced took 1.8–2.8×
    /// as long per spherical, diagonal and tied iteration and 1.15× per
    /// full one.
    package static let eStepScratchBytesPerWorker = 512 << 10
    /// Rows an E-step block has at least, whatever its scratch: below a few
    /// hundred rows the products spend their time packing their other
    /// operand (at d = 128, K = 32, full covariance, 64-row blocks took
    /// about 1.2× as long as 256- or 381-row ones).
    package static let eStepMinimumRows = 256
    /// The dimension from which the M-step and the E-step's preparation let
    /// OpenBLAS thread their d×d factorisations, solves and
    /// eigendecompositions. Below it they are too small to gain, yet
    /// OpenBLAS splits even a 32×32 triangular solve or the symmetric
    /// products of a 32×32 eigendecomposition over its threads, which then
    /// spin beside the E-step's own: at n = 20 000, d = 32, K = 8 on an AMD
    /// EPYC (Zen 4, 2 cores) a VEE iteration took 8.7–14.8 ms with
    /// OpenBLAS's two threads and 6.6–8.0 ms with one.
    package static let threadedFactorizationDimension = 128
}
