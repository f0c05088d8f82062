/// The settings every session runs with, so that the text the decoders read has
/// one form whatever the server's or the login's defaults.
enum SessionSettings {
    /// Sent at connect as `options` (`-c name=value`) on a direct connection.
    static let startup: [(name: String, value: String)] = [
        ("TimeZone", "UTC"), ("DateStyle", "ISO,YMD"), ("IntervalStyle", "iso_8601"), ("extra_float_digits", "3"),
    ]

    /// Run right after connecting through a transaction pooler, which refuses
    /// `options`: only the settings PgBouncer keeps per client and sets again on
    /// every server session it lends that client (TimeZone and DateStyle, with
    /// client_encoding and application_name, which go as startup parameters).
    /// The rest of ``startup`` is not needed there: no decoder reads an interval's
    /// text, and PostgreSQL 12 and later write floats exactly by default.
    static let pooled = "SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'"
}
