# Times mclust's hierarchical clustering and whole model selection for the
# compare script's mclust-select case.
#
#   Rscript mclust_select.R DATA.f64 n d K REPEATS hc|select
#
# DATA.f64 holds the rows (n×d) as little-endian doubles, row by row.
# hc: the best of REPEATS runs of hc(x, "VVV", use = "SVD") (mclust's
# default, on all rows) and hclass's partition into K clusters.
# select: the best of REPEATS runs of Mclust(x, G = 1:K) and its choice.
suppressPackageStartupMessages(library(mclust))
args <- commandArgs(trailingOnly = TRUE)
n <- as.integer(args[2]); d <- as.integer(args[3]); k <- as.integer(args[4]); repeats <- as.integer(args[5])
x <- matrix(readBin(args[1], "double", n * d, endian = "little"), n, d, byrow = TRUE)
if (args[6] == "hc") {
  best <- Inf
  for (r in seq_len(repeats)) {
    best <- min(best, system.time(tree <- hc(x, modelName = "VVV", use = "SVD"))[["elapsed"]])
  }
  labels <- as.vector(hclass(tree, k)) - 1
  cat(sprintf("{\"seconds\": %.6f, \"labels\": [%s]}\n", best, paste(labels, collapse = ",")))
} else {
  elapsed <- Inf
  for (r in seq_len(repeats)) {
    elapsed <- min(elapsed, system.time(fit <- Mclust(x, G = 1:k, verbose = FALSE))[["elapsed"]])
  }
  cat(sprintf("{\"seconds\": %.6f, \"model\": \"%s\", \"n_components\": %d, \"bic\": %.17g}\n",
              elapsed, fit$modelName, fit$G, fit$bic))
}
