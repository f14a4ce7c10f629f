package dev.attune.nn;

import dev.attune.kernels.DType;
import dev.attune.tensor.Generator;
import dev.attune.tensor.Tensor;
import java.util.Arrays;

/**
 * The Conformer front end of WeNet and PaddleSpeech: two stride-2 convolutions that cut the frame
 * rate by 4, a projection to D, and the relative positional encoding. Children as in WeNet:
 * {@code conv.0} Conv2d(1, D, 3, stride 2), {@code conv.1} ReLU, {@code conv.2} Conv2d(D, D, 3, stride 2),
 * {@code conv.3} ReLU, {@code out.0} Linear(D F', D) with {@code F' = ((idim-1)/2 - 1)/2}, {@code pos_enc}.
 *
 * <p>Forward, x (N, T, idim) and mask (N, 1, T) bool (true = a real frame):
 * {@code h = relu(conv2(relu(conv0(x as (N, 1, T, idim)))))} of shape (N, D, T', F') with
 * {@code T' = ((T-1)/2 - 1)/2} (integer division), then {@code y = out(h as (N, T', D F'))} (channels major,
 * as PyTorch's {@code transpose(1, 2).view(N, T', D F')}), then {@code (y, pos_emb) = pos_enc(y)}. The mask keeps
 * the frames {@code mask[:, :, 2::2][:, :, 2::2]}, i.e. input frame 4t+6 decides output frame t, so an input of
 * L real frames gives {@code ((L-1)/2 - 1)/2} real output frames.
 */
public final class Conv2dSubsampling4 extends Module {
    private final int idim, odim;
    private final Sequential conv;
    private final Sequential out;
    private final RelPositionalEncoding posEnc;

    public Conv2dSubsampling4(int idim, int odim, RelPositionalEncoding posEnc, Generator g) {
        int freq = ((idim - 1) / 2 - 1) / 2;
        if (freq <= 0) throw new IllegalArgumentException("Conv2dSubsampling4: idim must be at least 7, got " + idim);
        this.idim = idim;
        this.odim = odim;
        this.conv = child("conv", new Sequential());
        Conv2d c0 = new Conv2d(1, odim, 3, 2, 0, g), c2 = new Conv2d(odim, odim, 3, 2, 0, g);
        Activation r1 = Activation.relu(), r3 = Activation.relu();
        conv.add(c0, c0::forward);
        conv.add(r1, r1::forward);
        conv.add(c2, c2::forward);
        conv.add(r3, r3::forward);
        this.out = child("out", new Sequential());
        Linear proj = new Linear(odim * freq, odim, g);
        out.add(proj, proj::forward);
        this.posEnc = child("pos_enc", posEnc);
    }

    /** The subsampled frames (N, T', D), the position embeddings and the subsampled mask (N, 1, T'). */
    public record Output(Tensor x, Tensor posEmb, Tensor mask) {}

    public Output forward(Tensor x, Tensor mask) {
        if (x.dim() != 3 || x.size(2) != idim || x.size(1) < 7) {
            throw new IllegalArgumentException("Conv2dSubsampling4: input must be (N, T >= 7, " + idim + "), got shape "
                    + Arrays.toString(x.shape()));
        }
        int n = x.size(0), t = x.size(1);
        if (mask.dtype() != DType.BOOL || !Arrays.equals(mask.shape(), new int[] {n, 1, t})) {
            throw new IllegalArgumentException("Conv2dSubsampling4: mask must be bool (" + n + ", 1, " + t + "), got "
                    + mask.dtype().displayName() + " " + Arrays.toString(mask.shape()));
        }
        Tensor h = conv.forward(x.unsqueeze(1));                               // (N, D, T', F')
        int tOut = h.size(2);
        Tensor y = out.forward(h.transpose(1, 2).reshape(n, tOut, odim * h.size(3)));
        RelPositionalEncoding.Output pe = posEnc.forward(y);
        return new Output(traced(pe.x(), x), pe.posEmb(), everySecondFrom2(everySecondFrom2(mask)));
    }

    /** {@code m[:, :, 2::2]}: frames 2, 4, ..., as many as fit. */
    static Tensor everySecondFrom2(Tensor m) {
        int t = m.size(2), kept = (t - 1) / 2;
        return m.narrow(2, 1, 2 * kept).reshape(m.size(0), m.size(1), kept, 2).select(3, 1);
    }

    /** Output frames for T input frames: {@code ((T-1)/2 - 1)/2}. */
    public static int outputLength(int t) {
        return ((t - 1) / 2 - 1) / 2;
    }

    @Override
    protected String extraRepr() {
        return "idim=" + idim + ", odim=" + odim;
    }
}
