import CLinux
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// What an `on_change` command writes to its standard output and error, as lines, read from two pipes by a
/// thread of its own (`gmsa-on-change`).
///
/// The thread drains the pipes as the command writes, so a command that writes a lot never blocks on a full
/// pipe, and the daemon's loop never waits for it. A line is cut at ``lineLimit`` bytes (at a UTF-8 boundary;
/// the rest up to its newline is dropped); once ``totalLimit`` bytes were reported in one run, one
/// ``Event/truncated`` follows and nothing more is (the pipes are still drained). Bytes that are not UTF-8 become
/// U+FFFD, a trailing CR is dropped.
///
/// ``finish()``, once the command has ended, reports what it left in the pipes, so its last lines come before
/// its exit status. The thread itself keeps reading until every writer is gone: something the command started
/// in the background may still hold the pipes, and must not get EPIPE for it. Only the thread closes the
/// descriptors, so none is reused under it.
public final class ChangeCommandOutput: Sendable {
    public enum Stream: String, Sendable {
        case standardOutput = "stdout"
        case standardError = "stderr"
    }

    public enum Event: Sendable, Equatable {
        /// A whole line, without its newline.
        case line(String)
        /// The first ``lineLimit`` bytes of a longer line.
        case cutLine(String)
        /// The run's output passed ``totalLimit``; nothing more of it is reported.
        case truncated
    }

    public typealias Sink = @Sendable (Stream, Event) -> Void

    public static let lineLimit = 4096
    public static let totalLimit = 65536
    /// At most this much is read from one pipe while the lock is held, so ``finish()`` never waits long.
    static let readBudget = 256 * 1024

    struct Pipe {
        let stream: Stream
        /// The read end, non-blocking; -1 once closed.
        var descriptor: Int32
        /// The line so far, up to ``lineLimit`` + 1 bytes.
        var pending: [UInt8] = []
        /// A line was cut: drop bytes up to the next newline.
        var cutting = false
        var atEnd = false
    }

    struct State {
        var pipes: [Pipe]
        var reported = 0
        var truncated = false
    }

    private let state: Mutex<State>
    private let sink: Sink

    /// The write ends, for the command's fd 1 and 2: close them once it has started.
    public let writeEnds: (standardOutput: Int32, standardError: Int32)

    /// Two pipes (close-on-exec; the read ends non-blocking); `nil` with errno when they cannot be made.
    public init?(sink: @escaping Sink) {
        var output: [Int32] = [-1, -1]
        var error: [Int32] = [-1, -1]
        guard pipe2(&output, O_CLOEXEC) == 0 else { return nil }
        guard pipe2(&error, O_CLOEXEC) == 0 else {
            close(output[0])
            close(output[1])
            return nil
        }
        for descriptor in [output[0], error[0]] {
            _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
        }
        self.sink = sink
        writeEnds = (output[1], error[1])
        state = Mutex(
            State(pipes: [Pipe(stream: .standardOutput, descriptor: output[0]), Pipe(stream: .standardError, descriptor: error[0])]))
    }

    /// Closes the write ends (the command has them now, or did not start).
    public func closeWriteEnds() {
        close(writeEnds.standardOutput)
        close(writeEnds.standardError)
    }

    /// Starts the reading thread; it ends when every writer has closed both pipes.
    public func startReading() {
        DetachedThread.start(name: "gmsa-on-change") { [self] in
            readUntilClosed()
        }
    }

    /// Reports what the ended command left in the pipes, and its last line if that had no newline.
    public func finish() {
        state.withLock { state in
            for index in state.pipes.indices {
                drain(&state, index)
                flush(&state, index)
            }
        }
    }

    /// Closes the read ends without reading; for a command that did not start (no thread reads).
    public func closeReadEnds() {
        state.withLock { state in
            for index in state.pipes.indices where state.pipes[index].descriptor >= 0 {
                close(state.pipes[index].descriptor)
                state.pipes[index].descriptor = -1
            }
        }
    }

    private func readUntilClosed() {
        while true {
            let open = state.withLock { state in state.pipes.map(\.descriptor).filter { $0 >= 0 } }
            if open.isEmpty { return }
            var descriptors = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            // No timeout: a closed write end (POLLHUP) or data wakes it, and only this thread closes the read ends.
            if poll(&descriptors, nfds_t(descriptors.count), -1) < 0, errno != EINTR, errno != EAGAIN { return }
            state.withLock { state in
                for index in state.pipes.indices where state.pipes[index].descriptor >= 0 {
                    drain(&state, index)
                    if state.pipes[index].atEnd {
                        flush(&state, index)
                        close(state.pipes[index].descriptor)
                        state.pipes[index].descriptor = -1
                    }
                }
            }
        }
    }

    /// Reads what the pipe holds now, up to ``readBudget``, and reports its complete lines.
    private func drain(_ state: inout State, _ index: Int) {
        let descriptor = state.pipes[index].descriptor
        guard descriptor >= 0, !state.pipes[index].atEnd else { return }
        var buffer = [UInt8](repeating: 0, count: 16384)
        var read = 0
        while read < Self.readBudget {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count > 0 {
                read += count
                take(buffer[..<count], into: &state, index)
            } else if count == 0 {
                state.pipes[index].atEnd = true
                return
            } else if errno == EINTR {
                continue
            } else {
                if errno != EAGAIN { state.pipes[index].atEnd = true }
                return
            }
        }
    }

    private func take(_ bytes: ArraySlice<UInt8>, into state: inout State, _ index: Int) {
        var rest = bytes
        while !rest.isEmpty {
            let newline = rest.firstIndex(of: 0x0A)
            let piece = rest[..<(newline ?? rest.endIndex)]
            if !state.pipes[index].cutting {
                state.pipes[index].pending.append(contentsOf: piece.prefix(Self.lineLimit + 1 - state.pipes[index].pending.count))
                if state.pipes[index].pending.count > Self.lineLimit {
                    let line = state.pipes[index].pending
                    state.pipes[index].pending.removeAll(keepingCapacity: true)
                    state.pipes[index].cutting = true
                    report(.cutLine(Self.text(Self.cut(line))), state.pipes[index].stream, &state)
                }
            }
            guard let newline else { return }
            if state.pipes[index].cutting {
                state.pipes[index].cutting = false
            } else {
                let line = state.pipes[index].pending
                state.pipes[index].pending.removeAll(keepingCapacity: true)
                report(.line(Self.text(line[...])), state.pipes[index].stream, &state)
            }
            rest = rest[(newline + 1)...]
        }
    }

    /// A last line without a newline.
    private func flush(_ state: inout State, _ index: Int) {
        if !state.pipes[index].pending.isEmpty && !state.pipes[index].cutting {
            let line = state.pipes[index].pending
            report(.line(Self.text(line[...])), state.pipes[index].stream, &state)
        }
        state.pipes[index].pending.removeAll()
        state.pipes[index].cutting = false
    }

    private func report(_ event: Event, _ stream: Stream, _ state: inout State) {
        guard !state.truncated else { return }
        let size: Int
        switch event {
        case .line(let text), .cutLine(let text): size = text.utf8.count + 1
        case .truncated: size = 0
        }
        if state.reported + size > Self.totalLimit {
            state.truncated = true
            sink(stream, .truncated)
            return
        }
        state.reported += size
        sink(stream, event)
    }

    /// The first ``lineLimit`` bytes, less a UTF-8 sequence the cut would split.
    static func cut(_ line: [UInt8]) -> ArraySlice<UInt8> {
        var end = min(lineLimit, line.count)
        // Back to the start of the sequence the byte at `end` continues, if it is a continuation byte.
        if end < line.count {
            var start = end
            while start > 0, end - start < 3, line[start] & 0xC0 == 0x80 { start -= 1 }
            if line[start] & 0xC0 == 0x80 { start = end }  // Not UTF-8 anyway: cut where the limit is.
            end = start
        }
        return line[..<end]
    }

    /// UTF-8 with invalid bytes as U+FFFD, without a trailing CR.
    static func text(_ bytes: ArraySlice<UInt8>) -> String {
        String(decoding: bytes.last == 0x0D ? bytes.dropLast() : bytes, as: UTF8.self)
    }
}
