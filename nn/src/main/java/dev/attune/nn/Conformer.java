package dev.attune.nn;

import dev.attune.kernels.DType;
import dev.attune.tensor.Generator;
import dev.attune.tensor.Tensor;
import java.util.Arrays;

/**
 * The Conformer encoder of torchaudio.models.Conformer: {@code conformer_layers.0 .. (L-1)}, each a
 * {@link ConformerLayer}, with no subsampling or input projection, so D = input_dim throughout.
 *
 * <p>Forward, input (B, T, D) batch-first and lengths (B) int32:
 * {@code key_padding_mask[b, t] = t >= lengths[b]}; the layers run on the sequence-first view
 * (T, B, D) with that mask; the output (B, T, D) comes back with the same lengths. Frames past a
 * length are computed but are not attended to; the convolution still sees them (as in torchaudio).
 *
 * <p>This is also the encoder of the HW4 Conformer classifiers: {@link #encode} maps (N, T, d) to
 * (N, T, d) with a prepared key padding mask (or null) instead of lengths; built with
 * {@code maskConvolution}, a padded utterance's real frames come out exactly as without padding (eval mode).
 */
public final class Conformer extends Module {
    private final int inputDim;
    private final Sequential layers;

    /** As torchaudio's {@code Conformer(input_dim, num_heads, ffn_dim, num_layers, depthwise_conv_kernel_size, dropout)}. */
    public Conformer(int inputDim, int numHeads, int ffnDim, int numLayers, int kernel, float dropout, Generator g) {
        this(inputDim, numHeads, ffnDim, numLayers, kernel, dropout, false, g);
    }

    /**
     * With {@code maskConvolution}, every layer's convolution module also zeroes padded frames (see
     * {@link ConformerLayer}); the parameters are the same as torchaudio's.
     */
    public Conformer(int inputDim, int numHeads, int ffnDim, int numLayers, int kernel, float dropout, boolean maskConvolution,
                     Generator g) {
        if (numLayers <= 0) throw new IllegalArgumentException("Conformer: num_layers must be positive, got " + numLayers);
        this.inputDim = inputDim;
        this.layers = child("conformer_layers", new Sequential());
        for (int i = 0; i < numLayers; i++) layers.add(new ConformerLayer(inputDim, ffnDim, numHeads, kernel, dropout, maskConvolution, g));
    }

    /** The encoded frames (B, T, D) and their lengths (B), as torchaudio returns them. */
    public record Output(Tensor output, Tensor lengths) {}

    public Output forward(Tensor input, Tensor lengths) {
        checkInput(input);
        int b = input.size(0), t = input.size(1);
        Tensor mask = ConformerEncoder.lengthMask(lengths, b, t, "Conformer").eq(0f);
        return new Output(encode(input, mask), lengths);
    }

    /**
     * x (B, T, D) to (B, T, D); keyPaddingMask bool (B, T), true at padded frames, or null when
     * nothing is padded.
     */
    public Tensor encode(Tensor x, Tensor keyPaddingMask) {
        checkInput(x);
        if (keyPaddingMask != null && (keyPaddingMask.dtype() != DType.BOOL
                || !Arrays.equals(keyPaddingMask.shape(), new int[] {x.size(0), x.size(1)}))) {
            throw new IllegalArgumentException("Conformer: key padding mask must be bool (" + x.size(0) + ", " + x.size(1) + "), got "
                    + keyPaddingMask.dtype().displayName() + " " + Arrays.toString(keyPaddingMask.shape()));
        }
        Tensor h = x.transpose(0, 1);
        for (int i = 0; i < layers.size(); i++) h = ((ConformerLayer) layers.get(i)).forward(h, keyPaddingMask);
        return traced(h.transpose(0, 1), x);
    }

    private void checkInput(Tensor x) {
        if (x.dim() != 3 || x.size(2) != inputDim) {
            throw new IllegalArgumentException("Conformer: input must be (B, T, " + inputDim + "), got shape " + Arrays.toString(x.shape()));
        }
    }

    public int numLayers() {
        return layers.size();
    }
}
