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
}
