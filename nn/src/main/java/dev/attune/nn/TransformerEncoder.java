package dev.attune.nn;

import dev.attune.tensor.Tensor;
import java.util.function.IntFunction;

/**
 * A stack of encoder layers as torch.nn.TransformerEncoder: children {@code layers.0},
 * {@code layers.1}, ... applied in order with the same masks, then the optional final
 * {@code norm}: {@code y = norm(layer_{n-1}(... layer_0(x)))}.
 *
 * <p>Unlike torch, which deep-copies one layer (so all layers start with equal weights), each
 * layer here is made by the factory and initialised independently; the state dict is the same.
 */
public final class TransformerEncoder extends Module {
    private final Sequential layers;
    private final LayerNorm norm;

    /**
     * @param layer builds layer i
     * @param norm  final normalisation (torch's {@code norm}); may be null
     */
    public TransformerEncoder(IntFunction<TransformerEncoderLayer> layer, int numLayers, LayerNorm norm) {
        if (numLayers <= 0) throw new IllegalArgumentException("TransformerEncoder: num_layers must be positive, got " + numLayers);
        this.layers = child("layers", new Sequential());
        for (int i = 0; i < numLayers; i++) layers.add(layer.apply(i));
        this.norm = norm == null ? null : child("norm", norm);
    }

    /** Masks as in {@link TransformerEncoderLayer#forward(Tensor, Tensor, Tensor)}. */
    public Tensor forward(Tensor x, Tensor mask, Tensor srcKeyPaddingMask) {
        Tensor y = x;
        for (int i = 0; i < layers.size(); i++) y = layer(i).forward(y, mask, srcKeyPaddingMask);
        if (norm != null) y = norm.forward(y);
        return traced(y, x);
    }

    public Tensor forward(Tensor x, Tensor srcKeyPaddingMask) {
        return forward(x, null, srcKeyPaddingMask);
    }

    public TransformerEncoderLayer layer(int i) {
        return (TransformerEncoderLayer) layers.get(i);
    }

    public int numLayers() {
        return layers.size();
    }
}
