import Foundation

/// Who runs a command, as recorded with migrations and campaign revisions: `user@host`.
public enum OperatorIdentity {
    public static var current: String {
        let user = getpwuid(getuid()).map { String(cString: $0.pointee.pw_name) }
            ?? ProcessInfo.processInfo.environment["USER"]
            ?? String(getuid())
        return "\(user)@\(ProcessInfo.processInfo.hostName)"
    }
}
