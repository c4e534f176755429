import Foundation
import NIOCore
import NIOPosix
import NIOHTTP1
import Crypto
import CryptoExtras
import JWTKit

/// A fake OAuth 2.0 device-authorization server (RFC 8628) that issues ID tokens signed by
/// a key it generates; its JWK set is what the test relay trusts.
final class FakeOAuthServer: @unchecked Sendable {
    static let issuer = "https://issuer.test"
    static let clientID = "cn-test-client"
    static let userCode = "WDJB-MJHT"

    let channel: any Channel
    let jwks: String
    private let state: State
    var port: Int { channel.localAddress!.port! }
    var base: String { "http://127.0.0.1:\(port)" }
    /// The forms the token endpoint received.
    var tokenRequests: [[String: String]] { state.lock.withLock { state.tokenForms } }

    final class State: @unchecked Sendable {
        let lock = NSLock()
        var tokenForms: [[String: String]] = []
        let signer = JWTKeyCollection()
        let email: String
        let pendingPolls: Int
        init(email: String, pendingPolls: Int) {
            self.email = email
            self.pendingPolls = pendingPolls
        }
    }

    struct Claims: JWTPayload {
        var iss: IssuerClaim
        var aud: AudienceClaim
        var exp: ExpirationClaim
        var iat: IssuedAtClaim
        var email: String
        var email_verified: BoolClaim
        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    /// `pendingPolls` polls are answered `authorization_pending` before the token comes.
    init(email: String, pendingPolls: Int = 1) async throws {
        let state = State(email: email, pendingPolls: pendingPolls)
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        await state.signer.add(rsa: try Insecure.RSA.PrivateKey(backing: key), digestAlgorithm: .sha256, kid: JWKIdentifier(string: "fake"))
        let primitives = try key.publicKey.getKeyPrimitives()
        func b64url(_ d: Data) -> String {
            d.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        }
        jwks = #"{"keys":[{"kty":"RSA","alg":"RS256","use":"sig","kid":"fake","n":"\#(b64url(primitives.modulus))","e":"\#(b64url(primitives.publicExponent))"}]}"#
        self.state = state
        channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(Responder(state: state))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
    }

    func stop() async { try? await channel.close() }

    private final class Responder: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let state: State
        var path = ""
        var body = ""
        init(state: State) { self.state = state }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                path = head.uri
                body = ""
            case .body(let buffer):
                body += String(buffer: buffer)
            case .end:
                let form = Dictionary(body.split(separator: "&").map { pair -> (String, String) in
                    let kv = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? "" }
                    return (kv[0], kv.count > 1 ? kv[1] : "")
                }, uniquingKeysWith: { $1 })
                let loop = context.eventLoop
                let bound = NIOLoopBound(context, eventLoop: loop)
                let path = self.path, state = self.state
                Task {
                    let (status, json) = await Self.answer(path: path, form: form, state: state)
                    loop.execute { Self.respond(bound.value, status: status, json: json) }
                }
            }
        }

        static func answer(path: String, form: [String: String], state: State) async -> (HTTPResponseStatus, String) {
            guard form["client_id"] == FakeOAuthServer.clientID else { return (.unauthorized, #"{"error":"invalid_client"}"#) }
            switch path {
            case "/device/code":
                return (.ok, #"{"device_code":"dev-1","user_code":"\#(FakeOAuthServer.userCode)","verification_url":"https://example.test/device","expires_in":60,"interval":1}"#)
            case "/token":
                guard form["grant_type"] == "urn:ietf:params:oauth:grant-type:device_code", form["device_code"] == "dev-1" else {
                    return (.badRequest, #"{"error":"invalid_grant"}"#)
                }
                let polls = state.lock.withLock { state.tokenForms.append(form); return state.tokenForms.count }
                guard polls > state.pendingPolls else { return (.badRequest, #"{"error":"authorization_pending"}"#) }
                let token = try! await state.signer.sign(Claims(
                    iss: IssuerClaim(value: FakeOAuthServer.issuer), aud: AudienceClaim(value: [FakeOAuthServer.clientID]),
                    exp: ExpirationClaim(value: Date().addingTimeInterval(600)), iat: IssuedAtClaim(value: Date()),
                    email: state.email, email_verified: BoolClaim(value: true)), kid: JWKIdentifier(string: "fake"))
                return (.ok, #"{"access_token":"at","id_token":"\#(token)","token_type":"Bearer","expires_in":3599}"#)
            default:
                return (.notFound, #"{"error":"not_found"}"#)
            }
        }

        static func respond(_ context: ChannelHandlerContext, status: HTTPResponseStatus, json: String) {
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: "application/json")
            headers.add(name: "Content-Length", value: String(json.utf8.count))
            context.write(NIOAny(HTTPServerResponsePart.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
            context.write(NIOAny(HTTPServerResponsePart.body(.byteBuffer(ByteBuffer(string: json)))), promise: nil)
            context.writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil)), promise: nil)
        }
    }
}
