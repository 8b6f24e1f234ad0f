import ArgumentParser
import CUDADriver
import Foundation

/// `sparsert devices [--json]`: the driver version and every GPU with the properties the compiler plans against.
///
/// Exits 3 when there is no usable GPU (no driver, or no device), so scripts can tell "no GPU here" from a
/// failure (exit 1).
struct DevicesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devices",
        abstract: "List the CUDA devices, their properties and the driver version.",
        discussion: "Exits with code 3 when no CUDA driver or device is found, 1 on other failures.")

    @Flag(help: "Print JSON instead of text.")
    var json = false

    /// What `--json` prints.
    struct Listing: Codable {
        var driverVersion: String
        var driverLibrary: String
        var devices: [DeviceProperties]
    }

    func run() throws {
        let listing: Listing
        do throws(CUDAError) {
            let devices = try CUDADriver.devices().map { device throws(CUDAError) in try device.properties() }
            listing = Listing(
                driverVersion: try CUDADriver.version(), driverLibrary: try CUDADriver.libraryPath(), devices: devices)
        } catch {
            switch error {
            case .driverNotFound(let detail):
                print("no CUDA driver found: \(detail)")
                throw ExitCode(3)
            case _ where error.meansNoGPU:
                print("no usable GPU: \(error)")
                throw ExitCode(3)
            default:
                writeToStandardError("error: \(error)")
                throw ExitCode.failure
            }
        }
        if listing.devices.isEmpty {
            print("no CUDA device found (driver \(listing.driverVersion))")
            throw ExitCode(3)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(listing), as: UTF8.self))
        } else {
            print(describe(listing))
        }
    }

    /// The text listing: one header line, then a block per device.
    func describe(_ listing: Listing) -> String {
        let count = listing.devices.count
        var lines = ["CUDA driver \(listing.driverVersion) (\(listing.driverLibrary)), \(count) device\(count == 1 ? "" : "s")"]
        for device in listing.devices {
            let kib = { (bytes: Int) in "\(bytes / 1024) KiB" }
            lines.append("device \(device.ordinal): \(device.name)")
            lines.append("  compute capability \(device.computeCapability) (\(device.ptxTarget)), "
                + "\(device.multiprocessorCount) SMs at \(device.clockRateKHz / 1000) MHz")
            lines.append(String(
                format: "  memory %.1f GiB, %d-bit bus at %d MHz, L2 %.1f MiB",
                Double(device.totalGlobalMemory) / Double(1 << 30), device.memoryBusWidth,
                device.memoryClockKHz / 1000, Double(device.l2CacheBytes) / Double(1 << 20)))
            lines.append("  shared memory \(kib(device.sharedMemoryPerBlock)) per block "
                + "(\(kib(device.sharedMemoryPerBlockOptin)) opt-in), \(kib(device.sharedMemoryPerMultiprocessor)) per SM")
            lines.append("  registers \(device.registersPerBlock) per block, \(device.registersPerMultiprocessor) per SM; "
                + "threads \(device.maxThreadsPerBlock) per block, \(device.maxThreadsPerMultiprocessor) per SM; "
                + "warp \(device.warpSize)")
        }
        return lines.joined(separator: "\n")
    }
}

/// Writes one line to standard error.
private func writeToStandardError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
