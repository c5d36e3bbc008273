import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Collects named tensors and writes them as one safetensors file, byte for byte as the Python
/// `safetensors` package would for the same tensors and (at most one) metadata entry: data
/// ordered by type size then name, compact JSON header in that order after `__metadata__` (keys
/// sorted), padded with spaces to a multiple of 8 bytes.
///
///     var writer = SafetensorsWriter(metadata: ["format_version": "1"])
///     try writer.add("conv.weight", shape: [12, 8, 3, 3], floats: weights)
///     try writer.write(to: url)   // temp file, fsync, rename
public struct SafetensorsWriter: Sendable {
    public var metadata: [String: String]
    private var tensors: [String: (dtype: SafetensorsDType, shape: [Int], bytes: [UInt8])] = [:]

    public init(metadata: [String: String] = [:]) {
        self.metadata = metadata
    }

    /// Names added so far, in byte-string order.
    public var names: [String] { tensors.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) } }

    public mutating func add(_ name: String, shape: [Int], floats: [Float]) throws {
        try add(name, .f32, shape, count: floats.count) { bytes in
            for value in floats { append(value.bitPattern, to: &bytes) }
        }
    }

    public mutating func add(_ name: String, shape: [Int], doubles: [Double]) throws {
        try add(name, .f64, shape, count: doubles.count) { bytes in
            for value in doubles { append(value.bitPattern, to: &bytes) }
        }
    }

    public mutating func add(_ name: String, shape: [Int], int64s: [Int64]) throws {
        try add(name, .i64, shape, count: int64s.count) { bytes in
            for value in int64s { append(value, to: &bytes) }
        }
    }

    public mutating func add(_ name: String, shape: [Int], int32s: [Int32]) throws {
        try add(name, .i32, shape, count: int32s.count) { bytes in
            for value in int32s { append(value, to: &bytes) }
        }
    }

    private mutating func add(_ name: String, _ dtype: SafetensorsDType, _ shape: [Int], count: Int,
                              _ encode: (inout [UInt8]) -> Void) throws {
        guard !name.isEmpty else { throw SafetensorsError.invalidTensor(name: name, reason: "the name is empty") }
        guard name != SafetensorsFormat.metadataKey else {
            throw SafetensorsError.invalidTensor(name: name, reason: "the name is reserved for metadata")
        }
        guard tensors[name] == nil else { throw SafetensorsError.invalidTensor(name: name, reason: "added twice") }
        guard shape.allSatisfy({ $0 >= 0 }) else {
            throw SafetensorsError.invalidTensor(name: name, reason: "negative dimension in shape \(shape)")
        }
        guard shape.reduce(1, *) == count else {
            throw SafetensorsError.invalidTensor(name: name, reason: "shape \(shape) holds \(shape.reduce(1, *)) elements, given \(count)")
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count * dtype.size)
        encode(&bytes)
        tensors[name] = (dtype, shape, bytes)
    }

    /// The whole file.
    public func serialized() -> [UInt8] {
        let order = tensors.keys.sorted { a, b in
            let (ra, rb) = (tensors[a]!.dtype.writeRank, tensors[b]!.dtype.writeRank)
            return ra != rb ? ra < rb : a.utf8.lexicographicallyPrecedes(b.utf8)
        }
        var fields: [String] = []
        if !metadata.isEmpty {
            let keys = metadata.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            let pairs = keys.map { "\(jsonString($0)):\(jsonString(metadata[$0]!))" }
            fields.append("\(jsonString(SafetensorsFormat.metadataKey)):{\(pairs.joined(separator: ","))}")
        }
        var offset = 0
        for name in order {
            let tensor = tensors[name]!
            let end = offset + tensor.bytes.count
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            fields.append("\(jsonString(name)):{\"dtype\":\"\(tensor.dtype.rawValue)\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }
        var header = Array("{\(fields.joined(separator: ","))}".utf8)
        header += [UInt8](repeating: UInt8(ascii: " "), count: (8 - header.count % 8) % 8)
        var file: [UInt8] = []
        file.reserveCapacity(8 + header.count + offset)
        append(UInt64(header.count), to: &file)
        file += header
        for name in order { file += tensors[name]!.bytes }
        return file
    }

    /// Writes the file atomically: into a temporary file beside `url`, flushed to disk, then
    /// renamed over `url`. A reader never sees a partial file.
    public func write(to url: URL) throws {
        let path = url.path
        let directory = url.deletingLastPathComponent().path
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp").path
        let bytes = serialized()
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw SafetensorsError.writeFailed(path: path, reason: "open \(temporary): \(errnoText())") }
        var failure = writeFully(fd, bytes)
        if failure == nil, fsync(fd) != 0 { failure = "fsync: \(errnoText())" }
        if close(fd) != 0, failure == nil { failure = "close: \(errnoText())" }
        if failure == nil, rename(temporary, path) != 0 { failure = "rename: \(errnoText())" }
        if let failure {
            unlink(temporary)
            throw SafetensorsError.writeFailed(path: path, reason: failure)
        }
        // Make the rename itself durable; some file systems cannot fsync a directory, which is fine.
        let directoryFD = open(directory.isEmpty ? "." : directory, O_RDONLY)
        if directoryFD >= 0 {
            _ = fsync(directoryFD)
            close(directoryFD)
        }
    }
}

/// Writes all of `bytes` to `fd` (retrying short writes and EINTR); nil on success, else why not.
private func writeFully(_ fd: Int32, _ bytes: [UInt8]) -> String? {
    bytes.withUnsafeBytes { raw -> String? in
        var written = 0
        while written < raw.count {
            let n = write(fd, raw.baseAddress! + written, raw.count - written)
            if n < 0 {
                if errno == EINTR { continue }
                return "write: \(errnoText())"
            }
            written += n
        }
        return nil
    }
}

private func errnoText() -> String { String(cString: strerror(errno)) }

private func append<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
    withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
}

/// A JSON string literal as serde_json (the Python library's serializer) writes it: quotes,
/// backslashes and control characters escaped, everything else (including non-ASCII) verbatim.
private func jsonString(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case "\u{08}": out += "\\b"
        case "\u{0C}": out += "\\f"
        case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}
