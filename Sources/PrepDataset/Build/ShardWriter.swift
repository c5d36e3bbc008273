/// Writes one shard: an uncompressed tar under a temporary name (`shard-000007.tar.partial`),
/// made durable and renamed into place only by `commit()`. Until then no reader can see it, and a
/// crash leaves only a `.partial` file that the next run deletes.
final class ShardWriter {
    static let partialSuffix = ".partial"

    static func name(ofShard number: Int) -> String {
        let digits = String(number)
        return "shard-" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits + ".tar"
    }

    let name: String
    private let finalPath: String
    private let partialPath: String
    private let directory: String
    private let output: OutputFile
    private let tar: TarWriter
    private(set) var recordCount = 0

    init(directory: String, number: Int) throws {
        self.directory = directory
        name = Self.name(ofShard: number)
        finalPath = directory + "/" + name
        partialPath = finalPath + Self.partialSuffix
        output = try OutputFile(path: partialPath, hashing: true)
        tar = TarWriter(output: output)
    }

    /// Appends a record's members, contiguous and in order (WebDataset groups a sample's members
    /// by adjacent names sharing the key); returns their rows for the index.
    func append(_ record: BuiltRecord) throws -> [MemberRow] {
        guard let key = record.sample.key else { return [] }
        var members: [MemberRow] = []
        for (member, bytes) in record.members {
            let (offset, size) = try tar.append(name: key + "." + member, contents: bytes)
            members.append(MemberRow(key: key, member: member, shard: name, offset: offset, size: size))
        }
        recordCount += 1
        return members
    }

    /// Ends the archive, fsyncs it, renames it into place and fsyncs the folder. Returns the row
    /// for the index, which the caller inserts only after this returns.
    func commit() throws -> ShardRow {
        try tar.finish()
        try output.sync()
        let bytes = output.bytesWritten
        var digest = output.digest!
        try output.close()
        let sha256 = SHA256.hex(digest.finalize())
        try FileSystem.rename(partialPath, finalPath)
        try FileSystem.syncDirectory(directory)
        return ShardRow(name: name, records: recordCount, bytes: bytes, sha256: sha256)
    }

    /// Drops the shard being written (an interrupted run).
    func discard() {
        try? output.close()
        try? FileSystem.remove(partialPath)
    }
}
