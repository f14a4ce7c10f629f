package dev.attune.nn;

import dev.attune.tensor.F;
import dev.attune.tensor.Generator;
import dev.attune.tensor.Init;
import dev.attune.tensor.Tensor;

/**
 * 2-D convolution as torch.nn.Conv2d with square kernel, stride and padding:
 * x (N, Cin, H, W) to (N, Cout, Hout, Wout), {@code Hout = (H + 2 pad - K) / stride + 1}.
 */
public final class Conv2d extends Module {
    private final int in, out, kernel, stride, padding;
    private final Parameter weight, bias;

    public Conv2d(int in, int out, int kernel, int stride, int padding, Generator g) {
        this.in = in;
        this.out = out;
        this.kernel = kernel;
        this.stride = stride;
        this.padding = padding;
        this.weight = parameter("weight", Init.defaultWeight(g, out, in, kernel, kernel));
        this.bias = parameter("bias", Init.defaultBias(g, in * kernel * kernel, out));
    }

    public Tensor forward(Tensor x) {
        return traced(F.conv2d(x, weight.value(), bias.value(), new int[] {stride, stride}, new int[] {padding, padding},
                new int[] {1, 1}, 1), x);
    }

    @Override
    protected String extraRepr() {
        String s = in + ", " + out + ", kernel_size=(" + kernel + ", " + kernel + "), stride=(" + stride + ", " + stride + ")";
        return padding == 0 ? s : s + ", padding=(" + padding + ", " + padding + ")";
    }

    @Override
    public String math() {
        return "y[n,o,i,j] = b[o] + sum_{c,u,v} W[o,c,u,v] x[n,c,i*" + stride + " - " + padding + " + u, j*" + stride + " - " + padding + " + v]";
    }
}
