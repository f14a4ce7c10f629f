package dev.attune.nn.las;

import dev.attune.tensor.Tensor;

/** A padded batch of sequences, (N, T, D), with each sequence's valid length (all in [1, T]). */
public record Encoded(Tensor values, int[] lengths) {}
