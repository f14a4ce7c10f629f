package dev.attune.nn;

import dev.attune.tensor.F;
import dev.attune.tensor.Generator;
import dev.attune.tensor.Init;
import dev.attune.tensor.Tensor;

/**
 * 1-D convolution as torch.nn.Conv1d: x (N, Cin, L) to (N, Cout, Lout) with weight
 * (Cout, Cin/groups, K): {@code y[n,o,t] = b[o] + sum_{c,k} W[o,c,k] x[n, g(o)*Cin/groups + c, t*stride - pad + k*dil]},
 * {@code Lout = (L + 2 pad - dil (K-1) - 1) / stride + 1}. groups = Cin is a depthwise convolution.
 */
public final class Conv1d extends Module {
    private final int in, out, kernel, stride, padding, dilation, groups;
    private final Parameter weight, bias;

    public Conv1d(int in, int out, int kernel, int stride, int padding, int dilation, int groups, boolean bias, Generator g) {
        if (groups <= 0 || in % groups != 0 || out % groups != 0) {
            throw new IllegalArgumentException("Conv1d: groups must divide in_channels " + in + " and out_channels " + out + ", got " + groups);
        }
        this.in = in;
        this.out = out;
        this.kernel = kernel;
        this.stride = stride;
        this.padding = padding;
        this.dilation = dilation;
        this.groups = groups;
        this.weight = parameter("weight", Init.defaultWeight(g, out, in / groups, kernel));
        this.bias = bias ? parameter("bias", Init.defaultBias(g, in / groups * kernel, out)) : null;
    }

    public Conv1d(int in, int out, int kernel, Generator g) {
        this(in, out, kernel, 1, 0, 1, 1, true, g);
    }

    public Tensor forward(Tensor x) {
        return traced(F.conv1d(x, weight.value(), bias == null ? null : bias.value(), stride, padding, dilation, groups), x);
    }

    @Override
    protected String extraRepr() {
        StringBuilder s = new StringBuilder().append(in).append(", ").append(out).append(", kernel_size=(").append(kernel)
                .append(",), stride=(").append(stride).append(",)");
        if (padding != 0) s.append(", padding=(").append(padding).append(",)");
        if (dilation != 1) s.append(", dilation=(").append(dilation).append(",)");
        if (groups != 1) s.append(", groups=").append(groups);
        if (bias == null) s.append(", bias=False");
        return s.toString();
    }

    @Override
    public String math() {
        return "y[n,o,t] = b[o] + sum_{c,k} W[o,c,k] x[n,c,t*" + stride + " - " + padding + " + k*" + dilation + "]" + (groups == in && groups > 1 ? "  (depthwise: each channel has its own kernel)" : "");
    }
}
