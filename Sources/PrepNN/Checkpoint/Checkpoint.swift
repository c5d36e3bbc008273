// Checkpoint: parameters, AdamW moments and optimizer state of one or more models in one file.
//
//   "PRNNCKPT"  8 bytes magic
//   version     UInt32 little-endian (Checkpoint.version)
//   headerSize  UInt32 little-endian
//   header      JSON: CheckpointHeader (config, optimizer, metadata, and per arena its name and
//               parameter table: names and shapes in state_dict order)
//   per arena, in header order: values, first moments, second moments (float32 little-endian,
//               `count` each)
//
// Written to PATH.partial, then renamed: a reader never sees half a checkpoint. Reading checks
// the magic, the version and every arena's parameter table against the models it loads into.
import Foundation

public struct CheckpointHeader: Codable, Sendable {
    public struct Parameter: Codable, Sendable, Equatable {
        public var name: String
        public var shape: [Int]
    }

    public struct Arena: Codable, Sendable {
        public var name: String
        public var count: Int
        public var parameters: [Parameter]
    }

    public var config: ModelConfig?
    public var optimizer: AdamW?
    public var metadata: [String: String]
    public var arenas: [Arena]
}

public enum CheckpointError: Error, CustomStringConvertible {
    case notACheckpoint(path: String)
    case unsupportedVersion(path: String, version: UInt32)
    case truncated(path: String)
    case missingArena(path: String, name: String)
    case parameterMismatch(path: String, arena: String, detail: String)

    public var description: String {
        switch self {
        case .notACheckpoint(let path): return "\(path) is not a PrepNN checkpoint (no PRNNCKPT magic)"
        case .unsupportedVersion(let path, let version):
            return "\(path) is checkpoint version \(version); this build reads version \(Checkpoint.version): use the prep that wrote it"
        case .truncated(let path): return "\(path) is shorter than its header says: the file is damaged or was cut off"
        case .missingArena(let path, let name): return "\(path) has no parameters for \(name)"
        case .parameterMismatch(let path, let arena, let detail):
            return "\(path): \(arena) does not match the model (\(detail)); was it saved with another ModelConfig?"
        }
    }
}

public enum Checkpoint {
    public static let version: UInt32 = 1
    static let magic = Array("PRNNCKPT".utf8)

    /// Writes the named arenas (values and AdamW moments), the optimizer state, the config and metadata.
    public static func write(
        to path: String, arenas: [(name: String, arena: ParameterArena)], optimizer: AdamW? = nil,
        config: ModelConfig? = nil, metadata: [String: String] = [:]
    ) throws {
        let header = CheckpointHeader(
            config: config, optimizer: optimizer, metadata: metadata,
            arenas: arenas.map { named in
                CheckpointHeader.Arena(name: named.name, count: named.arena.count,
                                       parameters: named.arena.entries.map { .init(name: $0.name, shape: $0.shape) })
            })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = try encoder.encode(header)
        var data = Data(magic)
        appendLittleEndian(version, to: &data)
        appendLittleEndian(UInt32(json.count), to: &data)
        data.append(json)
        for (_, arena) in arenas {
            for buffer in [arena.values, arena.firstMoments, arena.secondMoments] {
                data.append(Data(bytes: buffer, count: arena.count * MemoryLayout<Float>.size))
            }
        }
        let partial = path + ".partial"
        try data.write(to: URL(fileURLWithPath: partial))
        if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
        try FileManager.default.moveItem(atPath: partial, toPath: path)
    }

    /// Loads values and moments into the named arenas (every name must be in the file, with the same
    /// parameter table); returns the header (optimizer state, config, metadata).
    @discardableResult
    public static func read(from path: String, into arenas: [(name: String, arena: ParameterArena)]) throws -> CheckpointHeader {
        let data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        guard data.count >= 16, Array(data.prefix(8)) == magic else { throw CheckpointError.notACheckpoint(path: path) }
        let fileVersion = readLittleEndian(data, at: 8)
        guard fileVersion == version else { throw CheckpointError.unsupportedVersion(path: path, version: fileVersion) }
        let headerSize = Int(readLittleEndian(data, at: 12))
        guard data.count >= 16 + headerSize else { throw CheckpointError.truncated(path: path) }
        let header = try JSONDecoder().decode(CheckpointHeader.self, from: data.subdata(in: 16..<(16 + headerSize)))
        // Offsets of each stored arena's three buffers.
        var offsets: [String: Int] = [:]
        var offset = 16 + headerSize
        for stored in header.arenas {
            offsets[stored.name] = offset
            offset += 3 * stored.count * MemoryLayout<Float>.size
        }
        guard data.count >= offset else { throw CheckpointError.truncated(path: path) }
        for (name, arena) in arenas {
            guard let stored = header.arenas.first(where: { $0.name == name }), let start = offsets[name] else {
                throw CheckpointError.missingArena(path: path, name: name)
            }
            let expected = arena.entries.map { CheckpointHeader.Parameter(name: $0.name, shape: $0.shape) }
            if stored.parameters != expected {
                let index = zip(stored.parameters, expected).enumerated().first { $0.element.0 != $0.element.1 }?.offset
                    ?? min(stored.parameters.count, expected.count)
                let file = index < stored.parameters.count ? "\(stored.parameters[index].name) \(stored.parameters[index].shape)" : "nothing"
                let model = index < expected.count ? "\(expected[index].name) \(expected[index].shape)" : "nothing"
                throw CheckpointError.parameterMismatch(path: path, arena: name, detail: "parameter \(index): file has \(file), model has \(model)")
            }
            let size = arena.count * MemoryLayout<Float>.size
            data.withUnsafeBytes { raw in
                for (k, buffer) in [arena.values, arena.firstMoments, arena.secondMoments].enumerated() {
                    UnsafeMutableRawPointer(buffer).copyMemory(from: raw.baseAddress! + start + k * size, byteCount: size)
                }
            }
        }
        return header
    }

    private static func appendLittleEndian(_ value: UInt32, to data: inout Data) {
        withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) }
    }

    private static func readLittleEndian(_ data: Data, at offset: Int) -> UInt32 {
        var value: UInt32 = 0
        for k in 0..<4 { value |= UInt32(data[data.startIndex + offset + k]) << (8 * k) }
        return value
    }
}
