/// The sizes the passes over the data share, named once.
package enum BlockSizes {
    /// Rows per block where a pass chooses its own blocks (validation,
    /// k-means, prediction, seeding): tall enough for BLAS to run at speed,
    /// small enough that a block of a wide data set stays in cache.
    package static let rows = 4096
    /// The scratch one worker may hold for a block (the E-step's
    /// projections, the distance blocks), in bytes: 4 MiB.
    package static let scratchBytesPerWorker = 4 << 20
}
