import Foundation

/// The relay's static website, loaded into memory at start so that serving it never
/// touches the disk from the event loop.
struct Website: Sendable {
    struct Page: Sendable {
        var contentType: String
        var body: [UInt8]
    }

    private var pages: [String: Page] = [:]
    /// The most a website may hold in memory.
    static let maxTotalBytes = 64 << 20

    /// The built-in page served without `--website`.
    static let placeholder = Website(pages: ["/": Page(contentType: "text/html; charset=utf-8", body: Array("""
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>CryptNode relay</title></head>
        <body><h1>CryptNode relay</h1>
        <p>This is a CryptNode relay. It forwards end-to-end-encrypted messages between devices and
        stores only what delivery needs: never plaintext, never history.</p>
        <p>Connect with the CryptNode tools (<code>cn-account init --relay wss://this-host/</code>).</p>
        </body></html>

        """.utf8))])

    private init(pages: [String: Page]) { self.pages = pages }

    /// Loads every regular file below `directory`.
    init(directory: String) throws {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue,
              let walker = fm.enumerator(atPath: directory) else {
            throw RelayStartupError(.io, "cannot read the website directory \(directory)")
        }
        var total = 0
        while let relative = walker.nextObject() as? String {
            let full = directory + "/" + relative
            guard fm.fileExists(atPath: full, isDirectory: &isDirectory), !isDirectory.boolValue,
                  !relative.split(separator: "/").contains(where: { $0.hasPrefix(".") }) else { continue }
            guard let data = fm.contents(atPath: full) else { throw RelayStartupError(.io, "cannot read \(full)") }
            total += data.count
            guard total <= Self.maxTotalBytes else { throw RelayStartupError(.io, "the website is larger than 64 MiB") }
            pages["/" + relative] = Page(contentType: Self.contentType(of: relative), body: [UInt8](data))
        }
    }

    /// The page at a request path; `/` and directories serve their `index.html`.
    func page(for path: String) -> Page? {
        let clean = path.removingPercentEncoding ?? path
        if let page = pages[clean] { return page }
        return pages[clean.hasSuffix("/") ? clean + "index.html" : clean + "/index.html"] ?? (clean == "/" ? pages["/"] : nil)
    }

    static func contentType(of name: String) -> String {
        switch name.split(separator: ".").last?.lowercased() {
        case "html", "htm": "text/html; charset=utf-8"
        case "css": "text/css; charset=utf-8"
        case "js": "text/javascript; charset=utf-8"
        case "json": "application/json"
        case "svg": "image/svg+xml"
        case "png": "image/png"
        case "ico": "image/x-icon"
        case "txt", "asc", "sha256": "text/plain; charset=utf-8"
        case "gz", "tgz": "application/gzip"
        default: "application/octet-stream"
        }
    }
}
