import BenefitCore
import Foundation
import Hummingbird

/// One event of a `text/event-stream` response.
struct ServerSentEvent: Sendable {
    let name: String
    /// One line of JSON (no newline).
    let data: String

    var text: String { "event: \(name)\ndata: \(data)\n\n" }

    /// The `runs` event console.js redraws progress cards from: each card as its page draws it.
    static func runs(_ cards: [[String: Any]]) throws -> ServerSentEvent {
        let data = try JSONSerialization.data(withJSONObject: ["runs": cards], options: [.sortedKeys])
        return ServerSentEvent(name: "runs", data: String(decoding: data, as: UTF8.self))
    }
}

extension Console {
    /// A stream that sends `next()`'s event now and every `eventInterval`, until the
    /// browser goes away or the console begins to shut down (``stopping``); a failed read ends the stream
    /// (the browser's EventSource reconnects by itself).
    func events(_ next: @escaping @Sendable () async throws -> ServerSentEvent) -> Response {
        let interval = configuration.eventInterval
        return Response(
            status: .ok,
            headers: [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-store"],
            body: ResponseBody { writer in
                do {
                    repeat {
                        let event = try await next()
                        try await writer.write(ByteBuffer(string: event.text))
                        // The next event after the interval, or none once the console stops.
                        _ = try? await withDeadline(.now + interval) { [stopping] in await stopping.wait() }
                    } while !Task.isCancelled && !stopping.isFired
                } catch {
                    // The browser left, the console is stopping, or the database failed: end this stream.
                }
                try await writer.finish(nil)
            })
    }
}
