// The GPU-free library users import: one `import SparseRT` brings every stage of the pipeline.
@_exported import KernelIR
@_exported import SparseCompiler
@_exported import SparseFormats
@_exported import SparseReference
