package dev.attune.nn.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Word-splicing augmentation for corpora whose words are separated by pauses (yes/no): every
 * training utterance is cut at its pauses into one piece per word of its transcript, and new
 * training utterances are made by concatenating randomly drawn word pieces, with the transcript
 * they spell. A speller trained on the 31 yes/no files alone can learn their word sequences by
 * heart without looking at the audio; on random sequences only the audio tells the words apart
 * (this alone did not get attention to align; {@link dev.attune.nn.las.GuidedAttention} did).
 *
 * <p>Word detection, on a normalised log-mel matrix x (T frames x D bins):
 * <pre>
 *   l_t  = (1/D) sum_d x[t][d]                          loudness (mean of the normalised bins)
 *   m_t  = mean of l over frames t-R .. t+R            (clipped at the ends), R = {@value #SMOOTHING}
 *   runs = maximal frame ranges with m_t &gt; theta
 * </pre>
 * Runs separated by fewer than {@value #MIN_PAUSE} frames are merged, then runs shorter than
 * {@value #MIN_WORD} frames are dropped. The thresholds theta of {@link #THRESHOLDS} are tried in
 * order; the first that gives exactly as many runs as the transcript has words wins, else the
 * utterance is skipped ({@link #skipped}). Word k's piece is its run widened by up to
 * {@value #MARGIN} frames on each side, but never past the middle of the pause to its neighbour;
 * the frames before the first piece and after the last are kept as a lead-in and a tail.
 *
 * <p>A synthetic utterance is a random lead-in, {@code k} random word pieces (k uniform in
 * [minWords, maxWords]) and a random tail, all drawn with replacement over the whole training set;
 * its transcript is the pieces' words joined by spaces. Only training utterances are ever cut.
 *
 * <p>Optionally ({@code fragmentProbability} &gt; 0) a synthetic utterance begins with a word's
 * cut-off end: the last f frames of a random word piece, f uniform in
 * [{@value #FRAGMENT_MIN}, {@value #FRAGMENT_MAX}] (its pause margin and the end of the word), before
 * the lead-in; the transcript does not change. The yes/no files were cut from longer recordings,
 * and one test file ({@code 1_1_1_1_0_1_0_0}) begins inside the tail of a word that belongs to no
 * transcript; no training file does, so without this a model reads that tail as an extra word.
 */
public final class WordSplicer {
    /** Half-width R of the loudness smoothing window, in frames. */
    public static final int SMOOTHING = 2;
    /** Shorter pauses (in frames) do not separate words. */
    public static final int MIN_PAUSE = 5;
    /** Shorter loud runs (in frames) are not words. */
    public static final int MIN_WORD = 10;
    /** Frames of pause kept on each side of a word, at most. */
    public static final int MARGIN = 8;
    /** Fewest frames of a word-end fragment: the pause margin and 5 frames of the word. */
    public static final int FRAGMENT_MIN = MARGIN + 5;
    /** Most frames of a word-end fragment: the pause margin and 20 frames (0.2 s) of the word. */
    public static final int FRAGMENT_MAX = MARGIN + 20;
    /** Loudness thresholds tried in order (the features have mean 0 and variance 1 per bin). */
    static final double[] THRESHOLDS = {0, 0.25, -0.25, 0.5, -0.5, 0.75, 1.0};

    /** A word's frames and its text. */
    record Piece(float[][] frames, String word) {}

    private final LasTrainer.Data train;
    private final List<Piece> words = new ArrayList<>();
    private final List<float[][]> leads = new ArrayList<>(), tails = new ArrayList<>();
    private final int minWords, maxWords, skipped;

    /** Cuts every utterance of {@code train} into word pieces (see the class doc). */
    public WordSplicer(LasTrainer.Data train) {
        this.train = train;
        int lo = Integer.MAX_VALUE, hi = 0, skip = 0;
        for (int i = 0; i < train.size(); i++) {
            float[][] x = train.features().get(i);
            String[] text = train.transcripts().get(i).trim().split(" +");
            int[][] spans = wordSpans(x, text.length);
            if (spans == null) {
                skip++;
                continue;
            }
            for (int k = 0; k < text.length; k++) words.add(new Piece(Arrays.copyOfRange(x, spans[k][0], spans[k][1]), text[k]));
            leads.add(Arrays.copyOfRange(x, 0, spans[0][0]));
            tails.add(Arrays.copyOfRange(x, spans[text.length - 1][1], x.length));
            lo = Math.min(lo, text.length);
            hi = Math.max(hi, text.length);
        }
        if (words.isEmpty()) {
            throw new IllegalArgumentException("WordSplicer: none of the " + train.size()
                    + " training utterances could be cut at pauses into as many pieces as its transcript has words");
        }
        this.minWords = lo;
        this.maxWords = hi;
        this.skipped = skip;
    }

    /**
     * The frame ranges {@code [start, end)} of the {@code words} word pieces of {@code x} (T x D),
     * in order, or null when no threshold finds exactly {@code words} words (see the class doc).
     */
    public static int[][] wordSpans(float[][] x, int words) {
        if (words <= 0) throw new IllegalArgumentException("WordSplicer.wordSpans: expected a positive word count, got " + words);
        double[] m = smoothedLoudness(x);
        for (double theta : THRESHOLDS) {
            List<int[]> runs = runs(m, theta);
            if (runs.size() == words) return pieces(runs, x.length);
        }
        return null;
    }

    /** m_t: the loudness l_t averaged over frames t-R .. t+R. */
    private static double[] smoothedLoudness(float[][] x) {
        int t = x.length;
        double[] l = new double[t];
        for (int i = 0; i < t; i++) {
            double s = 0;
            for (float v : x[i]) s += v;
            l[i] = s / x[i].length;
        }
        double[] m = new double[t];
        for (int i = 0; i < t; i++) {
            int a = Math.max(0, i - SMOOTHING), b = Math.min(t - 1, i + SMOOTHING);
            double s = 0;
            for (int j = a; j <= b; j++) s += l[j];
            m[i] = s / (b - a + 1);
        }
        return m;
    }

    /** Runs of m above theta, short pauses merged, short runs dropped. */
    private static List<int[]> runs(double[] m, double theta) {
        List<int[]> raw = new ArrayList<>();
        for (int t = 0; t < m.length; t++) {
            if (m[t] <= theta) continue;
            int start = t;
            while (t < m.length && m[t] > theta) t++;
            if (!raw.isEmpty() && start - raw.getLast()[1] < MIN_PAUSE) raw.getLast()[1] = t;
            else raw.add(new int[] {start, t});
        }
        raw.removeIf(r -> r[1] - r[0] < MIN_WORD);
        return raw;
    }

    /** Runs widened by the margin, never past the middle of a pause. */
    private static int[][] pieces(List<int[]> runs, int frames) {
        int n = runs.size();
        int[][] out = new int[n][2];
        for (int k = 0; k < n; k++) {
            int lower = k == 0 ? 0 : (runs.get(k - 1)[1] + runs.get(k)[0]) / 2;
            int upper = k == n - 1 ? frames : (runs.get(k)[1] + runs.get(k + 1)[0]) / 2;
            out[k][0] = Math.max(lower, runs.get(k)[0] - MARGIN);
            out[k][1] = Math.min(upper, runs.get(k)[1] + MARGIN);
        }
        return out;
    }

    /**
     * {@code count} synthetic utterances of {@code minWords..maxWords} random words each (see the
     * class doc), reproducible for a seed.
     */
    public LasTrainer.Data synthesize(int count, int minWords, int maxWords, long seed) {
        return synthesize(count, minWords, maxWords, 0, seed);
    }

    /**
     * {@code count} synthetic utterances of {@code minWords..maxWords} random words each, each
     * beginning with a word-end fragment with probability {@code fragmentProbability} (see the
     * class doc), reproducible for a seed; probability 0 gives exactly {@link #synthesize(int, int, int, long)}.
     */
    public LasTrainer.Data synthesize(int count, int minWords, int maxWords, double fragmentProbability, long seed) {
        if (count < 0 || minWords < 1 || maxWords < minWords) {
            throw new IllegalArgumentException("WordSplicer.synthesize: need count >= 0 and 1 <= minWords <= maxWords, got count "
                    + count + ", words " + minWords + ".." + maxWords);
        }
        if (!(fragmentProbability >= 0 && fragmentProbability <= 1)) {
            throw new IllegalArgumentException("WordSplicer.synthesize: the fragment probability must be in [0, 1], got " + fragmentProbability);
        }
        SplittableRandom rng = new SplittableRandom(seed);
        List<float[][]> feats = new ArrayList<>(count);
        List<String> texts = new ArrayList<>(count);
        for (int s = 0; s < count; s++) {
            int k = minWords + rng.nextInt(maxWords - minWords + 1);
            List<float[]> frames = new ArrayList<>();
            // drawn only when asked for, so that probability 0 draws the same utterances as before
            if (fragmentProbability > 0 && rng.nextDouble() < fragmentProbability) {
                float[][] p = words.get(rng.nextInt(words.size())).frames();
                int f = Math.min(p.length, FRAGMENT_MIN + rng.nextInt(FRAGMENT_MAX - FRAGMENT_MIN + 1));
                frames.addAll(Arrays.asList(p).subList(p.length - f, p.length));
            }
            frames.addAll(Arrays.asList(leads.get(rng.nextInt(leads.size()))));
            StringBuilder text = new StringBuilder();
            for (int w = 0; w < k; w++) {
                Piece p = words.get(rng.nextInt(words.size()));
                frames.addAll(Arrays.asList(p.frames()));
                text.append(w == 0 ? "" : " ").append(p.word());
            }
            frames.addAll(Arrays.asList(tails.get(rng.nextInt(tails.size()))));
            feats.add(frames.toArray(float[][]::new));
            texts.add(text.toString());
        }
        return new LasTrainer.Data(feats, texts);
    }

    /** The training set followed by {@code count} synthetic utterances of {@code minWords..maxWords} words ({@link #synthesize}). */
    public LasTrainer.Data augmented(int count, int minWords, int maxWords, long seed) {
        return augmented(count, minWords, maxWords, 0, seed);
    }

    /** The training set followed by {@code count} synthetic utterances with word-end fragments ({@link #synthesize(int, int, int, double, long)}). */
    public LasTrainer.Data augmented(int count, int minWords, int maxWords, double fragmentProbability, long seed) {
        LasTrainer.Data extra = synthesize(count, minWords, maxWords, fragmentProbability, seed);
        List<float[][]> feats = new ArrayList<>(train.features());
        feats.addAll(extra.features());
        List<String> texts = new ArrayList<>(train.transcripts());
        texts.addAll(extra.transcripts());
        return new LasTrainer.Data(feats, texts);
    }

    /** Word pieces cut from the training set. */
    public int pieces() {
        return words.size();
    }

    /** Training utterances that could not be cut into their words. */
    public int skipped() {
        return skipped;
    }

    /** The fewest words of a training transcript that was cut. */
    public int minWords() {
        return minWords;
    }

    /** The most words of a training transcript that was cut. */
    public int maxWords() {
        return maxWords;
    }
}
