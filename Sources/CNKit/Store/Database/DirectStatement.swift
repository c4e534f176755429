import Foundation
import GRDB
import GRDBSQLite

/// One value bound by ``GRDB/Database/executeDirect(sql:_:)``.
enum SQLArgument {
    case text(String)
    case integer(Int64)
    case blob(Data)
    case null

    /// Text, or NULL for nil.
    static func text(_ value: String?) -> SQLArgument { value.map(SQLArgument.text) ?? .null }
    /// An integer, or NULL for nil.
    static func integer(_ value: Int64?) -> SQLArgument { value.map(SQLArgument.integer) ?? .null }
    /// 1 or 0.
    static func boolean(_ value: Bool) -> SQLArgument { .integer(value ? 1 : 0) }
}

extension Database {
    /// Runs a cached statement that returns no rows, its arguments bound through SQLite's C
    /// API; returns the number of rows it changed.
    ///
    /// For the statements run once or several times per message (the outbox, the message
    /// and event rows, deliveries): GRDB's generic arguments (an array of existentials,
    /// each converted to a `DatabaseValue`, then bound) cost a tenth of a sending client's
    /// CPU, more than SQLite's own work. Only inside a transaction GRDB opened (its write
    /// closures): GRDB does not see these statements, which is fine for plain writes and
    /// only for them.
    @discardableResult
    func executeDirect(sql: String, _ arguments: SQLArgument...) throws -> Int {
        let handle = try cachedStatement(sql: sql).sqliteStatement
        sqlite3_reset(handle)
        defer {
            sqlite3_reset(handle)
            sqlite3_clear_bindings(handle)
        }
        guard arguments.count == Int(sqlite3_bind_parameter_count(handle)) else {
            throw DatabaseError(resultCode: .SQLITE_MISUSE, message: "\(arguments.count) arguments for \(sqlite3_bind_parameter_count(handle)) parameters",
                                sql: sql)
        }
        for (offset, argument) in arguments.enumerated() {
            let index = Int32(offset + 1)
            let code: Int32
            switch argument {
            case .text(var text):
                // With its length: a NUL inside the text stays part of it.
                code = text.withUTF8 { utf8 in
                    utf8.withMemoryRebound(to: CChar.self) { chars in
                        // An empty buffer may have no address, which SQLite would bind as NULL.
                        guard let address = chars.baseAddress else { return sqlite3_bind_text(handle, index, "", 0, Self.transient) }
                        return sqlite3_bind_text(handle, index, address, Int32(chars.count), Self.transient)
                    }
                }
            case .integer(let value):
                code = sqlite3_bind_int64(handle, index, value)
            case .blob(let data):
                code = data.withUnsafeBytes { bytes in
                    // A zero-length blob, not NULL, even when the buffer has no address.
                    bytes.baseAddress.map { sqlite3_bind_blob(handle, index, $0, Int32(bytes.count), Self.transient) }
                        ?? sqlite3_bind_zeroblob(handle, index, 0)
                }
            case .null:
                code = sqlite3_bind_null(handle, index)
            }
            guard code == SQLITE_OK else { throw directError(code, sql: sql) }
        }
        let code = sqlite3_step(handle)
        guard code == SQLITE_DONE else { throw directError(code, sql: sql) }
        return Int(sqlite3_changes(sqliteConnection))
    }

    private func directError(_ code: Int32, sql: String) -> DatabaseError {
        DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(sqliteConnection)), sql: sql)
    }

    /// SQLITE_TRANSIENT: SQLite copies the value before the call returns.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
}
