package dev.attune.nn.audio;

/**
 * Radix-2 FFT of a real signal of length {@code n = 2^k} (n >= 2), in double precision.
 *
 * <p>Computes {@code X[k] = sum_{t=0}^{n-1} x[t] e^{-2 pi i k t / n}} for {@code k = 0 .. n/2}
 * (the other half is the conjugate mirror). The real input is packed into a complex signal of
 * half length, {@code z[t] = x[2t] + i x[2t+1]}, transformed with an iterative decimation-in-time
 * complex FFT {@code Z}, and unpacked with
 * {@code X[k] = (Z[k] + conj Z[m-k]) / 2 - i e^{-2 pi i k / n} (Z[k] - conj Z[m-k]) / 2}, {@code m = n/2}.
 *
 * <p>An instance holds the twiddle tables for one size; it is immutable and thread-safe.
 */
public final class Fft {

    private final int n;
    private final int half;
    /** cos/sin of 2 pi j / half, j < half / 2: twiddles of the half-length complex FFT. */
    private final double[] cosHalf;
    private final double[] sinHalf;
    /** cos/sin of 2 pi k / n, k <= half: twiddles of the real unpacking step. */
    private final double[] cosN;
    private final double[] sinN;
    private final int[] bitReverse;

    /** Prepares an FFT of {@code size} real points; {@code size} must be a power of two, at least 2. */
    public Fft(int size) {
        if (size < 2 || Integer.bitCount(size) != 1) {
            throw new IllegalArgumentException("Fft: size must be a power of two >= 2, got " + size);
        }
        n = size;
        half = size / 2;
        cosHalf = new double[Math.max(1, half / 2)];
        sinHalf = new double[cosHalf.length];
        for (int j = 0; j < half / 2; j++) {
            cosHalf[j] = Math.cos(2 * Math.PI * j / half);
            sinHalf[j] = Math.sin(2 * Math.PI * j / half);
        }
        cosN = new double[half + 1];
        sinN = new double[half + 1];
        for (int k = 0; k <= half; k++) {
            cosN[k] = Math.cos(2 * Math.PI * k / n);
            sinN[k] = Math.sin(2 * Math.PI * k / n);
        }
        bitReverse = new int[half];
        int bits = Integer.numberOfTrailingZeros(half);
        for (int i = 0; i < half; i++) {
            bitReverse[i] = bits == 0 ? 0 : Integer.reverse(i) >>> (32 - bits);
        }
    }

    /** The number of real input points. */
    public int size() {
        return n;
    }

    /**
     * Forward transform of {@code x} (length {@link #size()}) into {@code re}, {@code im}
     * (each of length at least {@code size/2 + 1}), holding {@code X[0] .. X[size/2]}.
     */
    public void forward(double[] x, double[] re, double[] im) {
        if (x.length != n || re.length < half + 1 || im.length < half + 1) {
            throw new IllegalArgumentException("Fft.forward: expected input of " + n + " and outputs of >= " + (half + 1)
                + ", got " + x.length + ", " + re.length + ", " + im.length);
        }
        double[] zr = new double[half];
        double[] zi = new double[half];
        for (int t = 0; t < half; t++) {
            int r = bitReverse[t];
            zr[r] = x[2 * t];
            zi[r] = x[2 * t + 1];
        }
        for (int len = 2; len <= half; len <<= 1) {
            int step = half / len;
            int mid = len / 2;
            for (int start = 0; start < half; start += len) {
                for (int j = 0; j < mid; j++) {
                    double wr = cosHalf[j * step];
                    double wi = -sinHalf[j * step];
                    int a = start + j;
                    int b = a + mid;
                    double br = zr[b] * wr - zi[b] * wi;
                    double bi = zr[b] * wi + zi[b] * wr;
                    zr[b] = zr[a] - br;
                    zi[b] = zi[a] - bi;
                    zr[a] += br;
                    zi[a] += bi;
                }
            }
        }
        for (int k = 0; k <= half; k++) {
            int a = k % half;
            int b = (half - k) % half;
            // E = (Z[k] + conj Z[m-k]) / 2 (transform of even samples), O = (Z[k] - conj Z[m-k]) / (2i) (odd samples)
            double er = 0.5 * (zr[a] + zr[b]);
            double ei = 0.5 * (zi[a] - zi[b]);
            double or = 0.5 * (zi[a] + zi[b]);
            double oi = -0.5 * (zr[a] - zr[b]);
            double wr = cosN[k];
            double wi = -sinN[k];
            re[k] = er + (or * wr - oi * wi);
            im[k] = ei + (or * wi + oi * wr);
        }
    }

    /** Power spectrum {@code |X[k]|^2}, {@code k = 0 .. size/2}, written into {@code out}. */
    public void powerSpectrum(double[] x, double[] out) {
        double[] re = new double[half + 1];
        double[] im = new double[half + 1];
        forward(x, re, im);
        for (int k = 0; k <= half; k++) {
            out[k] = re[k] * re[k] + im[k] * im[k];
        }
    }
}
