package dev.attune.kernels.cuda;

import static dev.attune.kernels.cuda.Cuda.check;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUevent;
import jcuda.driver.CUfunction;
import jcuda.driver.CUfunction_attribute;
import jcuda.driver.CUmodule;
import jcuda.driver.CUresult;
import jcuda.driver.CUstream;
import jcuda.driver.CUstream_flags;
import jcuda.driver.JCudaDriver;

/**
 * One CUDA device: its primary context, one stream on which every kernel and copy of the
 * engine runs in order, the kernel modules built by {@code native/} (loaded on first use:
 * the sm_90a cubin on compute capability 9.0, else the compute_80 PTX, JIT-compiled by the
 * driver), kernel launches, and the caching allocator. Methods make the context current on
 * the calling thread first, so any thread may use the device.
 *
 * <p>Not final, and its constructor package-private, for one reason: the launch-argument test
 * ({@code KernelSignatureTest}) replaces the driver calls with a recording device, so that every
 * launch of {@link CudaBackend} is checked against the kernels' C signatures where no GPU is.
 */
public class CudaDevice {
    private static final String RESOURCES = "/dev/attune/native/";
    /** Dynamic shared memory a kernel may use without opting in. */
    private static final int DEFAULT_SHARED_BYTES = 48 * 1024;

    private final int index;
    private CUdevice device;
    private CUcontext context;
    private CUstream stream;
    private String name;
    private int ccMajor, ccMinor, sharedOptIn;
    private CudaAllocator allocator;
    private final Map<String, CUmodule> modules = new HashMap<>();
    private final Map<String, CUfunction> functions = new HashMap<>();
    /** Dynamic shared memory each function has been allowed beyond the default, in bytes. */
    private final Map<String, Integer> sharedAllowed = new HashMap<>();
    private final ThreadLocal<Boolean> current = ThreadLocal.withInitial(() -> false);

    CudaDevice(int index) {
        this.index = index;
    }

    public int index() {
        return index;
    }

    /** Creates the context and stream on first use. */
    private synchronized void open() {
        if (context != null) return;
        CUdevice d = new CUdevice();
        check(JCudaDriver.cuDeviceGet(d, index), "cuDeviceGet(" + index + ")");
        CUcontext ctx = new CUcontext();
        check(JCudaDriver.cuDevicePrimaryCtxRetain(ctx, d), "cuDevicePrimaryCtxRetain(" + index + ")");
        check(JCudaDriver.cuCtxSetCurrent(ctx), "cuCtxSetCurrent");
        CUstream s = new CUstream();
        check(JCudaDriver.cuStreamCreate(s, CUstream_flags.CU_STREAM_NON_BLOCKING), "cuStreamCreate");
        int[] v = new int[1];
        check(JCudaDriver.cuDeviceGetAttribute(v, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, d),
                "cuDeviceGetAttribute(compute capability major)");
        ccMajor = v[0];
        check(JCudaDriver.cuDeviceGetAttribute(v, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, d),
                "cuDeviceGetAttribute(compute capability minor)");
        ccMinor = v[0];
        check(JCudaDriver.cuDeviceGetAttribute(v, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN, d),
                "cuDeviceGetAttribute(max shared memory per block, opt-in)");
        sharedOptIn = v[0];
        byte[] nameBytes = new byte[256];
        check(JCudaDriver.cuDeviceGetName(nameBytes, nameBytes.length, d), "cuDeviceGetName");
        int len = 0;
        while (len < nameBytes.length && nameBytes[len] != 0) len++;
        name = new String(nameBytes, 0, len, java.nio.charset.StandardCharsets.US_ASCII);
        device = d;
        stream = s;
        allocator = new CudaAllocator(this);
        context = ctx;
        current.set(true);
    }

    /** Makes this device's context current on the calling thread. */
    void makeCurrent() {
        if (context == null) open();
        if (!current.get()) {
            check(JCudaDriver.cuCtxSetCurrent(context), "cuCtxSetCurrent");
            current.set(true);
        }
    }

    public String name() {
        makeCurrent();
        return name;
    }

    /** Compute capability as major * 10 + minor (90 for H100/H200). */
    public int computeCapability() {
        makeCurrent();
        return ccMajor * 10 + ccMinor;
    }

    public CudaAllocator allocator() {
        makeCurrent();
        return allocator;
    }

    CUstream stream() {
        makeCurrent();
        return stream;
    }

    /** Waits until every queued kernel and copy has finished; reports errors of earlier launches. */
    public void synchronize() {
        makeCurrent();
        check(JCudaDriver.cuStreamSynchronize(stream), "cuStreamSynchronize (an earlier kernel or copy failed)");
    }

    // ---- kernels --------------------------------------------------------------------------------------

    /** The kernel {@code function} of the kernel file {@code module} (e.g. "gemm", "attune_sgemm"). */
    synchronized CUfunction function(String module, String function) {
        makeCurrent();
        String key = module + "/" + function;
        CUfunction f = functions.get(key);
        if (f != null) return f;
        CUmodule m = modules.get(module);
        if (m == null) {
            m = loadModule(module);
            modules.put(module, m);
        }
        f = new CUfunction();
        check(JCudaDriver.cuModuleGetFunction(f, m, function), "cuModuleGetFunction(" + key + ")");
        functions.put(key, f);
        return f;
    }

    private CUmodule loadModule(String module) {
        CUmodule m = new CUmodule();
        if (ccMajor == 9 && ccMinor == 0) {
            byte[] cubin = resource(module + ".sm_90a.cubin");
            if (cubin != null && JCudaDriver.cuModuleLoadData(m, cubin) == CUresult.CUDA_SUCCESS) return m;
        }
        byte[] ptx = resource(module + ".ptx");
        if (ptx == null) {
            throw new CudaException("kernel file " + module + ".ptx is not on the class path: the native module was built without"
                    + " nvcc (install CUDA 12/13's nvcc and rebuild)");
        }
        byte[] terminated = java.util.Arrays.copyOf(ptx, ptx.length + 1);  // the driver reads a NUL-terminated string
        int r = JCudaDriver.cuModuleLoadData(m, terminated);
        if (r == CUresult.CUDA_ERROR_UNSUPPORTED_PTX_VERSION) {
            throw new CudaException("cuModuleLoadData(" + module + ".ptx) failed: the driver is older than the PTX (nvcc 13 writes"
                    + " PTX ISA 9.0, which needs an R580+ driver); rebuild native/ with the driver's CUDA version");
        }
        check(r, "cuModuleLoadData(" + module + ".ptx)");
        return m;
    }

    private static byte[] resource(String name) {
        try (InputStream in = CudaDevice.class.getResourceAsStream(RESOURCES + name)) {
            return in == null ? null : in.readAllBytes();
        } catch (IOException e) {
            throw new CudaException("cannot read kernel resource " + name, e);
        }
    }

    /**
     * Launches {@code module/function} on this device's stream. Arguments, each passed with the width
     * of its C parameter: {@link Integer} (int), {@link Float} (float), {@link Long} (long long or a
     * device address), {@code null} (a null pointer) and {@code int[]} (a struct passed by value, such
     * as the strided {@code Layout}).
     */
    void launch(String module, String function, int gridX, int gridY, int gridZ, int block, Object... args) {
        launchShared(module, function, gridX, gridY, gridZ, block, 0, args);
    }

    /**
     * {@link #launch} with {@code sharedBytes} of dynamic shared memory ({@code extern __shared__});
     * above the default 48 KiB the function is first allowed that much (the attribute is raised only
     * when a launch needs more than any before), and more than the device's opt-in limit is refused.
     */
    void launchShared(String module, String function, int gridX, int gridY, int gridZ, int block, int sharedBytes,
                      Object... args) {
        if (gridX == 0 || gridY == 0 || gridZ == 0) return;
        Pointer params = kernelParams(function, args);
        CUfunction f = function(module, function);
        if (sharedBytes > DEFAULT_SHARED_BYTES) {
            if (sharedBytes > sharedOptIn) {
                throw new CudaException("launch " + function + ": " + sharedBytes + " bytes of dynamic shared memory exceed this"
                        + " device's limit of " + sharedOptIn + " bytes per block");
            }
            allowShared(module + "/" + function, f, sharedBytes);
        }
        check(JCudaDriver.cuLaunchKernel(f, gridX, gridY, gridZ, block, 1, 1, sharedBytes, stream, params, null),
                "cuLaunchKernel(" + function + ", grid " + gridX + "x" + gridY + "x" + gridZ + ", block " + block
                        + (sharedBytes > 0 ? ", " + sharedBytes + " bytes of shared memory" : "") + ")");
    }

    /**
     * The {@code kernelParams} array of cuLaunchKernel: one pointer per argument to a host copy of
     * its value (JCuda hands the driver the address of each array's data).
     */
    static Pointer kernelParams(String function, Object... args) {
        Pointer[] params = new Pointer[args.length];
        for (int i = 0; i < args.length; i++) {
            params[i] = switch (args[i]) {
                case null -> Pointer.to(new long[] {0L});
                case Integer v -> Pointer.to(new int[] {v});
                case Float v -> Pointer.to(new float[] {v});
                case Long v -> Pointer.to(new long[] {v});
                case int[] v -> Pointer.to(v);
                default -> throw new IllegalArgumentException("launch " + function + ": argument " + i + " has the unsupported type "
                        + args[i].getClass().getName() + "; expected Integer, Float, Long, int[] or null");
            };
        }
        return Pointer.to(params);
    }

    private synchronized void allowShared(String key, CUfunction f, int bytes) {
        Integer allowed = sharedAllowed.get(key);
        if (allowed != null && allowed >= bytes) return;
        check(JCudaDriver.cuFuncSetAttribute(f, CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, bytes),
                "cuFuncSetAttribute(" + key + ", max dynamic shared memory " + bytes + " bytes)");
        sharedAllowed.put(key, bytes);
    }

    // ---- memory -----------------------------------------------------------------------------------------

    /**
     * A fresh device block of {@code bytes} from the driver (cuMemAlloc): its address, or 0 when the
     * device is out of memory; any other failure throws.
     */
    long memAlloc(long bytes) {
        makeCurrent();
        CUdeviceptr p = new CUdeviceptr();
        int r = JCudaDriver.cuMemAlloc(p, bytes);
        if (r == CUresult.CUDA_ERROR_OUT_OF_MEMORY) return 0L;
        check(r, "cuMemAlloc(" + bytes + " bytes)");
        return Cuda.address(p);
    }

    /** Gives a block of {@link #memAlloc} back to the driver (the stream must be done with it). */
    void memFree(long address, long bytes) {
        makeCurrent();
        check(JCudaDriver.cuMemFree(new CUdeviceptr().withByteOffset(address)), "cuMemFree(" + bytes + " bytes)");
    }

    // ---- copies -----------------------------------------------------------------------------------------
    // Device addresses travel as raw 64-bit values. JCuda reads a CUdeviceptr argument as its native
    // pointer plus its byte offset (getPointer of jcuda-common's PointerUtils.cpp, used by cuMemcpy*,
    // cuMemset* and cuMemFree), so new CUdeviceptr().withByteOffset(a) stands for address a.

    void copyToDevice(long dst, Pointer src, long bytes) {
        if (bytes == 0) return;
        makeCurrent();
        check(JCudaDriver.cuMemcpyHtoDAsync(new CUdeviceptr().withByteOffset(dst), src, bytes, stream),
                "cuMemcpyHtoDAsync(" + bytes + " bytes)");
        synchronize();
    }

    void copyToHost(Pointer dst, long src, long bytes) {
        if (bytes == 0) return;
        makeCurrent();
        check(JCudaDriver.cuMemcpyDtoHAsync(dst, new CUdeviceptr().withByteOffset(src), bytes, stream),
                "cuMemcpyDtoHAsync(" + bytes + " bytes)");
        synchronize();
    }

    /** Device-to-device copy, queued on the stream. */
    public void copyDeviceToDevice(long dst, long src, long bytes) {
        if (bytes == 0) return;
        makeCurrent();
        check(JCudaDriver.cuMemcpyDtoDAsync(new CUdeviceptr().withByteOffset(dst), new CUdeviceptr().withByteOffset(src), bytes, stream),
                "cuMemcpyDtoDAsync(" + bytes + " bytes)");
    }

    void memsetD32(long dst, int value, long count) {
        if (count == 0) return;
        makeCurrent();
        check(JCudaDriver.cuMemsetD32Async(new CUdeviceptr().withByteOffset(dst), value, count, stream),
                "cuMemsetD32Async(" + count + " words)");
    }

    // ---- timing -------------------------------------------------------------------------------------------

    /** Device time of {@code work} (queued on this device's stream) in milliseconds, from CUDA events. */
    public float time(Runnable work) {
        makeCurrent();
        CUevent start = new CUevent(), stop = new CUevent();
        check(JCudaDriver.cuEventCreate(start, 0), "cuEventCreate");
        check(JCudaDriver.cuEventCreate(stop, 0), "cuEventCreate");
        try {
            check(JCudaDriver.cuEventRecord(start, stream), "cuEventRecord");
            work.run();
            check(JCudaDriver.cuEventRecord(stop, stream), "cuEventRecord");
            check(JCudaDriver.cuEventSynchronize(stop), "cuEventSynchronize");
            float[] ms = new float[1];
            check(JCudaDriver.cuEventElapsedTime(ms, start, stop), "cuEventElapsedTime");
            return ms[0];
        } finally {
            JCudaDriver.cuEventDestroy(start);
            JCudaDriver.cuEventDestroy(stop);
        }
    }

    /** Free and total device memory in bytes, as the driver reports them. */
    public long[] memoryInfo() {
        makeCurrent();
        long[] free = new long[1], total = new long[1];
        check(JCudaDriver.cuMemGetInfo(free, total), "cuMemGetInfo");
        return new long[] {free[0], total[0]};
    }

    /** The raw stream handle (for cuBLAS). */
    long streamHandle() {
        return Cuda.address(stream());
    }

    List<String> loadedModules() {
        return new ArrayList<>(modules.keySet());
    }

    @Override
    public String toString() {
        return "cuda:" + index;
    }
}
