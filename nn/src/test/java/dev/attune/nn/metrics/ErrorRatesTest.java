package dev.attune.nn.metrics;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Edit distances and error rates against cases worked out by hand. */
class ErrorRatesTest {

    private static void counts(EditDistance e, int s, int i, int d, int n) {
        assertEquals(List.of(s, i, d, n), List.of(e.substitutions(), e.insertions(), e.deletions(), e.referenceLength()), e.toString());
    }

    @Test
    void classicCases() {
        // kitten -> sitting: k->s, e->i, insert g
        counts(EditDistance.chars("kitten", "sitting"), 2, 1, 0, 6);
        // sitting -> kitten: the reverse, one deletion instead
        counts(EditDistance.chars("sitting", "kitten"), 2, 0, 1, 7);
        counts(EditDistance.chars("abc", "abc"), 0, 0, 0, 3);
        counts(EditDistance.chars("abc", ""), 0, 0, 3, 3);
        counts(EditDistance.chars("", "ab"), 0, 2, 0, 0);
        // flaw -> lawn: delete f, insert n (2), cheaper than 4 substitutions
        counts(EditDistance.chars("flaw", "lawn"), 0, 1, 1, 4);
        // intention -> execution: distance 5 (textbook example)
        assertEquals(5, EditDistance.chars("intention", "execution").edits());
    }

    @Test
    void wordsSplitOnWhitespace() {
        EditDistance e = EditDistance.words("yes no yes  no", " yes yes no no ");
        // one alignment of cost 2: yes [no->yes] yes... no: ref yes no yes no, hyp yes yes no no -> 2 substitutions
        assertEquals(2, e.edits());
        assertEquals(4, e.referenceLength());
        counts(EditDistance.words("the cat sat", "the cat sat down"), 0, 1, 0, 3);
        counts(EditDistance.words("the cat sat", "cat sat"), 0, 0, 1, 3);
        counts(EditDistance.words("", ""), 0, 0, 0, 0);
        assertEquals(0.0, EditDistance.words("", "").rate());
        assertEquals(Double.POSITIVE_INFINITY, EditDistance.words("", "x").rate());
    }

    @Test
    void corpusRatesPoolEditsOverReferenceLength() {
        ErrorRates r = new ErrorRates();
        ErrorRates.Utterance a = r.add("seven", "seven");
        ErrorRates.Utterance b = r.add("two", "tw");     // one deletion in 3 characters
        ErrorRates.Utterance c = r.add("yes no", "yes yes no");   // 4 inserted characters ("yes "), one inserted word
        assertEquals(0.0, a.cer());
        assertEquals(1.0 / 3, b.cer(), 1e-12);
        assertEquals(1.0, b.wer());
        assertEquals(4.0 / 6, c.cer(), 1e-12);
        assertEquals(0.5, c.wer());
        // corpus: (0 + 1 + 4) / (5 + 3 + 6) chars, (0 + 1 + 1) / (1 + 1 + 2) words; not the mean of the per-utterance rates
        assertEquals(5.0 / 14, r.cer(), 1e-12);
        assertEquals(0.5, r.wer(), 1e-12);
        assertEquals(3, r.utterances());
        assertEquals("CER: 35.71% WER: 50.00% (3 utterances)", r.toString());
    }

    @Test
    void badCountsAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new EditDistance(3, 0, 1, 3));
        assertTrue(e.getMessage().contains("EditDistance") && e.getMessage().contains("S=3"), e.getMessage());
    }
}
