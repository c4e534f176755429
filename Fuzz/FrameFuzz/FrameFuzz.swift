import CNProtocol

/// libFuzzer entry point: every input goes through both frame decoders (the hot-path
/// scanner, as the relay and the client use it, and the Codable codec); they must agree,
/// and neither may crash.
@_cdecl("LLVMFuzzerTestOneInput")
public func frameFuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let problem = RoutedFrameScanner.crossCheck(bytes) {
        fatalError("scanner and codec disagree (\(problem)) on \(String(decoding: bytes, as: UTF8.self).debugDescription)")
    }
    // The client's fast path for relayed MSG frames must read what the codec reads.
    if let problem = RoutedFrameScanner.crossCheckRelayed(bytes) {
        fatalError("relayed MSG fast path and codec disagree (\(problem)) on \(String(decoding: bytes, as: UTF8.self).debugDescription)")
    }
    // So must the fast path for TEXT inner packets (what a peer seals).
    if let problem = InnerPacket.crossCheck(bytes) {
        fatalError("TEXT fast path and codec disagree (\(problem)) on \(String(decoding: bytes, as: UTF8.self).debugDescription)")
    }
    _ = try? FrameCodec.decodeRelayFrame(bytes)
    _ = try? InnerPacket.decode(bytes)
    return 0
}
