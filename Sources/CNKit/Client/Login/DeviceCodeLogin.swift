import Foundation
import NIOCore
import NIOHTTP1
import AsyncHTTPClient
import CNCrypto

/// Where and as whom the OAuth 2.0 device authorization grant (RFC 8628) signs in.
public struct DeviceLoginConfiguration: Sendable {
    /// The device authorization endpoint (Google: `https://oauth2.googleapis.com/device/code`).
    public var deviceEndpoint: String
    /// The token endpoint (Google: `https://oauth2.googleapis.com/token`).
    public var tokenEndpoint: String
    public var clientID: String
    /// Google's "TVs and limited input devices" clients have a secret (not secret in practice).
    public var clientSecret: String?
    public var scope: String
    /// The longest the whole sign-in may take.
    public var deadline: Duration

    public init(deviceEndpoint: String, tokenEndpoint: String, clientID: String, clientSecret: String?,
                scope: String = "openid email", deadline: Duration = .seconds(900)) {
        self.deviceEndpoint = deviceEndpoint
        self.tokenEndpoint = tokenEndpoint
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.scope = scope
        self.deadline = deadline
    }
}

/// What the user must do: open a URL on another device and type a code.
public struct DeviceLoginPrompt: Codable, Sendable {
    public var verificationURL: String
    public var userCode: String
    /// Seconds until the code expires.
    public var expiresIn: Int
}

/// The OAuth device-code sign-in: asks for a user code, shows it, polls the token endpoint
/// at the server's interval (slowing down when told) and returns the ID token, which the
/// relay verifies (PROTOCOL §3) and exchanges for a session token.
public struct DeviceCodeLogin: Sendable {
    public let configuration: DeviceLoginConfiguration

    public init(configuration: DeviceLoginConfiguration) { self.configuration = configuration }

    /// Runs the flow; `show` is called once with the code for the user.
    public func run(show: @Sendable (DeviceLoginPrompt) -> Void) async throws -> String {
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            let token = try await flow(http, show: show)
            try await http.shutdown()
            return token
        } catch {
            try? await http.shutdown()
            throw error
        }
    }

    private func flow(_ http: HTTPClient, show: @Sendable (DeviceLoginPrompt) -> Void) async throws -> String {
        var form = ["client_id": configuration.clientID, "scope": configuration.scope]
        let started = ContinuousClock.now
        let code = try await post(http, configuration.deviceEndpoint, form)
        guard let deviceCode = code["device_code"] as? String, let userCode = code["user_code"] as? String,
              let url = (code["verification_url"] ?? code["verification_uri"]) as? String else {
            throw ClientError(.protocolViolation, "the device endpoint gave no device code: \(describe(code))")
        }
        let expiresIn = (code["expires_in"] as? Int) ?? 900
        var interval = max((code["interval"] as? Int) ?? 5, 1)
        show(DeviceLoginPrompt(verificationURL: url, userCode: userCode, expiresIn: expiresIn))
        form = ["client_id": configuration.clientID, "device_code": deviceCode,
                "grant_type": "urn:ietf:params:oauth:grant-type:device_code"]
        if let secret = configuration.clientSecret { form["client_secret"] = secret }
        let deadline = started + min(configuration.deadline, .seconds(expiresIn))
        while ContinuousClock.now < deadline {
            try await Task.sleep(for: .seconds(interval))
            let answer = try await post(http, configuration.tokenEndpoint, form, acceptErrors: true)
            if let idToken = answer["id_token"] as? String { return idToken }
            switch answer["error"] as? String {
            case "authorization_pending": continue
            case "slow_down": interval += 5
            case "access_denied": throw ClientError(.authFailed, "the sign-in was declined")
            case "expired_token": throw ClientError(.authFailed, "the code expired before the sign-in was finished; run the command again")
            default: throw ClientError(.authFailed, "the token endpoint refused: \(describe(answer))")
            }
        }
        throw ClientError(.timedOut, "the sign-in was not finished in time")
    }

    private func post(_ http: HTTPClient, _ url: String, _ form: [String: String], acceptErrors: Bool = false) async throws -> [String: Any] {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Accept", value: "application/json")
        request.body = .bytes(ByteBuffer(string: Self.formEncode(form)))
        let response: HTTPClientResponse
        do { response = try await http.execute(request, timeout: .seconds(30)) } catch {
            throw ClientError(.unreachable, "cannot reach \(url): \(error)")
        }
        let body = try await response.body.collect(upTo: 1 << 20)
        let json = (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any]
        guard let json else { throw ClientError(.protocolViolation, "\(url) answered \(response.status.code) without JSON") }
        guard response.status == .ok || acceptErrors else {
            throw ClientError(.authFailed, "\(url) refused (\(response.status.code)): \(describe(json))")
        }
        return json
    }

    private func describe(_ json: [String: Any]) -> String {
        [json["error"], json["error_description"]].compactMap { $0 as? String }.joined(separator: ": ")
    }

    static func formEncode(_ form: [String: String]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return form.sorted { $0.key < $1.key }.map { key, value in
            key + "=" + (value.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")
        }.joined(separator: "&")
    }
}

/// Reading an ID token's claims without verifying it — only to learn which e-mail it names
/// before the relay (which verifies it, with jwt-kit) signs the device in. Not jwt-kit here:
/// every client command would link it and pay its start-up for one field of an unverified
/// payload.
public enum UnverifiedIDToken {
    private struct Claims: Decodable { var email: String? }

    /// The `email` claim of a JWT, or nil.
    public static func email(in token: String) -> EmailAddress? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { return nil }
        var payload = String(parts[1]).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while payload.count % 4 != 0 { payload += "=" }
        guard let data = Data(base64Encoded: payload), let email = (try? JSONDecoder().decode(Claims.self, from: data))?.email else { return nil }
        return EmailAddress(email)
    }
}
