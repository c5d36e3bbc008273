/// Which duplicates `prep build` fails (`--dedup`). The later row (in source order) becomes a
/// `failed` row naming the record it repeats; the earlier one is kept.
public enum DedupMode: String, CaseIterable, Sendable {
    /// Keep every row.
    case off
    /// Fail a row whose image file has the sha256 of a kept record's (`duplicate of KEY`).
    case exact
    /// Also fail a row whose decoded image's dHash is within `--dedup-distance` bits of a kept
    /// record's (`near duplicate of KEY (hamming D)`).
    case near
}
