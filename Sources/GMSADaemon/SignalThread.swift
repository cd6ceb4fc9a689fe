import CSignalPipe
import GMSAService

#if canImport(Glibc)
import Glibc
#endif

/// Delivers the daemon's signals to ordinary code, one at a time, on a thread of its own (`gmsa-signals`).
///
/// A C handler writes each signal's number to a pipe (see `gmsa_signal_pipe.h`); the thread reads the pipe and
/// calls `handle`. Install it once per process, before the signals matter: until then they have their default
/// actions (SIGTERM and SIGINT end the process, as they should while it starts).
enum SignalThread {
    struct InstallFailure: Error, CustomStringConvertible {
        let number: Int32
        var description: String { "cannot install the signal handlers: \(String(cString: strerror(number)))" }
    }

    static func start(_ signals: [Int32], handle: @escaping @Sendable (Int32) -> Void) throws(InstallFailure) {
        let readEnd = signals.withUnsafeBufferPointer { gmsa_signal_pipe_install($0.baseAddress, Int32($0.count)) }
        guard readEnd >= 0 else { throw InstallFailure(number: errno) }
        DetachedThread.start(name: "gmsa-signals") {
            var byte: UInt8 = 0
            while true {
                let count = read(readEnd, &byte, 1)
                if count == 1 {
                    handle(Int32(byte))
                } else if count < 0, errno == EINTR {
                    continue
                } else {
                    return  // Cannot happen: the write end stays open for the process's lifetime.
                }
            }
        }
    }
}
