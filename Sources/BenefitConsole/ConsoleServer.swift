import BenefitCore
import Hummingbird
import Logging
import ServiceLifecycle

/// `benefit serve`: the console's HTTP server, a `Service` under the same
/// lifecycle as the daemons. On graceful shutdown it ends its live streams,
/// lets requests under way finish and stops.
public struct ConsoleServer: Service {
    let console: Console
    let host: String
    let port: Int

    public init(console: Console, host: String, port: Int) {
        self.console = console
        self.host = host
        self.port = port
    }

    public func run() async throws {
        let listening = Latch()
        let application = Application(
            router: console.router(),
            configuration: .init(address: .hostname(host, port: port), serverName: "benefit"),
            onServerRunning: { channel in
                listening.fire()
                console.logger.notice("console listening", metadata: ["url": "http://\(host):\(channel.localAddress?.port ?? port)/"])
            },
            logger: console.logger)
        do {
            try await withGracefulShutdownHandler {
                try await application.run()
            } onGracefulShutdown: {
                console.beginShutdown()
            }
        } catch where !listening.isFired {
            throw ConsoleServerError(description: "cannot listen on \(host):\(port) (--address): \(error)")
        }
    }
}

/// The console could not listen where it was asked to.
public struct ConsoleServerError: Error, CustomStringConvertible {
    public let description: String
}
