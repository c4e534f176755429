import Foundation

/// Public test vectors from `../shared/testdata`, found relative to this file.
enum Vectors {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../shared/testdata").standardizedFileURL

    static func load<T: Decodable>(_ type: T.Type, _ path: String) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(contentsOf: root.appendingPathComponent(path)))
    }
}

/// The common shape of a Wycheproof file: groups of cases.
struct Wycheproof<Case: Decodable>: Decodable {
    struct Group: Decodable { var tests: [Case] }
    var numberOfTests: Int
    var testGroups: [Group]
    var cases: [Case] { testGroups.flatMap(\.tests) }
}
