// The umbrella module: `import Gauss` brings in every public module.
@_exported import LinearAlgebra
@_exported import Autodiff
@_exported import Clustering
