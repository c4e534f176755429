import Foundation
import Testing
import GRDB
@testable import CNStore

/// `Database.executeDirect`: values bound through SQLite's C API read back as GRDB binds them.
struct DirectStatementTests {
    @Test func valuesRoundTripExactly() throws {
        let queue = try DatabaseQueue()
        try queue.write { db in
            try db.execute(sql: "CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT, n INTEGER, b BLOB)")
            let texts = ["", "plain", "nul\u{0}inside", "ünïcödé 😀", String(repeating: "x", count: 70_000)]
            for (index, text) in texts.enumerated() {
                let changed = try db.executeDirect(sql: "INSERT INTO t (id, s, n, b) VALUES (?, ?, ?, ?)", .integer(Int64(index)), .text(text),
                                                   .integer(Int64.min + Int64(index)), .blob(Data(text.utf8)))
                #expect(changed == 1)
            }
            for (index, text) in texts.enumerated() {
                let row = try #require(try Row.fetchOne(db, sql: "SELECT CAST(s AS BLOB) AS s, n, b, typeof(s) AS ts, typeof(b) AS tb FROM t WHERE id = ?",
                                                        arguments: [index]))
                // Compared as bytes: a NUL inside the text is stored (reading it as a String stops there).
                #expect(row["s"] as Data? ?? Data() == Data(text.utf8))
                #expect(row["n"] as Int64 == Int64.min + Int64(index))
                #expect(row["b"] as Data == Data(text.utf8))
                #expect(row["ts"] as String == "text", "an empty string is '', not NULL")
                #expect(row["tb"] as String == "blob", "an empty blob is a blob, not NULL")
            }
            try db.executeDirect(sql: "INSERT INTO t (id, s, n, b) VALUES (?, ?, ?, ?)", .integer(99), .text(nil as String?), .integer(nil as Int64?), .null)
            #expect(try Row.fetchOne(db, sql: "SELECT s IS NULL AND n IS NULL AND b IS NULL AS nulls FROM t WHERE id = 99")?["nulls"] as Bool? == true)
            #expect(try db.executeDirect(sql: "UPDATE t SET n = ? WHERE id >= ?", .boolean(true), .integer(3)) == 3)
        }
    }

    @Test func errorsAreThrownAndTheStatementStaysUsable() throws {
        let queue = try DatabaseQueue()
        try queue.write { db in
            try db.execute(sql: "CREATE TABLE t (id INTEGER PRIMARY KEY)")
            try db.executeDirect(sql: "INSERT INTO t (id) VALUES (?)", .integer(1))
            #expect(throws: DatabaseError.self) { try db.executeDirect(sql: "INSERT INTO t (id) VALUES (?)", .integer(1)) }  // the key exists
            #expect(throws: DatabaseError.self) { try db.executeDirect(sql: "INSERT INTO t (id) VALUES (?)") }  // an argument short
            try db.executeDirect(sql: "INSERT INTO t (id) VALUES (?)", .integer(2))  // the cached statement was reset
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM t") == 2)
        }
    }
}
