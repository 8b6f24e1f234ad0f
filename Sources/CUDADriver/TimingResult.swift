/// The summary of a kernel timing: per-run device time statistics over repeated timed replays.
///
/// Each sample is one timed replay divided by the runs it held, in microseconds. Statistics are computed by
/// ``init(samplesMicroseconds:runsPerReplay:mode:)``, a pure function, so they are testable without a GPU.
public struct TimingResult: Codable, Sendable, Equatable {
    /// How the runs were issued.
    public enum Mode: String, Codable, Sendable {
        /// Replays of a CUDA graph holding ``TimingResult/runsPerReplay`` runs.
        case graph
        /// Plain launches from the host, ``TimingResult/runsPerReplay`` per timed interval.
        case launches
    }

    public var mode: Mode
    /// Median per-run time.
    public var medianMicroseconds: Double
    /// Fastest per-run time.
    public var minMicroseconds: Double
    /// Slowest per-run time.
    public var maxMicroseconds: Double
    /// 10th percentile of per-run times.
    public var p10Microseconds: Double
    /// 90th percentile of per-run times.
    public var p90Microseconds: Double
    /// (p90 - p10) / median: the relative width of the middle 80% (0 when the median is 0).
    public var spread: Double
    /// Runs of the work in each timed replay.
    public var runsPerReplay: Int
    /// Timed replays (samples).
    public var replays: Int
    /// Every sample, per-run microseconds, in the order measured.
    public var samplesMicroseconds: [Double]
    /// Per-run time of work timed with each run and taken off every sample (``KernelTimer/beforeEachRun``),
    /// microseconds; nil when none was.
    public var subtractedMicroseconds: Double? = nil

    /// Summarizes per-run samples (at least one).
    public init(samplesMicroseconds samples: [Double], runsPerReplay: Int, mode: Mode) {
        precondition(!samples.isEmpty, "a timing needs at least one sample")
        let sorted = samples.sorted()
        let median = Self.percentile(sorted, 0.5)
        let p10 = Self.percentile(sorted, 0.1)
        let p90 = Self.percentile(sorted, 0.9)
        self.mode = mode
        self.medianMicroseconds = median
        self.minMicroseconds = sorted[0]
        self.maxMicroseconds = sorted[sorted.count - 1]
        self.p10Microseconds = p10
        self.p90Microseconds = p90
        self.spread = median > 0 ? (p90 - p10) / median : 0
        self.runsPerReplay = runsPerReplay
        self.replays = samples.count
        self.samplesMicroseconds = samples
    }

    /// The same timing with `microseconds` taken off every sample (and recorded in
    /// ``subtractedMicroseconds``); samples stay at or above 0.
    public func subtracting(_ microseconds: Double) -> TimingResult {
        var result = TimingResult(
            samplesMicroseconds: samplesMicroseconds.map { max($0 - microseconds, 0) }, runsPerReplay: runsPerReplay, mode: mode)
        result.subtractedMicroseconds = (subtractedMicroseconds ?? 0) + microseconds
        return result
    }

    /// The `fraction` quantile of ascending `sorted` values, interpolating linearly between neighbours at position
    /// `fraction * (count - 1)` (the usual "linear" definition; the median of an even count is the mean of the
    /// middle two).
    static func percentile(_ sorted: [Double], _ fraction: Double) -> Double {
        precondition(!sorted.isEmpty)
        let position = min(max(fraction, 0), 1) * Double(sorted.count - 1)
        let lower = Int(position.rounded(.down))
        let upper = min(lower + 1, sorted.count - 1)
        let weight = position - Double(lower)
        return sorted[lower] + (sorted[upper] - sorted[lower]) * weight
    }
}
