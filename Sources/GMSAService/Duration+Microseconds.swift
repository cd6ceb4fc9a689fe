extension Duration {
    /// Whole microseconds for `usleep(3)`, 0 for a negative duration, `UInt32.max` past what it takes.
    ///
    /// The daemon's waits use `usleep` rather than timer-based sleeps (`Task.sleep`, dispatch timers), which
    /// never fire under libfaketime, as the lab's rollover tests run the daemon.
    public var sleepMicroseconds: UInt32 {
        let (seconds, attoseconds) = components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000)
        if overflow { return seconds < 0 ? 0 : .max }
        return UInt32(clamping: whole.addingReportingOverflow(attoseconds / 1_000_000_000_000).partialValue)
    }
}
