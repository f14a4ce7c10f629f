package dev.attune.nn.audio;

import java.util.Objects;

/**
 * A mono waveform: {@code samples[i]} is the amplitude at time {@code i / sampleRate} seconds,
 * nominally in [-1, 1) (integer PCM is scaled by 2^-(bits-1); float PCM is passed through).
 *
 * @param samples    the samples, one channel (multi-channel input is averaged)
 * @param sampleRate samples per second, positive
 */
public record Audio(float[] samples, int sampleRate) {

    public Audio {
        Objects.requireNonNull(samples, "samples");
        if (sampleRate <= 0) {
            throw new IllegalArgumentException("Audio: sample rate must be positive, got " + sampleRate);
        }
    }

    /** Duration in seconds: {@code samples.length / sampleRate}. */
    public double durationSeconds() {
        return (double) samples.length / sampleRate;
    }
}
