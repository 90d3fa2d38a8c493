# Reference fits from R's mclust for Gauss's mclust-model tests.
#
# Run through scripts/make-mclust-fixtures, which installs R and mclust
# from Debian's packages. Writes Tests/ClusteringTests/Fixtures/mclust-reference.json:
#
#   starts     for each data set and K, mclust's default starting partition
#              (hclass of hc on the SVD-transformed data, model VVV) as 0-based labels
#   fits       for each start and each of the fourteen models, me() run from
#              that partition to its fixed point: log-likelihood, BIC (mclust's
#              sign), iterations, proportions, means, covariances, and scale,
#              shape and orientation where the model has them
#   hc         the hierarchical partitions for K = 2..6 on Old Faithful and iris
#   trees      hc's whole merge sequence (pairs of 1-based labels, as hclass
#              reads them) on Old Faithful, iris, the synthetic set and the
#              ties set
#   selection  Mclust()'s choice and its BIC table on Old Faithful and iris
#   synthetic  the rows of the d = 8 data set
#   ties       the rows of a d = 3 data set in which many rows repeat, so that
#              many merges tie exactly
suppressPackageStartupMessages(library(mclust))

args <- commandArgs(trailingOnly = TRUE)
root <- if (length(args) >= 1) args[1] else "."
output <- file.path(root, "Tests", "ClusteringTests", "Fixtures", "mclust-reference.json")

# JSON with every double at 17 significant digits (jsonlite stops at 15).
json <- function(x) {
  if (is.null(x)) return("null")
  if (is.list(x)) {
    keys <- names(x)
    items <- vapply(seq_along(x), function(i) json(x[[i]]), "")
    if (is.null(keys)) return(paste0("[", paste(items, collapse = ","), "]"))
    return(paste0("{", paste0("\"", keys, "\":", items, collapse = ","), "}"))
  }
  if (is.character(x)) return(if (length(x) == 1) paste0("\"", x, "\"") else paste0("[", paste0("\"", x, "\"", collapse = ","), "]"))
  if (is.logical(x)) return(if (length(x) == 1) tolower(as.character(x)) else paste0("[", paste(tolower(as.character(x)), collapse = ","), "]"))
  number <- function(v) ifelse(is.na(v), "null", sprintf("%.17g", v))
  d <- dim(x)
  if (length(d) == 2) return(paste0("[", paste(vapply(seq_len(d[1]), function(i) json(as.vector(x[i, ])), ""), collapse = ","), "]"))
  if (length(d) == 3) return(paste0("[", paste(vapply(seq_len(d[3]), function(k) json(x[, , k, drop = TRUE] |> matrix(d[1], d[2])), ""), collapse = ","), "]"))
  if (length(x) == 1 && is.null(attr(x, "vector"))) return(number(x))
  paste0("[", paste(number(x), collapse = ","), "]")
}
vector <- function(x) structure(as.vector(x), vector = TRUE)

# Four clusters in eight dimensions with unequal volumes, shapes and orientations.
set.seed(20261202)
synthetic <- do.call(rbind, lapply(1:4, function(k) {
  a <- matrix(rnorm(64), 8) * (0.5 + k / 4)
  sigma <- a %*% t(a) / 8 + diag(0.3, 8)
  center <- rnorm(8, sd = 4)
  z <- matrix(rnorm(100 * 8), 100) %*% chol(sigma)
  sweep(z, 2, center, "+")
}))

datasets <- list(
  faithful = as.matrix(read.csv(file.path(root, "data", "faithful.csv"))),
  iris = as.matrix(read.csv(file.path(root, "data", "iris.csv"))[, 1:4]),
  synthetic = synthetic
)
cases <- list(list("faithful", 2), list("faithful", 3), list("iris", 3), list("iris", 4), list("synthetic", 4))
models <- c("EII", "VII", "EEI", "VEI", "EVI", "VVI", "EEE", "VEE", "EVE", "VVE", "EEV", "VEV", "EVV", "VVV")
control <- emControl(tol = c(1e-15, 1e-15), itmax = c(100000, 100000))

starts <- list()
fits <- list()
for (case in cases) {
  name <- case[[1]]; k <- case[[2]]
  x <- unname(datasets[[name]])
  labels <- as.vector(hclass(hc(x, modelName = mclust.options("hcModelName"), use = mclust.options("hcUse")), k))
  starts[[length(starts) + 1]] <- list(dataset = name, n_components = k, labels = vector(labels - 1))
  z <- unmap(labels)
  for (model in models) {
    fit <- suppressWarnings(me(x, model, z, control = control))
    entry <- list(dataset = name, n_components = k, model = model)
    if (is.na(fit$loglik)) {
      entry$failed <- TRUE
    } else {
      v <- fit$parameters$variance
      info <- attr(fit, "info")
      entry$loglik <- fit$loglik
      entry$bic <- bic(model, fit$loglik, nrow(x), ncol(x), k)
      entry$iterations <- as.numeric(info[[1]])
      entry$pro <- vector(fit$parameters$pro)
      entry$mean <- t(fit$parameters$mean)
      entry$sigma <- v$sigma
      if (!is.null(v$scale)) entry$scale <- vector(v$scale)
      if (!is.null(v$shape)) entry$shape <- if (is.matrix(v$shape)) t(v$shape) else vector(v$shape)
      if (!is.null(v$orientation)) entry$orientation <- if (length(dim(v$orientation)) == 3) v$orientation else v$orientation
    }
    fits[[length(fits) + 1]] <- entry
  }
}

hierarchical <- list()
selection <- list()
for (name in c("faithful", "iris")) {
  x <- unname(datasets[[name]])
  tree <- hc(x, modelName = mclust.options("hcModelName"), use = mclust.options("hcUse"))
  partitions <- hclass(tree, 2:6)
  hierarchical[[length(hierarchical) + 1]] <- list(dataset = name, partitions = lapply(1:5, function(j) vector(partitions[, j] - 1)))
  chosen <- Mclust(x, verbose = FALSE)
  table <- unclass(chosen$BIC)
  selection[[length(selection) + 1]] <- list(
    dataset = name, model = chosen$modelName, n_components = chosen$G, bic = chosen$bic,
    table = lapply(seq_len(nrow(table)), function(g) list(n_components = g, models = colnames(table), bic = vector(table[g, ]))))
}

set.seed(7)
distinct <- rbind(matrix(rnorm(200 * 3), ncol = 3), matrix(rnorm(200 * 3, mean = 2), ncol = 3))
ties <- distinct[c(1:400, sample(400, 200, replace = TRUE)), ]
trees <- list()
for (name in c("faithful", "iris", "synthetic", "ties")) {
  x <- if (name == "ties") ties else unname(datasets[[name]])
  tree <- hc(x, modelName = mclust.options("hcModelName"), use = mclust.options("hcUse"))
  trees[[length(trees) + 1]] <- list(dataset = name, merges = lapply(seq_len(ncol(tree)), function(j) vector(as.integer(tree[, j]))))
}

reference <- list(
  mclust_version = as.character(packageVersion("mclust")),
  r_version = paste(R.version$major, R.version$minor, sep = "."),
  control = list(tol = vector(control$tol), itmax = vector(control$itmax)),
  starts = starts, fits = fits, hc = hierarchical, selection = selection,
  trees = trees, synthetic = synthetic, ties = ties)
writeLines(json(reference), output)
cat("wrote", output, "\n")
