import Foundation
import Testing
@testable import PrepDataset

@Suite("SourceReader")
struct SourceReaderTests {
    /// Writes `bytes` to a fresh temporary file with the given extension.
    private func write(_ bytes: [UInt8], ext: String) throws -> String {
        let path = NSTemporaryDirectory() + "source-test-\(UUID().uuidString).\(ext)"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    private func write(_ text: String, ext: String = "tsv") throws -> String {
        try write(Array(text.utf8), ext: ext)
    }

    private func readAll(_ path: String, format: SourceFormat? = nil, columns: SourceColumns = .init()) throws -> [SourceRow] {
        defer { try? FileSystem.remove(path) }
        let reader = try SourceReader(path: path, format: format, columns: columns)
        let rows = Array(reader)
        #expect(reader.readError == nil)
        return rows
    }

    /// The message of the error `body` throws, or nil.
    private func errorText(_ body: () throws -> Void) -> String? {
        do { try body() } catch { return "\(error)" }
        return nil
    }

    // MARK: TSV

    @Test func basicTSV() throws {
        let rows = try readAll(write("image\tcaption\tdepth\tkey\na.jpg\ta cat\t\t\nb.png\ta dog\td/b.png\tk2\n"))
        try #require(rows.count == 2)
        #expect(rows[0] == SourceRow(
            index: 0, line: 2, fields: ["image": "a.jpg", "caption": "a cat", "depth": "", "key": ""],
            image: "a.jpg", caption: "a cat", depth: nil, key: nil, problem: nil))
        #expect(rows[1].depth == "d/b.png")
        #expect(rows[1].key == "k2")
        #expect(rows[1].index == 1 && rows[1].line == 3)
    }

    @Test func headerIsExposedAndExtraColumnsKept() throws {
        let path = try write("id\timage\tcaption\tscore\n7\tx.jpg\thello\t0.5\n")
        defer { try? FileSystem.remove(path) }
        let reader = try SourceReader(path: path)
        #expect(reader.header == ["id", "image", "caption", "score"])
        let row = try #require(reader.next())
        #expect(row.fields == ["id": "7", "image": "x.jpg", "caption": "hello", "score": "0.5"])
        #expect(row.depth == nil && row.key == nil)
        #expect(reader.next() == nil)
        #expect(reader.next() == nil)
    }

    @Test func crlfAndByteOrderMark() throws {
        let text = "\u{FEFF}image\tcaption\r\na.jpg\tone\r\nb.jpg\ttwo\r\n"
        let rows = try readAll(write(text))
        #expect(rows.map(\.image) == ["a.jpg", "b.jpg"])
        #expect(rows.map(\.caption) == ["one", "two"])  // no stray \r
        #expect(rows[0].fields.keys.sorted() == ["caption", "image"])  // no BOM in the name
    }

    @Test func quotesArePlainDataAndFieldsAreNotTrimmed() throws {
        let rows = try readAll(write("image\tcaption\n\"a.jpg\"\t\"a cat\", sitting \n  b.jpg\t  spaced\n"))
        #expect(rows[0].image == "\"a.jpg\"")
        #expect(rows[0].caption == "\"a cat\", sitting ")
        #expect(rows[1].image == "  b.jpg")
        #expect(rows[1].caption == "  spaced")
    }

    @Test func fieldCountMismatchIsAProblemWithLineNumber() throws {
        let text = "image\tcaption\tkey\na.jpg\tok\tk1\n\nb.jpg\tshort\nc.jpg\tlong\tk3\textra\nd.jpg\t\t\n"
        let rows = try readAll(write(text))
        try #require(rows.count == 4)
        #expect(rows[0].problem == nil)
        #expect(rows[1].problem == "line 4: 2 fields, header has 3")
        #expect(rows[1].index == 1 && rows[1].line == 4)
        #expect(rows[2].problem == "line 5: 4 fields, header has 3")
        #expect(rows[2].index == 2)
        // Empty fields are still fields: tabs count.
        #expect(rows[3].problem == nil)
        #expect(rows[3].caption == "" && rows[3].key == nil)
    }

    @Test func blankLinesSkippedAndLastLineWithoutNewline() throws {
        let rows = try readAll(write("image\tcaption\n\n\r\na.jpg\tone\n\n\nb.jpg\ttwo"))
        #expect(rows.map(\.image) == ["a.jpg", "b.jpg"])
        #expect(rows.map(\.index) == [0, 1])
        #expect(rows.map(\.line) == [4, 7])
        #expect(rows[1].caption == "two")
    }

    @Test func invalidUTF8IsAProblem() throws {
        var bytes = Array("image\tcaption\na.jpg\tgood\nb.jpg\tbad ".utf8)
        bytes += [0xFF, 0xFE]
        bytes += Array("\nc.jpg\tfine\n".utf8)
        let rows = try readAll(write(bytes, ext: "tsv"))
        try #require(rows.count == 3)
        #expect(rows[1].problem == "line 3: not valid UTF-8")
        #expect(rows[1].index == 1)
        #expect(rows[2].problem == nil && rows[2].caption == "fine")
    }

    @Test func nonASCIICaptions() throws {
        let rows = try readAll(write("image\tcaption\nчай/猫.jpg\tcafé 猫 🐱\n"))
        #expect(rows[0].caption == "café 猫 🐱")
        #expect(rows[0].image == "чай/猫.jpg")
    }

    @Test func renamedColumns() throws {
        let columns = SourceColumns(image: "file", caption: "text", depth: "z", key: "id")
        let rows = try readAll(write("id\tfile\ttext\tz\nr1\ta.jpg\thello\tdepth.png\n"), columns: columns)
        #expect(rows[0].image == "a.jpg")
        #expect(rows[0].caption == "hello")
        #expect(rows[0].depth == "depth.png")
        #expect(rows[0].key == "r1")
    }

    @Test func headerWithoutRequiredColumnsThrowsHelpfully() throws {
        let path = try write("file\ttext\na.jpg\thi\n")
        defer { try? FileSystem.remove(path) }
        let message = try #require(errorText { _ = try SourceReader(path: path) })
        #expect(message.contains("'image'"))
        #expect(message.contains("'file', 'text'"))
        #expect(message.contains("--image-col"))

        let noCaption = try #require(errorText { _ = try SourceReader(path: path, columns: SourceColumns(image: "file")) })
        #expect(noCaption.contains("'caption'"))
        #expect(noCaption.contains("--caption-col"))
        // With both renamed it opens.
        let reader = try SourceReader(path: path, columns: SourceColumns(image: "file", caption: "text"))
        #expect(reader.next()?.caption == "hi")

        // A comma-separated file lands here too: one column named "image,caption".
        let csv = try write("image,caption\na.jpg,hi\n")
        defer { try? FileSystem.remove(csv) }
        #expect(errorText { _ = try SourceReader(path: csv) }?.contains("'image,caption'") == true)
    }

    @Test func missingAndEmptyFilesThrow() throws {
        let missing = NSTemporaryDirectory() + "no-such-source-\(UUID().uuidString).tsv"
        let message = try #require(errorText { _ = try SourceReader(path: missing) })
        #expect(message.contains(missing))
        #expect(message.contains("No such file"))

        for content in ["", "\n\n", "\r\n"] {
            let path = try write(content)
            defer { try? FileSystem.remove(path) }
            #expect(errorText { _ = try SourceReader(path: path) }?.contains("empty") == true)
            let jsonl = try write(content, ext: "jsonl")
            defer { try? FileSystem.remove(jsonl) }
            #expect(errorText { _ = try SourceReader(path: jsonl) }?.contains("empty") == true)
        }
    }

    @Test func unreadableSourceThrows() {
        // A directory opens but cannot be read.
        let message = errorText { _ = try SourceReader(path: NSTemporaryDirectory()) }
        #expect(message?.contains("cannot read source file") == true)
    }

    @Test func headerOnlyHasNoRows() throws {
        #expect(try readAll(write("image\tcaption\n")).isEmpty)
    }

    @Test func linesLongerThanTheReadChunk() throws {
        let caption = String(repeating: "long caption ", count: 20_000)  // ~260 KB, several 64 KiB chunks
        let rows = try readAll(write("image\tcaption\na.jpg\t\(caption)\nb.jpg\tshort\n"))
        try #require(rows.count == 2)
        #expect(rows[0].caption == caption)
        #expect(rows[1].caption == "short")
    }

    @Test func streamsLargeFiles() throws {
        let rowCount = 200_000
        let path = NSTemporaryDirectory() + "source-large-\(UUID().uuidString).tsv"
        defer { try? FileSystem.remove(path) }
        let output = try OutputFile(path: path)
        try output.write(Array("key\timage\tcaption\n".utf8))
        for i in 0..<rowCount {
            try output.write(Array("k\(i)\timages/\(i).jpg\ta caption for row number \(i)\n".utf8))
        }
        try output.close()
        let reader = try SourceReader(path: path)
        var count = 0
        var lastKey: String?
        var problems = 0
        for row in reader {
            if row.index != count { break }
            if row.problem != nil { problems += 1 }
            lastKey = row.key
            count += 1
        }
        #expect(reader.readError == nil)
        #expect(count == rowCount)
        #expect(problems == 0)
        #expect(lastKey == "k\(rowCount - 1)")
    }

    // MARK: JSONL

    @Test func formatInference() {
        #expect(SourceFormat.infer(path: "a/b/prompt.json") == .jsonl)
        #expect(SourceFormat.infer(path: "x.JSONL") == .jsonl)
        #expect(SourceFormat.infer(path: "x.ndjson") == .jsonl)
        #expect(SourceFormat.infer(path: "x.tsv") == .tsv)
        #expect(SourceFormat.infer(path: "x.txt") == .tsv)
        #expect(SourceFormat.infer(path: "dir.jsonl/captions") == .tsv)
        #expect(SourceFormat(rawValue: "jsonl") == .jsonl)
    }

    @Test func fill50kLayout() throws {
        let text = """
            {"source": "source/0.png", "target": "target/0.png", "prompt": "pale golden rod circle with old lace background"}
            {"source": "source/1.png", "target": "target/1.png", "prompt": "light coral circle with white background"}

            """
        let rows = try readAll(write(text, ext: "json"))
        try #require(rows.count == 2)
        #expect(rows[0].image == "target/0.png")
        #expect(rows[0].caption == "pale golden rod circle with old lace background")
        #expect(rows[0].fields["source"] == "source/0.png")
        #expect(rows[1].index == 1 && rows[1].line == 2)
        #expect(rows.allSatisfy { $0.problem == nil && $0.depth == nil && $0.key == nil })
    }

    @Test func jsonlWithTSVNamesAndScalars() throws {
        let text = "\u{FEFF}{\"image\": \"a.jpg\", \"caption\": \"café 猫 🐱\", \"key\": 17, \"depth\": \"\", \"ok\": true, \"w\": 0.5, \"n\": null, \"tags\": [\"x\", 1]}\r\n"
            + "   \n"
            + "{\"image\": \"b.jpg\", \"caption\": \"\\u00e9\\t\", \"depth\": \"d.png\"}"  // no trailing newline
        let rows = try readAll(write(text, ext: "jsonl"))
        try #require(rows.count == 2)
        #expect(rows[0].image == "a.jpg")
        #expect(rows[0].caption == "café 猫 🐱")
        #expect(rows[0].key == "17")
        #expect(rows[0].depth == nil)
        #expect(rows[0].fields["ok"] == "true")
        #expect(rows[0].fields["w"] == "0.5")
        #expect(rows[0].fields["n"] == nil)
        #expect(rows[0].fields["tags"] == "[\"x\",1]")
        #expect(rows[1].caption == "é\t")
        #expect(rows[1].depth == "d.png")
        #expect(rows[1].line == 3)
    }

    @Test func jsonlRenamedColumnsDoNotFallBackToFill50k() throws {
        let columns = SourceColumns(image: "path", caption: "text")
        let rows = try readAll(write("{\"path\": \"a.jpg\", \"text\": \"t\"}\n{\"target\": \"b.jpg\", \"text\": \"t\"}\n", ext: "jsonl"), columns: columns)
        #expect(rows[0].image == "a.jpg" && rows[0].problem == nil)
        #expect(rows[1].image == nil)
        #expect(rows[1].problem?.hasPrefix("line 2: no 'path' column") == true)
    }

    @Test func jsonlBadLines() throws {
        var bytes = Array("""
            {"image": "a.jpg", "caption": "fine"}
            {"image": "b.jpg", "caption":
            [1, 2, 3]
            {"caption": "no image"}
            {"image": "c.jpg"}
            "just a string"

            """.utf8)
        bytes += Array("{\"image\": \"d.jpg\", \"caption\": \"bad ".utf8) + [0xC3, 0x28] + Array("\"}\n".utf8)
        bytes += Array("{\"image\": \"e.jpg\", \"caption\": \"last\"}\n".utf8)
        let rows = try readAll(write(bytes, ext: "jsonl"))
        try #require(rows.count == 8)
        #expect(rows.map(\.index) == Array(0..<8))
        #expect(rows[0].problem == nil)
        #expect(rows[1].problem?.hasPrefix("line 2: invalid JSON") == true)
        #expect(rows[2].problem == "line 3: not a JSON object")
        #expect(rows[3].problem == "line 4: no 'image' column (keys: caption)")
        #expect(rows[4].problem == "line 5: no 'caption' column (keys: image)")
        #expect(rows[4].image == "c.jpg")
        #expect(rows[5].problem == "line 6: not a JSON object")
        #expect(rows[6].problem == "line 7: not valid UTF-8")
        #expect(rows[7].problem == nil && rows[7].caption == "last")
    }

    @Test func explicitFormatOverridesExtension() throws {
        let rows = try readAll(write("{\"image\": \"a.jpg\", \"caption\": \"c\"}\n", ext: "txt"), format: .jsonl)
        #expect(rows.first?.image == "a.jpg")
    }
}
