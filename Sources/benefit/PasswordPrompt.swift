import BenefitAccounts
import BenefitCore
import Foundation

/// Reads a new password: from the terminal with echo off, asked twice, when
/// standard input is one; else the first line of standard input (for scripts).
/// The password is never printed, logged, or taken from an argument.
enum PasswordPrompt {
    static func newPassword(for name: String) throws -> String {
        let password: String
        if isatty(STDIN_FILENO) == 1 {
            let first = try readHidden(prompt: "Password for \(PrintableText.escaping(name)): ")
            if let problem = ConsolePassword.problem(first) { throw CommandFailure(problem) }
            let second = try readHidden(prompt: "Again: ")
            guard first == second else { throw CommandFailure("the two passwords differ; nothing was changed") }
            password = first
        } else {
            guard let line = readLine(strippingNewline: true) else {
                throw CommandFailure("no password: give it on standard input (one line) or run from a terminal")
            }
            password = line.hasSuffix("\r") ? String(line.dropLast()) : line
        }
        if let problem = ConsolePassword.problem(password) { throw CommandFailure(problem) }
        return password
    }

    /// Prints `prompt` on stderr and reads one line from the terminal without echoing it.
    private static func readHidden(prompt: String) throws -> String {
        FileHandle.standardError.write(Data(prompt.utf8))
        var saved = termios()
        guard tcgetattr(STDIN_FILENO, &saved) == 0 else { throw CommandFailure("cannot read the terminal's settings") }
        var hidden = saved
        hidden.c_lflag &= ~tcflag_t(ECHO)
        savedTerminal = saved
        // Ctrl-C at the prompt must not leave the terminal without echo.
        let previous = signal(SIGINT) { _ in
            if var saved = savedTerminal { tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved) }
            _exit(130)
        }
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &hidden)
        defer {
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved)
            signal(SIGINT, previous)
            savedTerminal = nil
            FileHandle.standardError.write(Data("\n".utf8))
        }
        guard let line = readLine(strippingNewline: true) else { throw CommandFailure("no password given") }
        return line
    }
}

/// The terminal's settings while echo is off, for the SIGINT handler to restore
/// (a C handler captures nothing). Written only on the main thread around a prompt.
nonisolated(unsafe) private var savedTerminal: termios?
