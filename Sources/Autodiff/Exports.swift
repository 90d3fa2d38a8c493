// Code generic over `Real` is what dual numbers differentiate; re-export
// swift-numerics' RealModule so `import Autodiff` (or `import Gauss`) is enough.
@_exported import RealModule
