import Foundation
import Testing
@testable import PrepDataset

@Suite("Tar")
struct TarTests {
    private static let longName =
        String(repeating: "long-directory-name/", count: 6) + String(repeating: "n", count: 80) + ".txt"

    /// Members chosen to hit the awkward cases: empty data, sizes either side of 512-byte
    /// boundaries, a name needing the prefix field, and a non-ASCII name.
    private static let members: [(name: String, contents: [UInt8])] = [
        ("000000.txt", Array("a cat".utf8)),
        ("000000.empty", []),
        ("000001.b511", pattern(511, seed: 1)),
        ("000001.b512", pattern(512, seed: 2)),
        ("000001.b513", pattern(513, seed: 3)),
        (longName, pattern(1024, seed: 4)),
        ("café/猫.txt", Array("café 猫 🐱".utf8)),
        ("000002.b1", [7]),
    ]

    private static func pattern(_ count: Int, seed: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ seed &* 17 &+ 1) }
    }

    private func temporaryPath(_ suffix: String) -> String {
        NSTemporaryDirectory() + "tar-test-\(UUID().uuidString)\(suffix)"
    }

    /// Writes `members` with TarWriter; returns the path and what `append` reported.
    private func writeArchive(_ members: [(name: String, contents: [UInt8])]) throws -> (String, [(dataOffset: Int64, size: Int)]) {
        let path = temporaryPath(".tar")
        let output = try OutputFile(path: path, bufferCapacity: 700)  // small buffer: exercise flushing
        let writer = TarWriter(output: output)
        var placed: [(dataOffset: Int64, size: Int)] = []
        for member in members {
            placed.append(try writer.append(name: member.name, contents: member.contents))
        }
        try writer.finish()
        #expect(writer.bytesWritten == output.bytesWritten)
        try output.close()
        return (path, placed)
    }

    @Test func writesAndReadsBack() throws {
        let (path, placed) = try writeArchive(Self.members)
        defer { try? FileSystem.remove(path) }
        let size = try FileSystem.fileSize(path)
        #expect(size % 512 == 0)
        let entries = try TarReader.entries(atPath: path)
        #expect(entries.map(\.name) == Self.members.map(\.name))
        #expect(entries.map(\.size) == Self.members.map { $0.contents.count })
        var expectedHeaderOffset: Int64 = 0
        for (index, entry) in entries.enumerated() {
            #expect(entry.headerOffset == expectedHeaderOffset)
            #expect(entry.dataOffset == entry.headerOffset + 512)
            #expect(entry.dataOffset == placed[index].dataOffset)
            #expect(entry.size == placed[index].size)
            #expect(entry.typeflag == UInt8(ascii: "0"))
            #expect(entry.isRegularFile)
            let bytes = try FileSystem.readBytes(path: path, offset: entry.dataOffset, count: entry.size)
            #expect(bytes == Self.members[index].contents, "member \(entry.name)")
            expectedHeaderOffset = entry.dataOffset + Int64(entry.size + TarFormat.padding(forSize: entry.size))
        }
        // After the last member: exactly the two end-of-archive blocks.
        #expect(size == expectedHeaderOffset + 1024)
        let tail = try FileSystem.readBytes(path: path, offset: expectedHeaderOffset, count: 1024)
        #expect(tail == TarFormat.endOfArchive)
        // The in-memory reader agrees with the file reader.
        #expect(try TarReader.entries(in: FileSystem.readFile(path)) == entries)
    }

    @Test func emptyArchive() throws {
        let (path, _) = try writeArchive([])
        defer { try? FileSystem.remove(path) }
        #expect(try FileSystem.fileSize(path) == 1024)
        #expect(try TarReader.entries(atPath: path).isEmpty)
    }

    @Test func headerFieldsComputedByHand() throws {
        let header = try TarFormat.header(name: "abc.txt", size: 1000, mtime: 0o1234)
        #expect(header.count == 512)
        func text(_ range: Range<Int>) -> [UInt8] { Array(header[range]) }
        #expect(text(0..<8) == Array("abc.txt\0".utf8))
        #expect(header[8..<100].allSatisfy { $0 == 0 })
        #expect(text(100..<108) == Array("0000644\0".utf8))  // mode
        #expect(text(108..<116) == Array("0000000\0".utf8))  // uid
        #expect(text(116..<124) == Array("0000000\0".utf8))  // gid
        #expect(text(124..<136) == Array("00000001750\0".utf8))  // 1000 = 0o1750
        #expect(text(136..<148) == Array("00000001234\0".utf8))  // mtime
        #expect(header[156] == UInt8(ascii: "0"))
        #expect(text(257..<263) == Array("ustar\0".utf8))
        #expect(text(263..<265) == Array("00".utf8))
        #expect(header[265..<329].allSatisfy { $0 == 0 })  // uname, gname empty
        #expect(header[345..<512].allSatisfy { $0 == 0 })  // no prefix
        // Checksum: sum of all bytes with the checksum field counted as spaces, six octal
        // digits, NUL, space.
        var sum = 0
        for (i, byte) in header.enumerated() { sum += (148..<156).contains(i) ? 32 : Int(byte) }
        let expected = Array(String(format: "%06o", sum).utf8) + [0, 32]
        #expect(text(148..<156) == expected)
    }

    @Test func longNamesUseThePrefixField() throws {
        let name = Self.longName
        #expect(name.utf8.count > 100)
        let header = try TarFormat.header(name: name, size: 1)
        let nameField = String(decoding: header[0..<100].prefix { $0 != 0 }, as: UTF8.self)
        let prefixField = String(decoding: header[345..<500].prefix { $0 != 0 }, as: UTF8.self)
        #expect(prefixField + "/" + nameField == name)
        #expect(!prefixField.isEmpty)

        // 255 bytes fits exactly: 155-byte prefix, '/', 99-byte name.
        let limit = String(repeating: "p", count: 155) + "/" + String(repeating: "q", count: 99)
        #expect(limit.utf8.count == 255)
        #expect(try TarEntryName(header: TarFormat.header(name: limit, size: 0)) == limit)

        for bad in [
            String(repeating: "x", count: 101),  // no slash to split at
            String(repeating: "d", count: 10) + "/" + String(repeating: "f", count: 101),  // last part too long
            String(repeating: "d", count: 156) + "/f",  // prefix too long
            "",
            "a\u{0}b",
        ] {
            #expect(throws: TarError.self) { try TarFormat.header(name: bad, size: 0) }
        }
        do {
            _ = try TarFormat.header(name: String(repeating: "x", count: 300), size: 0)
        } catch let error as TarError {
            #expect(error.reason == .invalidName)
        }
        #expect(throws: TarError.self) { try TarFormat.header(name: "big", size: 0o77777777777 + 1) }
    }

    @Test func paddingToBlockBoundary() {
        #expect(TarFormat.padding(forSize: 0) == 0)
        #expect(TarFormat.padding(forSize: 1) == 511)
        #expect(TarFormat.padding(forSize: 511) == 1)
        #expect(TarFormat.padding(forSize: 512) == 0)
        #expect(TarFormat.padding(forSize: 513) == 511)
        #expect(TarFormat.endOfArchive.count == 1024 && TarFormat.endOfArchive.allSatisfy { $0 == 0 })
    }

    // MARK: Corruption

    private func archiveBytes() throws -> [UInt8] {
        let (path, _) = try writeArchive(Self.members)
        defer { try? FileSystem.remove(path) }
        return try FileSystem.readFile(path)
    }

    private func expectTarError(_ bytes: [UInt8], _ reason: TarError.Reason, at offset: Int64? = nil) {
        do {
            _ = try TarReader.entries(in: bytes)
            Issue.record("expected \(reason)")
        } catch let error as TarError {
            #expect(error.reason == reason, "\(error)")
            if let offset { #expect(error.offset == offset, "\(error)") }
            #expect(error.description.contains("byte"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    private func rewriteChecksum(_ bytes: inout [UInt8], header offset: Int) {
        var sum = 0
        for i in 0..<512 { sum += (148..<156).contains(i) ? 32 : Int(bytes[offset + i]) }
        let field = Array(String(format: "%06o", sum).utf8) + [0, 32]
        bytes.replaceSubrange((offset + 148)..<(offset + 156), with: field)
    }

    @Test func detectsCorruptChecksum() throws {
        var bytes = try archiveBytes()
        let second = try TarReader.entries(in: bytes)[1].headerOffset
        bytes[Int(second) + 3] ^= 0x20  // change a letter of the name
        expectTarError(bytes, .badChecksum, at: second)
    }

    @Test func detectsBadMagicAndBadSize() throws {
        let original = try archiveBytes()
        let third = Int(try TarReader.entries(in: original)[2].headerOffset)
        var badMagic = original
        badMagic.replaceSubrange((third + 257)..<(third + 263), with: Array("xxxxx\0".utf8))
        rewriteChecksum(&badMagic, header: third)
        expectTarError(badMagic, .badMagic, at: Int64(third))

        var badSize = original
        badSize[third + 124 + 5] = UInt8(ascii: "9")
        rewriteChecksum(&badSize, header: third)
        expectTarError(badSize, .badNumber, at: Int64(third))
    }

    @Test func detectsTruncation() throws {
        let bytes = try archiveBytes()
        let entries = try TarReader.entries(in: bytes)
        let last = entries.last!
        // Cut inside the data of the long-named member.
        let longMember = entries.first { $0.name == Self.longName }!
        expectTarError(Array(bytes[..<Int(longMember.dataOffset + 100)]), .truncated, at: longMember.headerOffset)
        // Cut inside a header.
        expectTarError(Array(bytes[..<Int(last.headerOffset + 200)]), .truncated)
        // No end-of-archive blocks at all, or only one.
        let end = Int(last.dataOffset) + 512
        expectTarError(Array(bytes[..<end]), .missingEndOfArchive)
        expectTarError(Array(bytes[..<(end + 512)]), .missingEndOfArchive)
        // Extra zero padding after the end (as Python writes, to a 10 KiB record) is fine.
        #expect(try TarReader.entries(in: bytes + [UInt8](repeating: 0, count: 8192)) == entries)
        // The file-based reader reports the same.
        let path = temporaryPath(".tar")
        defer { try? FileSystem.remove(path) }
        try Data(bytes[..<end]).write(to: URL(fileURLWithPath: path))
        #expect(throws: TarError.self) { try TarReader.entries(atPath: path) }
    }

    // MARK: OutputFile and FileSystem, which the writer stands on

    @Test func outputFileReportsErrorsWithPathAndReason() throws {
        let missingDirectory = NSTemporaryDirectory() + "no-such-dir-\(UUID().uuidString)/a.tar"
        do {
            _ = try OutputFile(path: missingDirectory)
            Issue.record("opened a file in a missing directory")
        } catch let error as FileError {
            #expect(error.code == ENOENT)
            #expect(error.description.contains(missingDirectory))
            #expect(error.description.contains("No such file or directory"))
        }
        // /dev/full fails every write with ENOSPC: the error must surface on flush, not vanish.
        if FileSystem.exists("/dev/full") {
            let full = try OutputFile(path: "/dev/full", bufferCapacity: 1024)
            try full.write([1, 2, 3])  // buffered, not yet written
            #expect(full.bytesWritten == 3)
            do {
                try full.flush()
                Issue.record("write to /dev/full succeeded")
            } catch let error as FileError {
                #expect(error.code == ENOSPC)
                #expect(error.description.contains("/dev/full"))
                #expect(error.description.contains("No space left on device"))
            }
            #expect(throws: FileError.self) { try full.write([UInt8](repeating: 0, count: 4096)) }
            try? full.close()
            #expect(throws: FileError.self) { try full.write([1]) }  // closed
        }
    }

    @Test func outputFileWritesLargeAndSmallPieces() throws {
        let path = temporaryPath(".bin")
        defer { try? FileSystem.remove(path) }
        let output = try OutputFile(path: path, bufferCapacity: 100)
        var expected: [UInt8] = []
        for size in [1, 99, 100, 250, 3, 0, 1000, 7] {
            let piece = (0..<size).map { UInt8(truncatingIfNeeded: $0 &+ size) }
            if size % 2 == 0 { try output.write(piece) } else { try piece.withUnsafeBytes { try output.write($0) } }
            expected += piece
        }
        try output.sync()
        #expect(output.bytesWritten == Int64(expected.count))
        try output.close()
        try output.close()  // twice is fine
        #expect(try FileSystem.readFile(path) == expected)
        #expect(try FileSystem.fileSize(path) == Int64(expected.count))
        #expect(try FileSystem.readBytes(path: path, offset: 5, count: 10) == Array(expected[5..<15]))
        #expect(throws: FileError.self) { try FileSystem.readBytes(path: path, offset: Int64(expected.count - 2), count: 5) }
    }

    @Test func fileSystemHelpers() throws {
        let root = NSTemporaryDirectory() + "fs-test-\(UUID().uuidString)"
        let nested = root + "/a/b/c"
        try FileSystem.createDirectory(nested)
        try FileSystem.createDirectory(nested)  // existing is fine
        #expect(FileSystem.isDirectory(nested))
        let file = nested + "/f.tmp"
        let output = try OutputFile(path: file)
        try output.write(Array("x".utf8))
        try output.close()
        try FileSystem.rename(file, nested + "/f.txt")
        try FileSystem.syncDirectory(nested)
        #expect(!FileSystem.exists(file))
        #expect(FileSystem.exists(nested + "/f.txt"))
        #expect(try FileSystem.contentsOfDirectory(nested) == ["f.txt"])
        #expect(throws: FileError.self) { try FileSystem.rename(file, nested + "/g.txt") }
        #expect(throws: FileError.self) { try FileSystem.fileSize(file) }
        #expect(throws: FileError.self) { try FileSystem.readFile(file) }
        try FileSystem.remove(nested + "/f.txt")
        try FileSystem.remove(nested + "/f.txt")  // missing is fine
        for dir in [nested, root + "/a/b", root + "/a", root] { try FileSystem.remove(dir) }
        #expect(!FileSystem.exists(root))
    }

    // MARK: Python's tarfile as an independent reader and writer

    @Test func pythonTarfileReadsOurArchive() throws {
        let (path, _) = try writeArchive(Self.members)
        defer { try? FileSystem.remove(path) }
        let script = """
            import hashlib, json, sys, tarfile
            out = []
            with tarfile.open(sys.argv[1], "r:") as tar:
                for m in tar.getmembers():
                    data = tar.extractfile(m).read()
                    out.append([m.name, m.size, m.mode, m.mtime, m.uid, m.uname, hashlib.sha256(data).hexdigest()])
            print(json.dumps(out))
            """
        guard let output = try runPython(script, arguments: [path]) else { return }
        let listed = try JSONSerialization.jsonObject(with: Data(output.utf8)) as! [[Any]]
        #expect(listed.count == Self.members.count)
        for (row, member) in zip(listed, Self.members) {
            #expect(row[0] as? String == member.name)
            #expect(row[1] as? Int == member.contents.count)
            #expect(row[2] as? Int == 0o644)
            #expect(row[3] as? Int == 0)
            #expect(row[4] as? Int == 0)
            #expect(row[5] as? String == "")
            #expect(row[6] as? String == SHA256.hexHash(member.contents))
        }
    }

    @Test func headerMatchesPythonUstarHeader() throws {
        let script = """
            import sys, tarfile
            info = tarfile.TarInfo(sys.argv[1])
            info.size = int(sys.argv[2]); info.mode = 0o644; info.mtime = 0
            info.uname = ""; info.gname = ""
            sys.stdout.write(info.tobuf(format=tarfile.USTAR_FORMAT, encoding="utf-8").hex())
            """
        for (name, size) in [("000123.jpg", 123_456), (Self.longName, 0), ("café/猫.txt", 512)] {
            guard let hex = try runPython(script, arguments: [name, String(size)]) else { return }
            #expect(SHA256.hex(try TarFormat.header(name: name, size: size)) == hex, "\(name)")
        }
    }

    @Test func readsPaxAndGnuLongNamesWrittenByPython() throws {
        let path = temporaryPath(".tar")
        defer { try? FileSystem.remove(path) }
        let script = """
            import io, sys, tarfile
            long = "x" * 120 + "/" + "y" * 150 + ".bin"
            for fmt, suffix in ((tarfile.PAX_FORMAT, ".pax"), (tarfile.GNU_FORMAT, ".gnu")):
                with tarfile.open(sys.argv[1] + suffix, "w", format=fmt) as tar:
                    for name, data in (("short.txt", b"hi"), (long, b"z" * 700)):
                        info = tarfile.TarInfo(name); info.size = len(data)
                        tar.addfile(info, io.BytesIO(data))
            """
        guard try runPython(script, arguments: [path]) != nil else { return }
        for suffix in [".pax", ".gnu"] {
            defer { try? FileSystem.remove(path + suffix) }
            let entries = try TarReader.entries(atPath: path + suffix)
            #expect(entries.map(\.name) == ["short.txt", String(repeating: "x", count: 120) + "/" + String(repeating: "y", count: 150) + ".bin"])
            #expect(entries.map(\.size) == [2, 700])
            let data = try FileSystem.readBytes(path: path + suffix, offset: entries[1].dataOffset, count: 700)
            #expect(data == [UInt8](repeating: UInt8(ascii: "z"), count: 700))
        }
    }

    /// Runs a Python 3 script; returns its standard output, or nil when python3 is unavailable.
    private func runPython(_ script: String, arguments: [String]) throws -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script] + arguments
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        do { try process.run() } catch { return nil }
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        let errors = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        if process.terminationStatus == 127 { return nil }  // env: python3 not found
        guard process.terminationStatus == 0 else {
            Issue.record("python3 failed: \(String(decoding: errors, as: UTF8.self))")
            return nil
        }
        return String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// The full name stored in a single header (prefix + "/" + name), read via TarReader.
private func TarEntryName(header: [UInt8]) throws -> String? {
    try TarReader.entries(in: header + TarFormat.endOfArchive).first?.name
}
