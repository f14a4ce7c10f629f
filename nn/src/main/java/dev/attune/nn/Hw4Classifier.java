package dev.attune.nn;

import dev.attune.tensor.F;
import dev.attune.tensor.Generator;
import dev.attune.tensor.Tensor;
import java.util.Arrays;
import java.util.function.BiFunction;

/**
 * The HW4 speaker classifier family, built from one {@link Hw4Config}. Mel frames (N, T, n_mels)
 * go through:
 * <pre>
 *   prenet        Linear(n_mels, d)                                     (N, T, d)
 *   encoder       Transformer: one layer "encoder_layer" (the course sample) or a stack "encoder.layers.i"
 *   pooling       mean over the valid frames, or SelfAttentionPooling "pooling"        (N, d)
 *   head LINEAR     pred_layer = Sequential(Linear(d, d), ReLU, Linear(d, n_speakers))
 *   head AMSOFTMAX  pred_layer = Sequential(Linear(d, d)), then AmSoftmax "am_softmax" (d to n_speakers)
 * </pre>
 * With lengths given, padding frames are masked out of attention (key padding mask) and of the
 * pooling, so a padded utterance gets the logits of the unpadded one. The names equal those of
 * the course sample code, so its state_dict loads strictly into {@code hw4-simple}.
 */
public final class Hw4Classifier extends Module {
    private final Hw4Config config;
    private final Linear prenet;
    private final BiFunction<Tensor, Tensor, Tensor> encode;
    private final SelfAttentionPooling pooling;
    private final Sequential predLayer;
    private final AmSoftmax amSoftmax;

    public Hw4Classifier(Hw4Config config, Generator g) {
        this.config = config;
        int d = config.dModel();
        this.prenet = child("prenet", new Linear(config.nMels(), d, g));
        this.encode = buildEncoder(config, g);
        this.pooling = config.pooling() == Hw4Config.Pooling.ATTENTION ? child("pooling", new SelfAttentionPooling(d, g)) : null;
        this.predLayer = child("pred_layer", new Sequential());
        Linear hidden = new Linear(d, d, g);
        if (config.head() == Hw4Config.Head.LINEAR) {
            Linear out = new Linear(d, config.nSpeakers(), g);
            predLayer.addLinearActivation(hidden, Activation.relu());
            predLayer.add(out, out::forward);
            this.amSoftmax = null;
        } else {
            predLayer.add(hidden, hidden::forward);
            this.amSoftmax = child("am_softmax", new AmSoftmax(d, config.nSpeakers(), config.amScale(), config.amMargin(), g));
        }
    }

    /** Registers the encoder child and returns its forward (x (N, T, d), padding mask or null). */
    private BiFunction<Tensor, Tensor, Tensor> buildEncoder(Hw4Config c, Generator g) {
        return switch (c.encoder()) {
            case TRANSFORMER -> {
                if (c.layers() == 1) {
                    TransformerEncoderLayer layer = child("encoder_layer", transformerLayer(c, g));
                    yield layer::forward;
                }
                TransformerEncoder enc = child("encoder", new TransformerEncoder(i -> transformerLayer(c, g), c.layers(), null));
                yield enc::forward;
            }
            case CONFORMER -> {
                // torchaudio's Conformer, with padded frames zeroed before the depthwise convolution so
                // that a padded utterance gives the same result as the unpadded one.
                Conformer enc = child("encoder", new Conformer(c.dModel(), c.nHeads(), c.ffnDim(), c.layers(), c.convKernel(),
                        c.dropout(), true, g));
                yield enc::encode;
            }
        };
    }

    private static TransformerEncoderLayer transformerLayer(Hw4Config c, Generator g) {
        return new TransformerEncoderLayer(c.dModel(), c.nHeads(), c.ffnDim(), c.dropout(), "relu", 1e-5f, true, false, g);
    }

    /**
     * The pooled utterance vector (N, d), before {@code pred_layer}.
     *
     * @param lengths valid frames of each utterance (each in [1, T]); null when none is padded
     */
    public Tensor pooled(Tensor mels, int[] lengths) {
        if (mels.dim() != 3 || mels.size(2) != config.nMels()) {
            throw new IllegalArgumentException("Hw4Classifier: mels must be (N, T, " + config.nMels() + "), got " + Arrays.toString(mels.shape()));
        }
        int n = mels.size(0), t = mels.size(1);
        if (lengths != null && lengths.length != n) {
            throw new IllegalArgumentException("Hw4Classifier: lengths must have N=" + n + " entries, got " + lengths.length);
        }
        Tensor pad = lengths == null ? null : Masks.padding(lengths, t).to(mels.device());
        Tensor h = encode.apply(prenet.forward(mels), pad);
        if (pooling != null) return pooling.forward(h, pad);
        if (lengths == null) return h.mean(1, false);
        // Mean over valid frames: weights 1/len on them, 0 on padding.
        float[] w = new float[n * t];
        for (int i = 0; i < n; i++) Arrays.fill(w, i * t, i * t + lengths[i], 1f / lengths[i]);
        return h.mul(Tensor.of(w, n, t, 1).to(h.device())).sum(1, false);
    }

    /** Class scores (N, n_speakers); for the AM-softmax head the inference logits {@code s * cos}. */
    public Tensor logits(Tensor mels, int[] lengths) {
        Tensor e = predLayer.forward(pooled(mels, lengths));
        return traced(amSoftmax == null ? e : amSoftmax.logits(e), mels);
    }

    /** Training loss against int32 speaker labels (N): cross entropy, or the AM-softmax margin loss. */
    public Tensor loss(Tensor mels, int[] lengths, Tensor labels) {
        Tensor e = predLayer.forward(pooled(mels, lengths));
        return amSoftmax == null ? F.crossEntropy(e, labels) : amSoftmax.loss(e, labels);
    }

    public Hw4Config config() {
        return config;
    }
}
