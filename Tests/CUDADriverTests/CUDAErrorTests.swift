import CUDADriver
import Testing

struct CUDAErrorTests {
    @Test func descriptionsNameTheFailure() {
        let notFound = CUDAError.driverNotFound("libcuda.so.1 could not be loaded: libcuda.so.1: cannot open shared object file")
        #expect(notFound.description
            == "no CUDA driver found (libcuda.so.1 could not be loaded: libcuda.so.1: cannot open shared object file)")

        #expect(CUDAError.missingSymbol("cuGraphInstantiateWithFlags").description.contains("cuGraphInstantiateWithFlags"))

        let call = CUDAError.call(function: "cuMemAlloc_v2", code: 2, name: "CUDA_ERROR_OUT_OF_MEMORY", message: "out of memory")
        #expect(call.description == "cuMemAlloc_v2 failed: CUDA_ERROR_OUT_OF_MEMORY (2): out of memory")

        let jit = CUDAError.jit(
            log: "ptxas application ptx input, line 9; error   : Unknown symbol 'foo'\n", code: 218,
            name: "CUDA_ERROR_INVALID_PTX", message: "a PTX JIT compilation failed")
        #expect(jit.description.contains("CUDA_ERROR_INVALID_PTX (218)"))
        #expect(jit.description.hasSuffix("Unknown symbol 'foo'"))

        let emptyLog = CUDAError.jit(log: "", code: 218, name: "CUDA_ERROR_INVALID_PTX", message: "x")
        #expect(emptyLog.description.contains("no error log"))

        #expect(CUDAError.invalidArgument("grid 0").description == "invalid argument: grid 0")
    }

    @Test func noGPUClassification() {
        #expect(CUDAError.driverNotFound("x").meansNoGPU)
        #expect(CUDAError.call(function: "cuInit", code: 100, name: "CUDA_ERROR_NO_DEVICE", message: "").meansNoGPU)
        #expect(!CUDAError.call(function: "cuMemAlloc_v2", code: 2, name: "", message: "").meansNoGPU)
        #expect(!CUDAError.jit(log: "", code: 218, name: "", message: "").meansNoGPU)
    }
}
