package dev.attune.nn.train;

import dev.attune.tensor.Device;
import dev.attune.tensor.Tensor;

/**
 * One batch for speaker classification: features (N, T, bins) padded with the padding value
 * past each utterance's length, the lengths, and int32 labels (N).
 */
public record SpeakerBatch(Tensor features, int[] lengths, Tensor labels) {
    public int size() {
        return lengths.length;
    }

    /** The same batch with its tensors on {@code device}. */
    public SpeakerBatch to(Device device) {
        return new SpeakerBatch(features.to(device), lengths, labels.to(device));
    }
}
