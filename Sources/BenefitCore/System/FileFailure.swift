import Foundation

/// Why a file could not be read or written, in an operator's terms ("No such
/// file or directory", "Permission denied", "is a directory", "not UTF-8 text")
/// rather than Foundation's generic "The operation could not be completed
/// (NSCocoaErrorDomain error 256.)".
///
/// The one place that words file errors: readers of campaign files, rosters
/// and migration folders all report through it.
public struct FileFailure: Error, Sendable, CustomStringConvertible {
    /// The reason, worded for an operator: `is a directory`, `larger than 1 MiB (1048576 bytes), the most a campaign file may be`.
    public let description: String

    init(_ description: String) {
        self.description = description
    }

    /// Why reading or writing failed, from Foundation's error alone.
    public static func reason(_ error: any Error) -> String {
        let failure = error as NSError
        if let cause = failure.userInfo[NSUnderlyingErrorKey] as? NSError, cause.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(cause.code)))
        }
        if failure.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(failure.code)))
        }
        switch (error as? CocoaError)?.code {
        case .fileReadNoSuchFile?, .fileNoSuchFile?: return String(cString: strerror(ENOENT))
        case .fileReadNoPermission?, .fileWriteNoPermission?: return String(cString: strerror(EACCES))
        case .fileReadInapplicableStringEncoding?, .fileReadCorruptFile?: return "not UTF-8 text"
        default: return failure.localizedDescription
        }
    }

    /// Why reading or writing the file at `path` failed: `is a directory` when it is one
    /// (Foundation says only "error 256" then), else as ``reason(_:)``.
    public static func reason(_ error: any Error, file path: String) -> String {
        isDirectory(path) ? "is a directory" : reason(error)
    }

    /// Why listing the folder at `path` failed: `not a directory` when it is a file, else as ``reason(_:)``.
    public static func reason(_ error: any Error, folder path: String) -> String {
        FileManager.default.fileExists(atPath: path) && !isDirectory(path) ? "not a directory" : reason(error)
    }

    /// Reads a whole UTF-8 text file of at most `maximumBytes` bytes.
    ///
    /// No more than `maximumBytes + 1` bytes are ever read, so a file far too
    /// large, or one that never ends (`/dev/zero`, a pipe), is refused without
    /// filling memory.
    ///
    /// - Parameter what: The kind of file, for the message naming the limit: `a campaign file`.
    /// - Throws: ``FileFailure``: the file is missing, a directory, unreadable, not UTF-8, or too large.
    public static func readText(atPath path: String, maximumBytes: Int, what: String) throws(FileFailure) -> String {
        if isDirectory(path) { throw FileFailure("is a directory") }
        var bytes: [UInt8] = []
        do {
            let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
            defer { try? handle.close() }
            while bytes.count <= maximumBytes, let chunk = try handle.read(upToCount: maximumBytes + 1 - bytes.count), !chunk.isEmpty {
                bytes += chunk
            }
        } catch {
            throw FileFailure(reason(error, file: path))
        }
        guard bytes.count <= maximumBytes else { throw tooLarge(maximumBytes: maximumBytes, what: what) }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw FileFailure("not UTF-8 text") }
        return text
    }

    /// The failure of a file (or text) longer than `maximumBytes`: `larger than 1 MiB (1048576 bytes), the most a campaign file may be`.
    public static func tooLarge(maximumBytes: Int, what: String) -> FileFailure {
        FileFailure("larger than \(byteCount(maximumBytes)), the most \(what) may be")
    }

    /// `1 MiB (1048576 bytes)`, or `500 bytes` below a KiB.
    static func byteCount(_ bytes: Int) -> String {
        for (unit, size) in [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)] where bytes >= size && bytes % size == 0 {
            return "\(bytes / size) \(unit) (\(bytes) bytes)"
        }
        return "\(bytes) bytes"
    }

    private static func isDirectory(_ path: String) -> Bool {
        var directory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &directory) && directory.boolValue
    }
}
