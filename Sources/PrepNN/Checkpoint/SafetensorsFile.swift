import Foundation

/// A safetensors file read into memory and validated: every tensor's entry is consistent and the
/// tensors tile the data section exactly (see `Safetensors.swift` for the format). Elements are
/// decoded on request by name.
///
///     let file = try SafetensorsFile(contentsOf: url)
///     let weight = try file.floats("conv.weight")      // [Float], row-major
///     let shape = try file.shape("conv.weight")        // e.g. [12, 8, 3, 3]
public struct SafetensorsFile: Sendable {
    /// One tensor's header entry.
    public struct Entry: Sendable, Equatable {
        public let name: String
        public let dtype: SafetensorsDType
        public let shape: [Int]
        /// Byte range inside the data section.
        public let byteRange: Range<Int>

        /// Product of the shape (1 for a rank-0 tensor).
        public var elementCount: Int { shape.reduce(1, *) }
    }

    /// The `__metadata__` map (empty when the file has none).
    public let metadata: [String: String]
    /// Every tensor's entry, by name.
    public let entries: [String: Entry]
    /// Where the bytes came from, for messages.
    public let path: String

    private let bytes: Data
    private let dataStart: Int

    /// Reads and validates the file at `url`.
    public init(contentsOf url: URL) throws {
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .mappedIfSafe)
        } catch {
            throw SafetensorsError.unreadable(path: url.path, reason: error.localizedDescription)
        }
        try self.init(bytes: data, path: url.path)
    }

    /// Validates `bytes`, a whole safetensors file; `path` only names it in errors.
    public init(bytes: Data, path: String = "<memory>") throws {
        let bytes = bytes.startIndex == 0 ? bytes : Data(bytes)  // offsets below are from 0
        self.bytes = bytes
        self.path = path
        guard bytes.count >= 8 else { throw SafetensorsError.truncated(path: path, size: bytes.count) }
        let headerLength = bytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard headerLength <= UInt64(SafetensorsFormat.maximumHeaderLength) else {
            throw SafetensorsError.headerTooLarge(path: path, headerLength: headerLength)
        }
        guard Int(headerLength) <= bytes.count - 8 else {
            throw SafetensorsError.headerPastEnd(path: path, headerLength: headerLength, available: bytes.count - 8)
        }
        dataStart = 8 + Int(headerLength)
        let header = try Self.parseHeader(bytes[8..<dataStart], path: path)
        metadata = header.metadata
        entries = try Self.validate(header.tensors, dataLength: bytes.count - dataStart, path: path)
    }

    /// Tensor names in byte-string order.
    public var tensorNames: [String] {
        entries.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// The entry of `name`, or `noSuchTensor`.
    public func entry(_ name: String) throws -> Entry {
        guard let entry = entries[name] else { throw SafetensorsError.noSuchTensor(path: path, name: name) }
        return entry
    }

    public func shape(_ name: String) throws -> [Int] { try entry(name).shape }

    /// Elements of an F32 tensor, row-major.
    public func floats(_ name: String) throws -> [Float] {
        try elements(name, .f32) { Float(bitPattern: UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: $1, as: UInt32.self))) }
    }

    /// Elements of an F64 tensor, row-major.
    public func doubles(_ name: String) throws -> [Double] {
        try elements(name, .f64) { Double(bitPattern: UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: $1, as: UInt64.self))) }
    }

    /// Elements of an I64 tensor, row-major.
    public func int64s(_ name: String) throws -> [Int64] {
        try elements(name, .i64) { Int64(littleEndian: $0.loadUnaligned(fromByteOffset: $1, as: Int64.self)) }
    }

    /// Elements of an I32 tensor, row-major.
    public func int32s(_ name: String) throws -> [Int32] {
        try elements(name, .i32) { Int32(littleEndian: $0.loadUnaligned(fromByteOffset: $1, as: Int32.self)) }
    }

    private func elements<T>(_ name: String, _ dtype: SafetensorsDType,
                             _ load: (UnsafeRawBufferPointer, Int) -> T) throws -> [T] {
        let entry = try entry(name)
        guard entry.dtype == dtype else {
            throw SafetensorsError.wrongType(path: path, name: name, stored: entry.dtype.rawValue, requested: dtype.rawValue)
        }
        let start = dataStart + entry.byteRange.lowerBound
        return bytes.withUnsafeBytes { raw in
            (0..<entry.elementCount).map { load(raw, start + $0 * dtype.size) }
        }
    }

    // MARK: - Header

    private struct RawEntry: Decodable {
        let dtype: String
        let shape: [Int]
        let data_offsets: [Int]  // swiftlint:disable:this identifier_name
    }

    private struct DynamicKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    private struct Header: Decodable {
        var metadata: [String: String] = [:]
        var tensors: [(name: String, entry: RawEntry)] = []

        init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: DynamicKey.self)
            for key in container.allKeys {
                if key.stringValue == SafetensorsFormat.metadataKey {
                    metadata = try container.decode([String: String].self, forKey: key)
                } else {
                    tensors.append((key.stringValue, try container.decode(RawEntry.self, forKey: key)))
                }
            }
        }
    }

    private static func parseHeader(_ header: Data, path: String) throws -> Header {
        guard header.first == UInt8(ascii: "{") else {
            throw SafetensorsError.badHeader(path: path, reason: "it does not start with '{'")
        }
        do {
            return try JSONDecoder().decode(Header.self, from: header)
        } catch let error as DecodingError {
            throw SafetensorsError.badHeader(path: path, reason: Self.describe(error))
        } catch {
            throw SafetensorsError.badHeader(path: path, reason: "\(error)")
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        func at(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map(\.stringValue).joined(separator: ".")
            return keys.isEmpty ? context.debugDescription : "at '\(keys)': \(context.debugDescription)"
        }
        switch error {
        case let .dataCorrupted(context): return "not JSON (\(at(context)))"
        case let .keyNotFound(key, context): return "missing '\(key.stringValue)' \(at(context))"
        case let .typeMismatch(_, context), let .valueNotFound(_, context): return at(context)
        @unknown default: return "\(error)"
        }
    }

    /// Checks every entry, then that the entries tile [0, dataLength) exactly.
    private static func validate(_ raw: [(name: String, entry: RawEntry)], dataLength: Int,
                                 path: String) throws -> [String: Entry] {
        var entries: [String: Entry] = [:]
        for (name, r) in raw {
            func bad(_ reason: String) -> SafetensorsError { .badTensor(path: path, name: name, reason: reason) }
            guard let dtype = SafetensorsDType(rawValue: r.dtype) else { throw bad("unknown dtype '\(r.dtype)'") }
            guard r.shape.allSatisfy({ $0 >= 0 }) else { throw bad("negative dimension in shape \(r.shape)") }
            guard r.data_offsets.count == 2 else { throw bad("data_offsets has \(r.data_offsets.count) values, not 2") }
            let (begin, end) = (r.data_offsets[0], r.data_offsets[1])
            guard begin >= 0, begin <= end else { throw bad("data_offsets [\(begin), \(end)] is not a range") }
            guard end <= dataLength else {
                throw SafetensorsError.offsetsOutOfBounds(path: path, name: name, end: end, dataLength: dataLength)
            }
            var byteCount = dtype.size
            for dimension in r.shape {
                let (product, overflow) = byteCount.multipliedReportingOverflow(by: dimension)
                guard !overflow else { throw bad("shape \(r.shape) is too large") }
                byteCount = product
            }
            guard byteCount == end - begin else {
                throw bad("shape \(r.shape) of \(dtype.rawValue) needs \(byteCount) bytes but data_offsets span \(end - begin)")
            }
            entries[name] = Entry(name: name, dtype: dtype, shape: r.shape, byteRange: begin..<end)
        }
        let ordered = entries.values.sorted {
            ($0.byteRange.lowerBound, $0.byteRange.upperBound) < ($1.byteRange.lowerBound, $1.byteRange.upperBound)
        }
        var covered = 0
        var previous: String?
        for entry in ordered {
            if entry.byteRange.lowerBound < covered {
                throw SafetensorsError.overlapping(path: path, first: previous ?? "", second: entry.name)
            }
            if entry.byteRange.lowerBound > covered {
                throw SafetensorsError.gap(path: path, after: previous, bytes: entry.byteRange.lowerBound - covered)
            }
            covered = entry.byteRange.upperBound
            previous = entry.name
        }
        if covered < dataLength {
            throw SafetensorsError.gap(path: path, after: previous, bytes: dataLength - covered)
        }
        return entries
    }
}
