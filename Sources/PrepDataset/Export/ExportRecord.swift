/// One record as an export writes it: where its image and condition are in the dataset, and the
/// caption the export's metadata gets.
public struct ExportRecord: Equatable, Sendable {
    public var key: String
    /// The record's original caption.
    public var caption: String
    /// Whether the build's caption dropout marked it dropped.
    public var captionDropped: Bool
    /// `jpg` or `png`.
    public var imageMember: String
    /// `canny.png`, `hough.png`, ...
    public var conditionMember: String

    /// The caption to write: empty for a dropped caption when dropout is baked in.
    public func text(bakingCaptionDropout: Bool) -> String {
        bakingCaptionDropout && captionDropped ? "" : caption
    }
}
