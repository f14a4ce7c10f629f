package dev.attune.nn.metrics;

import java.util.List;
import java.util.Objects;

/**
 * Levenshtein alignment of a hypothesis against a reference, with the kinds of edit counted.
 * The distance is the least number of substitutions, insertions (hypothesis tokens with no
 * reference counterpart) and deletions (reference tokens the hypothesis misses) turning the
 * reference into the hypothesis:
 * <pre>
 *   D[i][0] = i,  D[0][j] = j
 *   D[i][j] = min(D[i-1][j-1] + [ref_i != hyp_j],  D[i-1][j] + 1 (deletion),  D[i][j-1] + 1 (insertion))
 * </pre>
 * Among alignments of equal cost, the backtrace prefers a match or substitution, then a deletion,
 * then an insertion, so the split into kinds is deterministic.
 *
 * @param substitutions reference tokens replaced by another token
 * @param insertions    extra hypothesis tokens
 * @param deletions     reference tokens missing from the hypothesis
 * @param referenceLength number of reference tokens
 */
public record EditDistance(int substitutions, int insertions, int deletions, int referenceLength) {

    public EditDistance {
        if (substitutions < 0 || insertions < 0 || deletions < 0 || referenceLength < 0 || substitutions + deletions > referenceLength) {
            throw new IllegalArgumentException("EditDistance: counts must be non-negative with substitutions + deletions <= reference length, got S="
                    + substitutions + " I=" + insertions + " D=" + deletions + " N=" + referenceLength);
        }
    }

    /** Total edits S + I + D. */
    public int edits() {
        return substitutions + insertions + deletions;
    }

    /** Edits per reference token (can exceed 1 with many insertions); 0 for an empty reference matched exactly, else infinite when the reference is empty. */
    public double rate() {
        if (referenceLength == 0) return edits() == 0 ? 0.0 : Double.POSITIVE_INFINITY;
        return (double) edits() / referenceLength;
    }

    /** The sum of two alignments' counts (for corpus-level rates). */
    public EditDistance plus(EditDistance o) {
        return new EditDistance(substitutions + o.substitutions, insertions + o.insertions, deletions + o.deletions,
                referenceLength + o.referenceLength);
    }

    /** The alignment of two token sequences (compared with {@link Object#equals}). */
    public static <T> EditDistance of(List<T> reference, List<T> hypothesis) {
        Objects.requireNonNull(reference, "reference");
        Objects.requireNonNull(hypothesis, "hypothesis");
        int n = reference.size(), m = hypothesis.size();
        int[][] d = new int[n + 1][m + 1];
        for (int i = 0; i <= n; i++) d[i][0] = i;
        for (int j = 0; j <= m; j++) d[0][j] = j;
        for (int i = 1; i <= n; i++) {
            for (int j = 1; j <= m; j++) {
                int diag = d[i - 1][j - 1] + (reference.get(i - 1).equals(hypothesis.get(j - 1)) ? 0 : 1);
                d[i][j] = Math.min(diag, Math.min(d[i - 1][j], d[i][j - 1]) + 1);
            }
        }
        int s = 0, ins = 0, del = 0;
        int i = n, j = m;
        while (i > 0 || j > 0) {
            if (i > 0 && j > 0) {
                boolean same = reference.get(i - 1).equals(hypothesis.get(j - 1));
                if (d[i][j] == d[i - 1][j - 1] + (same ? 0 : 1)) {
                    if (!same) s++;
                    i--;
                    j--;
                    continue;
                }
            }
            if (i > 0 && d[i][j] == d[i - 1][j] + 1) {
                del++;
                i--;
            } else {
                ins++;
                j--;
            }
        }
        return new EditDistance(s, ins, del, n);
    }

    /** Character-level alignment (every character, spaces included). */
    public static EditDistance chars(String reference, String hypothesis) {
        return of(reference.chars().boxed().toList(), hypothesis.chars().boxed().toList());
    }

    /** Word-level alignment: words are the non-empty runs between whitespace. */
    public static EditDistance words(String reference, String hypothesis) {
        return of(words(reference), words(hypothesis));
    }

    private static List<String> words(String text) {
        String t = text.strip();
        return t.isEmpty() ? List.of() : List.of(t.split("\\s+"));
    }
}
