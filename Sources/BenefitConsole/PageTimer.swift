import BenefitAccounts
import BenefitCore
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Logging
import PostgresClient
import ServiceLifecycle

/// Times the console's pages as a browser gets them: a console served on a free
/// port of 127.0.0.1 in this process, each path fetched over HTTP `requests`
/// times after one warm-up, from the request sent to the last byte (`benefit
/// bench console`).
public enum PageTimer {
    public struct Timing: Sendable, Codable {
        public let path: String
        public let bytes: Int
        /// Milliseconds, sorted.
        public let milliseconds: [Double]

        public func percentile(_ fraction: Double) -> Double {
            guard !milliseconds.isEmpty else { return 0 }
            return milliseconds[min(milliseconds.count - 1, Int((Double(milliseconds.count) * fraction).rounded(.up)) - 1)]
        }
    }

    public static func time(paths: [String], requests: Int, pool: PostgresPool, logger: Logger) async throws -> [Timing] {
        let port = try PortProbe.freePort()
        let console = try Console(pool: pool, logger: logger)
        // A viewer's session, as a browser signed in carries it.
        let password = SessionToken.random()
        let user = try await ConsoleUsers.add(name: "bench-viewer", role: .viewer, password: password, by: OperatorIdentity.current, on: pool)
        guard case .signedIn(let session) = try await console.sessions.logIn(name: user.name, password: password, client: "bench") else {
            throw PageTimerError("the benchmark's viewer could not sign in")
        }
        let cookie = SessionCookie(secure: false).name + "=" + session.token
        let server = ServiceGroup(
            services: [ConsoleServer(console: console, host: "127.0.0.1", port: port)], gracefulShutdownSignals: [], logger: logger)
        return try await withThrowingTaskGroup(of: [Timing]?.self) { group in
            group.addTask { try await server.run(); return nil }
            // Stopped as the daemons are (its requests end, then it returns).
            defer { Task { await server.triggerGracefulShutdown() } }
            let base = "http://127.0.0.1:\(port)"
            let giveUp = ContinuousClock.now + .seconds(30)
            while (try? await fetch(base + "/healthz", cookie: cookie))?.status != 200 {
                guard ContinuousClock.now < giveUp else { throw PageTimerError("the console did not start on port \(port)") }
                try await Task.sleep(for: .milliseconds(20))
            }
            var timings: [Timing] = []
            for path in paths {
                let warm = try await fetch(base + path, cookie: cookie)
                guard warm.status == 200 else { throw PageTimerError("\(path) answered \(warm.status)") }
                var milliseconds: [Double] = []
                for _ in 0..<requests {
                    let start = ContinuousClock.now
                    _ = try await fetch(base + path, cookie: cookie)
                    milliseconds.append((ContinuousClock.now - start).seconds * 1_000)
                }
                timings.append(Timing(path: path, bytes: warm.bytes, milliseconds: milliseconds.sorted()))
            }
            return timings
        }
    }

    private static func fetch(_ url: String, cookie: String) async throws -> (status: Int, bytes: Int) {
        var request = URLRequest(url: URL(string: url)!)
        request.setValue(cookie, forHTTPHeaderField: "Cookie")
        request.setValue("zh-CN", forHTTPHeaderField: "Accept-Language")
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, data.count)
    }
}

struct PageTimerError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
