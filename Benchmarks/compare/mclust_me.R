# Times mclust's me() for the compare script's mclust case.
#
#   Rscript mclust_me.R DATA.f64 START.f64 n d K ITERATIONS REPEATS MODEL...
#
# DATA.f64 and START.f64 hold the rows (n×d) and the starting
# responsibilities (n×K) as little-endian doubles, row by row. For each
# model prints one JSON line: the best time of me() for 1 and for
# 1 + ITERATIONS iterations from those responsibilities, and the
# log-likelihood of the longer run.
suppressPackageStartupMessages(library(mclust))
args <- commandArgs(trailingOnly = TRUE)
n <- as.integer(args[3]); d <- as.integer(args[4]); k <- as.integer(args[5])
iterations <- as.integer(args[6]); repeats <- as.integer(args[7])
models <- args[8:length(args)]
x <- matrix(readBin(args[1], "double", n * d, endian = "little"), n, d, byrow = TRUE)
z <- matrix(readBin(args[2], "double", n * k, endian = "little"), n, k, byrow = TRUE)
run <- function(model, itmax) {
  # tol 0: every iteration runs (an exactly unchanged log-likelihood stops it).
  control <- emControl(tol = c(0, sqrt(.Machine$double.eps)), itmax = c(itmax, .Machine$integer.max))
  elapsed <- system.time(fit <- me(x, model, z, control = control, warn = FALSE))[["elapsed"]]
  list(seconds = elapsed, loglik = fit$loglik, iterations = attr(fit, "info")[[1]])
}
for (model in models) {
  one <- Inf; many <- Inf; last <- NULL
  for (r in seq_len(repeats)) {
    one <- min(one, run(model, 1)$seconds)
    last <- run(model, 1 + iterations)
    many <- min(many, last$seconds)
  }
  loglik <- if (is.na(last$loglik)) "null" else sprintf("%.17g", last$loglik)
  cat(sprintf("{\"model\": \"%s\", \"one\": %.6f, \"many\": %.6f, \"loglik\": %s, \"iterations\": %d}\n",
              model, one, many, loglik, as.integer(last$iterations)))
}
