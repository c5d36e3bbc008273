import CCrypto

/// SHA-256, computed incrementally: `update` any number of times, then ``finalize()`` once.
///
/// The compression runs in OpenSSL's libcrypto, which uses the processor's SHA extensions where
/// it has them: hashing every source file and every shard byte was 4-10% of a build's CPU time
/// with the plain Swift rounds (`SHA256Reference`, kept as the test oracle).
/// reference: FIPS 180-4, Secure Hash Standard.
public struct SHA256 {
    private var state = csha256_state()

    public init() {
        csha256_init(&state)
    }

    /// Adds `bytes` to the message.
    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// Adds the bytes of `buffer` to the message.
    public mutating func update(_ buffer: UnsafeRawBufferPointer) {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        csha256_update(&state, base, buffer.count)
    }

    /// The 32-byte digest of everything added. The hasher is spent afterwards.
    public mutating func finalize() -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: 32) { digest, initialized in
            csha256_final(&state, digest.baseAddress!)
            initialized = 32
        }
    }

    /// The digest of `bytes`.
    public static func hash(_ bytes: [UInt8]) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(bytes)
        return hasher.finalize()
    }

    /// The digest of `bytes` as 64 lowercase hex digits.
    public static func hexHash(_ bytes: [UInt8]) -> String {
        hex(hash(bytes))
    }

    /// The digest of the file at `path` as 64 lowercase hex digits, read in 1 MiB chunks.
    public static func hexHash(fileAt path: String) throws -> String {
        let file = try InputFile(path: path)
        defer { file.close() }
        var hasher = SHA256()
        var chunk: [UInt8] = []
        while try file.read(into: &chunk, maxCount: 1 << 20) > 0 {
            hasher.update(chunk)
        }
        return hex(hasher.finalize())
    }

    /// Lowercase hex of `bytes`.
    public static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
