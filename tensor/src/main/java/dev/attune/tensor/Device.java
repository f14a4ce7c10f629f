package dev.attune.tensor;

import dev.attune.kernels.Backend;
import dev.attune.kernels.cpu.CpuBackend;

/**
 * Where a tensor's storage lives and which backend computes on it. {@link #CPU} is always
 * present. {@link #cuda(int)} reports why it is unavailable until the CUDA backend is loaded
 * on a machine with a driver and a GPU.
 */
public final class Device {
    public static final Device CPU = new Device("cpu", -1, CpuBackend.INSTANCE);

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
        throw new DeviceUnavailableException("cuda:" + index
                + " is unavailable: this build of Attune has no CUDA backend yet (issue: CUDA backend)");
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
    public static final class DeviceUnavailableException extends RuntimeException {
        public DeviceUnavailableException(String message) {
            super(message);
        }
    }
}
