package dev.attune.nn.train;

import dev.attune.nn.audio.SpecAugment;
import dev.attune.tensor.Generator;
import dev.attune.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Batches of utterance features as the HW4 recipe builds them: each epoch shuffles the
 * utterances with the seeded generator; an utterance longer than the segment length is cut to
 * a random window of that length (training) or kept whole up to {@code maxFrames} (evaluation);
 * a batch is padded with {@code paddingValue} (HW4: -20) to its longest member. In training, an
 * optional {@link SpecAugment} masks each cropped segment (before padding, so masks fall on real
 * frames) with a seed drawn from the loader's generator.
 */
public final class SegmentLoader {
    private final List<float[][]> features;
    private final int[] labels;
    private final int batchSize, segmentLength;
    private final float paddingValue;
    private final boolean training;
    private final Generator generator;
    private final SpecAugment augment;

    /**
     * @param features      per utterance, frames x bins (all with the same bins)
     * @param labels        class index per utterance
     * @param segmentLength training crop length (HW4: 128); in evaluation, the longest kept
     * @param training      random crops and shuffling when true; whole utterances in order otherwise
     * @param augment       SpecAugment for training segments, or null
     */
    public SegmentLoader(List<float[][]> features, int[] labels, int batchSize, int segmentLength, float paddingValue,
                         boolean training, Generator generator, SpecAugment augment) {
        if (features.size() != labels.length) {
            throw new IllegalArgumentException("SegmentLoader: " + features.size() + " utterances but " + labels.length + " labels");
        }
        if (batchSize <= 0 || segmentLength <= 0) {
            throw new IllegalArgumentException("SegmentLoader: batch size and segment length must be positive, got "
                    + batchSize + " and " + segmentLength);
        }
        int bins = -1;
        for (int k = 0; k < features.size(); k++) {
            float[][] f = features.get(k);
            if (f.length == 0) throw new IllegalArgumentException("SegmentLoader: utterance " + k + " has no frames");
            if (bins < 0) bins = f[0].length;
            if (f[0].length != bins) {
                throw new IllegalArgumentException("SegmentLoader: utterance " + k + " has " + f[0].length + " bins, expected " + bins);
            }
        }
        this.features = features;
        this.labels = labels.clone();
        this.batchSize = batchSize;
        this.segmentLength = segmentLength;
        this.paddingValue = paddingValue;
        this.training = training;
        this.generator = generator;
        this.augment = augment;
    }

    public int utterances() {
        return features.size();
    }

    /** The batches of one pass over the data (a fresh shuffle and fresh crops when training). */
    public List<SpeakerBatch> epoch() {
        int n = features.size();
        int[] order = training ? generator.permutation(n) : java.util.stream.IntStream.range(0, n).toArray();
        List<SpeakerBatch> batches = new ArrayList<>();
        for (int start = 0; start < n; start += batchSize) {
            int end = Math.min(n, start + batchSize);
            int[] members = Arrays.copyOfRange(order, start, end);
            batches.add(batch(members));
        }
        return batches;
    }

    private SpeakerBatch batch(int[] members) {
        int bins = features.get(0)[0].length;
        int[] starts = new int[members.length], lengths = new int[members.length];
        int longest = 0;
        for (int i = 0; i < members.length; i++) {
            int frames = features.get(members[i]).length;
            lengths[i] = Math.min(frames, segmentLength);
            starts[i] = training && frames > segmentLength ? generator.nextInt(frames - segmentLength + 1) : 0;
            longest = Math.max(longest, lengths[i]);
        }
        float[] data = new float[members.length * longest * bins];
        Arrays.fill(data, paddingValue);
        int[] y = new int[members.length];
        for (int i = 0; i < members.length; i++) {
            float[][] f = features.get(members[i]);
            if (training && augment != null) {
                f = augment.apply(Arrays.copyOfRange(f, starts[i], starts[i] + lengths[i]), generator.nextInt(Integer.MAX_VALUE));
                starts[i] = 0;
            }
            for (int t = 0; t < lengths[i]; t++) System.arraycopy(f[starts[i] + t], 0, data, (i * longest + t) * bins, bins);
            y[i] = labels[members[i]];
        }
        return new SpeakerBatch(Tensor.of(data, members.length, longest, bins), lengths, Tensor.ofInts(y, members.length));
    }
}
