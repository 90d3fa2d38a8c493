#ifndef GAUSS_CVECTORMATH_H
#define GAUSS_CVECTORMATH_H

/// Writes out[i] = exp(x[i] - shift) for i < count and returns the sum of
/// the results. Normal results are within 1 ulp of the exact value,
/// subnormal ones within one unit of the last subnormal place; results
/// overflow to infinity, underflow to 0 and propagate NaN as exp does.
/// `out` may equal `x`; otherwise the two must not overlap.
///
/// Chooses at run time the widest vector unit the processor has (AVX-512,
/// AVX2 with FMA, or the baseline).
double gauss_exp_shifted(const double *x, double shift, double *out, long count);

/// For each row i of the rows × columns matrix x (row-major, contiguous):
/// out[i][j] = exp(x[i][j] - shifts[i]) as gauss_exp_shifted, and, when
/// `sums` is not NULL, sums[i] = the row's sum. `out` may equal `x`.
void gauss_rows_exp_shifted(const double *x, long rows, long columns, const double *shifts, double *out, double *sums);

/// result[i] = log Σⱼ exp(x[i][j]) for each row of the rows × columns
/// matrix x, shifted by the row's maximum so that it neither overflows nor
/// underflows. A row of −∞ (or no columns) gives −∞, a row holding +∞
/// gives +∞, a row holding NaN gives NaN.
void gauss_rows_log_sum_exp(const double *x, long rows, long columns, double *result);

/// For each row of the rows × columns matrix x: out = its softmax,
/// exp(x[i][j] − lse[i]), and log_sum_exp[i] = lse[i] (computed as in
/// gauss_rows_log_sum_exp). A row whose maximum is not finite (all −∞,
/// or holding +∞ or NaN) gets zeros, and that maximum as its log-sum-exp.
/// `out` may equal `x`.
void gauss_rows_softmax(const double *x, long rows, long columns, double *out, double *log_sum_exp);

/// For each row of the rows × d matrix x: the nearest of k centers and its
/// squared distance ‖x − c‖² = row_norms[i] + center_norms[c] − 2·x·c
/// (clamped at 0). `centers_t` is d × width, the centers transposed and
/// padded with zeros to width = 16, 32 or 64 columns (k ≤ width). The first
/// of equally near centers wins. When `sums` (k × d) is not NULL, each row
/// times its weight (`weights[i]`, or 1 when `weights` is NULL) is also
/// added to its center's row of `sums`, and the weight to
/// `cluster_weights[label]`: Lloyd's update in the same pass.
void gauss_nearest_centers(const double *x, long rows, long d, const double *centers_t, long width,
                           const double *center_norms, long k, const double *row_norms, long *labels, double *distances,
                           const double *weights, double *sums, double *cluster_weights);

/// k-means assignment with Elkan's bounds, first pass: for each row of the
/// rows × d matrix x, every distance ‖x − c‖ to the k centers (k × d,
/// row-major) into lower[i·k + c], the nearest (first of equals) into
/// labels[i] and its distance into upper[i]: the bounds for a drift of 0.
/// With `sums` (k × d) and `cluster_weights` (k), adds each row times its
/// weight (weights[i], or 1 when `weights` is NULL) to its cluster's sum
/// and the weight to its cluster's total. Returns rows · k, the distances
/// computed.
long gauss_elkan_start_f64(const double *x, long rows, long d, const double *centers, long k, long *labels,
                           double *upper, double *lower, const double *weights, double *sums, double *cluster_weights);
/// gauss_elkan_start_f64 for Float rows (distances in Double).
long gauss_elkan_start_f32(const float *x, long rows, long d, const double *centers, long k, long *labels,
                           double *upper, double *lower, const double *weights, double *sums, double *cluster_weights);

/// k-means assignment with Elkan's bounds, a later pass. The bounds are
/// stored relative to each center's drift (the sum of its moves since the
/// first pass, drift[c] now): upper[i] + drift[label] bounds the row's
/// distance to its center from above, lower[i·k + c] − drift[c] its
/// distance to center c from below. half_center_distances (k × k) holds
/// ½‖cᵢ − cⱼ‖ of the current centers and half_nearest[c] the smallest of
/// its row off the diagonal. Computes only the distances the bounds cannot
/// rule out, relabels each row with its nearest center, and stores the
/// tightened bounds. With `sums`: when `incremental` is 0, adds every row
/// to its new cluster as gauss_elkan_start_f64 does; otherwise moves only
/// the rows whose cluster changed from their old cluster's sum to the new
/// one's. Writes the number of rows that changed cluster into *changed and
/// returns the number of distances computed.
long gauss_elkan_step_f64(const double *x, long rows, long d, const double *centers, long k, const double *drift,
                          const double *half_center_distances, const double *half_nearest, long *labels, double *upper,
                          double *lower, const double *weights, double *sums, double *cluster_weights, int incremental,
                          long *changed);
/// gauss_elkan_step_f64 for Float rows (distances in Double).
long gauss_elkan_step_f32(const float *x, long rows, long d, const double *centers, long k, const double *drift,
                          const double *half_center_distances, const double *half_nearest, long *labels, double *upper,
                          double *lower, const double *weights, double *sums, double *cluster_weights, int incremental,
                          long *changed);

/// gauss_exp_shifted with a given instruction set: 0 baseline, 1 AVX2 with
/// FMA, 2 AVX-512; for tests, which check every variant the processor can
/// run. Returns -1 (and writes nothing) if the processor lacks that set.
double gauss_exp_shifted_using(int isa, const double *x, double shift, double *out, long count);

/// x[i] = exp x[i] in place with a given instruction set, as the row
/// kernels exponentiate short rows (AVX-512 in explicit vectors): the bits
/// of gauss_exp_shifted_using with shift 0. For tests. Returns -1 (and
/// writes nothing) if the processor lacks that set, else 0.
int gauss_exponentials_in_place_using(int isa, double *x, long count);

/// out[i] = log x[i] for finite x[i] ≥ 1, with a given instruction set as
/// gauss_exp_shifted_using: the logarithm the log-sum-exp kernels add to
/// each row's maximum (within 1 ulp, 2 ulp just above 1). For tests.
/// Returns -1 (and writes nothing) if the processor lacks that set, else 0.
int gauss_logs_using(int isa, const double *x, double *out, long count);

/// The instruction set gauss_exp_shifted uses on this processor:
/// "avx512", "avx2" or "baseline".
const char *gauss_vector_isa(void);

// The per-row loops of a mixture's E-step and statistics. Each kernel takes
// first the instruction set to run on: −1 for the widest this processor has
// (what the library uses), or, for tests, 0 baseline, 1 AVX2 with FMA,
// 2 AVX-512. Each returns −1, writing nothing, when the processor lacks the
// set asked for, and otherwise what it says (0 when it has nothing to say).

/// The features a mixture's E-step multiplies (see gauss_write_features_f64).
enum {
    /// [x − c, 1]: d + 1 columns.
    GAUSS_FEATURES_COORDINATES = 0,
    /// [x − c, ‖x − c‖², 1]: d + 2 columns.
    GAUSS_FEATURES_SPHERICAL = 1,
    /// [(x − c)∘(x − c), x − c, 1]: 2·d + 1 columns.
    GAUSS_FEATURES_DIAGONAL = 2,
};

/// Writes the features of `kind` (a GAUSS_FEATURES_ value) of each row of
/// the rows × d matrix x, shifted by `center` (d values), into the rows of
/// `features` (row-major, as many columns as the kind has). The sum of
/// squares is taken in the rows' precision, reassociated.
long gauss_write_features_f64(int isa, int kind, const double *x, long rows, long d, const double *center,
                              double *features);
/// gauss_write_features_f64 for float rows.
long gauss_write_features_f32(int isa, int kind, const float *x, long rows, long d, const float *center,
                              float *features);

/// out[i][c] = constants[c] − ½·max(0, forms[i][c]) for a rows × k block:
/// weighted log-densities from squared Mahalanobis distances (rounding can
/// leave a zero distance slightly negative, hence the clamp).
long gauss_offset_forms_f64(int isa, const double *forms, long rows, long k, const double *constants, double *out);
/// gauss_offset_forms_f64 for float distances (widened to double).
long gauss_offset_forms_f32(int isa, const float *forms, long rows, long k, const double *constants, double *out);

/// The full-covariance log-densities of components first ..< first +
/// members from their split projections: for row i and slot s (component
/// c = first + s), with b = projected_means + c·d,
/// out[i·k + c] = constants[c] − ½·(‖leading[i, s·h ..< s·h + h] − b[0 ..< h]‖²
/// + ‖trailing[i, s·(d − h) ..< (s + 1)·(d − h)] − b[h ..< d]‖²), where
/// row i of leading starts at i·leading_stride and of trailing at
/// i·trailing_stride. Sums reassociated, in the projections' precision.
long gauss_split_projection_densities_f64(int isa, const double *leading, long leading_stride, const double *trailing,
                                          long trailing_stride, long rows, long first, long members, long h, long d,
                                          const double *projected_means, const double *constants, long k,
                                          double *out);
/// gauss_split_projection_densities_f64 for float projections.
long gauss_split_projection_densities_f32(int isa, const float *leading, long leading_stride, const float *trailing,
                                          long trailing_stride, long rows, long first, long members, long h, long d,
                                          const float *projected_means, const double *constants, long k,
                                          double *out);

/// out[i·k + c] = constants[c] − ½·max(0, Σⱼ phi[i·f + j]·coefficients[j·kp + c])
/// for every row i of phi (rows × f) and component c < k: the log-densities
/// of the families whose E-step is a product of features with a short
/// coefficient matrix (f × kp, row-major, zero past column k; kp is k
/// rounded up to a multiple of 8). Returns 0, −1 when the processor lacks
/// `isa`, or −2, writing nothing, when kp is not such a multiple.
long gauss_linear_forms(int isa, const double *phi, long rows, long f, const double *coefficients, long kp,
                        const double *constants, long k, double *out);

/// gauss_linear_forms for the diagonal layout's features [z∘z, z, 1],
/// z = x − center, taken from the rows x (rows × d) without writing them:
/// coefficients is (2d + 1) × kp. Returns as gauss_linear_forms does.
long gauss_diagonal_forms(int isa, const double *x, long rows, long d, const double *center, const double *coefficients,
                          long kp, const double *constants, long k, double *out);

/// moments (k × (2d + 1), row-major) = Rᵀ·[z∘z, z, 1] for the rows x
/// (rows × d), z = x − center, and responsibilities r (rows × k): per
/// component, Σᵢ rᵢ·z²ᵢⱼ, then Σᵢ rᵢ·zᵢⱼ, then Σᵢ rᵢ. Returns 0, or −1 when
/// the processor lacks `isa`.
long gauss_diagonal_moments(int isa, const double *x, long rows, long d, const double *center, const double *r, long k,
                            double *moments);

/// gauss_linear_forms for the spherical layout's features [z, ‖z‖², 1],
/// z = x − center, taken from the rows x (rows × d) without writing them:
/// coefficients is (d + 2) × kp. Returns as gauss_linear_forms does.
long gauss_spherical_forms(int isa, const double *x, long rows, long d, const double *center,
                           const double *coefficients, long kp, const double *constants, long k, double *out);

/// moments (k × (d + 2), row-major) = Rᵀ·[z, ‖z‖², 1] for the rows x
/// (rows × d), z = x − center, and responsibilities r (rows × k): per
/// component, Σᵢ rᵢ·zᵢⱼ, then Σᵢ rᵢ·‖zᵢ‖², then Σᵢ rᵢ. Returns 0, or −1
/// when the processor lacks `isa`.
long gauss_spherical_moments(int isa, const double *x, long rows, long d, const double *center, const double *r,
                             long k, double *moments);

/// Full-covariance log-densities without stored projections: for each row
/// i of x (rows × f, its first d columns read) and component c < k,
/// out[i·k + c] = constants[c] − ½·‖xᵢᵀU − b‖², where U is the d × dp
/// upper-triangular factor at factors + c·d·dp (row-major, zero below its
/// diagonal and past column d) and b the dp values at means + c·dp (zero
/// past d). dp is d rounded up to a multiple of 8.
/// Returns 0, −1 when the processor lacks `isa`, or −2, writing nothing,
/// when dp is not such a multiple.
long gauss_triangular_log_densities(int isa, const double *x, long rows, long f, long d, const double *factors,
                                    long dp, const double *means, const double *constants, long k, double *out);

/// Packs sᵢ·(features[i][0 ..< d] − shift), sᵢ = scales[i·scale_stride],
/// for every row i whose scale is not 0 (every row, unscaled, when
/// `scales` is NULL) into consecutive rows of the ? × d matrix out, in
/// order; features has f columns per row. Returns the number of rows
/// written.
long gauss_scaled_rows_f64(int isa, const double *features, long rows, long f, long d, const double *scales,
                           long scale_stride, const double *shift, double *out);
/// gauss_scaled_rows_f64 for float rows.
long gauss_scaled_rows_f32(int isa, const float *features, long rows, long f, long d, const float *scales,
                           long scale_stride, const float *shift, float *out);

/// out[c·f + j] = Σᵢ r[i·k + c]·phi[i·f + j] for every component c < k ≤ 16
/// and feature j < f ≤ 16 (f ≤ 12 for k > 8), over rows i < rows (taken in
/// turn by up to four partial sums, added in order at the end): Rᵀ·Φ
/// for the statistics of a block of few features. Returns 0, −1 when the
/// processor lacks `isa`, or −2, writing nothing, when k or f is outside
/// its range.
long gauss_responsibility_products(int isa, const double *r, long rows, long k, const double *phi, long f, double *out);

/// moments[(c·d + a)·d + b] += Σᵢ r[i·k + c]·(x[i·f + a] − s_ca)·(x[i·f + b] −
/// s_cb) for b ≤ a < d, every component c < k and row i < rows, with
/// s_ca = shifts[c·d + a]: the weighted second moments about each
/// component's shift, lower triangles only (the upper ones are not
/// touched), of rows of d ≤ 8 coordinates (the first d of each row's f).
/// Returns 0, −1 when the processor lacks `isa`, or −2, writing nothing,
/// when d is not in 1…8 or f < d.
long gauss_weighted_grams(int isa, const double *x, long rows, long f, long d, const double *r, long k,
                          const double *shifts, double *moments);
/// gauss_weighted_grams for rows of any d up to 2048, one component at a
/// time in tiles that stay in the L1 cache. Returns 0, −1 when the
/// processor lacks `isa`, −2, writing nothing, when d is not in 1…2048 or
/// f < d, or −3, writing nothing, when its d × d scratch cannot be had.
long gauss_wide_weighted_grams(int isa, const double *x, long rows, long f, long d, const double *r, long k,
                               const double *shifts, double *moments);

/// out[i] = √x[i] for `count` values (correctly rounded, as sqrt is).
long gauss_square_roots_f64(int isa, const double *x, long count, double *out);
/// gauss_square_roots_f64 for floats.
long gauss_square_roots_f32(int isa, const float *x, long count, float *out);

/// out[b] = Σⱼ y[b·width + j] (squaring: Σⱼ y[b·width + j]²) for each of
/// `blocks` consecutive blocks of `width` values: the sums over runs of
/// columns of the tape's block rules. Sums reassociated.
long gauss_block_sums(int isa, const double *y, long blocks, long width, int squaring, double *out);

/// out[b·width + j] = scale·factors[b]·y[b·width + j] for each of `blocks`
/// consecutive blocks of `width` values.
long gauss_scale_blocks(int isa, const double *y, long blocks, long width, const double *factors, double scale,
                        double *out);

/// One sweep of plane rotations over every pair of columns i < j of the
/// orientation an EVE or VVE model shares: `m` holds the K symmetric d × d
/// matrices Mₖ = Dᵀ·Sₖ·D interleaved (entry (l, i) of component c at
/// (l·d + i)·K + c), `axes` the d × d orientation D (row-major), and
/// `precisions` nₖ/vₖᵢ at i·K + c. Each rotation of columns i and j takes
/// the exact minimum over its angle of Σₖ nₖ·tr(Mₖ·diag(vₖ)⁻¹) and is
/// applied to D and to every Mₖ in place. Returns the largest |sin θ| of
/// the rotations applied (0 when none was), or −1, changing nothing, when
/// the processor lacks `isa` (−1 widest, 0 baseline, 1 AVX2, 2 AVX-512).
double gauss_orientation_sweep(int isa, double *m, double *axes, const double *precisions, long d, long k);

/// The sweeps of gauss_orientation_sweep to their fixed point, with the
/// diagonals between them: `current` (K × d, component c's from c·d) is set
/// to the diagonals vₖ of the Mₖ, and with `equal_volumes` (EVE) rescaled
/// to λ·vₖ/gₖ, gₖ the geometric mean of vₖ and λ = Σₖ nₖ·gₖ / `total`
/// (`counts` the nₖ); then, while d > 1 and at most `limit` times, a sweep
/// with precisions nₖ/vₖᵢ, new diagonals, and a stop once neither the
/// largest |sin θ| nor the largest relative change of a diagonal exceeds
/// `tolerance`. `scratch` holds 3·K·d values. Returns the sweeps run, or
/// −1, changing nothing, when the processor lacks `isa`.
long gauss_shared_orientation(int isa, double *m, double *axes, const double *counts, long d, long k, int equal_volumes,
                              double total, double tolerance, long limit, double *current, double *scratch);

/// Eigendecomposes `count` symmetric d × d matrices (1 ≤ d ≤ 8), row-major
/// one after another in `a` (both triangles read), by cyclic Jacobi
/// rotations, eight matrices at a time in vector lanes: matrix c's
/// eigenvalues, ascending, into values[c·d …], and its orthonormal
/// eigenvectors into the columns of the row-major d × d matrix at
/// vectors[c·d·d …], in the same order. ok[c] = 1, or 0 when matrix c holds
/// NaN or an infinity or its rotations do not converge in 100 sweeps (its
/// outputs are then undefined). Each matrix's results are the same
/// whichever matrices it is decomposed with. Returns 0, or −1 when `isa`
/// is not available or d is out of range.
long gauss_symmetric_eigen(int isa, const double *a, long count, long d, double *values, double *vectors, int *ok);

/// Rotates the `count` rows of `incoming` (row-major, d values each), in
/// order, into the upper-triangular factor `triangle` (row-major, d per
/// row, `rows` rows so far) by Givens rotations: each row's leading entries
/// are zeroed against the pivots, and while the factor has fewer than d
/// rows what is left of the row becomes its next row. The rows are left
/// holding what the rotations left of them. Returns the factor's new row
/// count, or −1, changing nothing, when the processor lacks `isa` (−1
/// widest, 0 baseline, 1 AVX2, 2 AVX-512). Every instruction set gives the
/// same bits, which are those of rotating the rows one at a time.
long gauss_givens_rotate_rows_in(int isa, double *incoming, long count, double *triangle, long rows, long d);

/// Rotates each of the `width` columns of v (d rows of `width` values)
/// against the factor r (`rows` nonzero pivots, row-major, d per row)
/// without square roots, Gentleman's way, r unchanged: for each pivot t,
/// ratios[c] = v[t][c]/r[t][t], scales[c] /= 1 + scales[c]·ratio², and
/// v[e][c] −= ratio·r[t][e] for e > t. `scales` holds each column's
/// starting δ (1 for a plain row). Returns 0, or −1 when the processor
/// lacks `isa`. Every instruction set gives the same bits.
int gauss_givens_rotate_columns(int isa, double *v, long width, const double *r, long rows, long d, double *scales,
                                double *ratios);

#endif
