package dev.attune.nn.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attune.kernels.cuda.CudaAllocator;
import dev.attune.kernels.cuda.CudaBackend;
import dev.attune.nn.Hw4Classifier;
import dev.attune.nn.Hw4Config;
import dev.attune.nn.optim.AdamW;
import dev.attune.nn.optim.ClipGrad;
import dev.attune.tensor.Device;
import dev.attune.tensor.Generator;
import dev.attune.tensor.MemoryScope;
import dev.attune.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Device memory stays flat while a model trains on the CUDA backend (DESIGN decision 8), checked
 * where no GPU is with the CUDA emulator, whose device memory goes through the same caching
 * allocator and storages as a GPU's. The step is {@code train speaker}'s (one {@link MemoryScope}
 * per step, AdamW, gradient clipping) on a small Conformer classifier with varying utterance lengths.
 * On a GPU, {@code bench}'s {@code GpuMemoryCheck} does the same for hw4-strong over 1,000 steps.
 */
class CudaMemoryTest {

    @Test
    void trainingStepsGiveEveryActivationAndGradientBack() {
        Assumptions.assumeTrue(Device.cudaEmulatorUnavailableReason() == null,
                () -> "CUDA emulator unavailable: " + Device.cudaEmulatorUnavailableReason());
        Device emu = Device.cudaEmulator();
        CudaAllocator alloc = ((CudaBackend) emu.backend()).device().allocator();
        Hw4Config cfg = new Hw4Config("hw4-strong-small", 16, 2, 32, 2, 10, 5, 0.1f, Hw4Config.Pooling.MEAN, Hw4Config.Head.LINEAR,
                Hw4Config.Encoder.CONFORMER, 7, 30f, 0.4f);
        long before = alloc.stats().bytesInUse();
        Hw4Classifier model = new Hw4Classifier(cfg, new Generator(0));
        model.to(emu);
        model.train();
        AdamW optimizer = new AdamW(model.parameters(), 1e-3);
        Generator g = new Generator(1);
        Random r = new Random(2);
        int steps = 16, batch = 3, frames = 20;
        long[] inUse = new long[steps + 1], held = new long[steps + 1];
        for (int step = 1; step <= steps; step++) {
            int[] lengths = new int[batch], labels = new int[batch];
            for (int b = 0; b < batch; b++) {
                lengths[b] = frames / 2 + r.nextInt(frames / 2 + 1);
                labels[b] = r.nextInt(cfg.nSpeakers());
            }
            try (MemoryScope scope = MemoryScope.open()) {
                Tensor x = g.randn(batch, frames, cfg.nMels()).to(emu);
                Tensor y = Tensor.ofInts(labels, batch).to(emu);
                optimizer.zeroGrad();
                Tensor loss = model.loss(x, lengths, y);
                loss.backward();
                ClipGrad.clipGradNorm(model.parameters(), 1.0);
                optimizer.step();
                assertTrue(Float.isFinite(loss.item()), "step " + step + " loss");
                optimizer.zeroGrad();
                scope.keep(optimizer.stateTensors());
            }
            CudaAllocator.Stats s = alloc.stats();
            inUse[step] = s.bytesInUse() - before;
            held[step] = s.bytesInUse() + s.bytesCached();
        }
        // After the first step (which creates AdamW's moments) only parameters and moments stay in use.
        for (int step = 2; step <= steps; step++) assertEquals(inUse[1], inUse[step], "bytes in use after step " + step);
        long firstHalf = 0, secondHalf = 0;
        for (int step = 3; step <= steps / 2; step++) firstHalf = Math.max(firstHalf, held[step]);
        for (int step = steps / 2 + 1; step <= steps; step++) secondHalf = Math.max(secondHalf, held[step]);
        assertTrue(secondHalf <= firstHalf * 1.05, "allocator footprint grows: " + firstHalf + " then " + secondHalf + " bytes");
        model.to(Device.CPU);
    }
}
