import FuzzDriver

@_cdecl("fuzz_gmm_input_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv) { data, size in fuzzGMMInput(data, size) }
}
