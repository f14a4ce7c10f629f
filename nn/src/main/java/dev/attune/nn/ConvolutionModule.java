package dev.attune.nn;

import dev.attune.kernels.DType;
import dev.attune.tensor.F;
import dev.attune.tensor.Generator;
import dev.attune.tensor.Tensor;
import java.util.Arrays;

/**
 * The Conformer convolution module as WeNet and PaddleSpeech name it (non-causal, BatchNorm):
 * {@code pointwise_conv1} Conv1d(D, 2D, 1), GLU over channels, {@code depthwise_conv} Conv1d(D, D, k,
 * groups D, padding (k-1)/2), {@code norm} BatchNorm1d(D), {@code activation} Swish, {@code pointwise_conv2}
 * Conv1d(D, D, 1); all convolutions with bias.
 *
 * <p>Forward, x (N, T, D) and an optional mask_pad (N, 1, T) bool (true = real frame), with x as (N, D, T):
 * <pre>
 *   x = x masked to 0 at padded frames
 *   a, b = split(pointwise_conv1(x), 2, channels);  x = a * sigmoid(b)        (GLU)
 *   x = swish(batchnorm(depthwise_conv(x)));  x = pointwise_conv2(x)
 *   out = x masked to 0 at padded frames, as (N, T, D)
 * </pre>
 * The masking keeps padded frames from leaking into real ones through the depthwise kernel
 * (though BatchNorm's batch statistics in training do include them, as in WeNet).
 */
public final class ConvolutionModule extends Module {
    private final int channels, kernel;
    private final Conv1d pointwiseConv1, depthwiseConv, pointwiseConv2;
    private final BatchNorm1d norm;
    private final Activation activation;

    public ConvolutionModule(int channels, int kernel, Generator g) {
        if (kernel <= 0 || kernel % 2 == 0) {
            throw new IllegalArgumentException("ConvolutionModule: kernel size must be odd for 'same' padding, got " + kernel);
        }
        this.channels = channels;
        this.kernel = kernel;
        this.pointwiseConv1 = child("pointwise_conv1", new Conv1d(channels, 2 * channels, 1, 1, 0, 1, 1, true, g));
        this.depthwiseConv = child("depthwise_conv", new Conv1d(channels, channels, kernel, 1, (kernel - 1) / 2, 1, channels, true, g));
        this.norm = child("norm", new BatchNorm1d(channels));
        this.pointwiseConv2 = child("pointwise_conv2", new Conv1d(channels, channels, 1, 1, 0, 1, 1, true, g));
        this.activation = child("activation", Activation.silu());
    }

    public Tensor forward(Tensor x, Tensor maskPad) {
        if (x.dim() != 3 || x.size(2) != channels) {
            throw new IllegalArgumentException("ConvolutionModule: input must be (N, T, " + channels + "), got shape "
                    + Arrays.toString(x.shape()));
        }
        Tensor blocked = null;
        if (maskPad != null) {
            if (maskPad.dtype() != DType.BOOL || !Arrays.equals(maskPad.shape(), new int[] {x.size(0), 1, x.size(1)})) {
                throw new IllegalArgumentException("ConvolutionModule: mask_pad must be bool (" + x.size(0) + ", 1, " + x.size(1)
                        + "), got " + maskPad.dtype().displayName() + " " + Arrays.toString(maskPad.shape()));
            }
            blocked = maskPad.eq(0f);
        }
        Tensor h = x.transpose(1, 2);                                          // (N, D, T)
        if (blocked != null) h = h.maskedFill(blocked, 0f);
        h = F.glu(pointwiseConv1.forward(h), 1);
        h = activation.forward(norm.forward(depthwiseConv.forward(h)));
        h = pointwiseConv2.forward(h);
        if (blocked != null) h = h.maskedFill(blocked, 0f);
        return traced(h.transpose(1, 2), x);
    }

    @Override
    protected String extraRepr() {
        return "channels=" + channels + ", kernel_size=" + kernel;
    }
}
