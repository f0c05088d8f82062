import Foundation

/// Files and folders a test writes for the commands it runs, under the temporary
/// folder (which `ops/test` points at a scratch folder it removes at the end),
/// each with a name of its own.
public enum TemporaryFiles {
    /// A new path ending in `name`, with nothing there yet.
    public static func path(named name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("\(UUID().uuidString.prefix(8))-\(name)").path
    }

    /// Writes `text` to a new file ending in `name` and returns its path.
    public static func write(_ text: String, named name: String) throws -> String {
        let path = path(named: name)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Makes a new folder ending in `name` and returns its path.
    public static func folder(named name: String) throws -> String {
        let path = path(named: name)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
