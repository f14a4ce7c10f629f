package dev.attune.nn.metrics;

import java.util.Locale;

/**
 * Character and word error rates of transcripts. Per utterance: CER = character edits /
 * reference characters, WER = word edits / reference words ({@link EditDistance}). Corpus-level
 * rates are not the mean of those, but total edits over total reference length, so long
 * utterances weigh more. Add utterances with {@link #add}; the object accumulates the totals.
 */
public final class ErrorRates {
    private EditDistance chars = new EditDistance(0, 0, 0, 0), words = new EditDistance(0, 0, 0, 0);
    private int utterances;

    /** The character and word alignments of one utterance. */
    public record Utterance(EditDistance chars, EditDistance words) {
        public double cer() {
            return chars.rate();
        }

        public double wer() {
            return words.rate();
        }
    }

    /** Scores one utterance and adds it to the totals. */
    public Utterance add(String reference, String hypothesis) {
        Utterance u = score(reference, hypothesis);
        chars = chars.plus(u.chars());
        words = words.plus(u.words());
        utterances++;
        return u;
    }

    /** The alignments of one utterance, without adding it. */
    public static Utterance score(String reference, String hypothesis) {
        return new Utterance(EditDistance.chars(reference, hypothesis), EditDistance.words(reference, hypothesis));
    }

    /** Corpus-level CER: all character edits over all reference characters. */
    public double cer() {
        return chars.rate();
    }

    /** Corpus-level WER: all word edits over all reference words. */
    public double wer() {
        return words.rate();
    }

    public EditDistance charTotals() {
        return chars;
    }

    public EditDistance wordTotals() {
        return words;
    }

    public int utterances() {
        return utterances;
    }

    /** {@code CER: x.xx% WER: y.yy% (N utterances)}. */
    @Override
    public String toString() {
        return String.format(Locale.ROOT, "CER: %.2f%% WER: %.2f%% (%d utterances)", 100 * cer(), 100 * wer(), utterances);
    }
}
