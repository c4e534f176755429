import Foundation
import Testing
import CNKit

/// `LineReader`: lines from a pipe, in batches of what each read brought, bounded.
struct LineReaderTests {
    /// A pipe whose write end the test feeds from another thread.
    static func pipe(_ feed: @escaping @Sendable (Int32) -> Void) -> Int32 {
        var fds: [Int32] = [0, 0]
        precondition(Glibc.pipe(&fds) == 0)
        let writer = fds[1]
        Thread.detachNewThread {
            feed(writer)
            close(writer)
        }
        return fds[0]
    }

    static func write(_ text: String, to fd: Int32) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            precondition(n > 0)
            bytes = bytes.dropFirst(n)
        }
    }

    @Test func aPipeFullOfLinesComesInBoundedBatchesInOrder() async {
        let total = 3_000
        let fd = Self.pipe { fd in Self.write((0..<total).map { "line \($0)\n" }.joined(), to: fd) }
        defer { close(fd) }
        var lines: [InputLine] = []
        var largest = 0
        var batches = 0
        for await batch in LineReader(descriptor: fd, maximumLineBytes: 1_024).batches {
            #expect(!batch.isEmpty)
            largest = max(largest, batch.count)
            batches += 1
            lines += batch
        }
        #expect(lines == (0..<total).map { .text("line \($0)") })
        #expect(largest <= LineReader.batchLimit)
        #expect(largest > 1, "a pipe full of lines is read many lines at a time")
        #expect(batches < total / 2)
    }

    @Test func aLineTypedAloneIsHandedOverAtOnce() async throws {
        // One line, then nothing until the reader has it: a batch must not wait for more input.
        let handed = DispatchSemaphore(value: 0)
        let fd = Self.pipe { fd in
            Self.write("first\n", to: fd)
            _ = handed.wait(timeout: .now() + 10)
            Self.write("second\r\nthird", to: fd)
        }
        defer { close(fd) }
        var iterator = LineReader(descriptor: fd, maximumLineBytes: 1_024).batches.makeAsyncIterator()
        #expect(await iterator.next() == [.text("first")])
        handed.signal()
        var rest: [InputLine] = []
        while let batch = await iterator.next() { rest += batch }
        #expect(rest == [.text("second"), .text("third")])
    }

    @Test func longAndBadLinesAreReportedInPlace() async {
        let fd = Self.pipe { fd in
            Self.write("ok\n" + String(repeating: "x", count: 5_000) + "\nalso ok\n", to: fd)
            let bad: [UInt8] = [0xFF, 0xFE, 0x0A]
            _ = bad.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            Self.write("last\n", to: fd)
        }
        defer { close(fd) }
        var lines: [InputLine] = []
        for await line in LineReader(descriptor: fd, maximumLineBytes: 1_024) { lines.append(line) }
        #expect(lines == [.text("ok"), .tooLong, .text("also ok"), .notUTF8, .text("last")])
    }
}
