package dev.attune.kernels.cuda;

import dev.attune.kernels.Storage;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * cuBLAS through FFM (DESIGN decision 3), the measuring stick for our GEMM in tests and
 * benchmarks, never the engine's matmul. It loads {@code libcublas.so.13} or {@code .12},
 * whichever the host has (the loader path, then {@code $CUDA_HOME/lib64} and
 * {@code /usr/local/cuda/lib64}); its absence is reported like the driver's, by
 * {@link #unavailableReason()}. Device pointers are the raw addresses of {@link CudaStorage}.
 *
 * <p>Row-major {@code C = op(A) op(B)} is computed as the column-major {@code C^T = op(B)^T op(A)^T},
 * i.e. cuBLAS is called with the operands swapped and the same transpose flags.
 */
public final class Cublas implements AutoCloseable {
    private static final int OP_N = 0, OP_T = 1;
    private static final int DEFAULT_MATH = 0, TF32_TENSOR_OP_MATH = 3;
    private static final String REASON;
    private static final MethodHandle CREATE, DESTROY, SET_STREAM, SET_MATH_MODE, SGEMM, SGEMM_STRIDED_BATCHED;

    static {
        Linker linker = Linker.nativeLinker();
        SymbolLookup lib = null;
        List<String> tried = new ArrayList<>();
        for (String candidate : candidates()) {
            try {
                lib = SymbolLookup.libraryLookup(candidate, Arena.global());
                break;
            } catch (IllegalArgumentException e) {
                tried.add(candidate);
            }
        }
        MethodHandle create = null, destroy = null, setStream = null, setMath = null, sgemm = null, batched = null;
        String reason = lib == null ? "cuBLAS not found (tried " + String.join(", ", tried) + ")" : null;
        if (lib != null) {
            var I = ValueLayout.JAVA_INT;
            var L = ValueLayout.JAVA_LONG;
            var P = ValueLayout.ADDRESS;
            try {
                create = linker.downcallHandle(lib.findOrThrow("cublasCreate_v2"), FunctionDescriptor.of(I, P));
                destroy = linker.downcallHandle(lib.findOrThrow("cublasDestroy_v2"), FunctionDescriptor.of(I, P));
                setStream = linker.downcallHandle(lib.findOrThrow("cublasSetStream_v2"), FunctionDescriptor.of(I, P, P));
                setMath = linker.downcallHandle(lib.findOrThrow("cublasSetMathMode"), FunctionDescriptor.of(I, P, I));
                sgemm = linker.downcallHandle(lib.findOrThrow("cublasSgemm_v2"),
                        FunctionDescriptor.of(I, P, I, I, I, I, I, P, P, I, P, I, P, P, I));
                batched = linker.downcallHandle(lib.findOrThrow("cublasSgemmStridedBatched"),
                        FunctionDescriptor.of(I, P, I, I, I, I, I, P, P, I, L, P, I, L, P, P, I, L, I));
            } catch (java.util.NoSuchElementException e) {
                reason = "cuBLAS lacks a needed symbol: " + e.getMessage();
            }
        }
        REASON = reason;
        CREATE = create;
        DESTROY = destroy;
        SET_STREAM = setStream;
        SET_MATH_MODE = setMath;
        SGEMM = sgemm;
        SGEMM_STRIDED_BATCHED = batched;
    }

    private static List<String> candidates() {
        List<String> out = new ArrayList<>(List.of("libcublas.so.13", "libcublas.so.12"));
        List<Path> dirs = new ArrayList<>();
        String home = System.getenv("CUDA_HOME");
        if (home != null) dirs.add(Path.of(home, "lib64"));
        dirs.add(Path.of("/usr/local/cuda/lib64"));
        for (Path d : dirs) {
            for (String n : List.of("libcublas.so.13", "libcublas.so.12")) {
                if (Files.exists(d.resolve(n))) out.add(d.resolve(n).toString());
            }
        }
        return out;
    }

    /** Why cuBLAS cannot be used here (library missing, or CUDA itself unavailable), or null. */
    public static String unavailableReason() {
        if (!Cuda.isAvailable()) return Cuda.unavailableReason();
        return REASON;
    }

    public static boolean isAvailable() {
        return unavailableReason() == null;
    }

    private final CudaDevice device;
    private final Arena arena = Arena.ofConfined();
    private final MemorySegment handle;
    private final MemorySegment alphaBeta = arena.allocate(ValueLayout.JAVA_FLOAT, 2);

    /** A cuBLAS handle on {@code backend}'s device and stream. */
    public Cublas(CudaBackend backend) {
        String why = unavailableReason();
        if (why != null) throw new Cuda.CudaUnavailableException("cuBLAS is unavailable: " + why);
        this.device = backend.device();
        device.makeCurrent();
        MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
        status(call(CREATE, out), "cublasCreate");
        handle = out.get(ValueLayout.ADDRESS, 0);
        status(call(SET_STREAM, handle, MemorySegment.ofAddress(device.streamHandle())), "cublasSetStream");
    }

    /** TF32 tensor-core math (cublasSetMathMode CUBLAS_TF32_TENSOR_OP_MATH) when on, plain FP32 when off. */
    public void setTf32(boolean on) {
        status(call(SET_MATH_MODE, handle, on ? TF32_TENSOR_OP_MATH : DEFAULT_MATH), "cublasSetMathMode");
    }

    /** The Backend.gemm contract (row-major, batched, strided) computed by cuBLAS. */
    public void gemm(boolean transA, boolean transB, int batch, int m, int n, int k, float alpha,
                     Storage a, int aOffset, int lda, long strideA,
                     Storage b, int bOffset, int ldb, long strideB, float beta,
                     Storage c, int cOffset, int ldc, long strideC) {
        device.makeCurrent();
        alphaBeta.setAtIndex(ValueLayout.JAVA_FLOAT, 0, alpha);
        alphaBeta.setAtIndex(ValueLayout.JAVA_FLOAT, 1, beta);
        MemorySegment pa = MemorySegment.ofAddress(((CudaStorage) a).address(aOffset));
        MemorySegment pb = MemorySegment.ofAddress(((CudaStorage) b).address(bOffset));
        MemorySegment pc = MemorySegment.ofAddress(((CudaStorage) c).address(cOffset));
        MemorySegment pAlpha = alphaBeta, pBeta = alphaBeta.asSlice(4);
        int opA = transA ? OP_T : OP_N, opB = transB ? OP_T : OP_N;
        if (batch == 1) {
            status(call(SGEMM, handle, opB, opA, n, m, k, pAlpha, pb, ldb, pa, lda, pBeta, pc, ldc), "cublasSgemm");
        } else {
            status(call(SGEMM_STRIDED_BATCHED, handle, opB, opA, n, m, k, pAlpha, pb, ldb, strideB, pa, lda, strideA,
                    pBeta, pc, ldc, strideC, batch), "cublasSgemmStridedBatched");
        }
    }

    private static int call(MethodHandle h, Object... args) {
        try {
            return (int) h.invokeWithArguments(args);
        } catch (Throwable t) {
            throw new CudaException("cuBLAS call failed: " + t, t);
        }
    }

    private static void status(int s, String call) {
        if (s != 0) throw new CudaException(call + " failed: cublasStatus_t " + s);
    }

    @Override
    public void close() {
        call(DESTROY, handle);
        arena.close();
    }
}
