package dev.attune.nn;

import dev.attune.kernels.DType;
import dev.attune.tensor.F;
import dev.attune.tensor.Generator;
import dev.attune.tensor.Tensor;
import java.util.Arrays;

/**
 * Self-attention pooling: one learned score per frame, a softmax over time, and the weighted
 * sum of the frames. x (N, T, H) to (N, H); the child Linear(H, 1) is named {@code W} as in the
 * usual HW4 implementation:
 * <pre>
 *   s_t = W x_t + b   (-inf at padding frames),   a = softmax_t(s),   y = sum_t a_t x_t
 * </pre>
 * Backward: {@code dx_t = a_t dy + ds_t W} with {@code ds_t = a_t (dy . x_t - sum_u a_u dy . x_u)}
 * (the softmax Jacobian), {@code dW = sum_t ds_t x_t}, {@code db = sum_t ds_t}.
 */
public final class SelfAttentionPooling extends Module {
    private final int dim;
    private final Linear w;

    public SelfAttentionPooling(int dim, Generator g) {
        this.dim = dim;
        this.w = child("W", new Linear(dim, 1, g));
    }

    /** @param paddingMask bool (N, T), true at padding frames (each row needs a valid frame); may be null */
    public Tensor forward(Tensor x, Tensor paddingMask) {
        if (x.dim() != 3 || x.size(2) != dim) {
            throw new IllegalArgumentException("SelfAttentionPooling: input must be (N, T, " + dim + "), got " + Arrays.toString(x.shape()));
        }
        Tensor scores = w.forward(x).squeeze(-1);                        // (N, T)
        if (paddingMask != null) {
            if (paddingMask.dtype() != DType.BOOL || !Arrays.equals(paddingMask.shape(), scores.shape())) {
                throw new IllegalArgumentException("SelfAttentionPooling: padding mask must be bool " + Arrays.toString(scores.shape())
                        + ", got " + paddingMask.dtype().displayName() + " " + Arrays.toString(paddingMask.shape()));
            }
            scores = scores.maskedFill(paddingMask, Float.NEGATIVE_INFINITY);
        }
        Tensor a = F.softmax(scores, 1).unsqueeze(1);                    // (N, 1, T)
        return traced(a.matmul(x).squeeze(1), x);
    }

    public Tensor forward(Tensor x) {
        return forward(x, null);
    }
}
