package dev.attune.nn;

import dev.attune.tensor.Generator;
import dev.attune.tensor.Tensor;

/**
 * A small composite model for the module-system tests, the Java twin of this PyTorch module
 * (whose state_dict keys and printed tree the tests compare with):
 * <pre>
 * class Block(nn.Module):            # scale (4,), buffer steps (1,), proj, norm, head
 *     def __init__(s):
 *         super().__init__()
 *         s.scale = nn.Parameter(torch.ones(4))
 *         s.register_buffer('steps', torch.zeros(1))
 *         s.proj = nn.Linear(4, 3)
 *         s.norm = nn.LayerNorm(3)
 *         s.head = nn.Sequential(nn.Linear(3, 2, bias=False), nn.ReLU())
 * class Net(nn.Module):
 *     def __init__(s):
 *         super().__init__()
 *         s.bias = nn.Parameter(torch.zeros(2))
 *         s.block = Block()
 *         s.out = nn.Linear(2, 2)
 * </pre>
 */
final class TinyNet {
    private TinyNet() {}

    static final class Block extends Module {
        final Parameter scale;
        final Tensor steps;
        final Linear proj;
        final LayerNorm norm;
        final Sequential head;

        Block(Generator g) {
            scale = parameter("scale", Tensor.ones(4));
            steps = buffer("steps", Tensor.zeros(1));
            proj = child("proj", new Linear(4, 3, g));
            norm = child("norm", new LayerNorm(3, 1e-5f));
            head = child("head", new Sequential());
            Linear l = new Linear(3, 2, false, g);
            head.add(l, l::forward);
            Activation relu = Activation.relu();
            head.add(relu, relu::forward);
        }

        Tensor forward(Tensor x) {
            return traced(head.forward(norm.forward(proj.forward(x.mul(scale.value())))), x);
        }
    }

    static final class Net extends Module {
        final Parameter bias;
        final Block block;
        final Linear out;

        Net(long seed) {
            Generator g = new Generator(seed);
            bias = parameter("bias", Tensor.zeros(2));
            block = child("block", new Block(g));
            out = child("out", new Linear(2, 2, g));
        }

        /** {@code mask} is optional (may be null); it multiplies the output when given. */
        Tensor forward(Tensor x, Tensor mask) {
            Tensor y = out.forward(block.forward(x).add(bias.value()));
            return traced(mask == null ? y : y.mul(mask), x, mask);
        }
    }
}
