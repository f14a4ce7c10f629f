package dev.attune.nn.audio;

/**
 * Settings of the Kaldi-style log-mel filterbank {@link Fbank}. {@link #DEFAULTS} matches
 * {@code torchaudio.compliance.kaldi.fbank} defaults except {@code numMelBins} (40 here, 23 there):
 * 25 ms frames every 10 ms, no dither, DC removal, pre-emphasis 0.97, Povey window,
 * mel filters from 20 Hz to the Nyquist frequency.
 *
 * @param frameLengthMs  frame length in milliseconds; {@code L = floor(sampleRate * frameLengthMs / 1000)} samples
 * @param frameShiftMs   frame shift in milliseconds; {@code S = floor(sampleRate * frameShiftMs / 1000)} samples
 * @param numMelBins     number of triangular mel filters (output bins), at least 3
 * @param lowFreq        lower edge of the first filter, Hz, {@code >= 0}
 * @param highFreq       upper edge of the last filter, Hz; a value {@code <= 0} is an offset from the Nyquist frequency
 * @param preemphasis    pre-emphasis coefficient {@code a} in {@code y[i] = x[i] - a x[i-1]}, in [0, 1]
 * @param removeDcOffset subtract each frame's mean before pre-emphasis
 * @param window         the analysis window
 * @param dither         standard deviation of Gaussian noise added to every sample of a frame (0: none)
 * @param ditherSeed     seed of that noise, for reproducible results when {@code dither > 0}
 */
public record FbankOptions(
    double frameLengthMs,
    double frameShiftMs,
    int numMelBins,
    double lowFreq,
    double highFreq,
    double preemphasis,
    boolean removeDcOffset,
    Window window,
    double dither,
    long ditherSeed) {

    /** Analysis windows over {@code n = 0 .. L-1}, all symmetric (denominator {@code L - 1}). */
    public enum Window {
        /** Kaldi's default: {@code (0.5 - 0.5 cos(2 pi n / (L-1)))^0.85}. */
        POVEY,
        /** {@code 0.54 - 0.46 cos(2 pi n / (L-1))}. */
        HAMMING,
        /** {@code 0.5 - 0.5 cos(2 pi n / (L-1))}. */
        HANNING,
        /** All ones. */
        RECTANGULAR
    }

    /** 25 ms / 10 ms frames, 40 bins, 20 Hz to Nyquist, pre-emphasis 0.97, DC removal, Povey window, no dither. */
    public static final FbankOptions DEFAULTS = new FbankOptions(25, 10, 40, 20, 0, 0.97, true, Window.POVEY, 0, 0);

    public FbankOptions {
        if (!(frameLengthMs > 0) || !(frameShiftMs > 0)) {
            throw new IllegalArgumentException("FbankOptions: frame length and shift must be positive, got "
                + frameLengthMs + " ms and " + frameShiftMs + " ms");
        }
        if (numMelBins < 3) {
            throw new IllegalArgumentException("FbankOptions: numMelBins must be >= 3, got " + numMelBins);
        }
        if (!(lowFreq >= 0) || Double.isNaN(highFreq)) {
            throw new IllegalArgumentException("FbankOptions: lowFreq must be >= 0 and highFreq a number, got " + lowFreq + ", " + highFreq);
        }
        if (!(preemphasis >= 0 && preemphasis <= 1)) {
            throw new IllegalArgumentException("FbankOptions: preemphasis must be in [0, 1], got " + preemphasis);
        }
        if (window == null) {
            throw new IllegalArgumentException("FbankOptions: window must not be null");
        }
        if (!(dither >= 0)) {
            throw new IllegalArgumentException("FbankOptions: dither must be >= 0, got " + dither);
        }
    }

    /** These options with {@code numMelBins} replaced. */
    public FbankOptions withNumMelBins(int bins) {
        return new FbankOptions(frameLengthMs, frameShiftMs, bins, lowFreq, highFreq, preemphasis, removeDcOffset, window, dither, ditherSeed);
    }

    /** These options with the frame length and shift replaced. */
    public FbankOptions withFrames(double lengthMs, double shiftMs) {
        return new FbankOptions(lengthMs, shiftMs, numMelBins, lowFreq, highFreq, preemphasis, removeDcOffset, window, dither, ditherSeed);
    }

    /** These options with the filterbank edges replaced. */
    public FbankOptions withFrequencies(double low, double high) {
        return new FbankOptions(frameLengthMs, frameShiftMs, numMelBins, low, high, preemphasis, removeDcOffset, window, dither, ditherSeed);
    }

    /** These options with the pre-emphasis coefficient and DC-offset removal replaced. */
    public FbankOptions withPreprocessing(double preemphasisCoefficient, boolean removeDc) {
        return new FbankOptions(frameLengthMs, frameShiftMs, numMelBins, lowFreq, highFreq, preemphasisCoefficient, removeDc, window, dither, ditherSeed);
    }

    /** These options with the window replaced. */
    public FbankOptions withWindow(Window w) {
        return new FbankOptions(frameLengthMs, frameShiftMs, numMelBins, lowFreq, highFreq, preemphasis, removeDcOffset, w, dither, ditherSeed);
    }

    /** These options with dither amount and seed replaced. */
    public FbankOptions withDither(double amount, long seed) {
        return new FbankOptions(frameLengthMs, frameShiftMs, numMelBins, lowFreq, highFreq, preemphasis, removeDcOffset, window, amount, seed);
    }
}
