package dev.attune.nn.las;

import dev.attune.nn.Module;
import dev.attune.tensor.Generator;
import dev.attune.tensor.Tensor;

/**
 * Listen, Attend and Spell (Chan et al. 2016): a {@link Listener} (child {@code listener}) turns
 * log-mel frames (N, T, inputDim) into states (N, T / 2^k, 2 listenerHidden), and a {@link Speller}
 * (child {@code speller}) attends over them to emit characters. {@link #forward} returns the
 * teacher-forced logits (N, L, vocab) and attention weights (N, L, T / 2^k); train it with
 * cross entropy against the targets, ignoring {@code <pad>}.
 */
public final class Las extends Module {
    public enum AttentionKind { DOT, LOCATION }

    /**
     * Sizes of a LAS model. {@code listenerLayers} counts the pyramidal layers after the first
     * BLSTM (time shrinks 2^listenerLayers times); {@code locationChannels} and
     * {@code locationHalfWidth} matter only for location-aware attention (filters of width 2*halfWidth+1);
     * {@code dropout} is the training-time drop probability after each listener layer and of the
     * speller's MLP input (0 in the presets; no effect on evaluation or on the parameters).
     */
    public record Config(int inputDim, int listenerHidden, int listenerLayers, int spellerHidden, int spellerLayers,
                         int embeddingDim, int attentionDim, int vocabSize, AttentionKind attention,
                         int locationChannels, int locationHalfWidth, int sosId, int eosId, int padId, float dropout) {
        public Config {
            if (inputDim <= 0 || listenerHidden <= 0 || listenerLayers < 0 || spellerHidden <= 0 || spellerLayers <= 0
                    || embeddingDim <= 0 || attentionDim <= 0 || vocabSize <= 0 || attention == null) {
                throw new IllegalArgumentException("Las.Config: sizes must be positive (listenerLayers >= 0), got " + this);
            }
            if (!(dropout >= 0 && dropout < 1)) throw new IllegalArgumentException("Las.Config: dropout must be in [0, 1), got " + dropout);
        }

        /**
         * las-small: 40-dim input, listener BLSTM 128 with 2 pyramid layers (4x shorter), speller
         * LSTM 256 x 2, embedding 128, dot attention in 128 dims, {@link CharVocab}'s special ids.
         */
        public static Config small(int vocabSize) {
            return new Config(40, 128, 2, 256, 2, 128, 128, vocabSize, AttentionKind.DOT, 10, 50,
                    CharVocab.SOS, CharVocab.EOS, CharVocab.PAD, 0f);
        }

        /**
         * las-tiny, for quick runs on small corpora: listener BLSTM 64 with 3 pyramid layers (the
         * paper's 8x time reduction: a 6 s yes/no utterance gives about 75 listener states, which
         * attention learns to align much sooner than the 150 of 4x), speller LSTM 128 x 1,
         * embedding 32, dot attention in 64 dims, 40-dim input, {@link CharVocab}'s special ids; 751,743 parameters.
         */
        public static Config tiny(int vocabSize) {
            return new Config(40, 64, 3, 128, 1, 32, 64, vocabSize, AttentionKind.DOT, 10, 50,
                    CharVocab.SOS, CharVocab.EOS, CharVocab.PAD, 0f);
        }

        /** The preset {@code las-small} or {@code las-tiny} for {@code inputDim} features and {@link CharVocab}. */
        public static Config byName(String name, int inputDim) {
            Config c = switch (name) {
                case "las-small" -> small(CharVocab.size());
                case "las-tiny" -> tiny(CharVocab.size());
                default -> throw new IllegalArgumentException("Las.Config.byName: unknown model '" + name + "' (las-small, las-tiny)");
            };
            return c.withInputDim(inputDim);
        }

        public Config withInputDim(int dim) {
            return new Config(dim, listenerHidden, listenerLayers, spellerHidden, spellerLayers, embeddingDim, attentionDim,
                    vocabSize, attention, locationChannels, locationHalfWidth, sosId, eosId, padId, dropout);
        }

        public Config withAttention(AttentionKind kind) {
            return new Config(inputDim, listenerHidden, listenerLayers, spellerHidden, spellerLayers, embeddingDim, attentionDim,
                    vocabSize, kind, locationChannels, locationHalfWidth, sosId, eosId, padId, dropout);
        }

        /** These sizes with {@code layers} pyramid layers in the listener (time shrinks 2^layers times). */
        public Config withListenerLayers(int layers) {
            return new Config(inputDim, listenerHidden, layers, spellerHidden, spellerLayers, embeddingDim, attentionDim,
                    vocabSize, attention, locationChannels, locationHalfWidth, sosId, eosId, padId, dropout);
        }

        public Config withDropout(float p) {
            return new Config(inputDim, listenerHidden, listenerLayers, spellerHidden, spellerLayers, embeddingDim, attentionDim,
                    vocabSize, attention, locationChannels, locationHalfWidth, sosId, eosId, padId, p);
        }
    }

    private final Config config;
    private final Listener listener;
    private final Speller speller;

    public Las(Config config, Generator g) {
        this.config = config;
        this.listener = child("listener", new Listener(config.inputDim(), config.listenerHidden(), config.listenerLayers(), config.dropout(), g));
        int d = listener.outputDim();
        Attention attention = switch (config.attention()) {
            case DOT -> new DotAttention(config.spellerHidden(), d, config.attentionDim(), g);
            case LOCATION -> new LocationAwareAttention(config.spellerHidden(), d, config.attentionDim(), config.locationChannels(),
                    config.locationHalfWidth(), g);
        };
        this.speller = child("speller", new Speller(config.vocabSize(), config.embeddingDim(), config.spellerHidden(),
                config.spellerLayers(), d, attention, config.sosId(), config.eosId(), config.padId(), config.dropout(), g));
    }

    /** las-small ({@link Config#small}) for a vocabulary of {@code vocabSize} symbols. */
    public static Las small(int vocabSize, Generator g) {
        return new Las(Config.small(vocabSize), g);
    }

    /** Log-mel frames (N, T, inputDim) with lengths (null: all T) to listener states and their lengths. */
    public Encoded listen(Tensor x, int[] lengths) {
        return listener.forward(x, lengths);
    }

    /** Teacher-forced decoding of {@code targets} (N, L) int32; see {@link Speller#forward}. */
    public Speller.Output forward(Tensor x, int[] lengths, Tensor targets, float teacherForcingRatio, Generator g) {
        Encoded h = listen(x, lengths);
        Speller.Output out = speller.forward(h.values(), h.lengths(), targets, teacherForcingRatio, g);
        traced(out.logits(), x);
        return out;
    }

    public Config config() {
        return config;
    }

    public Listener listener() {
        return listener;
    }

    public Speller speller() {
        return speller;
    }
}
