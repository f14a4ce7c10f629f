package dev.attune.nn;

import dev.attune.kernels.DType;
import dev.attune.tensor.F;
import dev.attune.tensor.Generator;
import dev.attune.tensor.Init;
import dev.attune.tensor.Tensor;
import java.util.Arrays;

/**
 * Additive-margin softmax classifier head (Wang et al. 2018, AM-Softmax). Features x (N, H) and
 * the rows of {@code weight} (classes, H) are L2-normalised, so the logits are scaled cosines:
 * <pre>
 *   cos[n, c] = (x_n / |x_n|) . (w_c / |w_c|)
 *   logits = s * cos                                   (inference, {@link #logits})
 *   loss = cross_entropy(s * (cos - m * onehot(label)))  (training, {@link #loss})
 * </pre>
 * Subtracting m from the target cosine only during training forces each class to win by a
 * margin. Defaults s = 30, m = 0.4; {@code weight} starts xavier-normal.
 * Backward: with {@code p = softmax(s (cos - m onehot))}, {@code dcos = s (p - onehot) / N};
 * through the normalisation {@code u = v / |v|}, {@code dv = (du - u (u . du)) / |v|}.
 */
public final class AmSoftmax extends Module {
    private static final float EPS = 1e-12f;   // as F.normalize, so a zero vector stays finite
    private final int dim, classes;
    private final float scale, margin;
    private final Parameter weight;

    public AmSoftmax(int dim, int classes, float scale, float margin, Generator g) {
        if (dim <= 0 || classes <= 0) throw new IllegalArgumentException("AmSoftmax: sizes must be positive, got dim=" + dim + ", classes=" + classes);
        this.dim = dim;
        this.classes = classes;
        this.scale = scale;
        this.margin = margin;
        this.weight = parameter("weight", Init.xavierNormal(g, 1.0, classes, dim));
    }

    public AmSoftmax(int dim, int classes, Generator g) {
        this(dim, classes, 30f, 0.4f, g);
    }

    /** Cosines (N, classes) between the normalised features and class weights. */
    public Tensor cosine(Tensor x) {
        if (x.dim() != 2 || x.size(1) != dim) {
            throw new IllegalArgumentException("AmSoftmax: input must be (N, " + dim + "), got " + Arrays.toString(x.shape()));
        }
        return normalize(x).matmul(normalize(weight.value()).t());
    }

    /** Inference logits {@code s * cos}, (N, classes). */
    public Tensor logits(Tensor x) {
        return traced(cosine(x).mul(scale), x);
    }

    /** Mean cross entropy of the margin logits {@code s (cos - m onehot)} against int32 labels (N). */
    public Tensor loss(Tensor x, Tensor labels) {
        Tensor cos = cosine(x);
        if (labels.dtype() != DType.INT32 || labels.dim() != 1 || labels.size(0) != x.size(0)) {
            throw new IllegalArgumentException("AmSoftmax: labels must be int32 (" + x.size(0) + "), got "
                    + labels.dtype().displayName() + " " + Arrays.toString(labels.shape()));
        }
        int[] t = labels.toIntArray();
        float[] m = new float[t.length * classes];
        for (int n = 0; n < t.length; n++) {
            if (t[n] < 0 || t[n] >= classes) throw new IndexOutOfBoundsException("AmSoftmax: label " + t[n] + " out of range [0, " + classes + ")");
            m[n * classes + t[n]] = margin;
        }
        Tensor marginLogits = cos.sub(Tensor.of(m, t.length, classes).to(cos.device())).mul(scale);
        return traced(F.crossEntropy(marginLogits, labels), x);
    }

    private static Tensor normalize(Tensor v) {
        Tensor norm = v.mul(v).sum(1, true).sqrt().clamp(EPS, Float.MAX_VALUE);
        return v.div(norm);
    }

    public Parameter weight() {
        return weight;
    }

    public float scale() {
        return scale;
    }

    public float margin() {
        return margin;
    }

    @Override
    protected String extraRepr() {
        return "in_features=" + dim + ", classes=" + classes + ", s=" + Repr.pyFloat(scale) + ", m=" + Repr.pyFloat(margin);
    }
}
