import ArgumentParser

/// The `sparsert` command: turns pruned weight files into verified, tuned GPU kernels.
@main
struct SparsertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sparsert",
        abstract: "Compile pruned (unstructured-sparse) layers into fast, verified NVIDIA GPU kernels.",
        version: "0.1.0",
        subcommands: [
            InspectCommand.self, PruneCommand.self,
            CompileCommand.self, VerifyCommand.self, TuneCommand.self, CompareCommand.self, BenchCommand.self,
            DevicesCommand.self, SelftestCommand.self,
        ])
}
