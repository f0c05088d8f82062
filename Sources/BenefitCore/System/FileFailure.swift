import Foundation

/// Why a file could not be read or written, in an operator's terms ("No such
/// file or directory", "Permission denied", "not UTF-8 text") rather than
/// Foundation's generic "The operation could not be completed".
public enum FileFailure {
    public static func reason(_ error: any Error) -> String {
        let failure = error as NSError
        if let cause = failure.userInfo[NSUnderlyingErrorKey] as? NSError, cause.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(cause.code)))
        }
        switch (error as? CocoaError)?.code {
        case .fileReadNoSuchFile?: return String(cString: strerror(ENOENT))
        case .fileReadNoPermission?: return String(cString: strerror(EACCES))
        case .fileReadInapplicableStringEncoding?, .fileReadCorruptFile?: return "not UTF-8 text"
        default: return failure.localizedDescription
        }
    }
}
