/// A small C string buffer the codec shims fill with the library's error message.
enum CodecMessage {
    static let capacity = 512

    /// Runs `body` with a zeroed buffer and returns its result and the message left in it.
    static func capture<Result>(_ body: (UnsafeMutablePointer<CChar>, Int) -> Result) -> (Result, String) {
        var buffer = [CChar](repeating: 0, count: capacity)
        let result = buffer.withUnsafeMutableBufferPointer { body($0.baseAddress!, capacity) }
        let message = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        return (result, message.isEmpty ? "unknown error" : message)
    }
}
