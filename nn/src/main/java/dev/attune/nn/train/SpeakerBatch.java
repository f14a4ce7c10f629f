package dev.attune.nn.train;

import dev.attune.tensor.Tensor;

/**
 * One batch for speaker classification: features (N, T, bins) padded with the padding value
 * past each utterance's length, the lengths, and int32 labels (N).
 */
public record SpeakerBatch(Tensor features, int[] lengths, Tensor labels) {
    public int size() {
        return lengths.length;
    }
}
