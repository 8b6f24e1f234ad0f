/// Measures the device time of one run of some GPU work, the way careful benchmarks do: many runs are captured
/// into one CUDA graph so host launch overhead and event resolution drop out, the GPU is warmed up, and each
/// of several replays is timed between two events; the result reports the median and the spread.
///
/// The work is given as a closure that enqueues exactly one run on the stream it is handed (it must be
/// capturable: launches and async copies/fills on that stream, no synchronous copies). Timed runs repeat the
/// same work on the same buffers, so caches are warm: this is the steady-state, back-to-back time, unless
/// ``beforeEachRun`` enqueues work that empties the caches before every run (its own time is subtracted).
public struct KernelTimer: Sendable {
    /// Timed replays (at least 7; default 21).
    public var repetitions: Int
    /// Runs per replay are chosen so one replay lasts at least this long (default 0.2 ms)...
    public var minimumReplayMilliseconds: Double
    /// ...but no more than this many runs per replay.
    public var maximumRunsPerReplay: Int
    /// A fixed number of runs per replay instead of the automatic choice.
    public var runsPerReplay: Int?
    /// Warm-up replays continue for about this long (default 20 ms)...
    public var warmupMilliseconds: Double
    /// ...unless a fixed count of warm-up replays is given.
    public var warmupReplays: Int?

    /// Work enqueued on the stream before every run, such as a read that evicts L2 so each run starts from
    /// memory, as a layer of a network whose weights exceed L2 does; nil for none. It is timed alone the
    /// same way, and its median is subtracted from every sample (``TimingResult/subtractedMicroseconds``).
    public var beforeEachRun: (@Sendable (CUDAStream) throws -> Void)? = nil

    /// The fewest timed replays a result may rest on.
    public static let minimumRepetitions = 7

    public init(
        repetitions: Int = 21, minimumReplayMilliseconds: Double = 0.2, maximumRunsPerReplay: Int = 2000,
        runsPerReplay: Int? = nil, warmupMilliseconds: Double = 20, warmupReplays: Int? = nil
    ) {
        self.repetitions = repetitions
        self.minimumReplayMilliseconds = minimumReplayMilliseconds
        self.maximumRunsPerReplay = maximumRunsPerReplay
        self.runsPerReplay = runsPerReplay
        self.warmupMilliseconds = warmupMilliseconds
        self.warmupReplays = warmupReplays
    }

    /// Times `enqueueOneRun` replayed from CUDA graphs on `stream` (a created stream, not the legacy default).
    public func time(on stream: CUDAStream, _ enqueueOneRun: () throws -> Void) throws -> TimingResult {
        if let result = try subtractingBeforeEachRun(stream, enqueueOneRun, { try $0.time(on: stream, $1) }) {
            return result
        }
        try stream.context.makeCurrent()
        let single = try CUDAGraph.capture(on: stream, enqueueOneRun)
        let runs = try chooseRunsPerReplay(stream) { try single.launch(on: stream) }
        let replay = runs == 1 ? single : try CUDAGraph.capture(on: stream) {
            for _ in 0..<runs { try enqueueOneRun() }
        }
        return try measure(stream, runs: runs, mode: .graph) { try replay.launch(on: stream) }
    }

    /// Times `enqueueOneRun` issued as plain launches between events, for work that cannot be captured; host
    /// launch overhead is part of what this measures when the runs are shorter than their launches.
    public func timeLaunches(on stream: CUDAStream, _ enqueueOneRun: () throws -> Void) throws -> TimingResult {
        if let result = try subtractingBeforeEachRun(stream, enqueueOneRun, { try $0.timeLaunches(on: stream, $1) }) {
            return result
        }
        try stream.context.makeCurrent()
        let runs = try chooseRunsPerReplay(stream, enqueueOneRun)
        return try measure(stream, runs: runs, mode: .launches) {
            for _ in 0..<runs { try enqueueOneRun() }
        }
    }

    /// With ``beforeEachRun``: `measure` (this timer without it) of that work and `run` together, less the
    /// median of `measure` of that work alone; nil without it.
    private func subtractingBeforeEachRun(
        _ stream: CUDAStream, _ run: () throws -> Void, _ measure: (KernelTimer, () throws -> Void) throws -> TimingResult
    ) throws -> TimingResult? {
        guard let before = beforeEachRun else { return nil }
        var plain = self
        plain.beforeEachRun = nil
        let both = try withoutActuallyEscaping(run) { run in try measure(plain) { try before(stream); try run() } }
        let alone = try measure(plain) { try before(stream) }
        return both.subtracting(alone.medianMicroseconds)
    }

    /// Runs per replay: the fixed count, or enough single runs (timed after a short warm-up) to fill
    /// ``minimumReplayMilliseconds``.
    private func chooseRunsPerReplay(_ stream: CUDAStream, _ oneRun: () throws -> Void) throws -> Int {
        if let runsPerReplay {
            guard runsPerReplay >= 1 else { throw CUDAError.invalidArgument("runs per replay must be at least 1") }
            return runsPerReplay
        }
        for _ in 0..<3 { try oneRun() }
        let single = TimingResult.percentile(try Self.timeEach(5, on: stream, oneRun).sorted(), 0.5)
        let wanted = single > 0 ? Int((minimumReplayMilliseconds / single).rounded(.up)) : maximumRunsPerReplay
        return min(max(wanted, 1), max(maximumRunsPerReplay, 1))
    }

    /// Warms up, then times ``repetitions`` replays of `replay` (which holds `runs` runs) one by one.
    private func measure(
        _ stream: CUDAStream, runs: Int, mode: TimingResult.Mode, _ replay: () throws -> Void
    ) throws -> TimingResult {
        let warmups: Int
        if let warmupReplays {
            warmups = max(warmupReplays, 0)
        } else {
            let estimate = try Self.timeEach(1, on: stream, replay)[0]
            warmups = estimate > 0 ? min(Int((warmupMilliseconds / estimate).rounded(.up)), 100_000) : 100
        }
        for _ in 0..<warmups { try replay() }
        let count = max(repetitions, Self.minimumRepetitions)
        let samples = try Self.timeEach(count, on: stream, replay).map { $0 * 1000 / Double(runs) }
        return TimingResult(samplesMicroseconds: samples, runsPerReplay: runs, mode: mode)
    }

    /// Milliseconds of each of `count` back-to-back calls of `work`, each between its own pair of events.
    static func timeEach(_ count: Int, on stream: CUDAStream, _ work: () throws -> Void) throws -> [Double] {
        let events = try (0...count).map { _ in try CUDAEvent(context: stream.context) }
        try events[0].record(on: stream)
        for index in 0..<count {
            try work()
            try events[index + 1].record(on: stream)
        }
        try events[count].synchronize()
        return try (0..<count).map { Double(try events[$0 + 1].elapsedMilliseconds(since: events[$0])) }
    }
}
