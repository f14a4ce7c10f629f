package dev.attune.tensor;

import dev.attune.kernels.Backend;
import dev.attune.kernels.cpu.CpuBackend;
import dev.attune.kernels.cuda.Cuda;
import dev.attune.kernels.cuda.CudaBackend;
import dev.attune.kernels.cuda.CudaEmulator;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where a tensor's storage lives and which backend computes on it. {@link #CPU} is always
 * present. {@link #cuda(int)} gives a CUDA device where a driver and a GPU are, and otherwise
 * throws {@link DeviceUnavailableException} with the reason ({@link #cudaUnavailableReason()}).
 * There is one {@code Device} object per device, so devices compare by identity.
 */
public final class Device {
    public static final Device CPU = new Device("cpu", -1, CpuBackend.INSTANCE);
    private static final ConcurrentHashMap<Integer, Device> CUDA = new ConcurrentHashMap<>();
    private static final ConcurrentHashMap<String, Device> SIMULATED = new ConcurrentHashMap<>();
    private static volatile Device cudaEmulator;

    private final String type;
    private final int index;
    private final Backend backend;

    private Device(String type, int index, Backend backend) {
        this.type = type;
        this.index = index;
        this.backend = backend;
    }

    /**
     * The i-th CUDA device.
     *
     * @throws DeviceUnavailableException naming the reason when no CUDA backend can run here
     */
    public static Device cuda(int index) {
        try {
            return CUDA.computeIfAbsent(index, i -> new Device("cuda", i, CudaBackend.forDevice(i)));
        } catch (Cuda.CudaUnavailableException e) {
            throw new DeviceUnavailableException(e.getMessage());
        }
    }

    /**
     * The device named {@code cpu}, {@code cuda} (device 0) or {@code cuda:N}, as torch writes them.
     *
     * @throws IllegalArgumentException for another name
     * @throws DeviceUnavailableException naming the reason when a CUDA device cannot be had here
     */
    public static Device byName(String name) {
        if (name.equals("cpu")) return CPU;
        if (name.equals("cuda")) return cuda(0);
        if (name.matches("cuda:\\d{1,4}")) return cuda(Integer.parseInt(name.substring(5)));
        throw new IllegalArgumentException("Device.byName: expected cpu, cuda or cuda:N, got '" + name + "'");
    }

    /** The first CUDA device, {@code cuda(0)}. */
    public static Device cuda() {
        return cuda(0);
    }

    /**
     * A device that keeps its storage in host memory and computes with the CPU backend, yet is not
     * {@link #CPU}: {@link Tensor#to(Device)} copies to and from it and mixing it with another device
     * in one op is an error, as with a GPU. It lets code that moves modules, optimizers and inputs
     * between devices be tested where there is no GPU. One object per name.
     */
    public static Device simulated(String name) {
        if (name.isEmpty() || name.equals("cpu") || name.equals("cuda")) {
            throw new IllegalArgumentException("Device.simulated: the name must be non-empty and not 'cpu' or 'cuda', got '" + name + "'");
        }
        return SIMULATED.computeIfAbsent(name, n -> new Device(n, 0, CpuBackend.INSTANCE));
    }

    /**
     * The CUDA backend with its kernels compiled for this CPU and run by the emulator of
     * {@code native/emu} ({@link CudaEmulator}): the same launches and kernel source as on a GPU,
     * each CUDA thread a fiber, far slower than the CPU backend. It is there to test and to step
     * through the CUDA kernels where no GPU is; it prints as {@code cuda-emulator:0}.
     *
     * @throws DeviceUnavailableException naming the reason when the emulator was not built (no g++)
     */
    public static Device cudaEmulator() {
        Device d = cudaEmulator;
        if (d != null) return d;
        synchronized (Device.class) {
            if (cudaEmulator == null) {
                try {
                    cudaEmulator = new Device("cuda-emulator", 0, CudaEmulator.backend());
                } catch (Cuda.CudaUnavailableException e) {
                    throw new DeviceUnavailableException(e.getMessage());
                }
            }
            return cudaEmulator;
        }
    }

    /** Why {@link #cudaEmulator()} cannot run here, or null when it can. */
    public static String cudaEmulatorUnavailableReason() {
        return CudaEmulator.unavailableReason();
    }

    /** True when {@link #cuda(int)} can give at least device 0. */
    public static boolean cudaAvailable() {
        return Cuda.isAvailable();
    }

    /** Why CUDA is unavailable on this machine (no driver, no device, ...), or null when it is available. */
    public static String cudaUnavailableReason() {
        return Cuda.unavailableReason();
    }

    public Backend backend() {
        return backend;
    }

    public boolean isCpu() {
        return index < 0;
    }

    @Override
    public String toString() {
        return index < 0 ? type : type + ":" + index;
    }

    /** Thrown when a device is asked for that this machine or build cannot provide. */
    public static final class DeviceUnavailableException extends IllegalStateException {
        public DeviceUnavailableException(String message) {
            super(message);
        }
    }
}
