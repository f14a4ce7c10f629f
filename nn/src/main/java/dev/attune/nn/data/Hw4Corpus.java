package dev.attune.nn.data;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The speaker-classification data of ML2021/2022 HW4 (VoxCeleb mel features), in its folder layout:
 * <ul>
 *   <li>{@code metadata.json}: {@code {"n_mels": 40, "speakers": {"<speaker>": [{"feature_path": "uttr-x.pt", "mel_len": N}, ...]}}}</li>
 *   <li>{@code mapping.json}: {@code {"speaker2id": {"<speaker>": 0, ...}, "id2speaker": {"0": "<speaker>", ...}}}</li>
 *   <li>{@code testdata.json} (optional): {@code {"n_mels": 40, "utterances": [{"feature_path": ..., "mel_len": N}, ...]}}</li>
 *   <li>each {@code feature_path}: a {@code torch.save}d float tensor of {@code mel_len x n_mels} ({@link PtReader})</li>
 * </ul>
 * Utterance ids are the feature paths; test utterances have no speaker. Class labels are the
 * {@code speaker2id} numbers, {@code 0 .. speakers-1}.
 */
public final class Hw4Corpus {

    private final int nMels;
    private final List<Utterance> train;
    private final List<Utterance> test;
    private final Map<String, Integer> speakerToId;
    private final List<String> idToSpeaker;
    private final Map<String, Integer> melLengths;

    private Hw4Corpus(int nMels, List<Utterance> train, List<Utterance> test, Map<String, Integer> speakerToId,
                      List<String> idToSpeaker, Map<String, Integer> melLengths) {
        this.nMels = nMels;
        this.train = List.copyOf(train);
        this.test = List.copyOf(test);
        this.speakerToId = Map.copyOf(speakerToId);
        this.idToSpeaker = List.copyOf(idToSpeaker);
        this.melLengths = Map.copyOf(melLengths);
    }

    /** Reads the JSON files in {@code dir} and checks that they agree and that every feature file exists. */
    public static Hw4Corpus load(Path dir) throws IOException {
        CorpusFiles.requireDirectory(dir, "HW4 metadata.json, mapping.json and uttr-*.pt features");
        Path metaFile = dir.resolve("metadata.json");
        Path mappingFile = dir.resolve("mapping.json");
        JsonNode meta = json(metaFile);
        JsonNode mapping = json(mappingFile);
        int nMels = positiveInt(meta.get("n_mels"), metaFile, "n_mels");
        JsonNode speakers = object(meta.get("speakers"), metaFile, "speakers");

        JsonNode s2i = object(mapping.get("speaker2id"), mappingFile, "speaker2id");
        JsonNode i2s = object(mapping.get("id2speaker"), mappingFile, "id2speaker");
        if (i2s.size() != s2i.size()) {
            throw new CorpusFormatException(mappingFile, "expected id2speaker and speaker2id of the same size, found "
                + i2s.size() + " and " + s2i.size());
        }
        Map<String, Integer> speakerToId = new HashMap<>();
        String[] names = new String[s2i.size()];
        for (Map.Entry<String, JsonNode> e : s2i.properties()) {
            JsonNode v = e.getValue();
            if (!v.canConvertToInt() || !v.isIntegralNumber() || v.intValue() < 0 || v.intValue() >= names.length || names[v.intValue()] != null) {
                throw new CorpusFormatException(mappingFile, "speaker2id[" + e.getKey() + "]: expected a distinct id in 0.."
                    + (names.length - 1) + ", found " + v);
            }
            names[v.intValue()] = e.getKey();
            speakerToId.put(e.getKey(), v.intValue());
            JsonNode back = i2s.get(String.valueOf(v.intValue()));
            if (back == null || !back.isTextual() || !back.textValue().equals(e.getKey())) {
                throw new CorpusFormatException(mappingFile, "id2speaker[\"" + v.intValue() + "\"]: expected \"" + e.getKey()
                    + "\" (from speaker2id), found " + back);
            }
        }

        Map<String, Integer> melLengths = new HashMap<>();
        List<Utterance> train = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : speakers.properties()) {
            if (!speakerToId.containsKey(e.getKey())) {
                throw new CorpusFormatException(mappingFile, "expected speaker " + e.getKey() + " of metadata.json in speaker2id, found it missing");
            }
            JsonNode list = e.getValue();
            if (!list.isArray()) {
                throw new CorpusFormatException(metaFile, "speakers." + e.getKey() + ": expected a list of utterances, found " + list.getNodeType());
            }
            for (JsonNode item : list) {
                train.add(utterance(dir, metaFile, item, e.getKey(), melLengths));
            }
        }

        List<Utterance> test = new ArrayList<>();
        Path testFile = dir.resolve("testdata.json");
        if (Files.exists(testFile)) {
            JsonNode testMeta = json(testFile);
            int testMels = positiveInt(testMeta.get("n_mels"), testFile, "n_mels");
            if (testMels != nMels) {
                throw new CorpusFormatException(testFile, "expected n_mels " + nMels + " as in metadata.json, found " + testMels);
            }
            JsonNode list = testMeta.get("utterances");
            if (list == null || !list.isArray()) {
                throw new CorpusFormatException(testFile, "expected a list 'utterances', found " + (list == null ? "none" : list.getNodeType()));
            }
            for (JsonNode item : list) {
                test.add(utterance(dir, testFile, item, null, melLengths));
            }
        }
        return new Hw4Corpus(nMels, train, test, speakerToId, List.of(names), melLengths);
    }

    /** Mel bins per frame ({@code n_mels}). */
    public int nMels() {
        return nMels;
    }

    /** The labelled utterances of {@code metadata.json}, in file order. */
    public List<Utterance> utterances() {
        return train;
    }

    /** The unlabelled utterances of {@code testdata.json}, in file order; empty without that file. */
    public List<Utterance> testUtterances() {
        return test;
    }

    /** Number of speakers (classes). */
    public int speakerCount() {
        return idToSpeaker.size();
    }

    /** The class id of {@code speaker}. */
    public int speakerId(String speaker) {
        Integer id = speakerToId.get(speaker);
        if (id == null) {
            throw new IllegalArgumentException("Hw4Corpus.speakerId: unknown speaker '" + speaker + "'");
        }
        return id;
    }

    /** The speaker of class {@code id}. */
    public String speakerName(int id) {
        if (id < 0 || id >= idToSpeaker.size()) {
            throw new IllegalArgumentException("Hw4Corpus.speakerName: expected an id in 0.." + (idToSpeaker.size() - 1) + ", got " + id);
        }
        return idToSpeaker.get(id);
    }

    /** The frame count {@code mel_len} recorded for an utterance of this corpus. */
    public int melLength(Utterance u) {
        Integer n = melLengths.get(u.id());
        if (n == null) {
            throw new IllegalArgumentException("Hw4Corpus.melLength: utterance '" + u.id() + "' is not in this corpus");
        }
        return n;
    }

    private static Utterance utterance(Path dir, Path file, JsonNode item, String speaker, Map<String, Integer> melLengths)
        throws CorpusFormatException {
        JsonNode fp = item.get("feature_path");
        if (fp == null || !fp.isTextual() || fp.textValue().isEmpty()) {
            throw new CorpusFormatException(file, "expected each utterance to have a string feature_path, found " + item);
        }
        String id = fp.textValue();
        int melLen = positiveInt(item.get("mel_len"), file, id + ".mel_len");
        Path feature = dir.resolve(id).normalize();
        if (!feature.startsWith(dir.normalize())) {
            throw new CorpusFormatException(file, "feature_path '" + id + "' points outside " + dir);
        }
        CorpusFiles.requireFile(feature, "the features listed in " + file.getFileName());
        if (melLengths.put(id, melLen) != null) {
            throw new CorpusFormatException(file, "feature_path '" + id + "' is listed twice");
        }
        return new Utterance(id, speaker, null, feature, Utterance.Kind.TORCH_TENSOR);
    }

    private static JsonNode json(Path file) throws IOException {
        CorpusFiles.requireFile(file, "a HW4 JSON file");
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(file.toFile());
        } catch (JacksonException e) {
            throw new CorpusFormatException(file, "expected JSON, found a syntax error: " + e.getOriginalMessage());
        }
        return object(root, file, "the top level");
    }

    private static JsonNode object(JsonNode node, Path file, String what) throws CorpusFormatException {
        if (node == null || !node.isObject()) {
            throw new CorpusFormatException(file, "expected an object for " + what + ", found " + (node == null ? "none" : node.getNodeType()));
        }
        return node;
    }

    private static int positiveInt(JsonNode node, Path file, String what) throws CorpusFormatException {
        if (node == null || !node.isIntegralNumber() || !node.canConvertToInt() || node.intValue() <= 0) {
            throw new CorpusFormatException(file, "expected a positive integer " + what + ", found " + node);
        }
        return node.intValue();
    }
}
