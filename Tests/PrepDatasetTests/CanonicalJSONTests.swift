import Foundation
import Testing
@testable import PrepDataset

struct CanonicalJSONTests {
    @Test func integralDoublesStayDoublesSoPyarrowInfersOneType() throws {
        let bytes = try CanonicalJSON.encode(["density": 0.0, "ratio": 1.0, "fraction": 0.25, "count": 3, "flag": true] as [String: Any])
        #expect(String(decoding: bytes, as: UTF8.self) == #"{"count":3,"density":0.0,"flag":true,"fraction":0.25,"ratio":1.0}"#)
    }

    @Test func keysAreSortedAtEveryLevelAndStringsEscaped() throws {
        let value: [String: Any] = ["b": ["y": "a/b", "x": "quote \" and\nnewline"] as [String: String], "a": [1, 2.5, "é"] as [Any]]
        let text = String(decoding: try CanonicalJSON.encode(value), as: UTF8.self)
        #expect(text == #"{"a":[1,2.5,"é"],"b":{"x":"quote \" and\nnewline","y":"a/b"}}"#)
        // What JSONSerialization reads back is the value written.
        let back = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        #expect((back?["b"] as? [String: String])?["y"] == "a/b")
    }

    @Test func nonFiniteNumbersAreRefused() {
        #expect(throws: (any Error).self) { try CanonicalJSON.encode(["x": Double.nan]) }
    }

    @Test func recordJSONWritesASkippedStagesZeroDensityAsADouble() throws {
        let data = try TestDataset()
        try data.writePNG("a.png")
        try data.writeSource(["a.png\ta picture\t"])
        var options = data.options()
        options.stages = ["canny", "depth"]
        _ = try DatasetBuilder(options: options).run()
        let json = try DatasetReader(directory: data.output).read(key: "000000000", member: "json")
        let text = String(decoding: json, as: UTF8.self)
        #expect(text.contains(#""depth":{"density":0.0,"#), "\(text)")
    }
}
