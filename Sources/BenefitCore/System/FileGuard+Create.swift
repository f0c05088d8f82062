import Foundation

extension FileGuard {
    /// Makes a new file at `path` holding `contents`, with exactly `mode`: a report
    /// or an export a command was asked to write with `--out`.
    ///
    /// The file is opened with `O_CREAT | O_EXCL | O_NOFOLLOW`, so whatever is at
    /// `path` already (a file, a link, a FIFO) is refused and left untouched, and
    /// nothing another account planted is ever written through. A write that fails
    /// half-way removes the file it made.
    public static func create(_ path: String, mode: mode_t, contents: Data) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        guard descriptor >= 0 else {
            if errno == EEXIST { throw FileGuardError(.exists, path: path, "\(path) already exists: refusing to overwrite it") }
            throw FileGuardError.system("cannot create", path)
        }
        // The umask may have narrowed the mode; a report's mode is exactly what was asked.
        fchmod(descriptor, mode)
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        do {
            try handle.write(contentsOf: contents)
            try handle.synchronize()
            try handle.close()
        } catch {
            unlink(path)
            throw FileGuardError(.system, path: path, "cannot write \(path): \(FileFailure.reason(error))")
        }
    }
}
