import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
@testable import CNRelayKit

/// The HTTP side of the relay's port: website, /healthz, /metrics.
@Suite(.serialized)
struct HTTPTests {
    func get(_ port: Int, _ path: String) async throws -> (status: Int, body: String, type: String?) {
        let (data, response) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        let http = response as! HTTPURLResponse
        return (http.statusCode, String(decoding: data, as: UTF8.self), http.value(forHTTPHeaderField: "Content-Type"))
    }

    @Test func healthMetricsAndThePlaceholderSite() async throws {
        let relay = try await TestRelay.start()
        defer { Task { await relay.stop() } }
        let health = try await get(relay.port, "/healthz")
        #expect(health.status == 200 && health.body.contains("\"status\":\"ok\""))
        let c = try await relay.client("alice@example.com")
        let metrics = try await get(relay.port, "/metrics")
        #expect(metrics.status == 200 && metrics.body.contains("cn_relay_connections 1"))
        #expect(metrics.body.contains("cn_relay_auth_success_total 1"))
        let home = try await get(relay.port, "/")
        #expect(home.status == 200 && home.body.contains("CryptNode relay") && home.type?.hasPrefix("text/html") == true)
        #expect(try await get(relay.port, "/nope").status == 404)
        await c.close()
    }

    @Test func aWebsiteDirectoryIsServedWithoutTraversal() async throws {
        let site = TestRelay.temporaryDirectory()
        try "<h1>Download</h1>".write(toFile: site + "/index.html", atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: site + "/docs", withIntermediateDirectories: true)
        try "body{}".write(toFile: site + "/docs/style.css", atomically: true, encoding: .utf8)
        let relay = try await TestRelay.start { $0.websiteDirectory = site; $0.metricsEnabled = false }
        defer { Task { await relay.stop() } }
        #expect(try await get(relay.port, "/").body == "<h1>Download</h1>")
        let css = try await get(relay.port, "/docs/style.css")
        #expect(css.body == "body{}" && css.type?.hasPrefix("text/css") == true)
        #expect(try await get(relay.port, "/../relay.secret").status == 404)
        #expect(try await get(relay.port, "/%2e%2e/relay.secret").status == 404)
        #expect(try await get(relay.port, "/metrics").status == 404)
    }
}
