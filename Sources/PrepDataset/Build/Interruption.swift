import Foundation

/// SIGINT/SIGTERM handling for long builds: the first signal asks the build to stop at the next
/// batch boundary (the open shard is discarded, committed shards stay); a second one kills at once.
public enum Interruption {
    nonisolated(unsafe) private static var flag: sig_atomic_t = 0

    /// Installs the handlers. Call once from the executable, never from a library user's process
    /// that handles signals itself.
    public static func install() {
        let handler: @convention(c) (Int32) -> Void = { signalNumber in
            if Interruption.flag != 0 {
                signal(signalNumber, SIG_DFL)
                raise(signalNumber)
            }
            Interruption.flag = 1
        }
        signal(SIGINT, handler)
        signal(SIGTERM, handler)
    }

    public static var isRequested: Bool { flag != 0 }

    /// For tests: request or clear an interruption.
    public static func request(_ requested: Bool = true) { flag = requested ? 1 : 0 }
}
