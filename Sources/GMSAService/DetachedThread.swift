import CLinux

#if canImport(Glibc)
import Glibc
#endif

/// Starts a detached POSIX thread that runs `body`, in place of Foundation's `Thread`.
///
/// `name` shows in `top -H` and `/proc/PID/task/*/comm`; the kernel keeps 15 bytes of it.
package enum DetachedThread {
    private final class Start {
        let name: String
        let body: () -> Void

        init(name: String, body: @escaping () -> Void) {
            self.name = name
            self.body = body
        }
    }

    package static func start(name: String, _ body: @escaping @Sendable () -> Void) {
        let start = Unmanaged.passRetained(Start(name: name, body: body)).toOpaque()
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        var thread = pthread_t()
        let result = pthread_create(
            &thread, &attributes,
            { context in
                let start = Unmanaged<Start>.fromOpaque(context!).takeRetainedValue()
                pthread_setname_np(pthread_self(), String(start.name.utf8.prefix(15))!)
                start.body()
                return nil
            }, start)
        precondition(result == 0, "cannot start the thread \(name): \(String(cString: strerror(result)))")
    }
}
