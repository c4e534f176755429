import Foundation
import ArgumentParser
import CNClient

/// The options of the Google device-code sign-in (`--google`), with environment defaults
/// so that a relay operator can hand users one line of configuration.
public struct DeviceLoginOptions: ParsableArguments, Sendable {
    @Option(help: ArgumentHelp("OAuth client id (default: $CN_GOOGLE_CLIENT_ID).", valueName: "id"))
    public var clientID: String?

    @Option(help: ArgumentHelp("OAuth client secret of a device client (default: $CN_GOOGLE_CLIENT_SECRET).", valueName: "secret"))
    public var clientSecret: String?

    @Option(help: ArgumentHelp("Device authorization endpoint (default: $CN_OAUTH_DEVICE_URL, else Google's).", valueName: "url"))
    public var deviceEndpoint: String?

    @Option(help: ArgumentHelp("Token endpoint (default: $CN_OAUTH_TOKEN_URL, else Google's).", valueName: "url"))
    public var tokenEndpoint: String?

    public init() {}

    /// The configuration these options and the environment give.
    public func configuration(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> DeviceLoginConfiguration {
        func pick(_ option: String?, _ variable: String) -> String? {
            option ?? environment[variable].flatMap { $0.isEmpty ? nil : $0 }
        }
        guard let clientID = pick(clientID, "CN_GOOGLE_CLIENT_ID") else {
            throw CommandFailure(.configuration, "--google needs an OAuth client id: --client-id or CN_GOOGLE_CLIENT_ID (ask the relay's operator)")
        }
        return DeviceLoginConfiguration(
            deviceEndpoint: pick(deviceEndpoint, "CN_OAUTH_DEVICE_URL") ?? "https://oauth2.googleapis.com/device/code",
            tokenEndpoint: pick(tokenEndpoint, "CN_OAUTH_TOKEN_URL") ?? "https://oauth2.googleapis.com/token",
            clientID: clientID,
            clientSecret: pick(clientSecret, "CN_GOOGLE_CLIENT_SECRET"))
    }
}
