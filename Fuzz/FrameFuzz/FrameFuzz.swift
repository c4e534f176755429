import CNProtocol

/// libFuzzer entry point: every input goes through both frame decoders (the relay's
/// hot-path scanner and the Codable codec); they must agree, and neither may crash.
@_cdecl("LLVMFuzzerTestOneInput")
public func frameFuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let problem = RoutedFrameScanner.crossCheck(bytes) {
        fatalError("scanner and codec disagree (\(problem)) on \(String(decoding: bytes, as: UTF8.self).debugDescription)")
    }
    _ = try? FrameCodec.decodeRelayFrame(bytes)
    return 0
}
