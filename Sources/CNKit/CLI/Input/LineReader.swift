import Foundation

/// One line of input.
public enum InputLine: Sendable, Equatable {
    /// A line, without its newline (and without a `\r` before it).
    case text(String)
    /// A line over the limit: refused; its bytes were never kept.
    case tooLong
    /// A line that is not UTF-8: refused rather than repaired (a replaced byte could turn a
    /// malformed address into a plausible one).
    case notUTF8
}

/// The lines of a file descriptor as an async sequence, read on a thread of their own so
/// that a command goes on handling relay frames (and PONGs) while it waits for input.
///
/// Lines come in batches, one per read of the descriptor (a pipe full of lines is a batch of
/// hundreds, a terminal a line at a time): ``batches`` hands them over as they come, so that
/// a command can handle what is already there in one go (one transaction, one write).
///
/// Bounded both ways: a line longer than `maximumLineBytes` is reported as ``InputLine/tooLong``
/// and skipped without being buffered, and the reader stops reading while `buffered` batches
/// wait to be taken (back-pressure from a slow consumer to the pipe).
public struct LineReader: AsyncSequence, Sendable {
    public typealias Element = InputLine

    private let stream: AsyncStream<[InputLine]>
    private let taken: DispatchSemaphore

    /// The most lines in one batch.
    public static let batchLimit = 256

    /// Starts reading `descriptor` at once.
    public init(descriptor: Int32 = STDIN_FILENO, maximumLineBytes: Int, buffered: Int = 16) {
        let (stream, continuation) = AsyncStream<[InputLine]>.makeStream(bufferingPolicy: .unbounded)
        let taken = DispatchSemaphore(value: buffered)
        self.stream = stream
        self.taken = taken
        let thread = Thread {
            var splitter = LineSplitter(maximumLineBytes: maximumLineBytes)
            var buffer = [UInt8](repeating: 0, count: 65_536)
            var batch: [InputLine] = []
            func handOver() {
                guard !batch.isEmpty else { return }
                taken.wait()
                continuation.yield(batch)
                batch = []
            }
            func collect(_ line: InputLine) {
                batch.append(line)
                if batch.count >= Self.batchLimit { handOver() }
            }
            while true {
                let n = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                if n < 0, errno == EINTR { continue }
                if n <= 0 { break }
                splitter.feed(buffer[0..<n], collect)
                handOver()
            }
            splitter.finish(collect)
            handOver()
            continuation.finish()
        }
        thread.name = "cryptnode-input"
        thread.start()
    }

    public func makeAsyncIterator() -> Iterator {
        Iterator(batches: Batches.Iterator(base: stream.makeAsyncIterator(), taken: taken))
    }

    /// The lines one at a time.
    public struct Iterator: AsyncIteratorProtocol {
        var batches: Batches.Iterator
        var current: [InputLine] = []
        var index = 0

        public mutating func next() async -> InputLine? {
            while index == current.count {
                guard let batch = await batches.next() else { return nil }
                current = batch
                index = 0
            }
            defer { index += 1 }
            return current[index]
        }
    }

    /// The lines in the batches they were read in (never empty, at most ``batchLimit`` each).
    public var batches: Batches { Batches(stream: stream, taken: taken) }

    /// The lines in the batches they were read in.
    public struct Batches: AsyncSequence, Sendable {
        public typealias Element = [InputLine]
        let stream: AsyncStream<[InputLine]>
        let taken: DispatchSemaphore

        public func makeAsyncIterator() -> Iterator { Iterator(base: stream.makeAsyncIterator(), taken: taken) }

        /// The next batch; nil at the end of the input.
        public struct Iterator: AsyncIteratorProtocol {
            var base: AsyncStream<[InputLine]>.AsyncIterator
            let taken: DispatchSemaphore

            public mutating func next() async -> [InputLine]? {
                guard let batch = await base.next() else { return nil }
                taken.signal()
                return batch
            }
        }
    }
}

/// Splits bytes into bounded lines.
struct LineSplitter {
    let maximumLineBytes: Int
    private var current: [UInt8] = []
    private var discarding = false

    init(maximumLineBytes: Int) { self.maximumLineBytes = maximumLineBytes }

    mutating func feed(_ bytes: ArraySlice<UInt8>, _ hand: (InputLine) -> Void) {
        var rest = bytes
        while let newline = rest.firstIndex(of: 0x0A) {
            append(rest[rest.startIndex..<newline])
            emit(hand)
            rest = rest[(newline + 1)...]
        }
        append(rest)
    }

    mutating func finish(_ hand: (InputLine) -> Void) {
        if !current.isEmpty || discarding { emit(hand) }
    }

    private mutating func append(_ bytes: ArraySlice<UInt8>) {
        guard !discarding else { return }
        if current.count + bytes.count > maximumLineBytes {
            current.removeAll()
            discarding = true
        } else {
            current += bytes
        }
    }

    private mutating func emit(_ hand: (InputLine) -> Void) {
        defer {
            current.removeAll(keepingCapacity: true)
            discarding = false
        }
        if discarding { return hand(.tooLong) }
        if current.last == 0x0D { current.removeLast() }
        hand(String(validating: current, as: UTF8.self).map(InputLine.text) ?? .notUTF8)
    }
}
