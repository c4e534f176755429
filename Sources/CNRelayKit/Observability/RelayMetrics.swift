import Metrics
import Prometheus
import CNProtocol

/// The relay's counters, exported in Prometheus text at `/metrics`. Each relay owns its
/// registry (no global bootstrap), so several relays can run in one test process.
final class RelayMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    let connections: Metrics.Meter
    let framesIn: Metrics.Counter
    let messagesRelayed: Metrics.Counter
    let mailboxStored: Metrics.Counter
    let mailboxRefused: Metrics.Counter
    let authSuccesses: Metrics.Counter
    let authFailures: Metrics.Counter
    private let errorCounters: [ErrorCode: Metrics.Counter]

    init() {
        let factory = PrometheusMetricsFactory(registry: registry)
        connections = Metrics.Meter(label: "cn_relay_connections", factory: factory)
        framesIn = Metrics.Counter(label: "cn_relay_frames_received_total", factory: factory)
        messagesRelayed = Metrics.Counter(label: "cn_relay_messages_relayed_total", factory: factory)
        mailboxStored = Metrics.Counter(label: "cn_relay_mailbox_stored_total", factory: factory)
        mailboxRefused = Metrics.Counter(label: "cn_relay_mailbox_refused_total", factory: factory)
        authSuccesses = Metrics.Counter(label: "cn_relay_auth_success_total", factory: factory)
        authFailures = Metrics.Counter(label: "cn_relay_auth_failure_total", factory: factory)
        var errors: [ErrorCode: Metrics.Counter] = [:]
        for code in ErrorCode.allCases {
            errors[code] = Metrics.Counter(label: "cn_relay_errors_total", dimensions: [("code", code.rawValue)], factory: factory)
        }
        errorCounters = errors
    }

    func errors(_ code: ErrorCode) -> Metrics.Counter { errorCounters[code]! }

    /// The Prometheus text exposition.
    func render() -> [UInt8] { registry.emitToBuffer() }
}
