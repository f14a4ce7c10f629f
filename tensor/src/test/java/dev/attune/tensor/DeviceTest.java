package dev.attune.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Device lookup and moves; the GPU side is covered by CudaConformanceTest. */
class DeviceTest {

    @Test
    void cudaReportsWhyItIsUnavailableOrGivesOneDeviceObject() {
        if (Device.cudaAvailable()) {
            assertSame(Device.cuda(0), Device.cuda());
            return;
        }
        String reason = Device.cudaUnavailableReason();
        var e = assertThrows(Device.DeviceUnavailableException.class, Device::cuda);
        assertTrue(e.getMessage().startsWith("cuda:0 is unavailable: ") && e.getMessage().contains(reason), e.getMessage());
    }

    @Test
    void toTheSameDeviceIsTheSameTensorAndGradientsFlowThroughTo() {
        Tensor x = Tensor.of(1f, 2f, 3f).requiresGrad(true);
        assertSame(x, x.to(Device.CPU));
        x.to(Device.CPU).mul(2f).sum().backward();
        assertArrayEquals(new float[] {2f, 2f, 2f}, x.grad().toFloatArray());
    }

    @Test
    void devicesByNameAsTorchWritesThem() {
        assertSame(Device.CPU, Device.byName("cpu"));
        var e = assertThrows(IllegalArgumentException.class, () -> Device.byName("gpu0"));
        assertTrue(e.getMessage().contains("expected cpu, cuda or cuda:N, got 'gpu0'"), e.getMessage());
        if (Device.cudaAvailable()) {
            assertSame(Device.cuda(0), Device.byName("cuda:0"));
        } else {
            assertThrows(Device.DeviceUnavailableException.class, () -> Device.byName("cuda"));
        }
    }

    @Test
    void aSimulatedDeviceIsAnotherDeviceComputedOnTheCpu() {
        Device sim = Device.simulated("device-test");
        assertSame(sim, Device.simulated("device-test"));
        Tensor x = Tensor.of(1f, 2f, 3f).requiresGrad(true);
        Tensor moved = x.to(sim);
        assertSame(sim, moved.device());
        var e = assertThrows(IllegalArgumentException.class, () -> moved.add(x));
        assertTrue(e.getMessage().contains("tensors must be on one device, got device-test:0 and cpu"), e.getMessage());
        moved.mul(3f).sum().backward();
        assertSame(Device.CPU, x.grad().device());
        assertArrayEquals(new float[] {3f, 3f, 3f}, x.grad().toFloatArray());
        assertThrows(IllegalArgumentException.class, () -> Device.simulated("cuda"));
    }
}
