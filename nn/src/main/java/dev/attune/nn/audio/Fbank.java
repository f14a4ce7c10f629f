package dev.attune.nn.audio;

import java.util.Arrays;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * Kaldi-style log-mel filterbank features, numerically following
 * {@code torchaudio.compliance.kaldi.fbank} (computed here in double precision, returned as float).
 *
 * <p>For a waveform {@code x[0..N-1]} at sample rate {@code r}, with frame length
 * {@code L = floor(r * lengthMs / 1000)} and shift {@code S = floor(r * shiftMs / 1000)}:
 * <ol>
 *   <li>Framing with snipped edges: {@code T = 1 + floor((N - L) / S)} frames when {@code N >= L},
 *       none otherwise; frame {@code t} is {@code x[tS .. tS + L - 1]}.</li>
 *   <li>Dither (when {@code d > 0}): {@code y[i] += d * g}, {@code g ~ N(0, 1)} drawn per sample of each frame.</li>
 *   <li>DC removal (optional): {@code y[i] -= mean(y)}.</li>
 *   <li>Pre-emphasis: {@code y[i] -= a * y[i-1]} for {@code i >= 1}, and {@code y[0] -= a * y[0]}.</li>
 *   <li>Window: {@code y[i] *= w[i]} (see {@link FbankOptions.Window}; Povey is {@code hann^0.85}).</li>
 *   <li>Zero-padding to {@code K}, the next power of two {@code >= L}, then the power spectrum
 *       {@code P[k] = |sum_i y[i] e^{-2 pi i k i / K}|^2}, {@code k = 0 .. K/2}.</li>
 *   <li>Mel filters on the Kaldi scale {@code mel(f) = 1127 ln(1 + f / 700)}: with
 *       {@code Δ = (mel(high) - mel(low)) / (B + 1)}, filter {@code b} has edges
 *       {@code l = mel(low) + bΔ}, {@code c = l + Δ}, {@code h = l + 2Δ} and weight
 *       {@code W[b][k] = max(0, min((m - l) / (c - l), (h - m) / (h - c)))} at {@code m = mel(k r / K)}
 *       for {@code k < K/2} (the Nyquist bin has weight 0).</li>
 *   <li>Output {@code F[t][b] = ln(max(sum_k W[b][k] P[k], eps))}, {@code eps = 2^-23} (float epsilon).</li>
 * </ol>
 * Features depend on the waveform's scale: Kaldi feeds 16-bit integer values, so features of a
 * [-1, 1) waveform are those of Kaldi minus {@code 2 ln 32768} (where above the floor).
 *
 * <p>An instance is bound to one sample rate, holds the window and filter tables, and is thread-safe.
 */
public final class Fbank {

    /** The floor applied before the logarithm: float32 machine epsilon, {@code 2^-23}. */
    public static final double ENERGY_FLOOR = 1.1920928955078125e-07;
    /** {@code ln(ENERGY_FLOOR)}: the value of a bin without energy, e.g. in digital silence. */
    public static final float LOG_FLOOR = (float) Math.log(ENERGY_FLOOR);

    private final FbankOptions options;
    private final int sampleRate;
    private final int frameLength;
    private final int frameShift;
    private final Fft fft;
    private final double[] window;
    private final double[] centres;
    /** Filter b covers FFT bins {@code firstBin[b] .. firstBin[b] + weights[b].length - 1}. */
    private final int[] firstBin;
    private final double[][] weights;

    /** Prepares the filterbank for audio at {@code sampleRate} Hz. */
    public Fbank(FbankOptions options, int sampleRate) {
        this.options = Objects.requireNonNull(options, "options");
        if (sampleRate <= 0) {
            throw new IllegalArgumentException("Fbank: sample rate must be positive, got " + sampleRate);
        }
        this.sampleRate = sampleRate;
        frameLength = (int) (sampleRate * options.frameLengthMs() * 0.001);
        frameShift = (int) (sampleRate * options.frameShiftMs() * 0.001);
        if (frameLength < 2 || frameShift < 1) {
            throw new IllegalArgumentException("Fbank: at " + sampleRate + " Hz, " + options.frameLengthMs() + " ms / "
                + options.frameShiftMs() + " ms give frames of " + frameLength + " samples every " + frameShift
                + "; need at least 2 and 1");
        }
        int fftSize = Integer.highestOneBit(frameLength);
        fft = new Fft(fftSize == frameLength ? fftSize : fftSize * 2);
        window = window(options.window(), frameLength);

        double nyquist = 0.5 * sampleRate;
        double low = options.lowFreq();
        double high = options.highFreq() <= 0 ? options.highFreq() + nyquist : options.highFreq();
        if (!(low < nyquist && high > 0 && high <= nyquist && low < high)) {
            throw new IllegalArgumentException("Fbank: need 0 <= lowFreq < highFreq <= Nyquist (" + nyquist + " Hz at "
                + sampleRate + " Hz), got lowFreq " + low + " and highFreq " + high
                + (options.highFreq() <= 0 ? " (= Nyquist + " + options.highFreq() + ")" : ""));
        }
        int bins = options.numMelBins();
        double melLow = melScale(low);
        double delta = (melScale(high) - melLow) / (bins + 1);
        int fftBins = fft.size() / 2;
        double binWidth = (double) sampleRate / fft.size();
        centres = new double[bins];
        firstBin = new int[bins];
        weights = new double[bins][];
        for (int b = 0; b < bins; b++) {
            double left = melLow + b * delta;
            double centre = left + delta;
            double right = left + 2 * delta;
            centres[b] = inverseMelScale(centre);
            double[] w = new double[fftBins];
            int first = -1;
            int last = -1;
            for (int k = 0; k < fftBins; k++) {
                double mel = melScale(binWidth * k);
                double v = Math.max(0, Math.min((mel - left) / (centre - left), (right - mel) / (right - centre)));
                if (v > 0) {
                    w[k] = v;
                    if (first < 0) {
                        first = k;
                    }
                    last = k;
                }
            }
            firstBin[b] = Math.max(first, 0);
            weights[b] = first < 0 ? new double[0] : Arrays.copyOfRange(w, first, last + 1);
        }
    }

    /** Features of {@code audio} with {@code options}: {@code new Fbank(options, audio.sampleRate()).compute(audio.samples())}. */
    public static float[][] compute(Audio audio, FbankOptions options) {
        return new Fbank(options, audio.sampleRate()).compute(audio.samples());
    }

    /** Kaldi mel scale: {@code 1127 ln(1 + hz / 700)}. */
    public static double melScale(double hz) {
        return 1127.0 * Math.log(1.0 + hz / 700.0);
    }

    /** Inverse of {@link #melScale}: {@code 700 (e^{mel / 1127} - 1)}. */
    public static double inverseMelScale(double mel) {
        return 700.0 * (Math.exp(mel / 1127.0) - 1.0);
    }

    /** The window of {@code length} points (symmetric, denominator {@code length - 1}). */
    public static double[] window(FbankOptions.Window type, int length) {
        if (length < 2) {
            throw new IllegalArgumentException("Fbank.window: length must be >= 2, got " + length);
        }
        double[] w = new double[length];
        double a = 2 * Math.PI / (length - 1);
        for (int i = 0; i < length; i++) {
            double hann = 0.5 - 0.5 * Math.cos(a * i);
            w[i] = switch (type) {
                case POVEY -> Math.pow(hann, 0.85);
                case HAMMING -> 0.54 - 0.46 * Math.cos(a * i);
                case HANNING -> hann;
                case RECTANGULAR -> 1.0;
            };
        }
        return w;
    }

    /**
     * Features of {@code samples}: {@code numFrames(samples.length)} rows of {@code numMelBins} log energies.
     * Dither, if enabled, is drawn from a generator seeded with {@link FbankOptions#ditherSeed()}.
     */
    public float[][] compute(float[] samples) {
        return compute(samples, new SplittableRandom(options.ditherSeed()));
    }

    /** As {@link #compute(float[])}, drawing dither from {@code ditherSource}. */
    public float[][] compute(float[] samples, RandomGenerator ditherSource) {
        int frames = numFrames(samples.length);
        int bins = options.numMelBins();
        float[][] out = new float[frames][bins];
        double[] frame = new double[fft.size()];
        double[] power = new double[fft.size() / 2 + 1];
        double a = options.preemphasis();
        for (int t = 0; t < frames; t++) {
            int start = t * frameShift;
            double sum = 0;
            for (int i = 0; i < frameLength; i++) {
                double v = samples[start + i];
                if (options.dither() > 0) {
                    v += options.dither() * ditherSource.nextGaussian();
                }
                frame[i] = v;
                sum += v;
            }
            if (options.removeDcOffset()) {
                double mean = sum / frameLength;
                for (int i = 0; i < frameLength; i++) {
                    frame[i] -= mean;
                }
            }
            if (a != 0) {
                for (int i = frameLength - 1; i > 0; i--) {
                    frame[i] -= a * frame[i - 1];
                }
                frame[0] -= a * frame[0];
            }
            for (int i = 0; i < frameLength; i++) {
                frame[i] *= window[i];
            }
            Arrays.fill(frame, frameLength, frame.length, 0.0);
            fft.powerSpectrum(frame, power);
            for (int b = 0; b < bins; b++) {
                double[] w = weights[b];
                int k0 = firstBin[b];
                double energy = 0;
                for (int j = 0; j < w.length; j++) {
                    energy += w[j] * power[k0 + j];
                }
                out[t][b] = (float) Math.log(Math.max(energy, ENERGY_FLOOR));
            }
        }
        return out;
    }

    /** Number of frames for {@code numSamples} samples: {@code 1 + (N - L) / S} if {@code N >= L}, else 0. */
    public int numFrames(int numSamples) {
        return numSamples < frameLength ? 0 : 1 + (numSamples - frameLength) / frameShift;
    }

    /** Centre frequency of each mel filter, Hz: {@code inverseMel(mel(low) + (b + 1) Δ)}. */
    public double[] centreFrequencies() {
        return centres.clone();
    }

    /** The options this filterbank was built with. */
    public FbankOptions options() {
        return options;
    }

    /** The sample rate this filterbank expects, Hz. */
    public int sampleRate() {
        return sampleRate;
    }

    /** Frame length {@code L} in samples. */
    public int frameLength() {
        return frameLength;
    }

    /** Frame shift {@code S} in samples. */
    public int frameShift() {
        return frameShift;
    }

    /** FFT size {@code K}: the next power of two {@code >= L}. */
    public int fftSize() {
        return fft.size();
    }
}
