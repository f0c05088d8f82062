import Foundation

/// Opens, makes and replaces the files and folders a command keeps, refusing any
/// that another account could have planted or could change under it.
///
/// A path is trusted only when it is not a symbolic link, is of the kind expected
/// (a regular file, a folder), belongs to the expected account, and neither its
/// group nor others can write it. Paths are checked with `lstat` before use and
/// the descriptor with `fstat` after opening; every open carries `O_NOFOLLOW`, so
/// a link swapped in between is refused rather than followed. Nothing existing
/// is ever opened with `O_TRUNC`: a file is replaced by writing a fresh one
/// (`O_CREAT | O_EXCL`, its mode given at creation) under a temporary name beside
/// it and renaming that into place, and `rename` replaces a link rather than
/// writing through it.
///
/// Every call blocks on the file system: from async code, call it in ``runBlocking(_:_:)``.
/// Every error is a ``FileGuardError``.
public enum FileGuard {
    /// What a path is expected to be.
    public enum Kind: Sendable {
        case file
        case folder
    }

    /// The account a trusted path must belong to.
    public struct Owner: Sendable, Equatable {
        public let uid: uid_t
        /// The account's name, for messages.
        public let name: String

        /// An account by its user id; `name` is for messages.
        public init(uid: uid_t, name: String) {
            self.uid = uid
            self.name = name
        }

        /// The account this process runs as (its effective user, who owns what it creates).
        public static var caller: Owner {
            let uid = geteuid()
            return Owner(uid: uid, name: accountName(uid))
        }
    }

    /// Checks the path without following it; false when nothing is there.
    @discardableResult
    public static func inspect(_ path: String, kind: Kind, owner: Owner = .caller) throws -> Bool {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            if errno == ENOENT { return false }
            throw FileGuardError.system("cannot inspect", path)
        }
        try check(info, path, kind: kind, owner: owner)
        return true
    }

    /// Makes the folder `path` with exactly `mode` (the umask does not narrow it)
    /// when it is absent, and checks it when it is there. Its parent must exist.
    public static func makeFolder(_ path: String, mode: mode_t, owner: Owner = .caller) throws {
        if mkdir(path, mode) == 0 {
            let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard descriptor >= 0 else { throw FileGuardError.system("cannot open the folder", path) }
            defer { close(descriptor) }
            guard fchmod(descriptor, mode) == 0 else { throw FileGuardError.system("cannot set the mode of", path) }
        } else if errno != EEXIST {
            throw FileGuardError.system("cannot create the folder", path)
        }
        try inspect(path, kind: .folder, owner: owner)
    }

    /// The whole content of a file; nil when there is none.
    public static func read(_ path: String, owner: Owner = .caller) throws -> Data? {
        guard let handle = try openChecked(path, O_RDONLY, owner: owner) else { return nil }
        do {
            return try handle.readToEnd() ?? Data()
        } catch {
            throw FileGuardError(.system, path: path, "cannot read \(path): \(FileFailure.reason(error))")
        }
    }

    /// Adds `contents` at the end of an existing file.
    public static func append(_ contents: Data, to path: String, owner: Owner = .caller) throws {
        guard let handle = try openChecked(path, O_WRONLY | O_APPEND, owner: owner) else {
            throw FileGuardError(.system, path: path, "cannot write \(path): \(String(cString: strerror(ENOENT)))")
        }
        do {
            try handle.write(contentsOf: contents)
            try handle.close()
        } catch {
            throw FileGuardError(.system, path: path, "cannot write \(path): \(FileFailure.reason(error))")
        }
    }

    /// Opens (creating it, mode 0600) a file kept only to be locked; returns its descriptor.
    public static func openForLocking(_ path: String, owner: Owner = .caller) throws -> Int32 {
        try inspect(path, kind: .file, owner: owner)
        let descriptor = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0o600)
        guard descriptor >= 0 else { throw FileGuardError.opening(path) }
        do {
            try checkOpened(descriptor, path, owner: owner)
        } catch {
            close(descriptor)
            throw error
        }
        return descriptor
    }

    /// Writes the file at `path` whole, with `contents`; see ``replace(_:mode:owner:with:)``.
    public static func replace(_ path: String, mode: mode_t, owner: Owner = .caller, contents: Data) throws {
        try replace(path, mode: mode, owner: owner) { try $0.write(contentsOf: contents) }
    }

    /// Writes the file at `path` whole: `fill` writes to a new file beside it
    /// (`PATH.RANDOM.partial`, created exclusively with `mode`), which is renamed
    /// onto `path` once filled and flushed. Until then `path` is as it was, and on
    /// any failure the partial file is removed. An existing `path` that is a link,
    /// not a regular file, another account's file or writable by others is refused
    /// and left as it is.
    public static func replace(_ path: String, mode: mode_t, owner: Owner = .caller, with fill: (FileHandle) throws -> Void) throws {
        try inspect(path, kind: .file, owner: owner)
        let partial = "\(path).\(String(UInt32.random(in: .min ... .max), radix: 16)).partial"
        let descriptor = open(partial, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw FileGuardError.system("cannot create", partial) }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        do {
            try fill(handle)
            try handle.synchronize()
            try handle.close()
            guard rename(partial, path) == 0 else { throw FileGuardError.system("cannot rename \(partial) to", path) }
        } catch {
            unlink(partial)
            if let error = error as? FileGuardError { throw error }
            throw FileGuardError(.system, path: path, "cannot write \(path): \(FileFailure.reason(error))")
        }
    }

    // MARK: Checks

    /// Opens an existing file without following a link (nil when absent) and checks
    /// the path before opening and what was opened after.
    private static func openChecked(_ path: String, _ flags: Int32, owner: Owner) throws -> FileHandle? {
        guard try inspect(path, kind: .file, owner: owner) else { return nil }
        // O_NONBLOCK: a FIFO swapped in after the check fails the check below instead of blocking the open.
        let descriptor = open(path, flags | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else {
            if errno == ENOENT { return nil }
            throw FileGuardError.opening(path)
        }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        try checkOpened(descriptor, path, owner: owner)
        return handle
    }

    private static func checkOpened(_ descriptor: Int32, _ path: String, owner: Owner) throws {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw FileGuardError.system("cannot inspect", path) }
        try check(info, path, kind: .file, owner: owner)
    }

    private static func check(_ info: stat, _ path: String, kind: Kind, owner: Owner) throws {
        let type = info.st_mode & S_IFMT
        if type == S_IFLNK {
            throw FileGuardError(.symbolicLink, path: path, "\(path) is a symbolic link: refusing to follow it")
        }
        switch kind {
        case .file where type != S_IFREG:
            throw FileGuardError(.wrongKind, path: path, "\(path) is not a regular file: refusing to use it")
        case .folder where type != S_IFDIR:
            throw FileGuardError(.wrongKind, path: path, "\(path) is not a folder: refusing to use it")
        default:
            break
        }
        guard info.st_uid == owner.uid else {
            throw FileGuardError(.foreignOwner, path: path,
                "\(path) belongs to \(accountName(info.st_uid)), not \(owner.name): refusing to use it")
        }
        guard info.st_mode & 0o022 == 0 else {
            throw FileGuardError(.writableByOthers, path: path,
                "\(path) can be written by others (mode \(String(info.st_mode & 0o7777, radix: 8))): refusing to use it")
        }
    }

    private static func accountName(_ uid: uid_t) -> String {
        getpwuid(uid).map { String(cString: $0.pointee.pw_name) } ?? "uid \(uid)"
    }
}

/// A path ``FileGuard`` refused, or a file it could not make: one line naming the path.
public struct FileGuardError: Error, CustomStringConvertible, Sendable {
    /// What was wrong.
    public enum Code: Sendable, Equatable {
        /// The path is a symbolic link.
        case symbolicLink
        /// The path belongs to another account than the one expected.
        case foreignOwner
        /// Its group or others can write the path.
        case writableByOthers
        /// A file where a folder was expected, or the other way round (or a device, a FIFO).
        case wrongKind
        /// Something is already at a path that was to be made new (``FileGuard/create(_:mode:contents:)``).
        case exists
        /// The system refused an operation (the reason is in the description).
        case system
    }

    public let code: Code
    /// The path concerned.
    public let path: String
    public let description: String

    init(_ code: Code, path: String, _ description: String) {
        self.code = code
        self.path = path
        self.description = description
    }

    /// `errno` after a failed call on `path`, as "WHAT PATH: reason".
    static func system(_ what: String, _ path: String) -> FileGuardError {
        FileGuardError(.system, path: path, "\(what) \(path): \(String(cString: strerror(errno)))")
    }

    /// `errno` after a failed `open` with `O_NOFOLLOW`, where ELOOP means the path is a link.
    static func opening(_ path: String) -> FileGuardError {
        if errno == ELOOP { return FileGuardError(.symbolicLink, path: path, "\(path) is a symbolic link: refusing to follow it") }
        return system("cannot open", path)
    }
}
