import Foundation
import Testing
@testable import PrepDataset

/// `FileSystem.readFile` (`InputFile.readToEnd`): a file sized by fstat is read whole, of any size,
/// and a file larger than its reported size (procfs reports 0) is still read to its end.
struct FileSystemTests {
    @Test(arguments: [0, 1, 4095, 1 << 20, (1 << 20) + 1, 3_000_017])
    func readFileReturnsEveryByte(size: Int) throws {
        let path = NSTemporaryDirectory() + "read-file-\(UUID().uuidString)"
        defer { try? FileSystem.remove(path) }
        let bytes = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) }
        #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
        #expect(try FileSystem.readFile(path) == bytes)
    }

    @Test func aFileLargerThanItsReportedSizeIsReadToItsEnd() throws {
        let path = "/proc/self/cmdline"  // st_size 0, content the arguments
        let chunked = try InputFile(path: path).read(maxCount: 1 << 20)
        #expect(!chunked.isEmpty)
        #expect(try FileSystem.readFile(path) == chunked)
    }

    @Test func aMissingFileThrowsNamingIt() {
        let error = #expect(throws: FileError.self) { try FileSystem.readFile("/nonexistent/prep-read-file") }
        #expect("\(error.map { "\($0)" } ?? "")".contains("/nonexistent/prep-read-file"))
    }
}
