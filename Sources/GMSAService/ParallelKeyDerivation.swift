import Dispatch
#if canImport(Glibc)
import Glibc
#endif
import GMSACore
import GMSAKerberos
import Synchronization

/// Derives the keys of many accounts on every core: string-to-key is CPU-bound and each account is independent.
///
/// Each worker has its own libkrb5 context (a `krb5_context` must not be shared between threads).
enum ParallelKeyDerivation {
    /// `plans` with their keys derived, in the same order; a worker without a context fails its accounts.
    static func derive(
        _ plans: [KeyPlan], realm: String, workers: Int = System.activeProcessorCount
    ) -> [Result<KeyPlan, AccountFailure>] {
        let workers = max(1, min(workers, plans.count))
        let results = Mutex<[Result<KeyPlan, AccountFailure>?]>(Array(repeating: nil, count: plans.count))
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            // libdispatch's workers live on: what the libraries left of keys in their frames and in the vector
            // registers goes too (the worker's first idle wait binds sem_timedwait lazily, and glibc's resolver
            // saves every vector register on the stack).
            defer { KerberosContext.scrubStack() }
            let planner: KeyPlanner?
            do {
                planner = KeyPlanner(realm: realm, context: try KerberosContext())
            } catch {
                planner = nil
            }
            for index in stride(from: worker, to: plans.count, by: workers) {
                let result: Result<KeyPlan, AccountFailure>
                if let planner {
                    do throws(AccountFailure) {
                        result = .success(try planner.derive(plans[index]))
                    } catch {
                        result = .failure(error)
                    }
                } else {
                    result = .failure(AccountFailure(.failed, "cannot set up libkrb5 to derive keys"))
                }
                results.withLock { $0[index] = result }
            }
        }
        return results.withLock { $0.map { $0 ?? .failure(AccountFailure(.failed, "keys not derived")) } }
    }
}

/// What the machine offers.
enum System {
    /// Online cores, at least 1.
    static var activeProcessorCount: Int { max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN))) }
}
