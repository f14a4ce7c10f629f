package dev.attune.nn.las;

import dev.attune.tensor.Tensor;
import java.util.List;

/**
 * The character vocabulary of the LAS recipes: {@code <pad>} = 0, {@code <sos>} = 1, {@code <eos>} = 2,
 * then space, apostrophe and a..z (31 symbols). Text is lower-cased before encoding.
 */
public final class CharVocab {
    public static final int PAD = 0, SOS = 1, EOS = 2;
    private static final String CHARS = " 'abcdefghijklmnopqrstuvwxyz";
    private static final int FIRST_CHAR = 3;

    private CharVocab() {}

    /** Number of symbols, specials included. */
    public static int size() {
        return FIRST_CHAR + CHARS.length();
    }

    /** The id of a character (case-insensitive). */
    public static int id(char ch) {
        int k = CHARS.indexOf(Character.toLowerCase(ch));
        if (k < 0) throw new IllegalArgumentException("CharVocab: character '" + ch + "' (U+" + String.format("%04X", (int) ch) + ") is not in the vocabulary");
        return FIRST_CHAR + k;
    }

    /** The printed form of an id: the character, or {@code <pad>}, {@code <sos>}, {@code <eos>}. */
    public static String symbol(int id) {
        return switch (id) {
            case PAD -> "<pad>";
            case SOS -> "<sos>";
            case EOS -> "<eos>";
            default -> {
                if (id < FIRST_CHAR || id >= size()) throw new IllegalArgumentException("CharVocab: id " + id + " is outside [0, " + size() + ")");
                yield String.valueOf(CHARS.charAt(id - FIRST_CHAR));
            }
        };
    }

    /** The ids of the characters of {@code text} (no specials added). */
    public static int[] encode(String text) {
        int[] ids = new int[text.length()];
        for (int k = 0; k < ids.length; k++) ids[k] = id(text.charAt(k));
        return ids;
    }

    /** The text of ids up to the first {@code <eos>}, skipping {@code <pad>} and {@code <sos>}. */
    public static String decode(int[] ids) {
        StringBuilder sb = new StringBuilder();
        for (int id : ids) {
            if (id == EOS) break;
            if (id != PAD && id != SOS) sb.append(symbol(id));
        }
        return sb.toString();
    }

    /** Speller targets (N, L) int32: each text's ids followed by {@code <eos>}, padded with {@code <pad>} to the longest. */
    public static Tensor targets(List<String> texts) {
        int len = 0;
        for (String t : texts) len = Math.max(len, t.length() + 1);
        int[] out = new int[texts.size() * len];
        for (int b = 0; b < texts.size(); b++) {
            int[] ids = encode(texts.get(b));
            System.arraycopy(ids, 0, out, b * len, ids.length);
            out[b * len + ids.length] = EOS;
        }
        return Tensor.ofInts(out, texts.size(), len);
    }
}
