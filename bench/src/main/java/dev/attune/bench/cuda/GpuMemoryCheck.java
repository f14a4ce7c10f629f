package dev.attune.bench.cuda;

import dev.attune.kernels.cuda.CudaAllocator;
import dev.attune.kernels.cuda.CudaBackend;
import dev.attune.kernels.cuda.CudaDevice;
import dev.attune.nn.Hw4Classifier;
import dev.attune.nn.Hw4Config;
import dev.attune.nn.optim.AdamW;
import dev.attune.nn.optim.ClipGrad;
import dev.attune.tensor.Device;
import dev.attune.tensor.Generator;
import dev.attune.tensor.MemoryScope;
import dev.attune.tensor.Tensor;
import java.util.Locale;

/**
 * Does device memory stay flat while hw4-strong trains on the GPU (DESIGN decision 8)? Trains the
 * preset (batches of 32 random 128-frame, 40-bin inputs with lengths in [64, 128] and random labels:
 * memory depends on shapes, not values) with AdamW and gradient clipping, the step of
 * {@code train speaker} (one MemoryScope per step, as there), and prints every {@code every} steps the loss, the caching allocator's bytes
 * in use, its peak and cache, the driver's allocations and the device memory in use as cuMemGetInfo
 * reports it. Verdict: the allocator's footprint (bytes in use + cached, the memory it holds from the
 * driver) at the samples of the second half must stay within 5 % of its maximum over the samples of the
 * first half after warm-up (the first tenth); exit status 1 and the numbers otherwise.
 *
 * <pre>
 *   java --add-modules jdk.incubator.vector -cp 'lib/*' dev.attune.bench.cuda.GpuMemoryCheck [steps=1000] [every=50]
 * </pre>
 */
public final class GpuMemoryCheck {
    private GpuMemoryCheck() {}

    public static void main(String[] args) {
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int every = args.length > 1 ? Integer.parseInt(args[1]) : 50;
        if (steps < 20 || every < 1 || every > steps / 4) {
            throw new IllegalArgumentException("GpuMemoryCheck: need steps >= 20 and 1 <= every <= steps/4, got steps=" + steps
                    + ", every=" + every);
        }
        String reason = Device.cudaUnavailableReason();
        if (reason != null) {
            System.out.println("GpuMemoryCheck skipped: CUDA unavailable: " + reason);
            System.exit(2);
        }
        Device cuda = Device.cuda(0);
        CudaDevice device = ((CudaBackend) cuda.backend()).device();
        CudaAllocator alloc = device.allocator();
        Hw4Config cfg = Hw4Config.strong();
        Hw4Classifier model = new Hw4Classifier(cfg, new Generator(0));
        model.to(cuda);
        model.train();
        AdamW optimizer = new AdamW(model.parameters(), 1e-3);
        Generator g = new Generator(1);
        java.util.Random r = new java.util.Random(2);
        int batch = 32, frames = 128;
        System.out.printf(Locale.ROOT, "GpuMemoryCheck: %s (%s) on %s, %d steps, batch %d x %d x %d%n", cfg.name(), cfg.describe(),
                device.name(), steps, batch, frames, cfg.nMels());
        System.out.printf(Locale.ROOT, "%6s %8s %12s %12s %12s %10s %10s %14s%n", "step", "loss", "in use MiB", "peak MiB",
                "cached MiB", "cuMemAlloc", "cache hits", "device used MiB");
        int warm = steps / 10;
        long firstHalfMax = 0, secondHalfMax = 0;
        long t0 = System.nanoTime();
        for (int step = 1; step <= steps; step++) {
            int[] lengths = new int[batch], labels = new int[batch];
            for (int b = 0; b < batch; b++) {
                lengths[b] = frames / 2 + r.nextInt(frames / 2 + 1);
                labels[b] = r.nextInt(cfg.nSpeakers());
            }
            boolean report = step % every == 0 || step == steps;
            float l = Float.NaN;
            // The step's scope gives its batch, activations and gradients back to the allocator at its end.
            try (MemoryScope scope = MemoryScope.open()) {
                Tensor x = g.randn(batch, frames, cfg.nMels()).to(cuda);
                Tensor y = Tensor.ofInts(labels, batch).to(cuda);
                optimizer.zeroGrad();
                Tensor loss = model.loss(x, lengths, y);
                loss.backward();
                ClipGrad.clipGradNorm(model.parameters(), 1.0);
                optimizer.step();
                if (report) l = loss.item();  // synchronises with the stream
                optimizer.zeroGrad();
                scope.keep(optimizer.stateTensors());
            }
            if (!report) continue;
            CudaAllocator.Stats s = alloc.stats();
            long[] info = device.memoryInfo();
            long held = s.bytesInUse() + s.bytesCached();
            if (step > warm && step <= steps / 2) firstHalfMax = Math.max(firstHalfMax, held);
            if (step > steps / 2) secondHalfMax = Math.max(secondHalfMax, held);
            System.out.printf(Locale.ROOT, "%6d %8.4f %12.1f %12.1f %12.1f %10d %10d %14.1f%n", step, l, mib(s.bytesInUse()),
                    mib(s.peakBytesInUse()), mib(s.bytesCached()), s.driverAllocations(), s.cacheHits(), mib(info[1] - info[0]));
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf(Locale.ROOT, "%d steps in %.1f s (%.1f utterances/s)%n", steps, seconds, steps * (double) batch / seconds);
        boolean flat = firstHalfMax > 0 && secondHalfMax <= firstHalfMax * 1.05;
        System.out.printf(Locale.ROOT, "allocator footprint (in use + cached): max %.1f MiB over steps %d-%d, max %.1f MiB over steps %d-%d: %s%n",
                mib(firstHalfMax), warm + 1, steps / 2, mib(secondHalfMax), steps / 2 + 1, steps,
                flat ? "FLAT" : "GROWING (device memory is not flat)");
        System.exit(flat ? 0 : 1);
    }

    private static double mib(long bytes) {
        return bytes / (1024.0 * 1024.0);
    }
}
