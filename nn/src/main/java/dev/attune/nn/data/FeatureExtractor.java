package dev.attune.nn.data;

import dev.attune.nn.audio.Fbank;
import dev.attune.nn.audio.FbankOptions;
import dev.attune.nn.audio.WavReader;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Turns utterances into feature matrices {@code float[frames][bins]}: a WAV source goes through
 * {@link WavReader} and {@link Fbank} with this extractor's options (at the file's own sample
 * rate), a Sphinx source is read by {@link SphinxMfc}, a torch source by {@link PtReader} (it must
 * hold one 2-D floating-point tensor).
 *
 * <p>{@link #extractAll} spreads the work over a fixed number of threads and returns results in
 * input order. With caching on, each source is computed once and later calls return the same
 * array (keyed by the source's absolute path; the options are fixed per extractor), so callers must
 * treat returned matrices as read-only. When dither is on, utterance {@code id} is dithered from
 * a generator seeded with {@code ditherSeed} mixed with the id, so results do not depend on thread
 * scheduling. Instances are thread-safe.
 */
public final class FeatureExtractor {

    private final FbankOptions options;
    private final boolean cache;
    private final Map<Path, float[][]> cached = new ConcurrentHashMap<>();
    private final Map<Integer, Fbank> banks = new ConcurrentHashMap<>();

    /**
     * @param options filterbank settings for WAV sources
     * @param cache   keep every computed matrix in memory
     */
    public FeatureExtractor(FbankOptions options, boolean cache) {
        this.options = Objects.requireNonNull(options, "options");
        this.cache = cache;
    }

    /** The features of one utterance. */
    public float[][] extract(Utterance u) throws IOException {
        Path key = u.source().toAbsolutePath().normalize();
        float[][] hit = cache ? cached.get(key) : null;
        if (hit != null) {
            return hit;
        }
        float[][] feats = compute(u);
        if (cache) {
            float[][] previous = cached.putIfAbsent(key, feats);
            return previous != null ? previous : feats;
        }
        return feats;
    }

    /** The features of every utterance, computed on {@code threads} threads, in the order of {@code utterances}. */
    public List<float[][]> extractAll(List<Utterance> utterances, int threads) throws IOException {
        if (threads < 1) {
            throw new IllegalArgumentException("FeatureExtractor.extractAll: threads must be >= 1, got " + threads);
        }
        List<Callable<float[][]>> tasks = new ArrayList<>(utterances.size());
        for (Utterance u : utterances) {
            tasks.add(() -> extract(u));
        }
        List<float[][]> out = new ArrayList<>(utterances.size());
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            for (Future<float[][]> f : pool.invokeAll(tasks)) {
                out.add(f.get());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("FeatureExtractor.extractAll: interrupted");
        } catch (ExecutionException e) {
            switch (e.getCause()) {
                case IOException io -> throw io;
                case RuntimeException re -> throw re;
                case Error err -> throw err;
                default -> throw new IOException(e.getCause());
            }
        }
        return out;
    }

    /** Number of matrices held in the cache. */
    public int cachedCount() {
        return cached.size();
    }

    private float[][] compute(Utterance u) throws IOException {
        return switch (u.kind()) {
            case WAV -> {
                var audio = WavReader.read(u.source());
                Fbank bank;
                try {
                    bank = banks.computeIfAbsent(audio.sampleRate(), rate -> new Fbank(options, rate));
                } catch (IllegalArgumentException e) {
                    throw new CorpusFormatException(u.source(), "cannot compute features: " + e.getMessage());
                }
                long seed = options.ditherSeed() ^ (u.id().hashCode() * 0x9E3779B97F4A7C15L);
                yield bank.compute(audio.samples(), new SplittableRandom(seed));
            }
            case SPHINX_MFC -> SphinxMfc.read(u.source());
            case TORCH_TENSOR -> {
                PtTensor t = PtReader.readTensor(u.source());
                if (t.shape().length != 2 || !t.isFloatingPoint()) {
                    throw new CorpusFormatException(u.source(), "expected a 2-D floating-point feature tensor, found "
                        + t.dtype() + " " + Arrays.toString(t.shape()));
                }
                yield t.toMatrix();
            }
        };
    }
}
