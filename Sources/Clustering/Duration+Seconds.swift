extension Duration {
    /// The duration in seconds, as progress reports and timings give it.
    package var inSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) * 1e-18
    }
}
