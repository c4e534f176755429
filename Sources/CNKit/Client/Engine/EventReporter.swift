import CNStore

/// Reports the engine's events: those that are history go into the account's event log
/// (so that `cn-recv` shows each once, whichever command received it), and every one goes
/// to the caller's handler (stderr for most commands, the printer for `cn-recv`).
public final class EventReporter: Sendable {
    private let database: AccountDatabase
    private let handler: @Sendable (ClientEvent, _ logged: Bool) -> Void

    /// `handler` gets each event and whether it was logged.
    public init(database: AccountDatabase, handler: @escaping @Sendable (ClientEvent, _ logged: Bool) -> Void) {
        self.database = database
        self.handler = handler
    }

    /// Logs `event` if it is history, then hands it on.
    public func report(_ event: ClientEvent) {
        var logged = false
        if event.isLogged {
            // A log that cannot be written (a full disk) must not lose the event for this run.
            logged = (try? database.logEvent(event.line, now: event.ts)) != nil
        }
        handler(event, logged)
    }

    /// Hands on an event that was logged together with the change it announces (a stored
    /// message and its event are one transaction).
    public func announce(_ event: ClientEvent) {
        handler(event, true)
    }
}
