import Foundation
import Testing
@testable import PrepNN

/// The fixtures of Tests/PrepNNTests/Fixtures, written by scripts/nn/make_fixtures.py with the
/// Python `safetensors` package.
enum SafetensorsFixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func file(_ name: String) throws -> SafetensorsFile {
        try SafetensorsFile(contentsOf: directory.appendingPathComponent(name + ".safetensors"))
    }

    static func json<T: Decodable>(_ name: String, as type: T.Type) throws -> T {
        // JSONDecoder, not JSONSerialization: the latter's NSNumber can round doubles.
        try JSONDecoder().decode(type, from: Data(contentsOf: directory.appendingPathComponent(name + ".json")))
    }
}

/// The parts of layers.json the tests read.
private struct LayersDocument: Decodable {
    struct Check: Decodable {
        let shape: [Int]
        let dtype: String
        let first: [Double]
        let sum: Double
    }
    struct Case: Decodable { let shapes: [String: [Int]] }
    let checks: [String: Check]
    let cases: [String: Case]
}

/// The parts of tiny_model.json the tests read.
private struct TinyModelDocument: Decodable {
    /// A `[name, shape]` pair.
    struct Parameter: Decodable {
        let name: String
        let shape: [Int]
        init(from decoder: Decoder) throws {
            var pair = try decoder.unkeyedContainer()
            name = try pair.decode(String.self)
            shape = try pair.decode([Int].self)
        }
    }
    let unet_parameters: [Parameter]  // swiftlint:disable:this identifier_name
    let text_parameters: [Parameter]  // swiftlint:disable:this identifier_name
    let control_parameters: [Parameter]  // swiftlint:disable:this identifier_name
    let t: [Int64]
    let values: [String: Double]
}

/// A file from a header text and a data section, for malformed inputs.
private func handMade(header: String, data: [UInt8] = [], headerLength: UInt64? = nil) -> Data {
    let headerBytes = Array(header.utf8)
    var bytes: [UInt8] = []
    withUnsafeBytes(of: (headerLength ?? UInt64(headerBytes.count)).littleEndian) { bytes += $0 }
    return Data(bytes + headerBytes + data)
}

@Suite struct SafetensorsReadTests {
    @Test func layerFixtureMatchesTheValuesPythonPrinted() throws {
        let file = try SafetensorsFixtures.file("layers")
        let doc = try SafetensorsFixtures.json("layers", as: LayersDocument.self)
        #expect(file.metadata == ["prep_fixture_version": "1"])
        #expect(file.entries.count == 186)
        #expect(doc.checks.count >= 10)
        for (name, check) in doc.checks {
            #expect(try file.shape(name) == check.shape, "\(name)")
            let values: [Double]
            if check.dtype == "int64" {
                values = try file.int64s(name).map(Double.init)
            } else {
                values = try file.floats(name).map(Double.init)
            }
            #expect(values.count == check.shape.reduce(1, *))
            #expect(Array(values.prefix(check.first.count)) == check.first, "\(name)")  // exact: float32 in float64
            let sum = values.reduce(0, +)
            #expect(abs(sum - check.sum) <= 1e-9 * max(1, abs(check.sum)), "\(name): \(sum) vs \(check.sum)")
        }
    }

    @Test func layerFixtureShapesMatchTheSidecar() throws {
        let file = try SafetensorsFixtures.file("layers")
        let cases = try SafetensorsFixtures.json("layers", as: LayersDocument.self).cases
        var described = 0
        for (caseName, description) in cases {
            for (key, shape) in description.shapes {
                #expect(try file.shape("\(caseName).\(key)") == shape, "\(caseName).\(key)")
                described += 1
            }
        }
        #expect(described == file.entries.count)
        #expect(try file.int64s("embedding.ids") == [3, 0, 7, 3, 19, 0, 0, 11, 3, 5])
        #expect(try file.shape("mse.loss") == [])  // rank 0: one element
        #expect(try file.floats("mse.loss").count == 1)
        #expect(try file.shape("cross_attention.q_proj_weight") == [16, 16])
        #expect(try file.shape("cross_attention.k_proj_weight") == [16, 12])
    }

    @Test func tinyModelFixtureHoldsEveryListedParameter() throws {
        let file = try SafetensorsFixtures.file("tiny_model")
        let doc = try SafetensorsFixtures.json("tiny_model", as: TinyModelDocument.self)
        for (prefix, parameters) in [("unet", doc.unet_parameters), ("text", doc.text_parameters),
                                     ("control", doc.control_parameters)] {
            #expect(!parameters.isEmpty)
            for parameter in parameters {
                #expect(try file.shape("\(prefix).\(parameter.name)") == parameter.shape)
                #expect(try file.shape("grad.\(prefix).\(parameter.name)") == parameter.shape)
            }
        }
        #expect(try file.int64s("t") == doc.t)
        #expect(try Double(file.floats("base.loss")[0]) == doc.values["base.loss"])
        let schedule = try file.doubles("schedule.alphas_cumprod")
        #expect(schedule.count == 1000)
        #expect(abs(schedule[0] - (1 - 0.00085)) < 1e-15)
        #expect(schedule[999] > 0 && schedule[999] < schedule[0])
    }

    @Test func readingAsAnotherTypeOrAMissingNameThrows() throws {
        let file = try SafetensorsFixtures.file("layers")
        let wrongType = #expect(throws: SafetensorsError.self) { try file.floats("embedding.ids") }
        #expect(wrongType == .wrongType(path: file.path, name: "embedding.ids", stored: "I64", requested: "F32"))
        let missing = #expect(throws: SafetensorsError.self) { try file.floats("no.such") }
        #expect(missing == .noSuchTensor(path: file.path, name: "no.such"))
    }
}

@Suite struct SafetensorsWriteTests {
    private func sample() throws -> SafetensorsWriter {
        var writer = SafetensorsWriter(metadata: ["format": "prep", "note": "quote \" backslash \\ tab\t ünï\u{1}"])
        try writer.add("b.weight", shape: [2, 3], floats: [1, -2, 3.5, .infinity, -0.0, .leastNonzeroMagnitude])
        try writer.add("a.scalar", shape: [], floats: [42])
        try writer.add("empty", shape: [0, 4], floats: [])
        try writer.add("ids", shape: [3], int64s: [0, -1, .max])
        try writer.add("schedule", shape: [2], doubles: [0.1, 1e-300])
        try writer.add("counts", shape: [2, 1], int32s: [.min, 7])
        return writer
    }

    @Test func roundTrip() throws {
        let file = try SafetensorsFile(bytes: Data(try sample().serialized()))
        #expect(file.metadata == ["format": "prep", "note": "quote \" backslash \\ tab\t ünï\u{1}"])
        #expect(file.tensorNames == ["a.scalar", "b.weight", "counts", "empty", "ids", "schedule"])
        let weights = try file.floats("b.weight")
        #expect(weights[0...3] == [1, -2, 3.5, .infinity])
        #expect(weights[4].sign == .minus && weights[4] == 0 && weights[5] == .leastNonzeroMagnitude)
        #expect(try file.shape("b.weight") == [2, 3])
        #expect(try file.floats("a.scalar") == [42] && file.shape("a.scalar") == [])
        #expect(try file.floats("empty") == [] && file.shape("empty") == [0, 4])
        #expect(try file.int64s("ids") == [0, -1, .max])
        #expect(try file.doubles("schedule") == [0.1, 1e-300])
        #expect(try file.int32s("counts") == [.min, 7])
    }

    @Test func layoutIsThePythonLibrarys() throws {
        let bytes = try sample().serialized()
        let headerLength = Int(bytes[0..<8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
        #expect((8 + headerLength) % 8 == 0)
        let header = String(decoding: bytes[8..<(8 + headerLength)], as: UTF8.self)
        // Metadata first; data by type size (I64, F64, F32, I32), then name; space padding.
        #expect(header.hasPrefix(#"{"__metadata__":{"format":"prep","note":"quote \" backslash \\ tab\t ünï\u0001"},"ids":{"dtype":"I64","shape":[3],"data_offsets":[0,24]},"schedule":{"dtype":"F64""#))
        let order = ["\"ids\"", "\"schedule\"", "\"a.scalar\"", "\"b.weight\"", "\"empty\"", "\"counts\""]
        let positions = order.map { header.range(of: $0)!.lowerBound }
        #expect(positions == positions.sorted())
        #expect(header.hasSuffix("}") || header.hasSuffix(" "))
    }

    @Test func sameTensorsInAnyOrderGiveTheSameBytes() throws {
        var reversed = SafetensorsWriter(metadata: ["note": "quote \" backslash \\ tab\t ünï\u{1}", "format": "prep"])
        try reversed.add("counts", shape: [2, 1], int32s: [.min, 7])
        try reversed.add("schedule", shape: [2], doubles: [0.1, 1e-300])
        try reversed.add("ids", shape: [3], int64s: [0, -1, .max])
        try reversed.add("empty", shape: [0, 4], floats: [])
        try reversed.add("a.scalar", shape: [], floats: [42])
        try reversed.add("b.weight", shape: [2, 3], floats: [1, -2, 3.5, .infinity, -0.0, .leastNonzeroMagnitude])
        #expect(try reversed.serialized() == sample().serialized())
    }

    /// The fixtures were written by Python's safetensors; re-writing their tensors must give their bytes.
    @Test(arguments: ["layers", "tiny_model"])
    func rewritingAPythonFixtureGivesIdenticalBytes(_ fixture: String) throws {
        let url = SafetensorsFixtures.directory.appendingPathComponent(fixture + ".safetensors")
        let file = try SafetensorsFile(contentsOf: url)
        var writer = SafetensorsWriter(metadata: file.metadata)
        for name in file.tensorNames {
            let entry = try file.entry(name)
            switch entry.dtype {
            case .f32: try writer.add(name, shape: entry.shape, floats: file.floats(name))
            case .i64: try writer.add(name, shape: entry.shape, int64s: file.int64s(name))
            case .f64: try writer.add(name, shape: entry.shape, doubles: file.doubles(name))
            default: Issue.record("unexpected dtype \(entry.dtype) of \(name)")
            }
        }
        #expect(writer.serialized() == [UInt8](try Data(contentsOf: url)))
    }

    @Test func writesAtomicallyIntoTheDirectory() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("prep-safetensors-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("model.safetensors")
        try sample().write(to: url)
        try sample().write(to: url)  // replaces
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["model.safetensors"])
        #expect(try SafetensorsFile(contentsOf: url).int64s("ids") == [0, -1, .max])
        let missing = directory.appendingPathComponent("no-such-dir/model.safetensors")
        #expect(throws: SafetensorsError.self) { try sample().write(to: missing) }
    }

    @Test func invalidTensorsAreRefused() throws {
        var writer = SafetensorsWriter()
        try writer.add("w", shape: [2], floats: [1, 2])
        #expect(throws: SafetensorsError.invalidTensor(name: "w", reason: "added twice")) {
            try writer.add("w", shape: [2], floats: [1, 2])
        }
        #expect(throws: SafetensorsError.self) { try writer.add("v", shape: [3], floats: [1, 2]) }
        #expect(throws: SafetensorsError.self) { try writer.add("v", shape: [-1], floats: []) }
        #expect(throws: SafetensorsError.self) { try writer.add("__metadata__", shape: [1], floats: [1]) }
        #expect(throws: SafetensorsError.self) { try writer.add("", shape: [1], floats: [1]) }
    }
}

@Suite struct SafetensorsBadInputTests {
    private let f32Pair = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#

    private func error(_ bytes: Data) -> SafetensorsError? {
        #expect(throws: SafetensorsError.self) { try SafetensorsFile(bytes: bytes) }
    }

    @Test func truncatedFiles() throws {
        #expect(error(Data()) == .truncated(path: "<memory>", size: 0))
        #expect(error(Data([1, 0, 0])) == .truncated(path: "<memory>", size: 3))
        // A valid file cut anywhere inside its data: the last tensor now runs past the end.
        let whole = try SafetensorsWriteTests.validBytes()
        for cut in [whole.count - 1, whole.count - 4] {
            guard case .offsetsOutOfBounds? = error(whole.prefix(cut)) else {
                Issue.record("cut at \(cut): expected offsetsOutOfBounds"); continue
            }
        }
        // Cut inside the header.
        guard case .headerPastEnd? = error(whole.prefix(20)) else { Issue.record("expected headerPastEnd"); return }
    }

    @Test func headerLengthPastTheEnd() {
        #expect(error(handMade(header: f32Pair, data: Array(repeating: 0, count: 8), headerLength: 1000))
            == .headerPastEnd(path: "<memory>", headerLength: 1000, available: f32Pair.utf8.count + 8))
        #expect(error(handMade(header: "{}", headerLength: .max)) == .headerTooLarge(path: "<memory>", headerLength: .max))
    }

    @Test func offsetsOutOfBoundsOverlappingOrLeavingGaps() {
        #expect(error(handMade(header: f32Pair, data: Array(repeating: 0, count: 4)))
            == .offsetsOutOfBounds(path: "<memory>", name: "a", end: 8, dataLength: 4))
        let overlap = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#
        #expect(error(handMade(header: overlap, data: Array(repeating: 0, count: 8)))
            == .overlapping(path: "<memory>", first: "a", second: "b"))
        let hole = #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#
        #expect(error(handMade(header: hole, data: Array(repeating: 0, count: 12))) == .gap(path: "<memory>", after: "a", bytes: 4))
        #expect(error(handMade(header: f32Pair, data: Array(repeating: 0, count: 12))) == .gap(path: "<memory>", after: "a", bytes: 4))
        let late = #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#
        #expect(error(handMade(header: late, data: Array(repeating: 0, count: 8))) == .gap(path: "<memory>", after: nil, bytes: 4))
    }

    @Test func inconsistentEntries() {
        func badTensor(_ header: String, dataCount: Int) -> Bool {
            if case .badTensor? = error(handMade(header: header, data: Array(repeating: 0, count: dataCount))) { return true }
            return false
        }
        #expect(badTensor(#"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, dataCount: 8))    // size mismatch
        #expect(badTensor(#"{"a":{"dtype":"F99","shape":[2],"data_offsets":[0,8]}}"#, dataCount: 8))    // unknown dtype
        #expect(badTensor(#"{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}"#, dataCount: 8))   // negative dimension
        #expect(badTensor(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}"#, dataCount: 8))    // reversed range
        #expect(badTensor(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0]}}"#, dataCount: 8))      // one offset
        #expect(badTensor(#"{"a":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,8]}}"#, dataCount: 8))
    }

    @Test func headersThatAreNotSafetensorsJSON() {
        func badHeader(_ header: String) -> Bool {
            if case .badHeader? = error(handMade(header: header)) { return true }
            return false
        }
        #expect(badHeader("not json"))
        #expect(badHeader("   {}"))
        #expect(badHeader("{\"a\": "))
        #expect(badHeader(#"{"a":{"dtype":"F32","shape":[0]}}"#))
        #expect(badHeader(#"{"__metadata__":{"n":1}}"#))
        #expect(badHeader(#"{"a":{"dtype":"F32","shape":[0.5],"data_offsets":[0,0]}}"#))
        // Valid: empty header, space padding, metadata only.
        #expect(throws: Never.self) { try SafetensorsFile(bytes: handMade(header: "{}      ")) }
        #expect(throws: Never.self) { try SafetensorsFile(bytes: handMade(header: #"{"__metadata__":{"k":"v"}}"#)) }
    }

    @Test func messagesSayWhatToDo() {
        let message = SafetensorsError.headerPastEnd(path: "/m.safetensors", headerLength: 9, available: 2).description
        #expect(message.contains("/m.safetensors") && message.contains("re-create or re-download"))
        let missing = #expect(throws: SafetensorsError.self) {
            try SafetensorsFile(contentsOf: URL(fileURLWithPath: "/nonexistent/x.safetensors"))
        }
        guard case .unreadable? = missing else { Issue.record("expected unreadable"); return }
    }
}

extension SafetensorsWriteTests {
    static func validBytes() throws -> Data {
        var writer = SafetensorsWriter(metadata: ["k": "v"])
        try writer.add("a", shape: [2, 2], floats: [1, 2, 3, 4])
        try writer.add("b", shape: [3], int64s: [5, 6, 7])
        return Data(writer.serialized())
    }
}
